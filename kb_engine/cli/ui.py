"""How the command line talks to people: quiet or not, colour or not, messages on standard error.

The global options (``--debug``, ``-q/--quiet``, ``--color``) may be typed
before or after the subcommand; wherever they appear they set :data:`SETTINGS`,
which :func:`kb_engine.cli.main.main` resets for every run.

Colour follows ``--color`` when it is given; otherwise ``NO_COLOR`` (set and
not empty) turns it off, ``FORCE_COLOR`` (set and not empty) turns it on, and
else a stream is coloured only when it is a terminal (https://no-color.org,
https://force-color.org).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Literal

import click

__all__ = [
    "ColourMode", "SETTINGS", "Settings", "colour_wanted", "error", "info", "is_terminal", "label", "style_for", "warn",
]

ColourMode = Literal["auto", "always", "never"]


@dataclass
class Settings:
    """The global options of one run.

    Attributes:
        debug: show a traceback on errors.
        quiet: print no progress, summaries or lists of files written; errors and warnings still show.
        color: ``auto``, ``always`` or ``never``.
    """

    debug: bool = False
    quiet: bool = False
    color: ColourMode = "auto"

    def reset(self) -> None:
        """Back to the defaults (each run of :func:`~kb_engine.cli.main.main` starts from them)."""
        self.debug, self.quiet, self.color = False, False, "auto"


SETTINGS = Settings()


def is_terminal(stream: IO[Any]) -> bool:
    """True when ``stream`` is an open terminal (a closed or replaced stream is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def colour_wanted(stream: IO[Any]) -> bool:
    """Whether text written to ``stream`` may carry ANSI colours, by ``--color``, the environment and the stream."""
    if SETTINGS.color != "auto":
        return SETTINGS.color == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def style_for(stream: IO[Any]) -> Callable[..., str] | None:
    """``click.style`` when ``stream`` may be coloured, else None (the renderers then write plain text)."""
    return click.style if colour_wanted(stream) else None


def info(message: str) -> None:
    """A note for the person at the terminal (``kb-engine: ...`` on stderr); silent with ``--quiet``."""
    if not SETTINGS.quiet:
        click.echo(f"kb-engine: {message}", err=True, color=colour_wanted(sys.stderr))


def label(word: str, colour: str) -> str:
    """``kb-engine: word:`` for standard error, the word in bold ``colour`` when stderr may be coloured."""
    return "kb-engine: " + (click.style(f"{word}:", fg=colour, bold=True) if colour_wanted(sys.stderr) else f"{word}:")


def warn(message: str) -> None:
    """A warning on stderr (``kb-engine: warning: ...``), shown even with ``--quiet``."""
    click.echo(f"{label('warning', 'yellow')} {message}", err=True, color=colour_wanted(sys.stderr))


def error(message: str) -> None:
    """An error on stderr (``kb-engine: error: ...``), shown even with ``--quiet``."""
    click.echo(f"{label('error', 'red')} {message}", err=True, color=colour_wanted(sys.stderr))
