"""The knowledge base of one edition as a cause graph (networkx), with GraphML and JSON export.

Nodes and edges carry meaning only, never drawing styles (the views in
:mod:`kb_engine.diagrams` add those). Node ids are stable and readable:

==================  ===============================================  ==========================
kind                id                                               example
==================  ===============================================  ==========================
error_code          ``code:<first name>``                            ``code:BackUpOperationFailed``
cause, sub_cause    ``cause:<id>``                                   ``cause:agent_outdated_linux``
finding             ``finding:<id>``                                 ``finding:agent_not_ready``
condition           ``cond:<fact>:<content hash>``                   ``cond:agent.status:c1a2b3c4d5``
remedy_step         ``step:<cause>:<n>`` (1-based)                   ``step:agent_outdated_linux:3``
procedure           ``procedure:<id>``                               ``procedure:cleanup_restore_points``
==================  ===============================================  ==========================

Edges (attribute ``kind``): ``code_cause`` (code -> cause, ``order`` = the
article's order), ``evidence`` (finding -> cause, ``role`` = ``when`` or
``applies``, ``negated``), ``test`` (condition -> finding, or -> cause for a
test written directly in a cause), ``sub_cause`` (sub-cause -> cause),
``cause_ref`` (cause -> cause that it helps confirm, when not its parent),
``remedy`` (cause -> step, ``order``), ``procedure_step`` (procedure -> step).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import networkx as nx

from kb_engine.knowledge.conditions import CauseRef, Condition, FindingRef, Not, Test, describe, node_id, to_data
from kb_engine.knowledge.phrases import phrase
from kb_engine.knowledge.model import Edition, Step, Text

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "cause_graph",
    "code_node",
    "cause_node",
    "condition_node",
    "finding_node",
    "graphml_text",
    "json_text",
    "sorted_graph",
    "step_node",
]

NODE_KINDS = ("error_code", "cause", "sub_cause", "finding", "condition", "remedy_step", "procedure")
EDGE_KINDS = ("code_cause", "evidence", "test", "sub_cause", "cause_ref", "remedy", "procedure_step")


def code_node(code_id: str) -> str:
    """The node id of an error-code entry (its first code name)."""
    return f"code:{code_id}"


def cause_node(cause_id: str) -> str:
    """The node id of a cause or sub-cause."""
    return f"cause:{cause_id}"


def finding_node(finding_id: str) -> str:
    """The node id of a finding."""
    return f"finding:{finding_id}"


def condition_node(test: Test) -> str:
    """The node id of a fact test: the fact, then a hash of the whole test."""
    return f"cond:{test.fact}:{node_id(test)}"


def step_node(cause_id: str, number: int) -> str:
    """The node id of a cause's remedy step (1-based)."""
    return f"step:{cause_id}:{number}"


def _texts(prefix: str, text: Text, edition: Edition) -> dict[str, str]:
    return {f"{prefix}_en": edition.fill(text, "en"), f"{prefix}_ja": edition.fill(text, "ja")}


def _refs(cond: Condition, negated: bool = False) -> Iterator[tuple[Condition, bool]]:
    """The findings, causes and fact tests a condition uses, each with whether it is negated."""
    if isinstance(cond, FindingRef | CauseRef | Test):
        yield cond, negated
    elif isinstance(cond, Not):
        yield from _refs(cond.part, not negated)
    else:
        for part in cond.parts:
            yield from _refs(part, negated)


def _step_attrs(step: Step, edition: Edition) -> dict[str, Any]:
    attrs: dict[str, Any] = _texts("text", step.text, edition)
    if step.command is not None:
        attrs["command"] = step.command
    if step.link is not None:
        attrs["link"] = step.link
    if step.variants:
        for lang in ("en", "ja"):
            attrs[f"variants_{lang}"] = "\n".join(f"{edition.fill(v.label, lang)}: {v.command}" for v in step.variants)
    if step.when is not None:
        attrs["when"] = describe(step.when)
    if step.procedure is not None:
        attrs["procedure"] = step.procedure
    return attrs


