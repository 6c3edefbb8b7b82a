"""Checks on the knowledge base that go beyond its schema.

:func:`load_kb` already refuses a knowledge base that is malformed (bad YAML,
unknown fields, unknown ids, conditions outside the vocabulary). :func:`lint`
reports those problems too, as findings of the check ``load``, and on a
knowledge base that loads it looks, edition by edition, for what is valid but
wrong: a cause no error code leads to, a cause no VM can ever confirm, a
finding nothing uses, a text left untranslated, colliding aliases, a
placeholder with nothing to fill it.

The checks, by id:

* ``load``: the knowledge base does not load (each problem of the loader);
* ``unknown-fact``: a condition tests a fact the facts model does not define;
* ``missing-param``: a ``{placeholder}`` has no param, or its param is a limit
  the edition does not have;
* ``unreachable-cause``: no error code of the edition leads to the cause;
* ``code-without-causes``: an error code with no cause;
* ``unconfirmable-cause``: no combination of facts confirms the cause;
* ``unused-finding``: no cause, step or other used finding refers to the finding;
* ``unused-fact``: the facts model accepts a fact that no rule, step, variant or
  text of any edition reads, and ``editions.yaml`` does not declare it
  ``informational`` (with the reason);
* ``missing-translation``: a text blank in one language, or a Japanese text
  without a single kana or kanji while its English has letters;
* ``alias-collision``: an alias equal (ignoring case) to another entry's code
  or alias, or to its own entry's code;
* ``questions``: questions.yaml (the consultation's questions) does not load,
  or a fact some cause depends on has no question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_engine.errors import KnowledgeBaseError, Problem
from kb_engine.io.read import read_data_file

from .conditions import Test, parse_condition, refs_of, walk
from .confirmable import confirmable, mentioned_values
from .files import FILES
from .load import kb_root, load_kb
from .model import Edition, KnowledgeBase, Text, all_conditions, facts_used
from .questions import QUESTIONS_FILE, load_questions
from .vocabulary import fact_catalog

__all__ = ["CHECKS", "LintFinding", "lint", "lint_kb"]


CHECKS: tuple[str, ...] = (
    "load",
    "unknown-fact",
    "missing-param",
    "unreachable-cause",
    "code-without-causes",
    "unconfirmable-cause",
    "unused-finding",
    "unused-fact",
    "missing-translation",
    "alias-collision",
    "questions",
)
"""Every check id, in the order findings are reported."""

_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LETTER_RE = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One thing wrong with the knowledge base.

    Attributes:
        check: the check's id (see :data:`CHECKS`).
        edition: the edition concerned, or None when the finding concerns the whole knowledge base.
        where: a file and the path of the element in it (``causes.yaml: causes[3].when``), or an
            entity (``cause agent_outdated_linux``, ``code UserErrorUnsupportedDiskSize``).
        message: what is wrong, in one sentence.
    """

    check: str
    edition: str | None
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.check} [{self.edition or 'all editions'}] {self.where}: {self.message}"


def lint(path: str | Path | None = None) -> list[LintFinding]:
    """Lint a knowledge base directory (the shipped one when ``path`` is None).

    A knowledge base that does not load gives one ``load`` finding per problem
    of the loader, except the unknown facts and placeholders, which get their
    own checks; the checks that need a loaded knowledge base are then skipped.

    Returns:
        Every finding, in a deterministic order; empty when the knowledge base is clean.
    """
    try:
        kb = load_kb(path)
    except KnowledgeBaseError as exc:
        return _load_findings(path, exc.problems)
    try:
        load_questions(path, kb)
    except KnowledgeBaseError as exc:
        return [*lint_kb(kb), *(_finding("questions", problem) for problem in exc.problems)]
    return lint_kb(kb)


def lint_kb(kb: KnowledgeBase) -> list[LintFinding]:
    """Run every check beyond the schema on a loaded knowledge base."""
    found: list[LintFinding] = []
    for edition in kb.editions:
        found += _unknown_facts(edition)
        found += _missing_params(edition)
        found += _unreachable_causes(edition)
        found += _codes_without_causes(edition)
        found += _unconfirmable_causes(edition)
        found += _unused_findings(edition)
        found += _missing_translations(edition)
        found += _alias_collisions(edition)
    found += _unused_facts(kb)
    order = {check: i for i, check in enumerate(CHECKS)}
    return sorted(found, key=lambda f: (order[f.check], kb.edition_ids.index(f.edition) if f.edition else -1))


