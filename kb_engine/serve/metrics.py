"""Request metrics in the Prometheus text format, one registry per application."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The service's counters, on a registry of its own (two applications in one process never mix).

    Routes are labelled by their template (``/v1/kb/codes/{code}``), never by the path
    requested, so the number of series stays bounded whatever clients send.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kb_engine_http_requests", "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"], registry=self.registry,
        )
        self.duration = Histogram(
            "kb_engine_http_request_duration_seconds", "Time from a request's first byte to its answer.",
            ["method", "route"], buckets=_BUCKETS, registry=self.registry,
        )
        self.in_progress = Gauge("kb_engine_http_requests_in_progress", "Requests being answered now.", registry=self.registry)
        self.rejected = Counter(
            "kb_engine_http_requests_rejected", "Requests refused by a limit: busy (429), time_limit (503), "
            "body_too_large (413), unauthorized (401).", ["reason"], registry=self.registry,
        )
        self.diagnoses = Counter(
            "kb_engine_diagnoses", "VMs diagnosed, by edition, backend and verdict.",
            ["edition", "backend", "verdict"], registry=self.registry,
        )
        for reason in ("busy", "time_limit", "body_too_large", "unauthorized"):
            self.rejected.labels(reason)

    def reject(self, reason: str) -> None:
        """Count one request refused by a limit."""
        self.rejected.labels(reason).inc()

    def text(self) -> bytes:
        """Every metric in the Prometheus text exposition format."""
        return generate_latest(self.registry)