def cause_graph(edition: Edition) -> nx.DiGraph:
    """The cause graph of one edition: error codes, causes, findings, fact tests and remedy steps.

    Every node has ``kind``, ``id`` (the knowledge base's own id), ``edition`` and
    ``order`` (1-based position among its kind in the knowledge base, or in its
    cause for a step), plus its texts in both languages (``text_en``,
    ``text_ja``; a finding also ``question_en``, ``question_ja``). Placeholders
    are filled with the edition's limits and the defaults of VM facts.
    """
    g = nx.DiGraph(edition=edition.id, kb_version=edition.kb_version, published=edition.published,
                   **_texts("title", edition.title, edition))

    for order, entry in enumerate(edition.codes, start=1):
        attrs: dict[str, Any] = {
            "kind": "error_code", "id": entry.id, "edition": edition.id, "order": order,
            "names": ",".join(entry.names), **_texts("text", entry.message, edition), **_texts("summary", entry.summary, edition),
        }
        if entry.aliases:
            attrs["aliases"] = ",".join(entry.aliases)
        if entry.advice is not None:
            attrs.update(_texts("advice", entry.advice, edition))
        g.add_node(code_node(entry.id), **attrs)

    for order, (fid, finding) in enumerate(edition.findings.items(), start=1):
        g.add_node(
            finding_node(fid), kind="finding", id=fid, edition=edition.id, order=order,
            **_texts("text", finding.text, edition), **_texts("question", finding.question, edition),
        )
        for test, negated in _refs(finding.when):
            assert isinstance(test, Test)  # a finding tests facts only (the loader checks)
            _add_condition(g, test, edition, order)
            g.add_edge(condition_node(test), finding_node(fid), kind="test", negated=negated)

    for order, (cid, cause) in enumerate(edition.causes.items(), start=1):
        attrs = {
            "kind": "sub_cause" if cause.parent else "cause", "id": cid, "edition": edition.id, "order": order,
            **_texts("text", cause.title, edition), **_texts("summary", cause.summary, edition),
        }
        if cause.ref is not None:
            attrs["ref"] = cause.ref
        if cause.parent is not None:
            attrs["parent"] = cause.parent
        if cause.logs:
            attrs["logs"] = "\n".join(cause.logs)
        g.add_node(cause_node(cid), **attrs)

    for cid, cause in edition.causes.items():
        for role, cond in (("applies", cause.applies), ("when", cause.when)):
            if cond is None:
                continue
            for ref, negated in _refs(cond):
                if isinstance(ref, FindingRef):
                    g.add_edge(finding_node(ref.finding), cause_node(cid), kind="evidence", role=role, negated=negated)
                elif isinstance(ref, CauseRef):
                    kind = "sub_cause" if edition.causes[ref.cause].parent == cid else "cause_ref"
                    g.add_edge(cause_node(ref.cause), cause_node(cid), kind=kind, role=role, negated=negated)
                else:
                    assert isinstance(ref, Test)
                    _add_condition(g, ref, edition, 0)
                    g.add_edge(condition_node(ref), cause_node(cid), kind="test", role=role, negated=negated)
        for number, step in enumerate(cause.steps, start=1):
            sid = step_node(cid, number)
            g.add_node(sid, kind="remedy_step", id=f"{cid}:{number}", cause=cid, edition=edition.id, order=number,
                       **_step_attrs(step, edition))
            g.add_edge(cause_node(cid), sid, kind="remedy", order=number)

    for order, (pid, proc) in enumerate(edition.procedures.items(), start=1):
        attrs = {"kind": "procedure", "id": pid, "edition": edition.id, "order": order, **_texts("text", proc.title, edition)}
        if proc.ref is not None:
            attrs["ref"] = proc.ref
        g.add_node(f"procedure:{pid}", **attrs)
        position = 0
        for cid, cause in edition.causes.items():
            numbered = [n for n, s in enumerate(cause.steps, start=1) if s.procedure == pid]
            for position, number in enumerate(numbered, start=1):
                g.add_edge(f"procedure:{pid}", step_node(cid, number), kind="procedure_step", order=position)

    for order, entry in enumerate(edition.codes, start=1):
        for position, cid in enumerate(entry.causes, start=1):
            g.add_edge(code_node(entry.id), cause_node(cid), kind="code_cause", order=position)
    return sorted_graph(g)


def _add_condition(g: nx.DiGraph, test: Test, edition: Edition, order: int) -> None:
    cid = condition_node(test)
    if cid in g:
        return
    text = describe(test)
    g.add_node(
        cid, kind="condition", id=node_id(test), edition=edition.id, order=order, fact=test.fact, op=test.op,
        test=text, text_en=text, text_ja=phrase(test, edition, "ja"), condition=json.dumps(to_data(test), sort_keys=True, ensure_ascii=False),
    )


def sorted_graph(g: nx.DiGraph) -> nx.DiGraph:
    """A copy with nodes, edges and every attribute mapping in sorted order (for deterministic export)."""
    out = nx.DiGraph()
    out.graph.update(sorted(g.graph.items()))
    for n in sorted(g.nodes):
        out.add_node(n, **dict(sorted(g.nodes[n].items())))
    for u, v in sorted(g.edges):
        out.add_edge(u, v, **dict(sorted(g.edges[u, v].items())))
    return out


def graphml_text(g: nx.DiGraph) -> str:
    """The graph as GraphML text, nodes and edges sorted (byte-identical for the same graph)."""
    return "\n".join(nx.generate_graphml(sorted_graph(g))) + "\n"


def json_text(g: nx.DiGraph) -> str:
    """The graph as node-link JSON (networkx's format, ``edges`` key), sorted and indented."""
    data = nx.node_link_data(sorted_graph(g), edges="edges")
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
