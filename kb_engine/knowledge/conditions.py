"""The condition vocabulary of the knowledge base, and its three-valued logic.

A condition is data, never code. In the knowledge files it is a mapping:

* a test on one fact: ``{fact: agent.status, eq: not_ready}``, with one of the
  operators ``eq``, ``ne``, ``in``, ``not_in``, ``gt``, ``ge``, ``lt``, ``le``
  (numbers), ``version_lt``, ``version_ge`` (dotted versions, ``2.2.9 <
  2.2.10``), ``switch`` (a waagent.conf switch as the agent reads it:
  ``{is: off, default: on}``), ``is_unknown: true``, or ``any_item`` (some item
  of a list fact satisfies an item condition written with ``field:``);
* a right-hand side may be a literal, ``{limit: NAME}`` (the selected edition's
  limit) or, for version tests, ``{fact: NAME}``;
* ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``;
* ``{finding: ID}`` and ``{cause: ID}``: the truth of a finding, or whether a
  cause is confirmed.

Every condition evaluates to ``True``, ``False`` or ``None`` (unknown). An
unknown fact makes a test unknown, never false; ``all``/``any``/``not`` follow
Kleene's three-valued logic, so a known ``False`` still decides an ``all``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from .vocabulary import FactInfo, parse_version
from .waagent_conf import read_switch

__all__ = [
    "All",
    "AnyOf",
    "CauseRef",
    "Condition",
    "Context",
    "FactRef",
    "FindingRef",
    "ItemTest",
    "LimitRef",
    "Not",
    "Test",
    "and3",
    "evaluate",
    "evaluate_item",
    "facts_of",
    "item_tests",
    "not3",
    "or3",
    "parse_condition",
    "read_switch",
    "refs_of",
    "unknown_item_fields",
    "ConditionSyntaxError",
]

Truth = bool | None

COMPARISONS = ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "version_lt", "version_ge", "switch", "is_unknown", "any_item")
_NUMERIC = {"gt", "ge", "lt", "le"}
_VERSION = {"version_lt", "version_ge"}


@dataclass(frozen=True, slots=True)
class LimitRef:
    """The value of one of the edition's limits."""

    limit: str


@dataclass(frozen=True, slots=True)
class FactRef:
    """The value of another fact (version tests only)."""

    fact: str


@dataclass(frozen=True, slots=True)
class ItemTest:
    """A test on one field of a list item (inside ``any_item``)."""

    field: str
    op: str
    arg: Any


@dataclass(frozen=True, slots=True)
class Test:
    """A test on one fact."""

    fact: str
    op: str
    arg: Any

    def facts(self) -> tuple[str, ...]:
        """The facts the test reads: its own, and the other fact of a version comparison."""
        if isinstance(self.arg, FactRef):
            return (self.fact, self.arg.fact)
        return (self.fact,)


@dataclass(frozen=True, slots=True)
class All:
    """True when every part is true; false when one is false."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """True when one part is true; false when every part is false."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The negation; unknown stays unknown."""

    part: Condition


@dataclass(frozen=True, slots=True)
class FindingRef:
    """The truth of a finding."""

    finding: str


@dataclass(frozen=True, slots=True)
class CauseRef:
    """Whether a cause is confirmed (true), excluded (false) or undetermined."""

    cause: str


Condition = Union[Test, All, AnyOf, Not, FindingRef, CauseRef]
ItemCondition = Union[ItemTest, All, AnyOf, Not]


# ---------------------------------------------------------------------------
# Three-valued logic


def and3(values: Iterable[Truth]) -> Truth:
    """Kleene conjunction: false wins, then unknown."""
    result: Truth = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def or3(values: Iterable[Truth]) -> Truth:
    """Kleene disjunction: true wins, then unknown."""
    result: Truth = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def not3(value: Truth) -> Truth:
    """Kleene negation."""
    return None if value is None else not value


@dataclass(frozen=True)
class Context:
    """What a condition is evaluated against.

    Attributes:
        facts: fact name -> value (None = unknown), as :meth:`Facts.flat` gives.
        limits: the edition's limits (a limit of None does not exist in that edition).
        findings: finding id -> truth.
        causes: cause id -> truth (confirmed = True).
    """

    facts: Mapping[str, object]
    limits: Mapping[str, object]
    findings: Mapping[str, Truth] = field(default_factory=dict)
    causes: Mapping[str, Truth] = field(default_factory=dict)


