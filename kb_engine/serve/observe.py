"""Every request gets an id, a line in the access log and its metrics; no body is ever logged.

The access log is the ``kb_engine.serve.access`` logger: one record per request
whose ``access`` attribute holds the fields (method, route, path, status, bytes
sent, duration, client, request id). ``kb-engine serve`` writes them as JSON
lines on standard error; a program that embeds the application decides itself.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .metrics import Metrics

__all__ = ["ACCESS_LOGGER", "Observe"]

ACCESS_LOGGER = "kb_engine.serve.access"

_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]

_log = logging.getLogger(ACCESS_LOGGER)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "<unmatched>"


class Observe:
    """ASGI middleware: request id (kept from ``X-Request-ID`` when it is sane), access log, metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        sent = 0
        started = time.perf_counter()

        async def observed(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                own = [(b"x-request-id", request_id.encode("ascii")), *_SECURITY_HEADERS]
                extra = [(k, v) for k, v in own if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, observed)
        finally:
            self.metrics.in_progress.dec()
            elapsed = time.perf_counter() - started
            route = _route(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(elapsed)
            client = scope.get("client")
            fields: dict[str, Any] = {
                "request_id": request_id,
                "method": method,
                "route": route,
                "path": scope.get("path", ""),
                "status": status,
                "bytes": sent,
                "duration_ms": round(elapsed * 1000, 3),
                "client": f"{client[0]}:{client[1]}" if client else None,
            }
            _log.info("%s %s %s", method, scope.get("path", ""), status, extra={"access": fields})
