"""``kb-engine lint`` and ``kb-engine kb list|show|handbook``: looking into the knowledge base."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from kb_engine.knowledge.model import Cause, CodeEntry, Edition, Finding, KnowledgeBase, Procedure, Step

__all__ = ["kb_group", "lint_command"]

_KB_OPTION = click.option(
    "--kb", "kb_path", type=click.Path(exists=True, file_okay=False), metavar="PATH",
    help="A knowledge-base directory to use instead of the shipped one.",
)
_EDITION_OPTION = click.option(
    "--edition", metavar="EDITION", help="Article edition: 2019-07 or 2019-12 (default: the newest)."
)
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
        click.echo("lint: the knowledge base is clean", err=True)
        return 0
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    detail = ", ".join(f"{n} {check}" for check, n in counts.items())
    total = len(findings)
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
      kb-engine kb handbook --out handbooks/
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
        click.echo(_dump(_list_data(ed, lang)), nl=False)
    elif fmt == "markdown":
        click.echo(_list_markdown(ed, lang), nl=False)
    else:
        click.echo(_list_text(ed, lang), nl=False)


def _count(n: int, lang: str) -> str:
    if lang == "ja":
        return f"原因 {n} 件"
    return f"{n} cause{'s' if n != 1 else ''}"


def _list_data(ed: Edition, lang: str) -> dict[str, Any]:
    return {
        "edition": ed.id,
        "published": ed.published,
        "lang": lang,
        "title": ed.title.get(lang),
        "codes": [
            {
                "names": list(entry.names),
                "aliases": list(entry.aliases),
                "message": ed.fill(entry.message, lang),
                "causes": list(entry.causes),
                "cause_count": len(entry.causes),
            }
            for entry in ed.codes
        ],
        "causes": [
            {"id": c.id, "ref": c.ref, "title": ed.fill(c.title, lang), "parent": c.parent} for c in ed.causes.values()
        ],
        "procedures": [{"id": p.id, "ref": p.ref, "title": ed.fill(p.title, lang)} for p in ed.procedures.values()],
    }


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
    kb = _load(kb_path)
    ed = kb.edition(edition)
    kind, item = _find(kb, ed, name)
    from kb_engine.knowledge import handbook as hb

    if fmt == "json":
        click.echo(_dump(_show_data(ed, kind, item, lang)), nl=False)
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


_PREFIXES = ("code", "cause", "procedure", "finding")


def _find(kb: KnowledgeBase, ed: Edition, name: str) -> tuple[str, Any]:
    """What ``name`` refers to in the edition: (kind, entity).

    Raises:
        UnknownErrorCodeError: a name that looks like an error code, and is none of the edition's.
        InputError: any other unknown name, with the closest names; or one that exists only in other editions.
    """
    from kb_engine.errors import InputError, Problem, UnknownErrorCodeError
    from kb_engine.knowledge.model import suggest

    kinds: tuple[str, ...] = _PREFIXES
    wanted = name
    prefix, sep, rest = name.partition(":")
    if sep and prefix in _PREFIXES:
        kinds, wanted = (prefix,), rest
    found = _lookup(ed, wanted, kinds)
    if found is not None:
        return found
    elsewhere = [other.id for other in kb.editions if other.id != ed.id and _lookup(other, wanted, kinds) is not None]
    if elsewhere:
        raise InputError(
            [Problem("kb show", "NAME", f"not in edition {ed.id}; it is in edition {', '.join(elsewhere)}", repr(name))],
            summary=f"{name!r} is not in edition {ed.id}",
        )
    if "code" in kinds and re.fullmatch(r"[A-Z][A-Za-z0-9]{3,}", wanted):
        raise UnknownErrorCodeError(name, suggest(wanted, kb.all_code_names()), "kb show", "NAME")
    candidates = [
        *kb.all_code_names(),
        *(c for e in kb.editions for c in e.causes),
        *(c.ref for e in kb.editions for c in e.causes.values() if c.ref),
        *(p for e in kb.editions for p in e.procedures),
        *(f for e in kb.editions for f in e.findings),
    ]
    close = suggest(wanted, sorted(set(candidates)))
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InputError(
        [
            Problem(
                "kb show", "NAME", f"no error code, cause, procedure or finding has this name{hint}", repr(name),
                "a name from kb-engine kb list, a cause letter (A..J, E1, E2) or a finding id",
            )
        ],
        summary=f"unknown name {name!r}",
    )


def _lookup(ed: Edition, name: str, kinds: tuple[str, ...]) -> tuple[str, Any] | None:
    if "code" in kinds:
        entry = ed.code(name)
        if entry is None:
            folded = [e for e in ed.codes if name.lower() in {n.lower() for n in (*e.names, *e.aliases)}]
            entry = folded[0] if len(folded) == 1 else None
        if entry is not None:
            return "code", entry
    if "cause" in kinds:
        if name in ed.causes:
            return "cause", ed.causes[name]
        for cause in ed.causes.values():
            if cause.ref is not None and cause.ref.lower() == name.lower():
                return "cause", cause
    if "procedure" in kinds:
        if name in ed.procedures:
            return "procedure", ed.procedures[name]
        for proc in ed.procedures.values():
            if proc.ref is not None and proc.ref.lower() == name.lower():
                return "procedure", proc
    if "finding" in kinds and name in ed.findings:
        return "finding", ed.findings[name]
    return None


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


def _steps_data(ed: Edition, steps: tuple[Step, ...], lang: str) -> list[dict[str, Any]]:
    from kb_engine.knowledge.conditions import to_data

    return [
        {
            "text": ed.fill(step.text, lang),
            "command": step.command,
            "link": step.link,
            "when": to_data(step.when) if step.when is not None else None,
            "procedure": step.procedure,
            "variants": [
                {"label": v.label.get(lang), "command": v.command, "when": to_data(v.when) if v.when is not None else None}
                for v in step.variants
            ],
        }
        for step in steps
    ]


def _show_data(ed: Edition, kind: str, item: Any, lang: str) -> dict[str, Any]:
    from kb_engine.knowledge.conditions import refs_of, to_data
    from kb_engine.knowledge.handbook import codes_leading_to

    base: dict[str, Any] = {"kind": kind, "edition": ed.id, "lang": lang}
    if kind == "code":
        entry: CodeEntry = item
        return base | {
            "id": entry.id,
            "names": list(entry.names),
            "aliases": list(entry.aliases),
            "message": ed.fill(entry.message, lang),
            "summary": ed.fill(entry.summary, lang),
            "advice": ed.fill(entry.advice, lang) if entry.advice is not None else None,
            "causes": [
                {"id": cid, "ref": ed.causes[cid].ref, "title": ed.fill(ed.causes[cid].title, lang), "children": list(ed.causes[cid].children)}
                for cid in entry.causes
            ],
        }
    if kind == "cause":
        cause: Cause = item
        return base | {
            "id": cause.id,
            "ref": cause.ref,
            "title": ed.fill(cause.title, lang),
            "summary": ed.fill(cause.summary, lang),
            "parent": cause.parent,
            "children": list(cause.children),
            "codes": codes_leading_to(ed, cause.id),
            "applies": to_data(cause.applies) if cause.applies is not None else None,
            "when": to_data(cause.when),
            "findings": {
                fid: ed.fill(ed.findings[fid].text, lang)
                for fid in sorted(refs_of(cause.when)[0] | (refs_of(cause.applies)[0] if cause.applies is not None else set()))
            },
            "steps": _steps_data(ed, cause.steps, lang),
            "logs": list(cause.logs),
            "notes": [ed.fill(n, lang) for n in cause.notes],
        }
    if kind == "procedure":
        proc: Procedure = item
        return base | {
            "id": proc.id,
            "ref": proc.ref,
            "title": ed.fill(proc.title, lang),
            "steps": _steps_data(ed, proc.steps, lang),
            "notes": [ed.fill(n, lang) for n in proc.notes],
        }
    finding: Finding = item
    return base | {
        "id": finding.id,
        "text": ed.fill(finding.text, lang),
        "question": ed.fill(finding.question, lang),
        "when": to_data(finding.when),
    }


@kb_group.command("handbook", epilog=_KB_EXIT)
@click.option("--edition", metavar="EDITION", help="Only this edition (default: every edition).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Only this language (default: both).")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True, metavar="DIR",
    help="Directory to write handbook-<edition>-<lang>.md into (created if missing).",
)
@_KB_OPTION
def handbook_command(edition: str | None, lang: str | None, out_dir: str, kb_path: str | None) -> None:
    """Write the knowledge base as Markdown handbooks, one per edition and language.

    Each file is written to a temporary file first and renamed into place, so
    a reader never sees half a handbook. The paths written go to standard output.

    \b
    Examples:
      kb-engine kb handbook --out diagrams/handbook
      kb-engine kb handbook --edition 2019-07 --lang ja --out /tmp
    """
    from kb_engine.io.write import write_atomic
    from kb_engine.knowledge.handbook import LANGS, handbook, handbook_name

    kb = _load(kb_path)
    editions = [kb.edition(edition)] if edition is not None else list(kb.editions)
    langs = [lang] if lang is not None else list(LANGS)
    for ed in editions:
        for one in langs:
            target = Path(out_dir) / handbook_name(ed.id, one)
            write_atomic(target, handbook(ed, one))
            click.echo(str(target))