# ---------------------------------------------------------------------------
# A knowledge base that does not load


def _load_findings(path: str | Path | None, problems: tuple[Problem, ...]) -> list[LintFinding]:
    scanned = _scan_raw(path)
    covered = {(f.check, f.where.split(":", 1)[0]) for f in scanned}
    out: list[LintFinding] = []
    for problem in problems:
        check = _own_check(problem.message)
        if check is not None and (check, _file_of(problem.source)) in covered:
            continue  # the raw scan reports it, with the edition it concerns and its path in a change
        out.append(_finding(check or "load", problem))
    return [*out, *scanned]


def _finding(check: str, problem: Problem) -> LintFinding:
    where = f"{_file_of(problem.source)}: {problem.path}" if problem.path else _file_of(problem.source)
    message = problem.message
    if problem.value is not None:
        message += f" (got {problem.value})"
    if problem.allowed:
        message += f"; allowed: {problem.allowed}"
    return LintFinding(check, None, where, message)


def _own_check(message: str) -> str | None:
    if message.startswith("unknown fact") or " items have no field " in message:
        return "unknown-fact"
    if message.startswith("unknown placeholder"):
        return "missing-param"
    return None


def _file_of(source: str) -> str:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    return name if name in FILES or name == QUESTIONS_FILE else source


def _scan_raw(path: str | Path | None) -> list[LintFinding]:
    """Unknown facts and placeholders found in the raw files (none when a file cannot be read as YAML)."""
    root = kb_root(path)
    raw: dict[str, Any] = {}
    for name in FILES:
        try:  # the knowledge base's own bounded reader: an alias bomb or deep nesting fails here too, fast
            raw[name] = read_data_file(root / name, name)
        except KnowledgeBaseError:
            return []
        if not isinstance(raw[name], dict):
            return []
    editions = raw["editions.yaml"]
    edition_ids = [str(e.get("id")) for e in editions.get("editions") or [] if isinstance(e, dict)]
    oldest = edition_ids[0] if edition_ids else None
    limits = editions.get("limits") if isinstance(editions.get("limits"), dict) else {}
    limit_kinds = {str(k): str(v.get("kind")) for k, v in limits.items() if isinstance(v, dict)}
    params = editions.get("params") if isinstance(editions.get("params"), dict) else {}
    catalog = fact_catalog()
    out: list[LintFinding] = []

    for name, param in params.items():
        fact = param.get("fact") if isinstance(param, dict) else None
        if fact is not None and fact not in catalog:
            out.append(LintFinding("unknown-fact", None, f"editions.yaml: params.{name}.fact", f"unknown fact {fact!r}"))

    def scan_conditions(file: str, key: str) -> None:
        for i, item in enumerate(raw[file].get(key) or []):
            if not isinstance(item, dict):
                continue
            since = item.get("since")
            for path, data, edition in _raw_conditions(item, f"{key}[{i}]"):
                _, errors = parse_condition(data, path, catalog, limit_kinds)
                for error in errors:
                    if _own_check(error.message) == "unknown-fact":
                        out.append(LintFinding("unknown-fact", edition or since or oldest, f"{file}: {error.path}", error.message))

    scan_conditions("findings.yaml", "findings")
    scan_conditions("causes.yaml", "causes")
    scan_conditions("causes.yaml", "procedures")

    for file in FILES:
        for where, text, edition in _raw_texts(raw[file], ""):
            for placeholder in _PLACEHOLDER_RE.findall(text):
                if placeholder not in params:
                    out.append(
                        LintFinding(
                            "missing-param",
                            edition or oldest,
                            f"{file}: {where}",
                            f"placeholder {{{placeholder}}} has no param; params: {', '.join(params)}",
                        )
                    )
    return out


