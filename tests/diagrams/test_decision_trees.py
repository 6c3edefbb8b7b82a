"""Decision trees per error code, as a trainee sees them: DOT, Mermaid and the text twin."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from diagram_helpers import parse

from kb_engine.diagrams import build_tree, tree_dot, tree_mermaid, tree_text
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import CodeEntry, Edition

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KB_ENGINE_UPDATE_GOLDEN") == "1"  # set to rewrite the golden files after a reviewed change

# One tree per edition and language, chosen for coverage: `applies` questions, an `any`
# chain, sub-causes E1/E2 inline, a shared procedure (K), command variants, logs.
GOLDEN_TREES = [
    ("2019-07", "BackUpOperationFailed", "en"),
    ("2019-12", "UserErrorGuestAgentStatusUnavailable", "ja"),
    ("2019-12", "UserErrorVmProvisioningStateFailed", "en"),
]

ALL_TREES = [(e.id, entry.id, lang) for e in default_kb().editions for entry in e.codes for lang in ("en", "ja")]


def _entry(edition_id: str, code: str) -> tuple[Edition, CodeEntry]:
    edition = default_kb().edition(edition_id)
    entry = edition.code(code)
    assert entry is not None
    return edition, entry


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} changed: review the diff, then rerun with KB_ENGINE_UPDATE_GOLDEN=1"


@pytest.mark.parametrize(("edition_id", "code", "lang"), GOLDEN_TREES)
def test_tree_dot_matches_the_reviewed_golden_file(edition_id: str, code: str, lang: str) -> None:
    """The DOT of a tree is exactly the reviewed file in tests/diagrams/golden."""
    edition, entry = _entry(edition_id, code)
    _golden(f"{edition_id}-{lang}-tree-{code}.dot", tree_dot(build_tree(edition, entry, lang)))


@pytest.mark.parametrize(("edition_id", "code", "lang"), GOLDEN_TREES)
def test_tree_mermaid_matches_the_reviewed_golden_file(edition_id: str, code: str, lang: str) -> None:
    """The Mermaid of a tree is exactly the reviewed file in tests/diagrams/golden."""
    edition, entry = _entry(edition_id, code)
    _golden(f"{edition_id}-{lang}-tree-{code}.mmd", tree_mermaid(build_tree(edition, entry, lang)))


@pytest.mark.parametrize(("edition_id", "code", "lang"), GOLDEN_TREES)
def test_tree_text_twin_matches_the_reviewed_golden_file(edition_id: str, code: str, lang: str) -> None:
    """The text twin of a tree is exactly the reviewed file in tests/diagrams/golden."""
    edition, entry = _entry(edition_id, code)
    _golden(f"{edition_id}-{lang}-tree-{code}.txt", tree_text(build_tree(edition, entry, lang)))


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_every_arrow_of_every_tree_is_labelled(edition_id: str, code: str, lang: str) -> None:
    """No edge without a label: yes, no, does not apply, still failing or start."""
    edition, entry = _entry(edition_id, code)
    dot = parse(tree_dot(build_tree(edition, entry, lang)))
    assert dot.edges
    for source, target, attrs in dot.edges:
        assert attrs.get("label") or attrs.get("style") == "invis", (source, target)


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_causes_appear_numbered_in_the_articles_order(edition_id: str, code: str, lang: str) -> None:
    """Clusters follow the entry's causes (sub-causes right after their parent), headed 1., 2., ... with the letter."""
    edition, entry = _entry(edition_id, code)
    tree = build_tree(edition, entry, lang)
    expected: list[str] = []
    for cid in entry.causes:
        expected.append(cid)
        expected.extend(c for c in edition.causes[cid].children if c in {g.id for g in tree.groups})
    assert [g.id for g in tree.groups] == expected
    dot = parse(tree_dot(tree))
    assert dot.clusters == expected + ["legend"]
    top = [g for g in tree.groups if g.parent is None]
    for number, group in enumerate(top, start=1):
        cause = edition.causes[group.id]
        ref = f"[{cause.ref}] " if cause.ref else ""
        assert group.heading == f"{number}. {ref}{edition.fill(cause.title, lang)}"


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_title_legend_and_escalation_leaf_are_always_there(edition_id: str, code: str, lang: str) -> None:
    """The title names every code of the entry and the edition; a legend and the escalate leaf are drawn."""
    edition, entry = _entry(edition_id, code)
    text = tree_dot(build_tree(edition, entry, lang))
    title = re.search(r"graph \[.*?label=<(.*?)>, labeljust", text)
    assert title is not None
    for name in entry.names:
        assert name in title.group(1)
    assert edition.id in title.group(1)
    dot = parse(text)
    assert "cluster_legend" in text and "legend_question" in dot.nodes
    assert dot.nodes["escalate"]["peripheries"] == "2"
    assert edition.fill(edition.escalation_title, lang) in dot.nodes["escalate"]["label"]
    into_escalate = [e for e in dot.edges if e[1] == "escalate"]
    assert into_escalate, "the last cause leads to the escalation leaf"


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_each_question_asks_one_finding_and_its_tooltip_names_the_fact(edition_id: str, code: str, lang: str) -> None:
    """A question node shows the finding's own question; its tooltip and small print name the fact."""
    edition, entry = _entry(edition_id, code)
    tree = build_tree(edition, entry, lang)
    dot = parse(tree_dot(tree))
    for node in tree.nodes:
        if node.kind != "question":
            continue
        assert node.finding is not None
        assert node.title == edition.fill(edition.findings[node.finding].question, lang)
        assert node.fact and dot.nodes[node.id]["tooltip"].startswith(("fact: ", "ファクト: "))
        assert node.fact.split(", ")[0] in dot.nodes[node.id]["tooltip"]
        kinds = sorted({e.kind for e in tree.out_edges(node.id)})
        assert kinds in (["no", "yes"], ["not_applicable", "yes"]), node.id
        for kind in kinds:
            # One arrow per answer, or one per operating system when the answer at the top decides where it goes.
            arrows = [e for e in tree.out_edges(node.id) if e.kind == kind]
            assert len(arrows) == 1 or sorted(o for e in arrows for o in e.os) == ["linux", "windows"], node.id