def evaluate(cond: Condition, ctx: Context) -> Truth:
    """Evaluate a condition in three-valued logic."""
    if isinstance(cond, Test):
        return evaluate_test(cond, ctx.facts, ctx.limits)
    if isinstance(cond, All):
        return and3(evaluate(p, ctx) for p in cond.parts)
    if isinstance(cond, AnyOf):
        return or3(evaluate(p, ctx) for p in cond.parts)
    if isinstance(cond, Not):
        return not3(evaluate(cond.part, ctx))
    if isinstance(cond, FindingRef):
        return ctx.findings[cond.finding]
    return ctx.causes[cond.cause]


def evaluate_test(test: Test, facts: Mapping[str, object], limits: Mapping[str, object]) -> Truth:
    """Evaluate one fact test; unknown facts give unknown (except ``is_unknown``)."""
    value = facts.get(test.fact)
    if test.op == "is_unknown":
        return (value is None) is bool(test.arg)
    if value is None:
        return None
    arg = _resolve(test.arg, facts, limits)
    if test.op == "any_item":
        assert isinstance(value, tuple | list)
        return or3(_evaluate_item(test.arg, item, facts, limits) for item in value)
    return _compare(test.op, value, arg)


def evaluate_item(cond: ItemCondition, item: Mapping[str, object], facts: Mapping[str, object], limits: Mapping[str, object]) -> Truth:
    """The truth of an item condition (inside ``any_item``) for one list item; an unknown field gives unknown."""
    return _evaluate_item(cond, item, facts, limits)


def item_tests(cond: ItemCondition) -> Iterator[ItemTest]:
    """Every field test of an item condition."""
    for node in walk(cond):  # type: ignore[arg-type]  # item conditions reuse All/AnyOf/Not
        if isinstance(node, ItemTest):
            yield node


def unknown_item_fields(test: Test, facts: Mapping[str, object], limits: Mapping[str, object]) -> list[str]:
    """The item fields (``vm.disks[].encrypted``) whose being unknown leaves a known list's ``any_item`` test
    unknown: in each item the test cannot decide, every field it tests that the item does not give; in order,
    each once."""
    out: list[str] = []
    items = facts.get(test.fact)
    for item in items if isinstance(items, tuple | list) else ():
        if not isinstance(item, Mapping) or _evaluate_item(test.arg, item, facts, limits) is not None:
            continue
        for node in item_tests(test.arg):
            name = f"{test.fact}[].{node.field}"
            if item.get(node.field) is None and name not in out:
                out.append(name)
    return out


def _evaluate_item(cond: ItemCondition, item: Mapping[str, object], facts: Mapping[str, object], limits: Mapping[str, object]) -> Truth:
    if isinstance(cond, ItemTest):
        value = item.get(cond.field)
        if cond.op == "is_unknown":
            return (value is None) is bool(cond.arg)
        if value is None:
            return None
        return _compare(cond.op, value, _resolve(cond.arg, facts, limits))
    if isinstance(cond, All):
        return and3(_evaluate_item(p, item, facts, limits) for p in cond.parts)  # type: ignore[arg-type]
    if isinstance(cond, AnyOf):
        return or3(_evaluate_item(p, item, facts, limits) for p in cond.parts)  # type: ignore[arg-type]
    assert isinstance(cond, Not)
    return not3(_evaluate_item(cond.part, item, facts, limits))  # type: ignore[arg-type]


_MISSING_LIMIT = object()


def _resolve(arg: Any, facts: Mapping[str, object], limits: Mapping[str, object]) -> Any:
    if isinstance(arg, LimitRef):
        value = limits.get(arg.limit)
        return _MISSING_LIMIT if value is None else value
    if isinstance(arg, FactRef):
        return facts.get(arg.fact)
    return arg


def _compare(op: str, value: object, arg: Any) -> Truth:
    if arg is _MISSING_LIMIT:
        # The edition has no such limit: nothing exceeds it.
        return False
    if op == "eq":
        return bool(value == arg)
    if op == "ne":
        return bool(value != arg)
    if op == "in":
        return value in arg
    if op == "not_in":
        return value not in arg
    if op in _NUMERIC:
        number = float(value)  # type: ignore[arg-type]
        limit = float(arg)
        return {"gt": number > limit, "ge": number >= limit, "lt": number < limit, "le": number <= limit}[op]
    if op in _VERSION:
        if arg is None:
            return None
        left, right = parse_version(str(value)), parse_version(str(arg))
        return left < right if op == "version_lt" else left >= right
    if op == "switch":
        state = read_switch(str(value), arg["default"])
        return state is arg["is"]
    raise ValueError(f"unknown operator {op}")  # unreachable: the parser rejects it


