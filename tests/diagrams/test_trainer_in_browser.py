"""The trainer pages as a trainee uses them, in headless Chromium from file://: clicks, back, language, quiz."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser
from tree_paths import facts_for, leaf_paths

from kb_engine.diagnosis import Engine
from kb_engine.diagrams import build_tree
from kb_engine.diagrams.html import trainer_html
from kb_engine.diagrams.overlay import conclusions
from kb_engine.knowledge.load import default_kb

REPO_DIAGRAMS = Path(__file__).resolve().parents[2] / "diagrams"
CODES = [(e.id, entry.id) for e in default_kb().editions for entry in e.codes]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    context.close()
    assert errors == [], "the page reported script errors"


def _url(edition: str, lang: str, code: str) -> str:
    return (REPO_DIAGRAMS / edition / lang / f"tree-{code}.html").as_uri()


def _node(page: Any) -> str:
    return str(page.get_attribute("#card", "data-node"))


@pytest.mark.parametrize(("edition_id", "code"), CODES)
def test_clicking_a_path_to_each_cause_ends_where_the_engine_does(page: Any, edition_id: str, code: str) -> None:
    """For each leaf, clicking its path's answers shows that leaf, and the engine confirms that cause first."""
    edition = default_kb().edition(edition_id)
    entry = edition.code(code)
    assert entry is not None
    tree = build_tree(edition, entry, "en")
    engine = Engine(edition_id, backend="direct")
    paths = leaf_paths(tree)
    assert set(paths) == {n.id for n in tree.nodes if n.kind in ("cause", "escalate")}, "every leaf is reachable"
    for leaf, path in paths.items():
        page.goto(_url(edition_id, "en", code))
        for node_id, answer in path:
            assert _node(page) == node_id
            page.click(f'#card button[data-answer="{answer}"]')
        assert _node(page) == leaf
        statuses, _ = conclusions(engine, facts_for(edition, tree, path, entry.names[0]), entry)
        first = next((n.group for n in tree.nodes if n.kind == "cause" and statuses.get(n.group or "") == "confirmed"), "")
        assert page.get_attribute("#leaf", "data-cause") == first, (leaf, path)
        assert "kb-current" in (page.get_attribute(f'[id="tree-{leaf}"]', "class") or ""), "the drawing marks the leaf"
        if leaf != "escalate":
            steps = len(tree.node(leaf).steps)
            assert page.locator("#card ol.steps > li").count() == steps


def test_back_undoes_one_answer_and_the_path_lists_the_answers(page: Any) -> None:
    """Answer three questions, go back once: the previous question again, and the path lists two answers."""
    page.goto(_url("2019-12", "en", "GuestAgentSnapshotTaskStatusError"))
    page.click('#card button[data-answer="linux"]')
    page.click('#card button[data-answer="no"]')
    before = _node(page)
    page.click('#card button[data-answer="unknown"]')
    assert _node(page) != before
    page.click("#back")
    assert _node(page) == before
    items = page.locator("#path li").all_text_contents()
    assert len(items) == 2 and items[0].endswith("Linux") and items[1].endswith("No")
    page.click("#restart")
    assert page.locator("#path li").count() == 0


def test_switching_language_keeps_the_place_and_shows_japanese(page: Any) -> None:
    """The 日本語 link opens the Japanese page at the same question, with the answers kept."""
    page.goto(_url("2019-12", "en", "GuestAgentSnapshotTaskStatusError"))
    page.click('#card button[data-answer="windows"]')
    page.click('#card button[data-answer="no"]')
    here = _node(page)
    english = page.text_content("#question")
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=ja]")
    assert _node(page) == here
    japanese = page.text_content("#question") or ""
    assert japanese != english and any("\u3040" <= ch <= "\u30ff" for ch in japanese)
    assert page.locator("#path li").count() == 2
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")
    assert page.text_content("#question") == english


def test_unknown_answers_leave_causes_open_at_the_escalation_leaf(page: Any) -> None:
    """Answering 'not known' all the way ends at escalation, listing the causes that were not ruled out."""
    page.goto(_url("2019-12", "en", "UserErrorRpCollectionLimitReached"))
    while page.locator('#card button[data-answer="unknown"]').count():
        page.click('#card button[data-answer="unknown"]')
    assert _node(page) == "escalate"
    assert page.locator("#undecided li").count() == len(build_tree(
        default_kb().edition("2019-12"), default_kb().edition("2019-12").code("UserErrorRpCollectionLimitReached"), "en").groups)


def test_not_knowing_a_question_asked_for_several_causes_leaves_each_of_them_open(page: Any) -> None:
    """2025-11 GuestAgentSnapshotTaskStatusError asks once whether the backup uses the VM agent: 'not known' there
    passes every cause by and lists each one that concerns a Windows VM (sub-causes too) as not ruled out; the
    Linux causes (B, D) are not listed."""
    edition = default_kb().edition("2025-11")
    entry = edition.code("GuestAgentSnapshotTaskStatusError")
    assert entry is not None
    tree = build_tree(edition, entry, "en")
    page.goto(_url("2025-11", "en", "GuestAgentSnapshotTaskStatusError"))
    page.click('#card button[data-answer="windows"]')
    assert page.text_content("#question") == edition.findings["agent_based_backup"].question.get("en")
    page.click('#card button[data-answer="unknown"]')
    assert _node(page) == "escalate"
    shown = page.locator("#undecided li").all_text_contents()
    linux = {"agent_outdated_linux", "agent_config_options"}
    assert shown == [g.heading for g in tree.groups if g.id not in linux]