def test_the_os_is_asked_once_at_the_top_and_each_lane_skips_the_other_oss_causes() -> None:
    """Q0 asks the OS; Windows leads into cause A, Linux into cause B, and neither asks about the OS again."""
    edition, entry = _entry("2019-12", "GuestAgentSnapshotTaskStatusError")
    tree = build_tree(edition, entry, "en")
    first = tree.node(tree.out_edges("start")[0].target)
    assert first.kind == "choice" and first.fact == "vm.os"
    lanes = {e.label: tree.node(e.target) for e in tree.out_edges(first.id)}
    assert lanes["Windows"].group == "agent_unresponsive_windows"
    assert lanes["Linux"].group == "agent_outdated_linux"
    assert [n for n in tree.nodes if n.fact == "vm.os"] == [first]
    # After cause F, only Linux VMs go on to cause D (Linux only); Windows VMs escalate.
    (f_question,) = [n for n in tree.nodes if n.group == "extension_load_failed" and n.kind == "question"]
    no = {e.label: e.target for e in tree.out_edges(f_question.id) if e.kind == "no"}
    assert tree.node(no["no (Linux)"]).group == "agent_config_options"
    assert no["no (Windows)"] == "escalate"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_question_several_causes_in_a_row_need_is_asked_once_before_them(lang: str) -> None:
    """2025-11 GuestAgentSnapshotTaskStatusError: every cause applies only when the backup uses the VM agent. The
    tree asks that once, right after the OS; yes leads into the causes (which do not ask it again), no (agentless:
    none of them applies) goes straight to the escalation leaf."""
    edition, entry = _entry("2025-11", "GuestAgentSnapshotTaskStatusError")
    tree = build_tree(edition, entry, lang)
    asked = [n for n in tree.nodes if n.finding == "agent_based_backup"]
    assert len(asked) == 1
    (shared,) = asked
    assert shared.group is None and [(e.target, e.os) for e in tree.out_edges("os")] == [(shared.id, ("windows", "linux"))]
    assert set(shared.covers) >= set(entry.causes)
    yes = {e.os: tree.node(e.target).group for e in tree.out_edges(shared.id) if e.kind == "yes"}
    assert yes == {("windows",): "agent_unresponsive_windows", ("linux",): "agent_outdated_linux"}
    (no,) = [e for e in tree.out_edges(shared.id) if e.kind != "yes"]
    assert no.target == "escalate" and no.kind == "not_applicable"
    assert f"{shared.label} {shared.title}" in " ".join(tree_text(tree).split())