# ---------------------------------------------------------------------------
# Walking


def walk(cond: Condition) -> Iterator[Condition]:
    """Every node of a condition, parents before children."""
    yield cond
    if isinstance(cond, All | AnyOf):
        for part in cond.parts:
            yield from walk(part)
    elif isinstance(cond, Not):
        yield from walk(cond.part)


def facts_of(cond: Condition) -> set[str]:
    """Every fact a condition reads directly (not through findings or causes)."""
    return {name for node in walk(cond) if isinstance(node, Test) for name in node.facts()}


def refs_of(cond: Condition) -> tuple[set[str], set[str]]:
    """The findings and causes a condition refers to."""
    findings = {n.finding for n in walk(cond) if isinstance(n, FindingRef)}
    causes = {n.cause for n in walk(cond) if isinstance(n, CauseRef)}
    return findings, causes


def limits_of(cond: Condition) -> set[str]:
    """Every limit a condition uses."""
    found: set[str] = set()
    for node in walk(cond):
        if isinstance(node, Test):
            found |= _limits_in(node.arg)
    return found


def _limits_in(arg: Any) -> set[str]:
    if isinstance(arg, LimitRef):
        return {arg.limit}
    if isinstance(arg, ItemTest):
        return _limits_in(arg.arg)
    if isinstance(arg, All | AnyOf):
        return set().union(*(_limits_in(p) for p in arg.parts))
    if isinstance(arg, Not):
        return _limits_in(arg.part)
    return set()


def to_data(cond: Any) -> Any:
    """The condition back as plain data, in the knowledge files' own notation."""
    if isinstance(cond, Test):
        return {"fact": cond.fact, cond.op: _arg_data(cond.arg)}
    if isinstance(cond, ItemTest):
        return {"field": cond.field, cond.op: _arg_data(cond.arg)}
    if isinstance(cond, All):
        return {"all": [to_data(p) for p in cond.parts]}
    if isinstance(cond, AnyOf):
        return {"any": [to_data(p) for p in cond.parts]}
    if isinstance(cond, Not):
        return {"not": to_data(cond.part)}
    if isinstance(cond, FindingRef):
        return {"finding": cond.finding}
    if isinstance(cond, CauseRef):
        return {"cause": cond.cause}
    raise TypeError(type(cond))


def _arg_data(arg: Any) -> Any:
    if isinstance(arg, LimitRef):
        return {"limit": arg.limit}
    if isinstance(arg, FactRef):
        return {"fact": arg.fact}
    if isinstance(arg, ItemTest | All | AnyOf | Not):
        return to_data(arg)
    if isinstance(arg, tuple):
        return list(arg)
    if isinstance(arg, dict):
        return {k: ("on" if v is True else "off" if v is False else v) for k, v in arg.items()}
    return arg


def node_id(cond: Any) -> str:
    """A stable identifier for a condition node, from its content."""
    text = json.dumps(to_data(cond), sort_keys=True, ensure_ascii=False)
    return "c" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def describe(cond: Any) -> str:
    """A compact one-line rendering, e.g. ``agent.status = not_ready``."""
    if isinstance(cond, Test | ItemTest):
        name = cond.fact if isinstance(cond, Test) else cond.field
        return f"{name} {_OP_TEXT[cond.op]} {_arg_text(cond.arg)}".rstrip()
    if isinstance(cond, All):
        return "(" + " and ".join(describe(p) for p in cond.parts) + ")"
    if isinstance(cond, AnyOf):
        return "(" + " or ".join(describe(p) for p in cond.parts) + ")"
    if isinstance(cond, Not):
        return "not " + describe(cond.part)
    if isinstance(cond, FindingRef):
        return f"finding {cond.finding}"
    return f"cause {cond.cause}"


_OP_TEXT = {
    "eq": "=", "ne": "≠", "in": "in", "not_in": "not in", "gt": ">", "ge": "≥", "lt": "<", "le": "≤",
    "version_lt": "older than", "version_ge": "at least", "switch": "is", "is_unknown": "is unknown:",
    "any_item": "has an item with",
}


def _arg_text(arg: Any) -> str:
    if isinstance(arg, LimitRef):
        return f"limit {arg.limit}"
    if isinstance(arg, FactRef):
        return arg.fact
    if isinstance(arg, dict) and "is" in arg:
        return ("off" if arg["is"] is False else "on") + f" (as the agent reads it; default {'on' if arg['default'] else 'off'})"
    if isinstance(arg, ItemTest | All | AnyOf | Not):
        return describe(arg)
    if isinstance(arg, tuple):
        return "[" + ", ".join(str(a) for a in arg) + "]"
    if arg is True:
        return "true"
    if arg is False:
        return "false"
    return str(arg)


