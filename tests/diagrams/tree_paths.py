"""Paths through a decision tree, and VM facts that answer a path's questions the way it does.

For the browser tests: a trainee clicks a path to a leaf; the facts built here
give every question on that path the same answer, so the engine's diagnosis of
them can be compared with the leaf. The facts are searched for, not written by
hand: each question's finding is evaluated on candidate values of its facts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from kb_engine.knowledge.conditions import Context, evaluate, facts_of, walk
from kb_engine.knowledge.confirmable import _candidates, _item_fields, mentioned_values
from kb_engine.knowledge.model import Edition, all_conditions
from kb_engine.knowledge.vocabulary import Facts, fact_catalog
from kb_engine.diagrams.tree import Tree

Step = tuple[str, str]  # (node id, answer: yes | no | still | an OS value)


def leaf_paths(tree: Tree) -> dict[str, list[Step]]:
    """For each leaf (cause or escalate), the first path to it in reading order that rules out every cause before it.

    A path never goes on from a leaf ("still failing"): the leaf it reaches is then the first cause
    the facts confirm, which is what the engine's diagnosis names.
    """
    found: dict[str, list[Step]] = {}
    out: dict[str, list[Any]] = {}
    for edge in tree.edges:
        out.setdefault(edge.source, []).append(edge)

    def visit(node_id: str, path: list[Step], os: str | None) -> None:
        node = tree.node(node_id)
        if node.kind in ("cause", "escalate") and node_id not in found:
            found[node_id] = list(path)
        for edge in out.get(node_id, []):
            if edge.os and edge.kind != "choice" and os not in edge.os:
                continue
            if node.kind == "start":
                visit(edge.target, path, os)
            elif node.kind == "choice":
                for value in edge.os:
                    visit(edge.target, path + [(node_id, value)], value)
            elif node.kind == "question":
                visit(edge.target, path + [(node_id, "yes" if edge.kind == "yes" else "no")], os)

    visit("start", [], None)
    return found


def _document(flat: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for name, value in flat.items():
        if value is None:
            continue
        if isinstance(value, tuple):
            value = [_item(name, dict(v)) for v in value]
        parts = name.split(".")
        here = doc
        for part in parts[:-1]:
            here = here.setdefault(part, {})
        here[parts[-1]] = value
    return doc


def _item(fact: str, item: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if v is not None and k != "is_backup"}
    if fact == "extensions":
        out["name"] = "VMSnapshotLinux" if item.get("is_backup") else "CustomScript"
    return out


def facts_for(edition: Edition, tree: Tree, path: list[Step], observed: str) -> Facts:
    """Facts under which every question on the path has the path's answer (raises LookupError if none is found)."""
    catalog = fact_catalog()
    mentioned = mentioned_values(edition)
    list_fields: dict[str, set[str]] = {}
    for _, cond in all_conditions(edition):
        for node in walk(cond):
            if getattr(node, "op", None) == "any_item":
                list_fields.setdefault(node.fact, set()).update(_item_fields(node.arg))
    wants: list[tuple[Any, bool]] = []
    fixed: dict[str, Any] = {}
    for node_id, answer in path:
        node = tree.node(node_id)
        if node.kind == "choice":
            fixed["vm.os"] = answer
        elif node.kind == "question":
            assert node.finding is not None
            wants.append((edition.findings[node.finding].when, answer == "yes"))

    def search(i: int, flat: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if i == len(wants):
            yield flat
            return
        cond, want = wants[i]
        names = sorted(n for n in facts_of(cond) if n not in flat)
        choices = [[v for v in _candidates(catalog[n], mentioned, n, list_fields) if v is not None] for n in names]
        for combo in itertools.product(*choices):
            trial = {**flat, **dict(zip(names, combo, strict=True))}
            if evaluate(cond, Context(trial, edition.limits)) is want:
                yield from search(i + 1, trial)

    for flat in itertools.islice(search(0, dict(fixed)), 2000):
        try:
            return Facts.model_validate({**_document(flat), "observed_error": observed})
        except ValidationError:
            continue  # a contradiction between facts (an agent not installed yet Ready): try the next
    raise LookupError(f"no facts give the answers of {path}")
