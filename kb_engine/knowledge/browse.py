"""The knowledge base as data for programs: an edition's listing, and one entity found by name.

``kb-engine kb list|show --format json`` and the service's ``/v1/kb`` endpoints
both answer with these documents, so a program sees the same data either way.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from kb_engine.errors import InputError, Problem, UnknownErrorCodeError

from .conditions import refs_of, to_data
from .handbook import codes_leading_to
from .model import Cause, CodeEntry, Edition, Finding, KnowledgeBase, Procedure, Step, suggest

__all__ = ["KINDS", "Kind", "entity_data", "find_entity", "listing"]

Kind = Literal["code", "cause", "procedure", "finding"]
KINDS: tuple[Kind, ...] = ("code", "cause", "procedure", "finding")
"""What a name can refer to, in the order a bare name is looked up; ``kind:name`` chooses one."""


def listing(ed: Edition, lang: str) -> dict[str, Any]:
    """An edition's error codes (names, aliases, message, causes), causes and procedures, in ``lang``."""
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


def find_entity(
    kb: KnowledgeBase,
    ed: Edition,
    name: str,
    kinds: tuple[Kind, ...] = KINDS,
    *,
    source: str = "kb show",
    path: str = "NAME",
) -> tuple[Kind, Any]:
    """What ``name`` refers to in the edition: (kind, entity).

    A code is found by name or alias (any case when that is unambiguous), a cause or
    procedure by id or letter (``B``, ``E1``, ``K``), a finding by id. A bare name
    shared by several kinds is the first of ``kinds``; ``finding:ID`` (or ``cause:``,
    ``code:``, ``procedure:``) chooses among those allowed.

    Raises:
        UnknownErrorCodeError: a name that looks like an error code, and is none of the edition's.
        InputError: any other unknown name, with the closest names; or one that exists only in
            other editions (they are named). Problems are reported under ``source`` and ``path``.
    """
    wanted = name
    prefix, sep, rest = name.partition(":")
    if sep and prefix in kinds:
        kinds, wanted = (prefix,), rest
    found = _lookup(ed, wanted, kinds)
    if found is not None:
        return found
    elsewhere = [other.id for other in kb.editions if other.id != ed.id and _lookup(other, wanted, kinds) is not None]
    if elsewhere:
        raise InputError(
            [Problem(source, path, f"not in edition {ed.id}; it is in edition {', '.join(elsewhere)}", repr(name))],
            summary=f"{name!r} is not in edition {ed.id}",
        )
    if "code" in kinds and re.fullmatch(r"[A-Z][A-Za-z0-9]{3,}", wanted):
        raise UnknownErrorCodeError(name, suggest(wanted, kb.all_code_names()), source, path)
    candidates = [
        *(kb.all_code_names() if "code" in kinds else ()),
        *(c for e in kb.editions for c in e.causes if "cause" in kinds),
        *(c.ref for e in kb.editions for c in e.causes.values() if c.ref and "cause" in kinds),
        *(p for e in kb.editions for p in e.procedures if "procedure" in kinds),
        *(p.ref for e in kb.editions for p in e.procedures.values() if p.ref and "procedure" in kinds),
        *(f for e in kb.editions for f in e.findings if "finding" in kinds),
    ]
    close = suggest(wanted, sorted(set(candidates)))
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    what = ", ".join(_KIND_WORDS[k] for k in kinds[:-1]) + (" or " if len(kinds) > 1 else "") + _KIND_WORDS[kinds[-1]]
    raise InputError(
        [
            Problem(
                source, path, f"no {what} has this name{hint}", repr(name),
                "a name from kb-engine kb list, a cause letter (A..J, E1, E2) or a finding id",
            )
        ],
        summary=f"unknown name {name!r}",
    )


_KIND_WORDS = {"code": "error code", "cause": "cause", "procedure": "procedure", "finding": "finding"}


def _lookup(ed: Edition, name: str, kinds: tuple[Kind, ...]) -> tuple[Kind, Any] | None:
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


def _steps_data(ed: Edition, steps: tuple[Step, ...], lang: str) -> list[dict[str, Any]]:
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


def entity_data(ed: Edition, kind: Kind, item: Any, lang: str) -> dict[str, Any]:
    """One code, cause, procedure or finding (as :func:`find_entity` returns it) as data, texts in ``lang``."""
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
        "unknown_when": to_data(finding.unknown_when) if finding.unknown_when is not None else None,
    }