# ---------------------------------------------------------------------------
# Parsing


class ConditionSyntaxError(ValueError):
    """A condition that is not in the vocabulary; ``path`` points into the document."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


@dataclass
class _Parser:
    catalog: Mapping[str, FactInfo]
    limits: Mapping[str, str]  # limit name -> kind ("number" or "version")
    errors: list[ConditionSyntaxError] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.errors.append(ConditionSyntaxError(path, message))

    def condition(self, data: Any, path: str) -> Condition | None:
        if not isinstance(data, Mapping):
            self.fail(path, f"a condition must be a mapping, got {type(data).__name__}")
            return None
        keys = set(data)
        for combinator, make in (("all", All), ("any", AnyOf)):
            if combinator in keys:
                if keys != {combinator}:
                    self.fail(path, f"'{combinator}' stands alone, found also {sorted(keys - {combinator})}")
                items = data[combinator]
                if not isinstance(items, list) or not items:
                    self.fail(f"{path}.{combinator}", "must be a non-empty list of conditions")
                    return None
                parts = [self.condition(item, f"{path}.{combinator}[{i}]") for i, item in enumerate(items)]
                if any(p is None for p in parts):
                    return None
                return make(tuple(p for p in parts if p is not None))
        if "not" in keys:
            if keys != {"not"}:
                self.fail(path, f"'not' stands alone, found also {sorted(keys - {'not'})}")
            part = self.condition(data["not"], f"{path}.not")
            return None if part is None else Not(part)
        if "finding" in keys or "cause" in keys:
            (key,) = keys & {"finding", "cause"}
            if keys != {key} or not isinstance(data[key], str):
                self.fail(path, f"'{key}' takes one id and stands alone")
                return None
            return FindingRef(data[key]) if key == "finding" else CauseRef(data[key])
        if "fact" in keys:
            return self.test(data, path)
        self.fail(path, "unknown condition; use fact/all/any/not/finding/cause")
        return None

    def test(self, data: Mapping[str, Any], path: str) -> Test | None:
        name = data["fact"]
        info = self.catalog.get(name) if isinstance(name, str) else None
        if info is None:
            self.fail(f"{path}.fact", f"unknown fact {name!r}; the facts model defines: {', '.join(self.catalog)}")
            return None
        op, arg = self._operator(data, "fact", path)
        if op is None:
            return None
        checked = self._check(info, op, arg, path, fact_context=True)
        return None if checked is _BAD else Test(name, op, checked)

    def item_condition(self, data: Any, info: FactInfo, path: str) -> ItemCondition | None:
        if not isinstance(data, Mapping):
            self.fail(path, "an item condition must be a mapping")
            return None
        keys = set(data)
        for combinator, make in (("all", All), ("any", AnyOf)):
            if combinator in keys:
                items = data[combinator]
                if not isinstance(items, list) or not items:
                    self.fail(f"{path}.{combinator}", "must be a non-empty list of conditions")
                    return None
                parts = [self.item_condition(item, info, f"{path}.{combinator}[{i}]") for i, item in enumerate(items)]
                if any(p is None for p in parts):
                    return None
                return make(tuple(p for p in parts if p is not None))  # type: ignore[misc]  # item conditions reuse All/AnyOf
        if "not" in keys:
            part = self.item_condition(data["not"], info, f"{path}.not")
            return None if part is None else Not(part)  # type: ignore[arg-type]
        if "field" not in keys:
            self.fail(path, "an item condition tests a 'field' of the item, or combines them with all/any/not")
            return None
        field_info = info.item_field(str(data["field"]))
        if field_info is None:
            names = ", ".join(n for n, _ in info.item_fields)
            self.fail(f"{path}.field", f"{info.name} items have no field {data['field']!r}; they have: {names}")
            return None
        op, arg = self._operator(data, "field", path)
        if op is None:
            return None
        checked = self._check(field_info, op, arg, path, fact_context=False)
        return None if checked is _BAD else ItemTest(str(data["field"]), op, checked)

    def _operator(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str | None, Any]:
        ops = [k for k in data if k != key]
        if len(ops) != 1 or ops[0] not in COMPARISONS:
            self.fail(path, f"a test needs exactly one operator out of {', '.join(COMPARISONS)}; found {ops}")
            return None, None
        return ops[0], data[ops[0]]

    def _check(self, info: FactInfo, op: str, arg: Any, path: str, *, fact_context: bool) -> Any:
        where = f"{path}.{op}"
        kind = info.kind
        if op == "is_unknown":
            if arg is not True and arg is not False:
                self.fail(where, "is_unknown takes true or false")
                return _BAD
            return arg
        if op == "any_item":
            if kind != "list":
                self.fail(where, f"any_item needs a list fact; {info.name} is {kind}")
                return _BAD
            inner = self.item_condition(arg, info, where)
            return _BAD if inner is None else inner
        if isinstance(arg, Mapping) and set(arg) == {"limit"}:
            limit_kind = self.limits.get(str(arg["limit"]))
            if limit_kind is None:
                self.fail(f"{where}.limit", f"unknown limit {arg['limit']!r}; known limits: {', '.join(self.limits)}")
                return _BAD
            if op not in _NUMERIC | _VERSION:
                self.fail(where, "a limit can only be compared with gt/ge/lt/le or version_lt/version_ge")
                return _BAD
            return LimitRef(str(arg["limit"]))
        if isinstance(arg, Mapping) and set(arg) == {"fact"}:
            other = self.catalog.get(str(arg["fact"]))
            if not fact_context or op not in _VERSION or other is None or other.kind != "version":
                self.fail(where, "only version_lt/version_ge may compare with another fact, and it must be a version fact")
                return _BAD
            return FactRef(str(arg["fact"]))
        if op in _NUMERIC:
            if kind != "int" or isinstance(arg, bool) or not isinstance(arg, int | float):
                self.fail(where, f"{op} compares a number fact with a number; {info.name} is {kind}, got {arg!r}")
                return _BAD
            return arg
        if op in _VERSION:
            if kind != "version":
                self.fail(where, f"{op} needs a version fact; {info.name} is {kind}")
                return _BAD
            try:
                parse_version(str(arg))
            except ValueError as exc:
                self.fail(where, str(exc))
                return _BAD
            return str(arg)
        if op == "switch":
            if kind != "text" or not isinstance(arg, Mapping) or set(arg) != {"is", "default"}:
                self.fail(where, "switch takes {is: on|off, default: on|off} on a waagent.conf text fact")
                return _BAD
            states = {k: _on_off(v) for k, v in arg.items()}
            if None in states.values():
                self.fail(where, "switch values are on or off")
                return _BAD
            return states
        values = tuple(arg) if op in {"in", "not_in"} and isinstance(arg, list) else (arg,)
        if op in {"in", "not_in"} and not isinstance(arg, list):
            self.fail(where, f"{op} takes a list")
            return _BAD
        for value in values:
            if not self._value_fits(info, value):
                allowed = ", ".join(info.values) if info.values else kind
                self.fail(where, f"{value!r} is not a value of {info.name} (allowed: {allowed})")
                return _BAD
        return values if op in {"in", "not_in"} else arg

    @staticmethod
    def _value_fits(info: FactInfo, value: Any) -> bool:
        if info.kind == "enum":
            return value in info.values
        if info.kind == "bool":
            return isinstance(value, bool)
        if info.kind == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        if info.kind in {"text", "version"}:
            return isinstance(value, str)
        return False


_BAD = object()


def _on_off(value: Any) -> bool | None:
    # YAML 1.1 reads on/off/yes/no as booleans.
    if value in (True, "on"):
        return True
    if value in (False, "off"):
        return False
    return None


def parse_condition(
    data: Any, path: str, catalog: Mapping[str, FactInfo], limits: Mapping[str, str]
) -> tuple[Condition | None, list[ConditionSyntaxError]]:
    """Parse one condition from the knowledge files' notation.

    Returns the condition (None when it has errors) and every error found, each with its path.
    """
    parser = _Parser(catalog, limits)
    cond = parser.condition(data, path)
    return (cond if not parser.errors else None), parser.errors


def map_refs(cond: Condition, fn: Callable[[Condition], Condition]) -> Condition:
    """Rebuild a condition bottom-up through ``fn`` (used to substitute references)."""
    if isinstance(cond, All):
        return fn(All(tuple(map_refs(p, fn) for p in cond.parts)))
    if isinstance(cond, AnyOf):
        return fn(AnyOf(tuple(map_refs(p, fn) for p in cond.parts)))
    if isinstance(cond, Not):
        return fn(Not(map_refs(cond.part, fn)))
    return fn(cond)
