"""The application: routers over the library, the limits around them, engines built at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib.metadata import PackageNotFoundError, version

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .auth import token_check
from .handlers import install_handlers
from .limits import BodyLimit, TimeLimit
from .observe import Observe
from .openapi import openapi_document, openapi_text
from .routes.batch import batch_router
from .routes.consult import consult_router
from .routes.diagnose import diagnose_router
from .routes.diagrams import diagrams_router
from .routes.health import health_router
from .routes.kb import kb_router
from .service import Service
from .settings import ServeSettings

__all__ = ["committed_openapi", "create_app"]


def _version() -> str:
    try:
        return version("kb-engine")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0"


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """The service as an ASGI application (``uvicorn`` runs it; so can any ASGI server).

    The knowledge base is loaded here; the engines are built when the application
    starts (its lifespan), before the first request is answered.

    Raises:
        KnowledgeBaseError: ``settings.kb_path`` does not load.
    """
    settings = settings or ServeSettings()
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(
        title="kb-engine",
        version=_version(),
        docs_url=None,  # the interactive pages load scripts from elsewhere; /openapi.json is the contract
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    auth = token_check(service)
    for make in (diagnose_router, batch_router, consult_router, kb_router, diagrams_router):
        app.include_router(make(service), dependencies=[Depends(auth)])
    app.include_router(health_router(service, auth))
    install_handlers(app)
    app.openapi = partial(openapi_document, app)  # type: ignore[method-assign]
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    # The last added is the outermost: every request is observed, then timed, then its body limited.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, on_reject=service.metrics.reject)
    app.add_middleware(TimeLimit, seconds=settings.time_limit, on_reject=service.metrics.reject)
    app.add_middleware(Observe, metrics=service.metrics)
    return app


def committed_openapi() -> str:
    """The OpenAPI document of the service as shipped (default settings, the shipped knowledge base).

    It is committed as ``kb_engine/schemas/openapi.json``; ``kb-engine schema openapi`` prints it.
    """
    return openapi_text(create_app())
