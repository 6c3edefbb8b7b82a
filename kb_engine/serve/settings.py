"""How ``kb-engine serve`` is configured: one frozen object, read once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kb_engine.errors import InputError, Problem

__all__ = ["TOKEN_ENV", "TOKEN_FILE_ENV", "ServeSettings", "read_token"]

TOKEN_ENV = "KB_ENGINE_TOKEN"
"""The environment variable that holds the bearer token clients must send."""
TOKEN_FILE_ENV = "KB_ENGINE_TOKEN_FILE"
"""The environment variable that names a file holding the bearer token."""

_MIN_TOKEN = 16


@dataclass(frozen=True)
class ServeSettings:
    """Everything the service needs to know before it starts.

    Attributes:
        host: the address to listen on; the loopback address unless told otherwise.
        port: the TCP port.
        token: when set, every ``/v1`` request and ``/metrics`` must carry ``Authorization: Bearer <token>``.
        max_body_bytes: larger request bodies are refused with 413 before they are read whole.
        time_limit: seconds a request may take, from its first byte to its answer (503 after).
        workers: requests worked on at once (diagnoses, consultations, diagrams).
        queue: further requests that wait for a worker; beyond that, 429 at once.
        backend: how the rules run when a request does not say (``direct`` or ``experta``:
            the same reports; ``direct`` is many times faster).
        kb_path: a knowledge-base directory instead of the shipped one.
        cors_origins: origins a browser may call the service from (no CORS headers when empty).
    """

    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 4 * 1024 * 1024
    time_limit: float = 30.0
    workers: int = 4
    queue: int = 64
    backend: Literal["experta", "direct"] = "direct"
    kb_path: str | None = None
    cors_origins: tuple[str, ...] = ()


def read_token(token_file: str | None, environ: dict[str, str] | None = None) -> str | None:
    """The bearer token: from ``token_file``, else the file named by KB_ENGINE_TOKEN_FILE, else KB_ENGINE_TOKEN.

    Surrounding white space (a final newline) is not part of the token.

    Raises:
        InputError: the file cannot be read, or the token is shorter than 16 characters.
    """
    env = os.environ if environ is None else environ
    name = token_file or env.get(TOKEN_FILE_ENV) or None
    if name is not None:
        try:
            token = Path(name).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError([Problem(name, "", f"the token file cannot be read: {exc}")]) from None
        where = name
    else:
        raw = env.get(TOKEN_ENV)
        if raw is None:
            return None
        token, where = raw.strip(), TOKEN_ENV
    if len(token) < _MIN_TOKEN:
        raise InputError(
            [Problem(where, "", f"the token is too short to be a secret ({len(token)} characters)", None, f"at least {_MIN_TOKEN} characters")]
        )
    return token
