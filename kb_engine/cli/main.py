"""The ``kb-engine`` command line: a Click group that other modules add commands to.

Data goes to stdout, messages to stderr. Commands import heavy modules (the
rule engine, the graph, Graphviz) inside their own bodies so ``--help`` stays fast.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from kb_engine.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_IO,
    EXIT_OK,
    EXIT_USAGE,
    KbEngineError,
    StreamError,
)
from kb_engine.io.streams import guard_closed_streams

from .options import add_global_options
from .ui import SETTINGS, error

__all__ = ["cli", "main"]


class _StdoutClosed(Exception):
    """Raised in place of BrokenPipeError, which click would turn into exit status 1 ("problems found")."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _StdoutClosed from exc


def _version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from kb_engine.knowledge.load import default_kb

    try:
        package = version("kb-engine")
    except PackageNotFoundError:  # a source tree that was never installed, as kb_engine.__version__ says
        package = "0.0.0"
    kb = default_kb()
    editions = ", ".join(kb.edition_ids)
    return f"kb-engine {package}\nknowledge base {kb.kb_version}, editions {editions} (default {kb.default.id})\n"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_text(), nl=False)
        ctx.exit(0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version, the knowledge base's version and its editions, and exit.")
def cli() -> None:
    """Diagnose Azure VM backup failures caused by the VM agent or the backup extension.

    Global options (--debug, -q/--quiet, --color) may be given before or after
    the command. Shell completion: see the README ("Shell completion").

    \b
    Example:
      kb-engine diagnose facts/linux-agent-outdated.yaml --explain

    \b
    Exit codes:
      0   no problem found: every cause is ruled out
      1   problems found, or unexplained: every cause of the observed error is ruled out (collect logs and escalate)
      2   bad usage or input
      3   a needed system tool is missing or failed (Graphviz's dot)
      4   the knowledge base is invalid
      5   incomplete: nothing confirmed, but facts that would decide a cause are unknown
      6   some records of a batch were bad (each is reported; the others were diagnosed)
      70  internal error (rerun with --debug)
      74  standard input or output closed, full or failing
      130 interrupted (Ctrl-C)
      141 the reader of standard output went away (as when killed by SIGPIPE)
    """


def _register_commands() -> None:
    # Each module imports only click at its top; engines, graphs and Graphviz load inside the commands.
    from .consult import consult_command
    from .diagnose import diagnose_command, schema_command
    from .diagrams import diagrams_command
    from .kb import kb_group, lint_command
    from .serve import serve_command
    from .sources import collect_command, facts_group

    for command in (
        diagnose_command,
        consult_command,
        diagrams_command,
        facts_group,
        collect_command,
        kb_group,
        lint_command,
        schema_command,
        serve_command,
    ):
        cli.add_command(command)
    add_global_options(cli)


_register_commands()


def _stdout_gone() -> int:
    _silence_stdout()
    return EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _stream_error(exc: OSError) -> StreamError:
    """The stream an I/O error that reached the top came from (files are named by the commands themselves)."""
    if isinstance(exc, StreamError):
        return exc
    reason = exc.strerror or str(exc)
    if isinstance(exc.filename, str):
        return StreamError(exc.filename, reason)
    if exc.errno in _OUTPUT_ERRNOS:
        return StreamError("standard output", reason)
    if exc.errno in _INPUT_ERRNOS:
        return StreamError("standard input", reason)
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return StreamError("standard output", reason)
    return StreamError("standard input or output", reason)


# Errors only writing can give (a full disk, a file too large) and only reading can (`< folder`).
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_INPUT_ERRNOS = frozenset({errno.EISDIR})


def _debug(args: list[str]) -> bool:
    # The option sets SETTINGS when parsed; the arguments tell when parsing stopped before it.
    return SETTINGS.debug or "--debug" in args[: args.index("--") if "--" in args else len(args)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit status (the console-script entry point)."""
    args = list(sys.argv[1:] if argv is None else argv)
    SETTINGS.reset()
    guard_closed_streams()
    try:
        try:
            result = cli.main(args=args, prog_name="kb-engine", standalone_mode=False)
            sys.stdout.flush()
        except click.exceptions.Exit as exc:  # ctx.exit(n), when click lets it through
            result = exc.exit_code
    except KbEngineError as exc:
        if _debug(args):
            traceback.print_exc()
        error(str(exc))
        return exc.exit_code
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.ClickException as exc:
        # Click's own exit code for these is 1, which here means "problems found".
        exc.show()
        return EXIT_USAGE
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("kb-engine: interrupted", err=True)
        return EXIT_INTERRUPTED
    except (BrokenPipeError, _StdoutClosed):
        return _stdout_gone()
    except OSError as exc:  # standard output full or failing, standard input unreadable: the caller's to fix
        if _debug(args):
            traceback.print_exc()
        stream_error = _stream_error(exc)
        error(str(stream_error))
        if stream_error.stream == "standard output":
            _silence_stdout()
        return EXIT_IO
    except Exception as exc:
        if _debug(args):  # the traceback, but still exit 70: an uncaught exception would exit 1, "problems found"
            traceback.print_exc()
            return EXIT_INTERNAL
        click.echo(
            f"kb-engine: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
            err=True,
        )
        return EXIT_INTERNAL
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    return EXIT_OK
