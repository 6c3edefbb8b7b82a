"""The cause graph: typed nodes and edges that match the knowledge base, with no drawing styles."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest

from kb_engine.diagrams.graph import EDGE_KINDS, NODE_KINDS, cause_graph, graphml_text, json_text
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import Edition

EDITIONS = [e.id for e in default_kb().editions]
STYLE_ATTRIBUTES = {"color", "fillcolor", "fontcolor", "fontname", "fontsize", "label", "penwidth", "shape", "style", "xlabel"}


@pytest.fixture(params=EDITIONS)
def edition(request: pytest.FixtureRequest) -> Edition:
    return default_kb().edition(request.param)


def test_every_node_has_a_known_kind_an_id_and_the_edition(edition: Edition) -> None:
    """Each node says what it is (kind), which KB entity (id), which edition and its order."""
    g = cause_graph(edition)
    for node, data in g.nodes(data=True):
        assert data["kind"] in NODE_KINDS, node
        assert data["edition"] == edition.id
        assert isinstance(data["order"], int)
        assert data["id"]
    kinds = {k for _, k in g.nodes(data="kind")}
    assert {"error_code", "cause", "sub_cause", "finding", "condition", "remedy_step", "procedure"} <= kinds


def test_node_ids_are_readable_and_stable(edition: Edition) -> None:
    """Ids read like code:NAME, cause:ID, finding:ID, cond:FACT:HASH, step:CAUSE:N."""
    g = cause_graph(edition)
    assert "code:UserErrorGuestAgentStatusUnavailable" in g
    assert "cause:agent_outdated_linux" in g
    assert "finding:agent_not_ready" in g
    assert "step:agent_outdated_linux:3" in g
    assert any(n.startswith("cond:agent.status:") for n in g)
    prefixes = {"error_code": "code:", "cause": "cause:", "sub_cause": "cause:", "finding": "finding:",
                "condition": "cond:", "remedy_step": "step:", "procedure": "procedure:"}
    for node, kind in g.nodes(data="kind"):
        assert node.startswith(prefixes[kind]), node


def test_code_to_cause_edges_follow_the_articles_order(edition: Edition) -> None:
    """code -> cause edges carry order 1, 2, ... exactly as the knowledge base lists the causes."""
    g = cause_graph(edition)
    for entry in edition.codes:
        edges = [(data["order"], v) for _, v, data in g.out_edges(f"code:{entry.id}", data=True) if data["kind"] == "code_cause"]
        assert [v for _, v in sorted(edges)] == [f"cause:{c}" for c in entry.causes]


def test_findings_point_at_causes_with_their_role(edition: Edition) -> None:
    """finding -> cause edges say whether the finding confirms the cause (when) or says it applies."""
    g = cause_graph(edition)
    assert g.edges["finding:os_linux", "cause:agent_outdated_linux"]["role"] == "applies"
    assert g.edges["finding:agent_not_ready", "cause:agent_outdated_linux"]["role"] == "when"
    assert g.edges["cause:shutdown_over_rdp", "cause:snapshot_unavailable"]["kind"] == "sub_cause"
    assert g.nodes["cause:shutdown_over_rdp"]["kind"] == "sub_cause"
    for u, v, data in g.edges(data=True):
        assert data["kind"] in EDGE_KINDS, (u, v)
        if data["kind"] == "test":
            assert g.nodes[u]["kind"] == "condition"


def test_remedy_steps_are_numbered_in_order_and_in_both_languages(edition: Edition) -> None:
    """cause -> step edges carry the step number; every step has its English and Japanese text."""
    g = cause_graph(edition)
    for cid, cause in edition.causes.items():
        steps = sorted((d["order"], v) for _, v, d in g.out_edges(f"cause:{cid}", data=True) if d["kind"] == "remedy")
        assert [v for _, v in steps] == [f"step:{cid}:{n}" for n in range(1, len(cause.steps) + 1)]
        for _, v in steps:
            assert g.nodes[v]["text_en"] and g.nodes[v]["text_ja"]
    variants = g.nodes["step:agent_outdated_linux:3"]["variants_en"]
    if edition.id == "2025-11":  # today's article restarts the agent with systemctl
        assert "Ubuntu, Debian: sudo systemctl restart walinuxagent" in variants
    else:
        assert "Ubuntu: service walinuxagent start" in variants


def test_the_graph_carries_no_drawing_styles(edition: Edition) -> None:
    """Nodes and edges hold meaning only: no colour, shape, label or font attributes."""
    g = cause_graph(edition)
    for node, data in g.nodes(data=True):
        assert not STYLE_ATTRIBUTES & set(data), node
    for u, v, data in g.edges(data=True):
        assert not STYLE_ATTRIBUTES & set(data), (u, v)


def test_placeholders_are_filled_with_the_editions_limits(edition: Edition) -> None:
    """Texts read '.NET 4.5', not '{dotnet_min}'."""
    g = cause_graph(edition)
    for node, data in g.nodes(data=True):
        for key in ("text_en", "text_ja", "question_en", "question_ja"):
            assert "{" not in data.get(key, ""), (node, key)


def test_graphml_is_byte_identical_and_reads_back(edition: Edition) -> None:
    """Two exports are identical; networkx reads the GraphML back with every node and edge."""
    text = graphml_text(cause_graph(edition))
    assert text == graphml_text(cause_graph(edition))
    back = nx.read_graphml(io.StringIO(text))
    g = cause_graph(edition)
    assert sorted(back.nodes) == sorted(g.nodes)
    assert back.number_of_edges() == g.number_of_edges()
    assert back.nodes["finding:agent_not_ready"]["question_ja"] == g.nodes["finding:agent_not_ready"]["question_ja"]


def test_json_export_is_sorted_node_link_data(edition: Edition) -> None:
    """The JSON is networkx node-link data with nodes and edges sorted, Japanese unescaped."""
    text = json_text(cause_graph(edition))
    assert text == json_text(cause_graph(edition))
    data = json.loads(text)
    ids = [n["id"] for n in data["nodes"]]
    assert ids == sorted(ids)
    pairs = [(e["source"], e["target"]) for e in data["edges"]]
    assert pairs == sorted(pairs)
    assert "エージェント" in text
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_nodes() == len(ids)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_order_number_is_the_port_its_arrow_leaves_from(edition: Edition, lang: str) -> None:
    """On the poster, a code's order numbers are cells of the code's own box, and arrow n leaves from cell n."""
    from diagram_helpers import parse

    from kb_engine.diagrams import graph_dot

    dot = parse(graph_dot(edition, lang))
    for entry in edition.codes:
        node = f"code:{entry.id}"
        arrows = [attrs for source, _, attrs in dot.edges if source == node]
        assert sorted(a["tailport"] for a in arrows) == sorted(f"p{n}:e" for n in range(1, len(entry.causes) + 1))
        for n in range(1, len(entry.causes) + 1):
            assert f'PORT="p{n}"' in dot.nodes[node]["label"] and f"<B>{n}.</B>" in dot.nodes[node]["label"]
        assert "label" not in arrows[0], "no number floats beside the arrow"