def test_a_shared_question_does_not_skip_a_cause_that_does_not_need_it() -> None:
    """2025-11 BackUpOperationFailed: causes A, B and E need the agent, G does not. No to the shared question goes
    on to G, the next cause that may still apply."""
    edition, entry = _entry("2025-11", "BackUpOperationFailed")
    tree = build_tree(edition, entry, "en")
    (shared,) = [n for n in tree.nodes if n.group is None and n.kind == "question"]
    (no,) = [e for e in tree.out_edges(shared.id) if e.kind != "yes"]
    assert tree.node(no.target).group == "rp_group_locked"
    assert {"agent_unresponsive_windows", "agent_outdated_linux", "snapshot_unavailable"} <= set(shared.covers)
    assert "rp_group_locked" not in shared.covers


def test_a_tree_without_os_specific_causes_asks_no_os() -> None:
    """UserErrorRpCollectionLimitReached's causes concern every VM: no OS question."""
    edition, entry = _entry("2019-12", "UserErrorRpCollectionLimitReached")
    tree = build_tree(edition, entry, "en")
    assert not [n for n in tree.nodes if n.kind == "choice" or n.fact == "vm.os"]


def test_a_question_leads_to_a_cause_whose_title_agrees_with_it() -> None:
    """'Is the VM agent missing?' -> yes leads to a cause titled 'missing ...', not 'installed but unresponsive'."""
    edition, entry = _entry("2019-12", "UserErrorGuestAgentStatusUnavailable")
    for lang, word in (("en", "missing"), ("ja", "ない")):
        tree = build_tree(edition, entry, lang)
        for node in tree.nodes:
            if node.finding == "agent_not_installed":
                (yes,) = [e for e in tree.out_edges(node.id) if e.kind == "yes"]
                assert word in tree.node(yes.target).title


def test_any_chain_yes_leads_to_the_cause_and_no_to_the_next_question() -> None:
    """In cause B, each of the four findings' yes reaches B's leaf; no goes to the next question, then the next cause."""
    edition, entry = _entry("2019-07", "BackUpOperationFailed")
    tree = build_tree(edition, entry, "en")
    questions = [n for n in tree.nodes if n.group == "agent_outdated_linux" and n.kind == "question"]
    assert [n.finding for n in questions] == ["agent_outdated", "agent_not_ready", "agent_service_stopped", "agent_not_installed"]
    for node, after in zip(questions, questions[1:] + [None]):
        edges = {e.kind: e.target for e in tree.out_edges(node.id)}
        assert edges["yes"] == "cause__agent_outdated_linux"
        if after is not None:
            assert edges["no"] == after.id
        else:
            assert tree.node(edges["no"]).group == "shutdown_over_rdp"


def test_all_chain_no_leaves_for_the_next_cause() -> None:
    """Both findings of an `all` must hold: a no at either question goes to the next cause."""
    edition, entry = _entry("2019-12", "UserErrorVmProvisioningStateFailed")
    tree = build_tree(edition, entry, "en")
    q1, q2 = [n for n in tree.nodes if n.group == "snapshot_extension_failed_state" and n.kind == "question"]
    assert {e.kind: e.target for e in tree.out_edges(q1.id)}["yes"] == q2.id
    for q in (q1, q2):
        target = {e.kind: e.target for e in tree.out_edges(q.id)}["no"]
        assert tree.node(target).group == "other_extension_failed_state"


def test_sub_causes_are_expanded_inline_with_their_own_leaves() -> None:
    """E is asked through E1 and E2, each with its own numbered leaf (3.1, 3.2), then the next cause."""
    edition, entry = _entry("2019-07", "BackUpOperationFailed")
    tree = build_tree(edition, entry, "en")
    leaves = [n for n in tree.nodes if n.kind == "cause" and n.group in ("shutdown_over_rdp", "no_dhcp")]
    assert [n.label for n in leaves] == ["3.1", "3.2"]
    assert leaves[0].title.startswith("3.1 [E1] ")
    assert [g.number for g in tree.groups if g.parent == "snapshot_unavailable"] == ["3.1", "3.2"]


def test_leaves_number_the_steps_and_set_commands_and_variants_apart() -> None:
    """Cause B's leaf lists steps 1-5; step 3 shows 'Ubuntu: service walinuxagent start' and the other distributions."""
    edition, entry = _entry("2019-12", "UserErrorGuestAgentStatusUnavailable")
    tree = build_tree(edition, entry, "en")
    leaf = tree.node("cause__agent_outdated_linux")
    assert [s.number for s in leaf.steps] == [1, 2, 3, 4, 5]
    assert leaf.steps[2].variants == (("Ubuntu", "service walinuxagent start"), ("other distributions", "service waagent start"))
    text = tree_text(tree)
    assert "Ubuntu: `service walinuxagent start`" in text
    assert "other distributions: `service waagent start`" in text
    assert "$ " not in text, "no shell prompt: some commands are Windows GUI tools (services.msc)"
    label = parse(tree_dot(tree)).nodes["cause__agent_outdated_linux"]["label"]
    assert "Ubuntu: <FONT FACE=" in label and ">service walinuxagent start</FONT>" in label


