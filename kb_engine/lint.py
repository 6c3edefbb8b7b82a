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
* ``missing-translation``: a text blank in one language, or a Japanese text
  without a single kana or kanji while its English has letters;
* ``alias-collision``: an alias equal (ignoring case) to another entry's code
  or alias, or to its own entry's code;
* ``questions``: questions.yaml (the consultation's questions) does not load,
  or a fact some cause depends on has no question.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from .conditions import (
    All,
    AnyOf,
    CauseRef,
    Condition,
    Context,
    FactRef,
    FindingRef,
    ItemTest,
    LimitRef,
    Not,
    Test,
    evaluate,
    parse_condition,
    refs_of,
    walk,
)
from .errors import KnowledgeBaseError, Problem
from .facts import FactInfo, fact_catalog, parse_version
from .knowledge import FILES, Edition, KnowledgeBase, Step, Text, load_kb
from .questions import QUESTIONS_FILE, load_questions

__all__ = ["CHECKS", "LintFinding", "SEARCH_LIMIT", "SYMBOLIC_LIMIT", "lint", "lint_kb"]

CHECKS: tuple[str, ...] = (
    "load",
    "unknown-fact",
    "missing-param",
    "unreachable-cause",
    "code-without-causes",
    "unconfirmable-cause",
    "unused-finding",
    "missing-translation",
    "alias-collision",
    "questions",
)
"""Every check id, in the order findings are reported."""

SEARCH_LIMIT = 20_000
"""Most fact combinations tried for one cause; past it the check is symbolic."""

SYMBOLIC_LIMIT = 20_000
"""Most branches, or combinations for one group of facts, the symbolic check builds."""

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
    root: Traversable | Path = resources.files("kb_engine") / "kb" if path is None else Path(path)
    raw: dict[str, Any] = {}
    for name in FILES:
        try:
            raw[name] = yaml.safe_load((root / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
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


def _conditions(edition: Edition) -> Iterator[tuple[str, Condition]]:
    """Every condition of the edition: findings, causes, steps and variants."""
    for fid, finding in edition.findings.items():
        yield f"finding {fid}", finding.when
    for cid, cause in edition.causes.items():
        if cause.applies is not None:
            yield f"cause {cid} (applies)", cause.applies
        yield f"cause {cid}", cause.when
        for where, cond in _step_conditions(cause.steps):
            yield f"cause {cid} {where}", cond
    for pid, procedure in edition.procedures.items():
        for where, cond in _step_conditions(procedure.steps):
            yield f"procedure {pid} {where}", cond


def _step_conditions(steps: tuple[Step, ...]) -> Iterator[tuple[str, Condition]]:
    for n, step in enumerate(steps, 1):
        if step.when is not None:
            yield f"step {n}", step.when
        for k, variant in enumerate(step.variants, 1):
            if variant.when is not None:
                yield f"step {n} variant {k}", variant.when


def _unknown_facts(edition: Edition) -> list[LintFinding]:
    catalog = fact_catalog()
    out: list[LintFinding] = []
    for where, cond in _conditions(edition):
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
    for where, cond in _conditions(edition):
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
    mentioned = _mentioned_values(edition)
    out: list[LintFinding] = []
    for cid in edition.causes:
        if not _confirmable(edition, cid, mentioned):
            out.append(
                LintFinding("unconfirmable-cause", edition.id, f"cause {cid}", "no combination of facts confirms this cause")
            )
    return out


def _cause_facts(edition: Edition, cid: str) -> set[str]:
    cause = edition.causes[cid]
    out: set[str] = set()
    for cond in (cause.applies, cause.when):
        if cond is not None:
            out |= _facts_through(cond, edition)
    return out


def _facts_through(cond: Condition, edition: Edition, seen: frozenset[str] = frozenset()) -> set[str]:
    out: set[str] = set()
    for node in walk(cond):
        if isinstance(node, Test):
            out.update(node.facts())
        elif isinstance(node, FindingRef) and node.finding in edition.findings:
            out |= _facts_through(edition.findings[node.finding].when, edition, seen)
        elif isinstance(node, CauseRef) and node.cause in edition.causes and node.cause not in seen:
            cause = edition.causes[node.cause]
            for part in (cause.applies, cause.when):
                if part is not None:
                    out |= _facts_through(part, edition, seen | {node.cause})
    return out


class _Lazy(Mapping[str, Any]):
    """A mapping that computes each value on first use (findings and causes of one VM)."""

    def __init__(self, keys: Mapping[str, object], compute: Callable[[str], Any]) -> None:
        self._keys = keys
        self._compute = compute
        self._done: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._done:
            self._done[key] = self._compute(key)
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _cause_confirmed(edition: Edition, cid: str, facts: Mapping[str, object]) -> bool:
    ctx: Context

    def finding(fid: str) -> bool | None:
        return evaluate(edition.findings[fid].when, ctx)

    def cause(ref: str) -> bool | None:
        c = edition.causes[ref]
        applies = True if c.applies is None else evaluate(c.applies, ctx)
        if applies is False:
            return False
        when = evaluate(c.when, ctx)
        if when is False:
            return False
        return True if (when is True and applies is True) else None

    ctx = Context(facts, edition.limits, _Lazy(edition.findings, finding), _Lazy(edition.causes, cause))
    return cause(cid) is True


def _mentioned_values(edition: Edition) -> dict[str, set[object]]:
    """Values the conditions compare each fact (or ``fact.field`` of list items) with."""
    out: dict[str, set[object]] = {}

    def note(name: str, arg: Any) -> None:
        values = out.setdefault(name, set())
        if isinstance(arg, LimitRef):
            limit = edition.limits.get(arg.limit)
            if limit is not None:
                values.add(limit)
        elif isinstance(arg, tuple):
            values.update(arg)
        elif isinstance(arg, str | int | float) and not isinstance(arg, bool):
            values.add(arg)

    def item(name: str, cond: Any) -> None:
        if isinstance(cond, ItemTest):
            note(f"{name}.{cond.field}", cond.arg)
        elif isinstance(cond, All | AnyOf):
            for part in cond.parts:
                item(name, part)
        elif isinstance(cond, Not):
            item(name, cond.part)

    for _, cond in _conditions(edition):
        for node in walk(cond):
            if isinstance(node, Test):
                if node.op == "any_item":
                    item(node.fact, node.arg)
                    out.setdefault(node.fact, set())
                elif not isinstance(node.arg, FactRef):
                    note(node.fact, node.arg)
    return out


def _item_fields(arg: Any) -> set[str]:
    if isinstance(arg, ItemTest):
        return {arg.field}
    if isinstance(arg, All | AnyOf):
        return set().union(*(_item_fields(p) for p in arg.parts))
    if isinstance(arg, Not):
        return _item_fields(arg.part)
    return set()


def _candidates(info: FactInfo, mentioned: Mapping[str, set[object]], key: str, list_fields: Mapping[str, set[str]]) -> list[object]:
    """The values worth trying for one fact, unknown (None) last."""
    values = mentioned.get(key, set())
    out: list[object]
    if info.kind == "bool":
        out = [True, False]
    elif info.kind == "enum":
        out = list(info.values)
    elif info.kind == "int":
        numbers = {v for v in values if isinstance(v, int | float)}
        out = [*sorted({0, 1} | {int(math.floor(n)) + d for n in numbers for d in (-1, 0, 1)})]
    elif info.kind == "version":
        out = [*sorted({str(v) for v in values} | {"0.1", "999.0"}, key=parse_version)]
    elif info.kind == "text":
        texts = sorted({str(v) for v in values})
        out = [*texts, *(v for v in ("y", "n", "other") if v not in texts)]
    else:
        fields = sorted(list_fields.get(key, set()))
        per_field = [
            _candidates(field_info, mentioned, f"{key}.{name}", list_fields)
            for name in fields
            if (field_info := info.item_field(name)) is not None
        ]
        items = [dict(zip(fields, combo, strict=True)) for combo in itertools.product(*per_field)]
        out = [(), *((item,) for item in items)]
    return [*out, None]


def _confirmable(edition: Edition, cid: str, mentioned: Mapping[str, set[object]]) -> bool:
    catalog = fact_catalog()
    names = sorted(_cause_facts(edition, cid))
    list_fields: dict[str, set[str]] = {}
    for _, cond in _conditions(edition):
        for node in walk(cond):
            if isinstance(node, Test) and node.op == "any_item":
                list_fields.setdefault(node.fact, set()).update(_item_fields(node.arg))
    if any(name not in catalog for name in names):
        return True  # the unknown-fact check reports it
    choices = [_candidates(catalog[name], mentioned, name, list_fields) for name in names]
    if math.prod(len(c) for c in choices) > SEARCH_LIMIT:
        return _may_confirm(edition, cid, dict(zip(names, choices, strict=True)))
    for combo in itertools.product(*choices):
        if _cause_confirmed(edition, cid, dict(zip(names, combo, strict=True))):
            return True
    return False


class _TooMany(Exception):
    """The symbolic check would need more branches than it is allowed to build."""


_Literal = tuple[Test, bool]
_Branch = tuple[_Literal, ...]


def _may_confirm(edition: Edition, cid: str, choices: Mapping[str, list[object]]) -> bool:
    """Symbolic check: is there a way, through the and/or/not structure, to confirm the cause?

    The cause's conditions (through its findings and the causes it refers to)
    are unfolded into branches: each a set of fact tests that must all come out
    true or false; Kleene's logic makes that unfolding exact. A branch holds
    when, for each group of facts its tests share, some candidate values pass
    every test of the group. When there are too many branches or combinations
    the answer is "confirmable", so this check never reports a cause wrongly.
    """

    def expand(cond: Condition, want: bool, seen: frozenset[str]) -> list[_Branch]:
        if isinstance(cond, Test):
            return [((cond, want),)]
        if isinstance(cond, Not):
            return expand(cond.part, not want, seen)
        if isinstance(cond, FindingRef):
            return expand(edition.findings[cond.finding].when, want, seen)
        if isinstance(cond, CauseRef):
            return [()] if cond.cause in seen else cause_branches(cond.cause, want, seen | {cond.cause})
        parts = [expand(p, want, seen) for p in cond.parts]
        if isinstance(cond, All) is want:  # an `all` that must hold, or an `any` that must fail
            return conjoin(parts)
        out = [branch for part in parts for branch in part]
        if len(out) > SYMBOLIC_LIMIT:
            raise _TooMany
        return out

    def conjoin(parts: list[list[_Branch]]) -> list[_Branch]:
        out: list[_Branch] = [()]
        for part in parts:
            out = [a + b for a in out for b in part]
            if len(out) > SYMBOLIC_LIMIT:
                raise _TooMany
        return out

    def cause_branches(ref: str, want: bool, seen: frozenset[str]) -> list[_Branch]:
        cause = edition.causes[ref]
        if want:
            applies: list[_Branch] = expand(cause.applies, True, seen) if cause.applies is not None else [()]
            return conjoin([applies, expand(cause.when, True, seen)])
        out = expand(cause.applies, False, seen) if cause.applies is not None else []
        return out + expand(cause.when, False, seen)

    try:
        branches = cause_branches(cid, True, frozenset({cid}))
    except _TooMany:
        return True
    return any(_branch_holds(edition, branch, choices) for branch in branches)


def _branch_holds(edition: Edition, branch: _Branch, choices: Mapping[str, list[object]]) -> bool:
    groups: list[tuple[set[str], list[_Literal]]] = []
    for literal in branch:
        names = set(literal[0].facts())
        joined = [g for g in groups if g[0] & names]
        merged: tuple[set[str], list[_Literal]] = (names, [literal])
        for group in joined:
            groups.remove(group)
            merged[0].update(group[0])
            merged[1].extend(group[1])
        groups.append(merged)
    for names, literals in groups:
        ordered = sorted(names)
        if any(name not in choices for name in ordered):
            continue
        values = [choices[name] for name in ordered]
        if math.prod(len(v) for v in values) > SYMBOLIC_LIMIT:
            continue
        if not any(
            all(evaluate(test, Context(dict(zip(ordered, combo, strict=True)), edition.limits)) is want for test, want in literals)
            for combo in itertools.product(*values)
        ):
            return False
    return True
