"""A diagnosis drawn on its error code's tree: path bold, ruled-out branches grey, unknowns marked."""

from __future__ import annotations

import pytest
from diagram_helpers import parse

from kb_engine.diagrams.dot import tree_overlay_dot
from kb_engine.diagrams.style import GREY
from kb_engine.knowledge.load import default_kb

# A running Linux VM whose agent is Not Ready (cause B confirmed); whether it is outdated is not known.
STATUS = {"vm_not_running": "ruled_out", "agent_unresponsive_windows": "not_applicable", "agent_outdated_linux": "confirmed"}
TRUTH = {"vm_not_running": False, "os_windows": False, "os_linux": True, "agent_outdated": None, "agent_not_ready": True,
         "agent_service_stopped": False, "agent_not_installed": False}


def _dot(lang: str = "en") -> str:
    edition = default_kb().edition("2019-12")
    return tree_overlay_dot(edition, edition.code("UserErrorGuestAgentStatusUnavailable"), STATUS, TRUTH, lang)


def test_the_confirmed_cause_and_the_path_to_it_are_bold() -> None:
    """Cause B's leaf is marked [confirmed] and bold; the answers leading there are bold arrows."""
    dot = parse(_dot())
    leaf = dot.nodes["cause__agent_outdated_linux"]
    assert "[confirmed]" in leaf["label"] and float(leaf["penwidth"]) >= 3
    assert "[Linux]" in dot.nodes["os"]["label"]
    edges = {(s, t): a for s, t, a in dot.edges}
    for pair in (("start", "os"),
                 ("os", "q__vm_not_running__when__vm_not_running"),
                 ("q__vm_not_running__when__vm_not_running", "q__agent_outdated_linux__when__agent_outdated"),
                 ("q__agent_outdated_linux__when__agent_not_ready", "cause__agent_outdated_linux"),
                 ("cause__agent_outdated_linux", "escalate")):
        assert edges[pair]["style"] == "bold", pair


def test_ruled_out_and_not_applicable_branches_are_grey_and_dashed() -> None:
    """Cause A does not apply: its questions and leaf are grey, dashed, marked [not applicable]."""
    dot = parse(_dot())
    leaf = dot.nodes["cause__agent_unresponsive_windows"]
    assert "[not applicable]" in leaf["label"]
    assert leaf["color"] == GREY and "dashed" in leaf["style"]
    assert dot.nodes["q__agent_unresponsive_windows__when__agent_not_ready"]["color"] == GREY
    edges = {(s, t): a for s, t, a in dot.edges}
    not_taken = edges[("q__agent_outdated_linux__when__agent_not_ready", "q__agent_outdated_linux__when__agent_service_stopped")]
    assert not_taken["color"] == GREY and not_taken["style"] == "dashed"


def test_a_question_with_an_unknown_answer_is_marked_and_both_branches_stay_open() -> None:
    """'Is the agent older than the latest version?' is not known: marked [?], both arrows dotted with (?)."""
    dot = parse(_dot())
    node = dot.nodes["q__agent_outdated_linux__when__agent_outdated"]
    assert "[?]" in node["label"] and "dashed" in node["style"]
    out = [a for s, _, a in dot.edges if s == "q__agent_outdated_linux__when__agent_outdated"]
    assert sorted(a["label"] for a in out) == ["no (?)", "yes (?)"]
    assert all(a["style"] == "dotted" for a in out)


def test_the_overlay_keeps_the_legend_and_explains_its_line_styles() -> None:
    """The legend says what bold, grey dashed and dotted mean, in the overlay's language."""
    assert "bold: the path this VM took" in _dot("en")
    assert "太線: この VM がたどった経路" in _dot("ja")


def test_without_an_error_code_the_diagnosis_is_drawn_on_the_whole_graph() -> None:
    """No observed code: the cause graph, with cause B marked confirmed and cause A greyed."""
    edition = default_kb().edition("2019-12")
    dot = parse(tree_overlay_dot(edition, None, STATUS, TRUTH, "en"))
    assert "[confirmed]" in dot.nodes["cause:agent_outdated_linux"]["label"]
    assert dot.nodes["cause:agent_unresponsive_windows"]["color"] == GREY
    assert "[?]" in dot.nodes["finding:agent_outdated"]["label"]


def test_an_unknown_status_value_is_refused() -> None:
    """A status other than confirmed, ruled_out, undetermined, not_applicable raises ValueError naming it."""
    edition = default_kb().edition("2019-12")
    with pytest.raises(ValueError, match="maybe"):
        tree_overlay_dot(edition, edition.code("UserErrorGuestAgentStatusUnavailable"), {"agent_outdated_linux": "maybe"}, {}, "en")


def test_the_overlay_title_names_the_vm() -> None:
    """An overlay is headed 'Diagnosis: <the VM's name>', so a printed page says which VM it is about."""
    edition = default_kb().edition("2019-12")
    text = tree_overlay_dot(edition, edition.code("UserErrorGuestAgentStatusUnavailable"), STATUS, TRUTH, "en", vm="ubuntu-web-01")
    assert "Diagnosis: ubuntu-web-01" in text
    assert "診断: ubuntu-web-01" in tree_overlay_dot(edition, None, STATUS, TRUTH, "ja", vm="ubuntu-web-01")


@pytest.mark.dot
def test_a_vm_name_with_control_characters_still_renders() -> None:
    """A name is data: control characters, which dot rejects, and markup are shown, never obeyed."""
    from kb_engine.diagrams.render import render

    edition = default_kb().edition("2019-12")
    name = 'web\x13-01 <B>&</B> "x"'
    text = tree_overlay_dot(edition, edition.code("UserErrorGuestAgentStatusUnavailable"), STATUS, TRUTH, "en", vm=name)
    svg = render(text, "svg").decode("utf-8")
    assert "web\ufffd&#45;01 &lt;B&gt;&amp;&lt;/B&gt;" in svg
    assert render(tree_overlay_dot(edition, None, STATUS, TRUTH, "ja", vm=name), "svg").startswith(b"<?xml")
