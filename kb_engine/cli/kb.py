"""``kb-engine lint`` and ``kb-engine kb list|show|handbook``: looking into the knowledge base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .options import edition_option, kb_option, output_option
from .ui import SETTINGS

if TYPE_CHECKING:
    from kb_engine.knowledge.model import Edition, KnowledgeBase

__all__ = ["kb_group", "lint_command"]

_KB_OPTION = kb_option()
_EDITION_OPTION = edition_option()
_LANG_OPTION = click.option(
    "--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of the texts."
)
_FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
    help="text for a terminal, json for programs, markdown for documents.",
)

_KB_EXIT = """\b
Exit codes:
  0   printed (or written)
  2   unknown edition, error code, cause or finding (the closest ones are suggested)
  4   the --kb directory does not load
"""

_LINT_EXIT = """\b
Exit codes:
  0   the knowledge base is clean
  1   lint findings
  4   the knowledge base does not load (its problems are the findings)
"""


def _dump(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------
# lint


@click.command("lint", epilog=_LINT_EXIT)
@_KB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: one finding a line; json: a list of findings.",
)
def lint_command(kb_path: str | None, fmt: str) -> int:
    """Check the knowledge base beyond its schema, in every edition.

    Reports causes no error code leads to, error codes without causes, tests
    on facts the facts model does not define, causes no facts can confirm,
    unused findings, untranslated texts, colliding aliases, placeholders
    with no value, and consultation questions that are invalid or missing
    for a fact some cause depends on. Findings go to standard output, a summary to standard error.

    \b
    Examples:
      kb-engine lint
      kb-engine lint --kb my-kb/ --format json
    """
    from kb_engine.knowledge.lint import lint

    findings = lint(kb_path)
    if fmt == "json":
        click.echo(_dump([{"check": f.check, "edition": f.edition, "where": f.where, "message": f.message} for f in findings]), nl=False)
    else:
        for finding in findings:
            click.echo(str(finding))
    if not findings:
        if not SETTINGS.quiet:
            click.echo("lint: the knowledge base is clean", err=True)
        return 0
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    detail = ", ".join(f"{n} {check}" for check, n in counts.items())
    total = len(findings)
    if not SETTINGS.quiet:
        click.echo(f"lint: {total} finding{'s' if total != 1 else ''} ({detail})", err=True)
    from kb_engine.errors import EXIT_FINDINGS, EXIT_KNOWLEDGE_BASE

    return EXIT_KNOWLEDGE_BASE if "load" in counts else EXIT_FINDINGS


# ---------------------------------------------------------------------------
# kb list / show / handbook


@click.group("kb")
def kb_group() -> None:
    """Look into the knowledge base: its error codes, causes, findings and handbooks.

    \b
    Examples:
      kb-engine kb list --edition 2019-07
      kb-engine kb show UserErrorGuestAgentStatusUnavailable --lang ja
      kb-engine kb handbook -o handbooks/
    """


def _load(kb_path: str | None) -> KnowledgeBase:
    from kb_engine.knowledge.load import default_kb, load_kb

    return default_kb() if kb_path is None else load_kb(kb_path)


@kb_group.command("list", epilog=_KB_EXIT)
@_EDITION_OPTION
@_LANG_OPTION
@_FORMAT_OPTION
@_KB_OPTION
def list_command(edition: str | None, lang: str, fmt: str, kb_path: str | None) -> None:
    """List an edition's error codes (message, number of causes), then its causes.

    \b
    Example:
      kb-engine kb list --edition 2019-07 --lang ja
    """
    ed = _load(kb_path).edition(edition)
    if fmt == "json":
        from kb_engine.knowledge.browse import listing

        click.echo(_dump(listing(ed, lang)), nl=False)
    elif fmt == "markdown":
        click.echo(_list_markdown(ed, lang), nl=False)
    else:
        click.echo(_list_text(ed, lang), nl=False)


def _count(n: int, lang: str) -> str:
    if lang == "ja":
        return f"原因 {n} 件"
    return f"{n} cause{'s' if n != 1 else ''}"


def _list_text(ed: Edition, lang: str) -> str:
    ja = lang == "ja"
    lines = [f"{'版' if ja else 'Edition'} {ed.id} ({ed.published}): {ed.title.get(lang)}", ""]
    lines.append(f"{'エラー コード' if ja else 'Error codes'} ({len(ed.codes)}):")
    width = max((len(" / ".join(e.names)) for e in ed.codes), default=0)
    for entry in ed.codes:
        count = _count(len(entry.causes), lang)
        lines.append(f"  {' / '.join(entry.names).ljust(width)}  {count.ljust(9)}  {ed.fill(entry.message, lang)}")
        if entry.aliases:
            lines.append(f"    {'別の綴り' if ja else 'also spelt'}: {', '.join(entry.aliases)}")
    lines += ["", f"{'原因' if ja else 'Causes'} ({len(ed.causes)}):"]
    id_width = max((len(c) for c in [*ed.causes, *ed.procedures]), default=0)
    for cause in ed.causes.values():
        lines.append(f"  {(cause.ref or '-').ljust(3)} {cause.id.ljust(id_width)}  {ed.fill(cause.title, lang)}")
    if ed.procedures:
        lines += ["", f"{'共通手順' if ja else 'Procedures'} ({len(ed.procedures)}):"]
        for proc in ed.procedures.values():
            lines.append(f"  {(proc.ref or '-').ljust(3)} {proc.id.ljust(id_width)}  {ed.fill(proc.title, lang)}")
    return "\n".join(lines) + "\n"


def _list_markdown(ed: Edition, lang: str) -> str:
    ja = lang == "ja"
    lines = [f"# {ed.id}: {ed.title.get(lang)}", "", f"## {'エラー コード' if ja else 'Error codes'}", ""]
    lines += [f"| {'コード' if ja else 'Code'} | {'メッセージ' if ja else 'Message'} | {'原因' if ja else 'Causes'} |", "|---|---|---|"]
    for entry in ed.codes:
        names = "<br>".join(f"`{n}`" for n in (*entry.names, *entry.aliases))
        lines.append(f"| {names} | {_cell(ed.fill(entry.message, lang))} | {len(entry.causes)} |")
    lines += ["", f"## {'原因' if ja else 'Causes'}", "", f"| | ID | {'タイトル' if ja else 'Title'} |", "|---|---|---|"]
    for cause in ed.causes.values():
        lines.append(f"| {cause.ref or ''} | `{cause.id}` | {_cell(ed.fill(cause.title, lang))} |")
    for proc in ed.procedures.values():
        lines.append(f"| {proc.ref or ''} | `{proc.id}` | {_cell(ed.fill(proc.title, lang))} |")
    return "\n".join(lines) + "\n"


@kb_group.command("show", epilog=_KB_EXIT)
@click.argument("name", metavar="CODE|CAUSE")
@_EDITION_OPTION
@_LANG_OPTION
@_FORMAT_OPTION
@_KB_OPTION
def show_command(name: str, edition: str | None, lang: str, fmt: str, kb_path: str | None) -> None:
    """Show one error code (or alias), cause (id or letter A..J, E1, E2), procedure (K) or finding.

    An id shared by a cause and a finding shows the cause; write
    finding:ID (or cause:, code:, procedure:) to choose.

    \b
    Examples:
      kb-engine kb show UserErrorRpCollectionLimitReached
      kb-engine kb show ExtentionOperationFailedForManagedDisks --edition 2019-12 --lang ja
      kb-engine kb show B --format markdown
      kb-engine kb show finding:rp_group_locked --format json
    """
    from kb_engine.knowledge import handbook as hb
    from kb_engine.knowledge.browse import entity_data, find_entity

    kb = _load(kb_path)
    ed = kb.edition(edition)
    kind, item = find_entity(kb, ed, name)
    if fmt == "json":
        click.echo(_dump(entity_data(ed, kind, item, lang)), nl=False)
        return
    if kind == "code":
        lines = hb.code_section(ed, item, lang, level=1)
    elif kind == "cause":
        lines = hb.cause_section(ed, item, lang, level=1)
    elif kind == "procedure":
        lines = hb.procedure_section(ed, item, lang, level=1)
    else:
        lines = hb.finding_section(ed, item, lang, level=1)
    lines[0] += f" ({'版' if lang == 'ja' else 'edition'} {ed.id})"
    text = "\n".join(lines).rstrip("\n") + "\n"
    click.echo(text if fmt == "markdown" else _plain(text), nl=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _plain(markdown: str) -> str:
    """Markdown made easier on a terminal: no heading marks, no bold."""
    lines = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            line = line.lstrip("#").strip()
        lines.append(line.replace("**", ""))
    return "\n".join(lines) + "\n"


@kb_group.command("handbook", epilog=_KB_EXIT)
@click.option("--edition", metavar="EDITION", help="Only this edition (default: every edition).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Only this language (default: both).")
@output_option(
    "Directory to write handbook-<edition>-<lang>.md into (created if missing).",
    default=".", metavar="DIR", hidden_aliases=["--out"], directory=True, chooser=None,
)
@_KB_OPTION
def handbook_command(edition: str | None, lang: str | None, output: str, kb_path: str | None) -> None:
    """Write the knowledge base as Markdown handbooks, one per edition and language.

    Each file is written to a temporary file first and renamed into place, so
    a reader never sees half a handbook. The paths written go to standard output
    (not with --quiet).

    \b
    Examples:
      kb-engine kb handbook -o diagrams/handbook
      kb-engine kb handbook --edition 2019-07 --lang ja -o /tmp
    """
    from kb_engine.io.write import write_atomic
    from kb_engine.knowledge.handbook import LANGS, handbook, handbook_name

    kb = _load(kb_path)
    editions = [kb.edition(edition)] if edition is not None else list(kb.editions)
    langs = [lang] if lang is not None else list(LANGS)
    for ed in editions:
        for one in langs:
            target = Path(output) / handbook_name(ed.id, one)
            write_atomic(target, handbook(ed, one))
            if not SETTINGS.quiet:
                click.echo(str(target))
