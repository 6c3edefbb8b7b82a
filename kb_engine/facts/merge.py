"""Merge partial facts documents into one, recording where each fact came from.

Each source is a facts document that knows a few things. The merge takes every
fact that some source gives; when two sources give different values for the
same fact, the fact is left unknown and reported as a :class:`Conflict` -- it is
never silently overwritten. Facts that cannot be true together (an agent that is
not installed but ready, say) are left unknown the same way, so the merged
document always validates.

List facts are matched by name: ``vm.disks`` and ``extensions`` items with the
same name (case-insensitive) are one item whose fields merge one by one
(``extensions[VMSnapshot].state``). The lists themselves are unions: a source
that sees fewer extensions does not contradict one that sees more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kb_engine.errors import InputError, Problem
from kb_engine.knowledge.vocabulary import VM, Agent, Backup, Extension, Facts, Network

from .load import validate_facts

__all__ = ["Conflict", "MergeResult", "merge"]


@dataclass(frozen=True, slots=True)
class Conflict:
    """A fact left unknown because its sources disagree.

    Attributes:
        fact: dotted path of the fact (``agent.version``, ``vm.disks[os].size_gib``).
        values_by_source: each source's value, by source name.
        reason: why the fact was dropped: the sources disagree, or the values
            contradict another fact (the model's message).
    """

    fact: str
    values_by_source: Mapping[str, object]
    reason: str = "sources disagree"

    def __str__(self) -> str:
        said = ", ".join(f"{source} says {value!r}" for source, value in self.values_by_source.items())
        return f"{self.fact}: {said} ({self.reason}); left unknown"


@dataclass(frozen=True, slots=True)
class MergeResult:
    """One facts document made of several sources.

    Attributes:
        facts: the merged facts, a plain JSON-able dict that ``validate_facts`` accepts.
        provenance: for every fact in ``facts`` (dotted path), the sources that gave it.
        conflicts: the facts left unknown because sources disagree.
        notes: remarks about the inputs (what was skipped and why).
    """

    facts: dict[str, Any]
    provenance: dict[str, list[str]]
    conflicts: list[Conflict]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Item:
    """One item of a list fact, matched across sources by ``key``."""

    key: str
    label: str | None = field(compare=False)


class _Known:
    """Marker value: the source gives this list (maybe empty) or this list item."""

    def __repr__(self) -> str:
        return "<given>"


_KNOWN = _Known()
_LIST_FIELDS = {("vm", "disks"), ("extensions",)}
_OPAQUE = {("expect",)}
_SECTIONS: dict[str, Any] = {"vm": VM, "agent": Agent, "network": Network, "backup": Backup}
_SCALARS = ("name", "description", "observed_error", "expect")
_NAME_RE = re.compile(r"[A-Za-z_][\w.]*")
_MAX_ROUNDS = 20

_Path = tuple["str | _Item", ...]


def merge(partials: Sequence[tuple[str, Mapping[str, Any]]]) -> MergeResult:
    """Merge partial facts documents; disagreements become conflicts, not overwrites.

    Args:
        partials: ``(source name, facts document)`` pairs, in order of preference for
            the order of list items (values never depend on the order).

    Returns:
        The merged facts with their provenance and conflicts.

    Raises:
        InputError: a partial document is not valid facts (every problem of every
            document, each naming its source). Facts that merely contradict each
            other are not an error: they become conflicts.
    """
    names = _unique_names([source for source, _ in partials])
    problems: list[Problem] = []
    canonical: list[tuple[str, dict[str, Any]]] = []
    for name, (_, doc) in zip(names, partials, strict=True):
        try:
            canonical.append((name, _canonical(doc, name)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the facts to merge")

    values: dict[_Path, dict[str, object]] = {}
    for name, doc in canonical:
        flat: dict[_Path, object] = {}
        _flatten(doc, (), flat, name)
        for path, value in flat.items():
            values.setdefault(path, {})[name] = value

    conflicts: list[Conflict] = []
    chosen: dict[_Path, object] = {}
    for path, by_source in values.items():
        distinct = _distinct(by_source.values())
        if len(distinct) == 1:
            chosen[path] = distinct[0]
        else:
            conflicts.append(Conflict(_show(path), dict(by_source)))

    model = _resolve_contradictions(chosen, values, conflicts)
    facts = _prune(model.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"schema_"}))
    provenance = {_show(path): list(values[path]) for path in chosen}
    return MergeResult(facts=facts, provenance=dict(sorted(provenance.items())), conflicts=conflicts)


def _unique_names(sources: Iterable[str]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for source in sources:
        count = seen.get(source, 0) + 1
        seen[source] = count
        out.append(source if count == 1 else f"{source}#{count}")
    return out


def _is_contradiction(problem: Problem) -> bool:
    return problem.path == "" and problem.message.startswith("contradictory facts")


def _canonical(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The document in the model's own spelling (enum values, field names), nulls dropped."""
    try:
        model = validate_facts(doc, source)
    except InputError as exc:
        # Field values are all valid (the model checks contradictions only then):
        # keep them, and let the merge leave the contradicting facts unknown.
        if exc.problems and all(_is_contradiction(p) for p in exc.problems):
            return _sections(doc)
        raise
    return dict(model.model_dump(mode="json", exclude_none=True, exclude={"schema_"}))


def _sections(doc: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, model in _SECTIONS.items():
        if doc.get(key) is not None:
            out[key] = model.model_validate(doc[key]).model_dump(mode="json", exclude_none=True)
    if doc.get("extensions") is not None:
        out["extensions"] = [
            Extension.model_validate(item).model_dump(mode="json", exclude_none=True) for item in doc["extensions"]
        ]
    for key in _SCALARS:
        if doc.get(key) is not None:
            out[key] = doc[key]
    return out


def _flatten(node: object, path: _Path, out: dict[_Path, object], source: str) -> None:
    if isinstance(node, dict) and path not in _OPAQUE:
        for key, value in node.items():
            if value is not None:
                _flatten(value, (*path, key), out, source)
        return
    if isinstance(node, list) and path in _LIST_FIELDS:
        out[path] = _KNOWN
        for index, item in enumerate(node):
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str):
                key = _Item(name.casefold(), name)
            else:
                key = _Item(f"#{source}#{index}", f"#{index + 1} of {source}")
            item_path = (*path, key)
            out[item_path] = _KNOWN
            rest = {k: v for k, v in item.items() if k != "name"} if isinstance(item, dict) else {}
            _flatten(rest, item_path, out, source)
        return
    out[path] = node


def _distinct(values: Iterable[object]) -> list[object]:
    out: list[object] = []
    for value in values:
        if not any(type(value) is type(seen) and value == seen for seen in out):
            out.append(value)
    return out


def _show(path: _Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, _Item):
            text += f"[{part.label}]"
        else:
            text += ("." if text else "") + part
    return text


def _build(chosen: Mapping[_Path, object]) -> dict[str, Any]:
    """Nested facts document (field names) from the chosen flat values."""
    root: dict[Any, Any] = {}
    for path, value in chosen.items():
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        last = path[-1]
        if value is _KNOWN:
            node.setdefault(last, {})
        else:
            node[last] = value
    return _lists(root, ())


def _lists(node: dict[Any, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = (*path, key)
        if here in _LIST_FIELDS:
            items = []
            for item_key, fields in value.items():
                item = _lists(fields, ()) if isinstance(fields, dict) else {}
                if item_key.label is not None and not item_key.key.startswith("#"):
                    item = {"name": item_key.label, **item}
                items.append(item)
            out[key] = items
        elif isinstance(value, dict) and here not in _OPAQUE:
            out[key] = _lists(value, here)
        else:
            out[key] = value
    return out


def _resolve_contradictions(
    chosen: dict[_Path, object], values: Mapping[_Path, Mapping[str, object]], conflicts: list[Conflict]
) -> Facts:
    """Validate the merged facts; leave facts that contradict each other unknown."""
    for _ in range(_MAX_ROUNDS):
        try:
            return validate_facts(_build(chosen), "merged facts")
        except InputError as exc:
            dropped = False
            for problem in exc.problems:
                for path in _paths_named(problem, chosen):
                    conflicts.append(Conflict(_show(path), dict(values[path]), f"contradiction: {problem.message}"))
                    del chosen[path]
                    dropped = True
            if not dropped:
                raise
    raise InputError([Problem("merged facts", "", "contradictory facts could not be resolved")])


def _paths_named(problem: Problem, chosen: Mapping[_Path, object]) -> list[_Path]:
    """The chosen facts a validation problem names: ``agent.status``, a group such as
    ``agent.waagent_conf``, or a field (``locked``) of the object at the problem's path."""
    groups: list[tuple[str, ...]] = []
    for token in _NAME_RE.findall(problem.message):
        token = token.rstrip(".")
        if "." in token:
            groups.append(tuple(token.split(".")))
        if problem.path:
            groups.append((*problem.path.split("."), token))
    return [path for path in chosen if any(path[: len(group)] == group for group in groups)]


def _prune(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, dict) and key != "expect":
            value = _prune(value)
            if not value:
                continue
        elif isinstance(value, list):
            value = [_prune(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out