def _scenarios(page: Any) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(page.text_content("#kb-data"))
    return list(data["scenarios"])


def _walk(page: Any, choose: Any) -> None:
    """Answer questions with choose(node id, kind) until a leaf."""
    while page.locator("#check").count() == 0:
        node = _node(page)
        kind = page.get_attribute("#card", "class") or ""
        page.click(f'#card button[data-answer="{choose(node, kind)}"]')


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_quiz_scores_the_engines_answers_full_and_other_answers_lower(page: Any, lang: str) -> None:
    """Walking a scenario with the facts' true answers scores full marks and matches the engine's leaf."""
    page.goto(_url("2019-12", lang, "GuestAgentSnapshotTaskStatusError"))
    page.click("#mode-quiz")
    scenarios = _scenarios(page)
    assert scenarios, "facts/ has scenarios for this code"
    for scenario in scenarios:
        page.select_option("#scenario", scenario["id"])
        assert page.locator("#case-notes li").count() >= 3

        def truth(node: str, kind: str, s: dict[str, Any] = scenario) -> str:
            if "kind-choice" in kind:
                return str(s["os"])
            value = s["answers"][node]
            return "yes" if value is True else "no" if value is False else "unknown"

        _walk(page, truth)
        page.click("#check")
        score = page.locator("#score")
        assert score.get_attribute("data-score") == score.get_attribute("data-max")
        assert page.get_attribute("#engine-leaf", "data-leaf") == _node(page) == scenario["leaf"]
        assert page.locator("#drawing .kb-ov-taken").count() > 0, "the engine's path is drawn over the tree"
    page.select_option("#scenario", scenarios[0]["id"])
    _walk(page, lambda node, kind: "windows" if scenarios[0]["os"] == "linux" and "choice" in kind else
          "linux" if "choice" in kind else "no")
    page.click("#check")
    score = page.locator("#score")
    assert int(score.get_attribute("data-score")) < int(score.get_attribute("data-max"))


def _not_blank(png: bytes) -> tuple[int, float]:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((image.width // 4, image.height // 4))
    colours = small.getcolors(maxcolors=small.width * small.height) or []
    ink = sum(count for count, rgb in colours if sum(rgb) < 600) / (small.width * small.height)
    return len(colours), ink


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_screenshot_shows_the_question_and_the_tree(page: Any, lang: str, tmp_path: Path) -> None:
    """A screenshot of a page in each language has text and drawing on it, not a blank page."""
    page.goto(_url("2019-12", lang, "UserErrorGuestAgentStatusUnavailable"))
    page.click('#card button[data-answer="linux"]')
    shot = page.screenshot(path=str(tmp_path / f"trainer-{lang}.png"))
    colours, ink = _not_blank(shot)
    assert colours > 50 and ink > 0.03, (colours, ink)
    drawing = page.locator("#drawing").screenshot()
    colours, ink = _not_blank(drawing)
    assert colours > 20 and ink > 0.01, (colours, ink)


def test_text_from_the_knowledge_base_is_never_read_as_html(page: Any, tmp_path: Path) -> None:
    """A question reading like markup shows as text: no element is created from it, nothing runs."""
    edition = default_kb().edition("2019-12")
    entry = edition.code("UserErrorRpCollectionLimitReached")
    assert entry is not None
    tree = build_tree(edition, entry, "en")
    evil = '</script><img src=x onerror="window.hit=1"> & <b>bold</b>'
    first = next(n for n in tree.nodes if n.kind == "question")
    nodes = tuple(dataclasses.replace(n, title=evil) if n is first else n for n in tree.nodes)
    html = trainer_html(dataclasses.replace(tree, nodes=nodes, title=evil), None)
    assert html.count("</script>") == 2, "only the page's own two script elements close"
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri())
    assert page.text_content("#question") == evil
    assert page.locator("img").count() == 0 and page.locator("#app b").count() == 0
    assert page.evaluate("() => window.hit") is None


def test_a_filtered_run_without_a_handbook_still_shows_each_cause(page: Any, tmp_path: Path) -> None:
    """`diagrams -t html --lang ja` into an empty folder writes no handbook: a leaf shows its cause and remedy,
    with no handbook link (the page once went blank there), and the drawing marks the leaf."""
    out = tmp_path / "trainer"
    kb_engine = str(Path(sys.executable).parent / "kb-engine")
    done = subprocess.run([kb_engine, "diagrams", "-t", "html", "--lang", "ja", "--edition", "2019-12", "-o", str(out), "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not (out / "handbook").exists()
    edition = default_kb().edition("2019-12")
    entry = edition.code("UserErrorUnsupportedDiskSize")
    assert entry is not None
    tree = build_tree(edition, entry, "ja")
    leaf, path = next((leaf, path) for leaf, path in leaf_paths(tree).items() if leaf != "escalate")
    page.goto((out / "2019-12" / "ja" / f"tree-{entry.id}.html").as_uri())
    for _, answer in path:
        page.click(f'#card button[data-answer="{answer}"]')
    assert _node(page) == leaf
    assert page.text_content("#leaf") == tree.node(leaf).title
    assert page.locator("#card ol.steps > li").count() == len(tree.node(leaf).steps)
    assert page.locator('#card a[href*="handbook"]').count() == 0
    assert "kb-current" in (page.get_attribute(f'[id="tree-{leaf}"]', "class") or "")
