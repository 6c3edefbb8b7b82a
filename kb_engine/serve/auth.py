"""The optional bearer token: when the service has one, requests without it get 401."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .problems import HttpProblem
from .service import Service

__all__ = ["token_check"]

_SCHEME = HTTPBearer(
    auto_error=False,
    description="Needed only when the service was started with a token (KB_ENGINE_TOKEN or KB_ENGINE_TOKEN_FILE).",
)


def token_check(service: Service) -> Callable[..., Awaitable[None]]:
    """A dependency that lets a request through when no token is configured or it carries the token.

    The comparison takes the same time whatever the token sent, so it tells an attacker nothing.
    """
    expected = service.settings.token.encode("utf-8") if service.settings.token is not None else None

    async def check(credentials: HTTPAuthorizationCredentials | None = Depends(_SCHEME)) -> None:
        if expected is None:
            return
        given = credentials.credentials.encode("utf-8") if credentials is not None else b""
        if not hmac.compare_digest(given, expected):
            service.metrics.reject("unauthorized")
            raise HttpProblem(
                "unauthorized",
                "this service needs an Authorization: Bearer header with its token" if credentials is None else "the bearer token is not the service's",
                headers={"WWW-Authenticate": 'Bearer realm="kb-engine"'},
            )

    return check
