"""Candidate answers to a question: the values of a fact that could make a difference to a cause."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kb_engine.knowledge.conditions import All, AnyOf, FactRef, ItemTest, LimitRef, Not, Test, walk
from kb_engine.knowledge.model import Edition, iter_conditions
from kb_engine.knowledge.vocabulary import fact_catalog, parse_version

__all__ = ["candidate_answers", "fact_uses", "unique"]


# ---------------------------------------------------------------------------
# Candidate answers: the values that could make a difference


def _item_tests(cond: Any) -> Iterable[ItemTest]:
    if isinstance(cond, ItemTest):
        yield cond
    elif isinstance(cond, All | AnyOf):
        for part in cond.parts:
            yield from _item_tests(part)
    elif isinstance(cond, Not):
        yield from _item_tests(cond.part)


@dataclass(frozen=True)
class _Use:
    """One test that reads a fact: ``field`` for an item test of a list fact; ``partner`` when compared with another fact."""

    op: str
    arg: Any
    field: str | None = None
    reversed: bool = False


def fact_uses(edition: Edition, fact: str) -> list[_Use]:
    uses: list[_Use] = []
    for _, cond in iter_conditions(edition):
        for node in walk(cond):
            if not isinstance(node, Test):
                continue
            if node.fact == fact:
                if node.op == "any_item":
                    uses.extend(_Use(t.op, t.arg, t.field) for t in _item_tests(node.arg))
                else:
                    uses.append(_Use(node.op, node.arg))
            elif isinstance(node.arg, FactRef) and node.arg.fact == fact:
                uses.append(_Use(node.op, FactRef(node.fact), reversed=True))
    return uses


def _resolve(arg: Any, edition: Edition, flat: Mapping[str, object]) -> Any:
    if isinstance(arg, LimitRef):
        return edition.limits.get(arg.limit)
    if isinstance(arg, FactRef):
        return flat.get(arg.fact)
    return arg


def _numbers(uses: Iterable[_Use], edition: Edition, flat: Mapping[str, object]) -> list[int]:
    out: list[int] = []
    for use in uses:
        value = _resolve(use.arg, edition, flat)
        if use.op in {"gt", "ge", "lt", "le"} and isinstance(value, int | float) and not isinstance(value, bool):
            t = int(value)
            out += [t, t + 1, t - 1]
        elif use.op in {"eq", "ne"} and isinstance(value, int) and not isinstance(value, bool):
            out += [value, value + 1]
        elif use.op in {"in", "not_in"} and isinstance(value, tuple):
            out += [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return unique([n for n in out if n >= 0])


def _below(version: str) -> str | None:
    parts = list(parse_version(version))
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] > 0:
            parts[i] -= 1
            return ".".join(str(p) for p in parts[: i + 1]) if i > 0 else str(parts[0])
    return None


def _above(version: str) -> str:
    parts = list(parse_version(version))
    parts[-1] += 1
    return ".".join(str(p) for p in parts)


def candidate_answers(fact: str, edition: Edition, flat: Mapping[str, object]) -> list[str]:
    """Answers to the question for ``fact`` that could make a difference, as a user would type them.

    bool and enum facts: every value. Numbers: each threshold of the conditions and its
    neighbours. Versions: each threshold (or the known value of the version it is compared
    with) and the version just below (or above). waagent.conf switches: y, n and absent.
    Disks: one disk at and around each size limit, plain and encrypted. Extensions: the
    backup extension and one other, each absent or in each state the conditions mention
    plus one they do not.
    """
    info = fact_catalog()[fact]
    if info.kind == "bool":
        return ["yes", "no"]
    if info.kind == "enum":
        return list(info.values)
    uses = fact_uses(edition, fact)
    if info.kind == "int":
        return [str(n) for n in _numbers(uses, edition, flat)] or ["0", "1"]
    if info.kind == "version":
        versions: list[str] = []
        for use in uses:
            value = _resolve(use.arg, edition, flat)
            if use.op not in {"version_lt", "version_ge"} or value is None:
                continue
            text = str(value)
            versions += [text, _above(text)] if use.reversed else [text, _below(text) or text]
        return unique(versions)
    if info.kind == "text":
        texts: list[str] = []
        for use in uses:
            if use.op == "switch":
                texts += ["y", "n", "absent"]
            elif use.op in {"eq", "ne"} and isinstance(use.arg, str):
                texts.append(use.arg)
            elif use.op in {"in", "not_in"} and isinstance(use.arg, tuple):
                texts += [str(v) for v in use.arg]
        return unique(texts)
    if fact == "vm.disks":
        sizes = _numbers([u for u in uses if u.field == "size_gib"], edition, flat) or [128]
        flags = [""] + (["e"] if any(u.field == "encrypted" for u in uses) else [])
        return [f"{size}{flag}" for flag in flags for size in sizes if size >= 1]
    if fact == "extensions":
        state_info = info.item_field("state")
        values = state_info.values if state_info is not None else ()
        mentioned: list[str] = []
        for use in uses:
            if use.field == "state":
                mentioned += [use.arg] if isinstance(use.arg, str) else [str(v) for v in use.arg or ()]
        other = [v for v in values if v not in mentioned][:1]
        states = unique([v for v in mentioned if v in values] + other)
        answers: list[str] = []
        for backup in ["none", *states]:
            answers.append(backup)
            answers += [f"{backup}, {state}" for state in states]
        return answers
    return []


def unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
