"""Running the service in this process with uvicorn: what ``kb-engine serve`` calls.

This is the command line's side of the service, so it configures logging for
the process: every record (the access log, uvicorn's own messages, errors) is
one JSON object per line on standard error.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import sys
import time
from typing import Any

import uvicorn

from kb_engine.errors import EXIT_INTERNAL, EXIT_OK, InputError, Problem

from .app import create_app
from .settings import ServeSettings

__all__ = ["JsonLines", "listen", "run"]

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the access fields when there are some."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            data.update(access)
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _configure_logging(access_log: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)  # other libraries' chatter (experta's watchers log every fact at INFO) stays out
    for name in ("kb_engine.serve", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.INFO)
    if not access_log:
        logging.getLogger("kb_engine.serve.access").setLevel(logging.WARNING)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free port, which the socket then names).

    Raises:
        InputError: the address cannot be used (taken, not this machine's, not permitted).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError([Problem("--host", "", f"cannot be resolved: {exc.strerror}", repr(host))]) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise InputError([Problem("--port", "", f"cannot listen on {host}:{port}: {exc.strerror or exc}", str(port))]) from None
    sock.set_inheritable(True)
    return sock


def run(settings: ServeSettings, *, access_log: bool = True) -> int:
    """Serve until SIGTERM (exit status 0, after the requests under way are answered) or Ctrl-C.

    Raises:
        InputError: the address cannot be used.
        KnowledgeBaseError: the knowledge base does not load.
        KeyboardInterrupt: Ctrl-C, once the service has stopped.
    """
    app = create_app(settings)
    sock = listen(settings.host, settings.port)
    _configure_logging(access_log)
    log = logging.getLogger("kb_engine.serve")
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if settings.host not in _LOOPBACK and settings.token is None:
        log.warning("listening on %s without a token: anyone who can reach this address can use the service", settings.host)
    config = uvicorn.Config(
        app,
        access_log=False,  # ours has the request id and the route, and never a body
        log_config=None,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=max(1, int(settings.time_limit)),
        lifespan="on",
    )
    server = uvicorn.Server(config)
    # uvicorn repeats the signal that stopped it once it has shut down; after SIGTERM that is not an error.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    log.info("listening on http://%s:%d", shown, port, extra={"access": {"event": "listening", "host": host, "port": port}})
    try:
        server.run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    if not server.started:
        log.error("the service did not start")
        return EXIT_INTERNAL
    log.info("stopped", extra={"access": {"event": "stopped"}})
    return EXIT_OK