def test_escalation_leaf_lists_the_logs_of_the_codes_causes() -> None:
    """The escalate leaf names the KB's escalation text and the Linux agent's logs for a code whose causes have them."""
    edition, entry = _entry("2019-12", "UserErrorGuestAgentStatusUnavailable")
    escalate = build_tree(edition, entry, "en").node("escalate")
    assert escalate.logs == edition.causes["agent_outdated_linux"].logs
    assert escalate.lines == (edition.fill(edition.escalation_text, "en"),)


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_an_escalation_leaf_without_logs_does_not_point_at_logs(edition_id: str, code: str, lang: str) -> None:
    """A trainee is never told to "collect the logs below" when the leaf lists none."""
    edition, entry = _entry(edition_id, code)
    tree = build_tree(edition, entry, lang)
    escalate = tree.node("escalate")
    advice = " ".join(escalate.lines)
    points_at_logs = "logs below" in advice or "以下のログ" in advice
    assert points_at_logs == bool(escalate.logs)
    for text in (tree_text(tree), tree_mermaid(tree)):
        assert (("Logs to collect:" in text) or ("収集するログ:" in text)) == bool(escalate.logs)


@pytest.mark.parametrize(("edition_id", "code"), sorted({(e, c) for e, c, _ in ALL_TREES}))
def test_text_twin_says_what_the_tree_says(edition_id: str, code: str) -> None:
    """Every question, leaf, step and branch of the tree appears in its text twin."""
    edition, entry = _entry(edition_id, code)
    for lang in ("en", "ja"):
        tree = build_tree(edition, entry, lang)
        text = tree_text(tree)
        flat = " ".join(text.split())
        for node in tree.nodes:
            if node.kind == "question":
                assert f"{node.label} {node.title}" in flat
            if node.kind == "cause":
                assert node.title in flat
                for step in node.steps:
                    assert f"{step.number}. " + " ".join(step.text.split())[:20] in flat
        assert text.count(" -> ") == len(tree.edges)
        assert tree.node("escalate").title in text


def test_japanese_trees_use_the_japanese_texts_and_a_cjk_font() -> None:
    """A Japanese tree shows the KB's Japanese questions and asks Graphviz for Noto Sans CJK JP."""
    edition, entry = _entry("2019-12", "UserErrorGuestAgentStatusUnavailable")
    text = tree_dot(build_tree(edition, entry, "ja"))
    assert "VM エージェントが古い" in text
    assert 'fontname="Noto Sans CJK JP' in text
    assert "Is the agent status Not Ready?" not in text


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_text_twin_fits_an_80_column_terminal(edition_id: str, code: str, lang: str) -> None:
    """No line of a .txt outline is wider than 80 columns (a Japanese character takes two)."""
    from kb_engine.diagrams.labels import width

    edition, entry = _entry(edition_id, code)
    for line in tree_text(build_tree(edition, entry, lang)).splitlines():
        assert width(line) <= 80, line


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_every_arrow_has_its_own_id_and_each_os_one_way_on(edition_id: str, code: str, lang: str) -> None:
    """No two arrows share a source, target and kind (the drawings' ids, which the trainer and the overlay
    highlight by), and at the OS question each OS takes exactly one arrow, labelled with its name."""
    edition, entry = _entry(edition_id, code)
    tree = build_tree(edition, entry, lang)
    keys = [(e.source, e.target, e.kind) for e in tree.edges]
    assert len(keys) == len(set(keys))
    ids = re.findall(r'\bid="([^"]+)"', tree_dot(tree))
    assert len(ids) == len(set(ids))
    for node in tree.nodes:
        if node.kind == "choice":
            arrows = tree.out_edges(node.id)
            taken = [value for e in arrows for value in e.os]
            assert sorted(taken) == sorted(value for value, _ in node.options)
            for e in arrows:
                assert e.label == " / ".join(_os_label(value) for value in e.os)


def _os_label(value: str) -> str:
    return {"windows": "Windows", "linux": "Linux"}[value]