def _raw_conditions(item: dict[str, Any], path: str, edition: str | None = None) -> Iterator[tuple[str, Any, str | None]]:
    for key in ("when", "applies"):
        if item.get(key) is not None:
            yield f"{path}.{key}", item[key], edition
    for j, step in enumerate(item.get("steps") or []):
        if not isinstance(step, dict):
            continue
        if step.get("when") is not None:
            yield f"{path}.steps[{j}].when", step["when"], edition
        for k, variant in enumerate(step.get("variants") or []):
            if isinstance(variant, dict) and variant.get("when") is not None:
                yield f"{path}.steps[{j}].variants[{k}].when", variant["when"], edition
    changes = item.get("changes")
    if isinstance(changes, dict):
        for name, change in changes.items():
            if isinstance(change, dict):
                yield from _raw_conditions(change, f"{path}.changes.{name}", str(name))


def _raw_texts(data: Any, path: str, edition: str | None = None) -> Iterator[tuple[str, str, str | None]]:
    if isinstance(data, dict):
        if path.startswith("params.") and path.endswith(".default"):
            return  # a param's default is a value, not a text that takes placeholders
        since = data.get("since")
        if edition is None and isinstance(since, str):
            edition = since
        in_changes = path == "changes" or path.endswith(".changes")
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in ("en", "ja") and isinstance(value, str):
                yield sub, value, edition
            else:
                yield from _raw_texts(value, sub, str(key) if in_changes else edition)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _raw_texts(value, f"{path}[{i}]", edition)


# ---------------------------------------------------------------------------
# Checks on a loaded edition


def _unknown_facts(edition: Edition) -> list[LintFinding]:
    catalog = fact_catalog()
    out: list[LintFinding] = []
    for where, cond in all_conditions(edition):
        for node in walk(cond):
            if isinstance(node, Test):
                for name in node.facts():
                    if name not in catalog:
                        out.append(LintFinding("unknown-fact", edition.id, where, f"unknown fact {name!r}"))
    return out


def _texts(edition: Edition) -> Iterator[tuple[str, Text]]:
    """Every translatable text of the edition with where it is (variant labels and defaults are names, not prose)."""
    for entry in edition.codes:
        yield f"code {entry.id} message", entry.message
        yield f"code {entry.id} summary", entry.summary
        if entry.advice is not None:
            yield f"code {entry.id} advice", entry.advice
    for fid, finding in edition.findings.items():
        yield f"finding {fid} text", finding.text
        yield f"finding {fid} question", finding.question
    for cid, cause in edition.causes.items():
        yield f"cause {cid} title", cause.title
        yield f"cause {cid} summary", cause.summary
        for n, step in enumerate(cause.steps, 1):
            if step.procedure is None:
                yield f"cause {cid} step {n}", step.text
        for n, note in enumerate(cause.notes, 1):
            yield f"cause {cid} note {n}", note
    for pid, procedure in edition.procedures.items():
        yield f"procedure {pid} title", procedure.title
        for n, step in enumerate(procedure.steps, 1):
            yield f"procedure {pid} step {n}", step.text
        for n, note in enumerate(procedure.notes, 1):
            yield f"procedure {pid} note {n}", note
    yield "escalation title", edition.escalation_title
    yield "escalation text", edition.escalation_text
    yield "escalation text without logs", edition.escalation_text_without_logs


def _missing_params(edition: Edition) -> list[LintFinding]:
    out: list[LintFinding] = []
    for where, text in _texts(edition):
        for lang in ("en", "ja"):
            for name in _PLACEHOLDER_RE.findall(text.get(lang)):
                param = edition.params.get(name)
                if param is None:
                    out.append(LintFinding("missing-param", edition.id, f"{where} ({lang})", f"placeholder {{{name}}} has no param"))
                elif param.limit is not None and edition.limits.get(param.limit) is None:
                    out.append(
                        LintFinding(
                            "missing-param",
                            edition.id,
                            f"{where} ({lang})",
                            f"placeholder {{{name}}} takes limit {param.limit!r}, which edition {edition.id} does not have",
                        )
                    )
    return out


def _reached_causes(edition: Edition) -> set[str]:
    reached: set[str] = set()
    todo = [cid for entry in edition.codes for cid in entry.causes]
    while todo:
        cid = todo.pop()
        cause = edition.causes.get(cid)
        if cid in reached or cause is None:
            continue
        reached.add(cid)
        todo.extend(cause.children)
        for cond in (cause.applies, cause.when):
            if cond is not None:
                todo.extend(refs_of(cond)[1])
    return reached


