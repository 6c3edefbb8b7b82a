"""``kb-engine serve``: the engine as an HTTP service (needs the ``serve`` extra)."""

from __future__ import annotations

import importlib.util

import click

from kb_engine.errors import EXIT_TOOL_MISSING

from .ui import error

__all__ = ["missing_extra", "serve_command"]

_EXIT_TEXT = """\b
Exit codes:
  0   stopped by SIGTERM, after answering the requests under way
  2   bad usage (the address cannot be used, an unreadable or too short token)
  3   the serve extra is not installed (pip install 'kb-engine[serve]')
  4   the knowledge base is invalid (--kb)
  130 interrupted (Ctrl-C)
"""

_EXTRA = ("fastapi", "uvicorn", "prometheus_client")


def missing_extra() -> int | None:
    """Say which packages of the serve extra are missing and return exit code 3; None when all are there."""
    missing = [name for name in _EXTRA if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    error(f"the service needs {', '.join(missing)}; install them with: pip install 'kb-engine[serve]'")
    return EXIT_TOOL_MISSING


@click.command("serve", epilog=_EXIT_TEXT)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; only this machine can connect to the default.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="TCP port (0: any free port; the log says which).")
@click.option(
    "--token-file", type=click.Path(dir_okay=False), metavar="FILE",
    help="A file holding the bearer token every /v1 request and /metrics must carry "
    "(or set KB_ENGINE_TOKEN_FILE, or KB_ENGINE_TOKEN to the token itself). None: no token needed.",
)
@click.option("--max-body", "max_body", type=click.IntRange(1), default=4 * 1024 * 1024, show_default=True, metavar="BYTES", help="Larger request bodies get 413.")
@click.option("--time-limit", type=click.FloatRange(0.1), default=30.0, show_default=True, metavar="SECONDS", help="A request not answered by then gets 503.")
@click.option("--workers", type=click.IntRange(1, 256), default=4, show_default=True, help="Requests worked on at once.")
@click.option("--queue", type=click.IntRange(0), default=64, show_default=True, help="Requests that may wait for a worker; any more get 429 at once.")
@click.option(
    "--backend", type=click.Choice(["direct", "experta"]), default="direct", show_default=True,
    help="How the rules run when a request does not say: direct (fast) or experta (forward chaining); identical reports.",
)
@click.option("--kb", "kb_path", type=click.Path(exists=True, file_okay=False), metavar="PATH", help="A knowledge-base directory instead of the shipped one.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN", help="Let browser pages from ORIGIN call the service (repeatable; none by default).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="One JSON line per request on standard error (never a body).")
def serve_command(
    host: str,
    port: int,
    token_file: str | None,
    max_body: int,
    time_limit: float,
    workers: int,
    queue: int,
    backend: str,
    kb_path: str | None,
    cors_origins: tuple[str, ...],
    access_log: bool,
) -> int:
    """Serve the engine over HTTP: diagnoses, consultations, the knowledge base, diagrams.

    Endpoints are under /v1 (the OpenAPI document is at /openapi.json and in
    kb_engine/schemas/openapi.json); /healthz, /readyz and /metrics are for
    operations. Errors are RFC 9457 problem details with the same problem
    list as the command line. Logs are JSON lines on standard error.

    \b
    Examples:
      kb-engine serve
      curl -s --data-binary @facts/linux-agent-outdated.yaml -H 'Content-Type: application/yaml' \\
           http://127.0.0.1:8080/v1/diagnose
      KB_ENGINE_TOKEN_FILE=/run/secrets/kb-token kb-engine serve --host 0.0.0.0 --port 8443
    """
    missing = missing_extra()
    if missing is not None:
        return missing
    from kb_engine.serve.run import run
    from kb_engine.serve.settings import ServeSettings, read_token

    settings = ServeSettings(
        host=host,
        port=port,
        token=read_token(token_file),
        max_body_bytes=max_body,
        time_limit=time_limit,
        workers=workers,
        queue=queue,
        backend="experta" if backend == "experta" else "direct",
        kb_path=kb_path,
        cors_origins=cors_origins,
    )
    return run(settings, access_log=access_log)
