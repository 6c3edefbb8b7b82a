"""Every error becomes problem details: bad input, unknown routes, limits, and bugs (500, logged)."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from kb_engine.errors import InputError, Problem, ToolFailedError, ToolMissingError, show_value

from .problems import HttpProblem, problem_response, summary

__all__ = ["install_handlers"]

_log = logging.getLogger("kb_engine.serve")


def _request_id(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def _show(value: object) -> str:
    return show_value(value)


def _respond(request: Request, kind: str, detail: str, problems: tuple[Problem, ...] = (), headers: dict[str, str] | None = None, status: int | None = None) -> Response:
    request_id = _request_id(request)
    extra = dict(headers or {})
    if request_id is not None:
        extra.setdefault("X-Request-ID", request_id)
    return problem_response(kind, detail, request.url.path, problems=problems, request_id=request_id, headers=extra, status=status)


def _validation_problems(exc: RequestValidationError) -> tuple[Problem, ...]:
    out = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        source, path = (loc[0], ".".join(loc[1:])) if loc else ("request", "")
        ctx = error.get("ctx") or {}
        expected = ctx.get("expected")
        out.append(Problem(source, path, str(error.get("msg", "invalid")), _show(error.get("input")), str(expected) if expected else None))
    return tuple(out)


def install_handlers(app: FastAPI) -> None:
    """Answer every error raised by a route or the framework as problem details."""

    @app.exception_handler(HttpProblem)
    async def on_problem(request: Request, exc: HttpProblem) -> Response:
        return _respond(request, exc.kind, exc.detail, exc.problems, exc.headers, exc.status)

    @app.exception_handler(InputError)
    async def on_input(request: Request, exc: InputError) -> Response:
        return _respond(request, "invalid-input", summary(exc), exc.problems)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        problems = _validation_problems(exc)
        count = len(problems)
        return _respond(request, "invalid-input", f"{count} problem{'s' if count != 1 else ''} in the request's parameters", problems)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _respond(request, "not-found", f"no route {request.url.path}; the routes are in /openapi.json")
        if exc.status_code == 405:
            return _respond(request, "method-not-allowed", f"{request.method} is not allowed on {request.url.path}", headers=dict(exc.headers or {}))
        kind = {400: "malformed-body", 413: "body-too-large", 415: "unsupported-media-type"}.get(exc.status_code, "internal")
        return _respond(request, kind, str(exc.detail), headers=dict(exc.headers or {}), status=exc.status_code)

    @app.exception_handler(ToolMissingError)
    @app.exception_handler(ToolFailedError)
    async def on_tool(request: Request, exc: Exception) -> Response:
        _log.error("request %s: %s", _request_id(request), exc)
        return _respond(request, "tool-failed", str(exc))

    @app.exception_handler(Exception)
    async def on_internal(request: Request, exc: Exception) -> Response:
        _log.error("request %s: internal error", _request_id(request), exc_info=exc)
        return _respond(request, "internal", "an internal error occurred; the request id is in the service's log")