def _unreachable_causes(edition: Edition) -> list[LintFinding]:
    reached = _reached_causes(edition)
    return [
        LintFinding("unreachable-cause", edition.id, f"cause {cid}", "no error code of the edition leads to this cause")
        for cid in edition.causes
        if cid not in reached
    ]


def _codes_without_causes(edition: Edition) -> list[LintFinding]:
    return [
        LintFinding("code-without-causes", edition.id, f"code {entry.id}", "the error code lists no cause")
        for entry in edition.codes
        if not entry.causes
    ]


def _unused_findings(edition: Edition) -> list[LintFinding]:
    used: set[str] = set()
    for where, cond in all_conditions(edition):
        if not where.startswith("finding "):
            used |= refs_of(cond)[0]
    todo = list(used)
    while todo:
        finding = edition.findings.get(todo.pop())
        if finding is not None:
            for ref in refs_of(finding.when)[0] - used:
                used.add(ref)
                todo.append(ref)
    return [
        LintFinding("unused-finding", edition.id, f"finding {fid}", "no cause or step of the edition uses this finding")
        for fid in edition.findings
        if fid not in used
    ]


def facts_read(kb: KnowledgeBase) -> set[str]:
    """Every fact some rule, step, variant or text placeholder of some edition reads."""
    read: set[str] = set()
    for edition in kb.editions:
        for _, cond in all_conditions(edition):
            read |= facts_used(cond, edition)
        read |= {param.fact for param in edition.params.values() if param.fact is not None}
    return read


def _unused_facts(kb: KnowledgeBase) -> list[LintFinding]:
    read = facts_read(kb)
    return [
        LintFinding(
            "unused-fact", None, f"fact {name}",
            "no rule of any edition reads this fact; make a rule read it, or declare it under informational in editions.yaml with the reason",
        )
        for name in fact_catalog()
        if name not in read and name not in kb.informational
    ]


def _missing_translations(edition: Edition) -> list[LintFinding]:
    out: list[LintFinding] = []
    for where, text in _texts(edition):
        for lang in ("en", "ja"):
            if not text.get(lang).strip():
                out.append(LintFinding("missing-translation", edition.id, where, f"the {lang} text is blank"))
        if text.ja.strip() and _LETTER_RE.search(text.en) and not _JAPANESE_RE.search(text.ja):
            out.append(
                LintFinding("missing-translation", edition.id, where, f"the ja text has no Japanese, it looks untranslated: {text.ja!r}")
            )
    return out


def _alias_collisions(edition: Edition) -> list[LintFinding]:
    owners: dict[str, list[tuple[str, str]]] = {}
    for entry in edition.codes:
        for name in entry.names:
            owners.setdefault(name.lower(), []).append((entry.id, "code"))
        for alias in entry.aliases:
            owners.setdefault(alias.lower(), []).append((entry.id, "alias"))
    out: list[LintFinding] = []
    for entry in edition.codes:
        own = {name.lower() for name in entry.names}
        for alias in entry.aliases:
            where = f"code {entry.id} alias {alias}"
            if alias.lower() in own:
                out.append(LintFinding("alias-collision", edition.id, where, "the alias is one of the entry's own codes"))
            clashes = [(eid, kind) for eid, kind in owners[alias.lower()] if eid != entry.id]
            for eid, kind in clashes:
                out.append(LintFinding("alias-collision", edition.id, where, f"the alias is also {'a code' if kind == 'code' else 'an alias'} of entry {eid}"))
            if [a.lower() for a in entry.aliases].count(alias.lower()) > 1:
                out.append(LintFinding("alias-collision", edition.id, where, "the alias is listed twice"))
    return sorted(set(out), key=lambda f: (f.where, f.message))


# ---------------------------------------------------------------------------
# Can a cause be confirmed at all?


def _unconfirmable_causes(edition: Edition) -> list[LintFinding]:
    mentioned = mentioned_values(edition)
    out: list[LintFinding] = []
    for cid in edition.causes:
        if not confirmable(edition, cid, mentioned):
            out.append(
                LintFinding("unconfirmable-cause", edition.id, f"cause {cid}", "no combination of facts confirms this cause")
            )
    return out


