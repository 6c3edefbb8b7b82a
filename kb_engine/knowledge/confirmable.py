"""Can a cause be confirmed at all? A search over the values the conditions compare facts with, symbolic past a limit."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

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
    walk,
)
from .model import Edition, all_conditions
from .vocabulary import FactInfo, fact_catalog, parse_version

__all__ = ["SEARCH_LIMIT", "SYMBOLIC_LIMIT", "confirmable", "mentioned_values"]

_Literal = tuple[Test, bool]


SEARCH_LIMIT = 20_000
"""Most fact combinations tried for one cause; past it the check is symbolic."""

SYMBOLIC_LIMIT = 20_000
"""Most branches, or combinations for one group of facts, the symbolic check builds."""


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
            for guarded in edition.findings[node.finding].conditions():
                out |= _facts_through(guarded, edition, seen)
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
        return edition.findings[fid].truth(ctx)

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


def mentioned_values(edition: Edition) -> dict[str, set[object]]:
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

    for _, cond in all_conditions(edition):
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


def confirmable(edition: Edition, cid: str, mentioned: Mapping[str, set[object]]) -> bool:
    catalog = fact_catalog()
    names = sorted(_cause_facts(edition, cid))
    list_fields: dict[str, set[str]] = {}
    for _, cond in all_conditions(edition):
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
            finding = edition.findings[cond.finding]
            branches = expand(finding.when, want, seen)
            if finding.unknown_when is None:
                return branches
            # Known either way only while its guard is false.
            return conjoin([branches, expand(finding.unknown_when, False, seen)])
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
