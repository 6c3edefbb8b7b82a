"""``/healthz`` (the process answers), ``/readyz`` (the engines are built) and ``/metrics`` (Prometheus)."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import JSONResponse, Response

from ..problems import HttpProblem
from ..service import BACKENDS, Service
from .common import errors, schema_ref

__all__ = ["health_router"]


def health_router(service: Service, auth: Callable[..., Awaitable[None]]) -> APIRouter:
    """The probes (never behind the token) and the metrics (behind it, when there is one)."""
    router = APIRouter(tags=["operations"])

    @router.get(
        "/healthz",
        summary="Liveness",
        responses={200: {"description": "The process is up and answering.", "content": {"application/json": {"schema": schema_ref("Health")}}}},
        response_class=JSONResponse,
    )
    async def healthz() -> JSONResponse:
        """Always 200 while the process answers."""
        return JSONResponse({"status": "ok"})

    @router.get(
        "/readyz",
        summary="Readiness",
        responses={
            200: {"description": "The engines are built: requests will be answered.", "content": {"application/json": {"schema": schema_ref("Ready")}}},
            **{k: v for k, v in errors().items() if k == 503},
        },
        response_class=JSONResponse,
    )
    async def readyz() -> JSONResponse:
        """200 once every engine is built; 503 before that."""
        if not service.ready:
            raise HttpProblem("not-ready", "the engines are still being built")
        return JSONResponse(
            {"status": "ready", "kb_version": service.kb.kb_version, "editions": list(service.kb.edition_ids), "backends": list(BACKENDS)}
        )

    @router.get(
        "/metrics",
        summary="Request metrics (Prometheus text format)",
        dependencies=[Depends(auth)],
        response_class=Response,
        responses={
            200: {"description": "Requests by route and status, durations, refusals by reason, diagnoses by verdict.", "content": {"text/plain": {"schema": {"type": "string"}}}},
            **{k: v for k, v in errors().items() if k in (401, 500)},
        },
    )
    async def metrics() -> Response:
        """Every metric, for a Prometheus scraper."""
        return Response(service.metrics.text(), media_type=CONTENT_TYPE_LATEST)

    return router
