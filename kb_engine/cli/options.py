"""Options every command spells the same way: ``-o/--output``, ``--kb`` and the global options.

One grammar across commands (as az, ruff and pip-audit have): ``-o/--output``
is where a command writes, ``--format`` is the style of a report, ``--kb`` is the
knowledge base to read, and ``--debug``, ``-q/--quiet`` and ``--color`` work
before or after the subcommand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from .ui import SETTINGS, warn

__all__ = [
    "FORMAT_NAMES",
    "HiddenAliasOption",
    "add_global_options",
    "edition_option",
    "format_name_warning",
    "kb_option",
    "output_option",
]

F = TypeVar("F", bound=Callable[..., Any])

FORMAT_NAMES = frozenset(
    {"text", "txt", "json", "jsonl", "ndjson", "markdown", "md", "csv", "rows", "yaml", "yml",
     "dot", "svg", "png", "pdf", "mmd", "graphml", "html"}
)
"""Names of output formats: an output path that is exactly one of these is probably a mistyped ``--format``."""


class HiddenAliasOption(click.Option):
    """An option that also accepts older spellings, which its help does not show.

    Args:
        hidden_aliases: spellings accepted but left out of ``--help`` (``--out``, ``--save``).
    """

    def __init__(self, param_decls: Sequence[str], *, hidden_aliases: Sequence[str] = (), **attrs: Any) -> None:
        super().__init__([*param_decls, *hidden_aliases], **attrs)
        self.hidden_aliases = tuple(hidden_aliases)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        shown, self.opts = self.opts, [o for o in self.opts if o not in self.hidden_aliases]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = shown


_FORMAT_SPELLINGS = {"txt": "text", "md": "markdown", "yml": "yaml", "jsonl": "json", "ndjson": "json"}


def format_name_warning(
    chooser: str | None = "--format", choices: Sequence[str] | None = None
) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A callback that warns when an output path is exactly a format name (``-o json``, as az users type).

    The path is still used. The warning names the option that chooses the format
    of what this option writes (``--format``, ``--type``, ``--summary-format``)
    when the name is one of its choices; ``chooser`` None: nothing chooses it.

    Args:
        chooser: the option that picks the format of what is written there.
        choices: its choices, when they are not a ``click.Choice`` (a comma-separated list).
    """

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None or value.lower() not in FORMAT_NAMES:
            return value
        hidden = getattr(param, "hidden_aliases", ())
        spelling = "/".join(o for o in param.opts if o not in hidden)
        kind = "folder" if isinstance(param.type, click.Path) and not param.type.file_okay else "file"
        text = f"{spelling} names where to write: this writes to a {kind} named {value!r}"
        offered = _choices(ctx, chooser, choices) if chooser is not None else ()
        wanted = [name for name in (value.lower(), _FORMAT_SPELLINGS.get(value.lower())) if name in offered]
        if wanted:
            text += f"; to choose a format, use {chooser} {wanted[0]}"
        else:
            text += f" (the name of a format: is that the {kind} you meant?)"
        warn(text)
        return value

    return callback


def _choices(ctx: click.Context, chooser: str, given: Sequence[str] | None) -> Sequence[str]:
    if given is not None:
        return given
    for param in ctx.command.params:
        if chooser in getattr(param, "opts", ()) and isinstance(param.type, click.Choice):
            return [str(c) for c in param.type.choices]
    return ()


def output_option(
    help: str,  # noqa: A002 (click's own keyword)
    *,
    default: str | None = "-",
    metavar: str = "FILE|-",
    hidden_aliases: Sequence[str] = (),
    directory: bool = False,
    chooser: str | None = "--format",
    choices: Sequence[str] | None = None,
) -> Callable[[F], F]:
    """``-o/--output``: where the command writes (a file, ``-`` for standard output, or a folder).

    ``chooser`` and ``choices`` are what :func:`format_name_warning` suggests when the path is a format's name.
    """
    attrs: dict[str, Any] = {
        "cls": HiddenAliasOption,
        "hidden_aliases": hidden_aliases,
        "default": default,
        "metavar": metavar,
        "show_default": default is not None,
        "help": help,
        "callback": format_name_warning(chooser, choices),
    }
    if directory:
        attrs["type"] = click.Path(file_okay=False)
    return click.option("-o", "--output", "output", **attrs)


def kb_option(help: str = "A knowledge-base directory to use instead of the shipped one.") -> Callable[[F], F]:  # noqa: A002
    """``--kb PATH``: the knowledge base to read (a directory that must exist)."""
    return click.option(
        "--kb", "kb_path", type=click.Path(exists=True, file_okay=False), metavar="PATH", help=help,
    )


class _EditionOption(click.Option):
    """``--edition``, whose help names the shipped editions, read only when the help is shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from kb_engine.knowledge.load import default_kb

        kb = default_kb()
        *older, newest = kb.edition_ids
        template, self.help = self.help, (self.help or "").format(
            editions=f"{', '.join(older)} or {newest}" if older else newest, newest=kb.default.id
        )
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = template


def edition_option(
    help: str = "Article edition: {editions} (default: the newest, {newest}).",  # noqa: A002
) -> Callable[[F], F]:
    """``--edition EDITION``: one edition of the article, by its date; the help lists the shipped ones."""
    return click.option("--edition", metavar="EDITION", cls=_EditionOption, help=help)


def _set_debug(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        SETTINGS.debug = True


def _set_quiet(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        SETTINGS.quiet = True


def _set_colour(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        SETTINGS.color = value  # type: ignore[assignment]  # click.Choice guarantees the value


def _global_options() -> list[click.Option]:
    return [
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_set_debug,
                     help="Show a traceback on errors."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_set_quiet,
                     help="Only errors and warnings: no progress, summaries or lists of files written."),
        HiddenAliasOption(["--color"], hidden_aliases=["--colour"], type=click.Choice(["auto", "always", "never"]),
                          default=None, expose_value=False, callback=_set_colour, metavar="auto|always|never",
                          help="Colour in the output (default auto: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it)."),
    ]


def add_global_options(command: click.Command) -> None:
    """Give ``command`` and, for a group, every command under it the global options, so they work anywhere."""
    names = {opt for param in command.params for opt in getattr(param, "opts", ())}
    for option in _global_options():
        if not names & set(option.opts):
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
