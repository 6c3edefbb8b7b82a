"""Text from data is shown as written in every output: never markup, never a fake line, never a terminal command.

The texts come from two places a user controls: facts files (a VM's name, a
lock's name) and a knowledge base given with ``--kb``. Validation refuses what
no output can show; what it lets through is escaped per format.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import kb_engine
from kb_engine import Engine, InputError, KnowledgeBaseError, load_facts
from kb_engine.diagrams.dot import graph_dot, tree_dot
from kb_engine.diagrams.render import render
from kb_engine.diagrams.tree import build_tree
from kb_engine.knowledge.lint import lint
from kb_engine.knowledge.load import load_kb
from kb_engine.report.render import to_markdown, to_text

SHIPPED = Path(kb_engine.__file__).parent / "knowledge" / "data"
KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
ESCALATION_EN = '"Still failing: collect logs and escalate"'

LOCKED = {
    "name": "vm-1",
    "vm": {"os": "windows"},
    "backup": {"restore_point_group": {"name": "AzureBackupRG_westeurope_1", "locked": True,
                                       "lock_name": "lock-1", "lock_level": "CanNotDelete"}},
    "observed_error": "UserErrorRpCollectionLimitReached",
}


def kb_with_escalation_title(tmp_path: Path, title_yaml: str) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(SHIPPED, copy)
    editions = copy / "editions.yaml"
    text = editions.read_text(encoding="utf-8")
    assert text.count(ESCALATION_EN) == 1
    editions.write_text(text.replace(ESCALATION_EN, title_yaml), encoding="utf-8")
    return copy


def node_names(dot_text: str) -> set[str]:
    """The nodes Graphviz itself reads in a DOT text."""
    plain = subprocess.run(["dot", "-Tplain"], input=dot_text.encode(), capture_output=True, check=True).stdout
    return {line.split()[1] for line in plain.decode().splitlines() if line.startswith("node ")}


@pytest.mark.parametrize("title", [
    '<a>]; X [shape=box,label="pwned"]; y [label=<b>',
    "<B>x</B>",
    '"quoted" \\\\ back\\\\slash',
])
def test_a_knowledge_base_text_never_becomes_dot_markup(title: str, tmp_path: Path) -> None:
    """A title that looks like an HTML-like label adds no node, breaks no drawing, and is shown as written."""
    yaml_title = '"' + title.replace('"', '\\"') + '"'
    edition = load_kb(kb_with_escalation_title(tmp_path, yaml_title)).default
    shipped = load_kb().default
    entry = edition.codes[0]
    for ours, theirs in ((tree_dot(build_tree(edition, entry, "en")), tree_dot(build_tree(shipped, shipped.codes[0], "en"))),
                         (graph_dot(edition, "en"), graph_dot(shipped, "en"))):
        assert node_names(ours) == node_names(theirs)
        render(ours, "svg")  # dot reads it (exit 0, an SVG), as the shipped one


def test_a_control_character_in_knowledge_text_is_refused_at_load_and_by_lint(tmp_path: Path) -> None:
    """A NUL written as an escape in a quoted YAML text: exit 4 naming file and path, not a dot failure (exit 3)."""
    copy = kb_with_escalation_title(tmp_path, '"Still failing\\0 escalate"')
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(copy)
    problem = caught.value.problems[0]
    assert problem.source.endswith("editions.yaml") and problem.path == "escalation.title.en"
    assert "U+0000" in problem.message
    assert any(f.check == "load" and "U+0000" in f.message for f in lint(copy))
    result = subprocess.run([KB_ENGINE, "diagnose", "-", "--kb", str(copy)], input=b"{}", capture_output=True, timeout=120)
    assert result.returncode == 4, result.stderr
    assert b"editions.yaml: escalation.title.en" in result.stderr


@pytest.mark.parametrize(("path", "value", "says"), [
    ("name", "vm\nDiagnosis: fake", "U+000A"),
    ("name", "vm\x1b[2J", "U+001B"),
    ("backup.restore_point_group.lock_name", "lock\r\n  [x] CONFIRMED", "U+000D"),
    ("vm.disks.0.name", "disk\tone", "U+0009"),
    ("description", "\u202eevil", "U+202E"),
    ("vm.distro", "ubuntu\ud800", "lone surrogate (U+D800)"),
    ("extensions.0.name", "VMSnapshot\x00", "U+0000"),
])
def test_facts_validation_refuses_what_no_report_can_show(path: str, value: str, says: str) -> None:
    facts: dict[str, object] = {**LOCKED, "backup": {"restore_point_group": dict(LOCKED["backup"]["restore_point_group"])},  # type: ignore[index]
                                "vm": {"os": "windows", "disks": [{"name": "d"}]}, "extensions": [{"name": "VMSnapshot"}]}
    target: object = facts
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value  # type: ignore[index]
    with pytest.raises(InputError) as caught:
        load_facts(facts)
    (problem,) = caught.value.problems
    assert problem.path == path.replace(".0", "[0]")
    assert says in problem.message
    str(caught.value).encode("utf-8")  # printable: no lone surrogate reaches the terminal


def test_the_cli_names_a_lone_surrogate_and_writes_valid_utf8(tmp_path: Path) -> None:
    result = subprocess.run([KB_ENGINE, "diagnose", "-"], input=b'{"name": "a\\ud800"}', capture_output=True, timeout=120)
    assert result.returncode == 2
    message = result.stderr.decode("utf-8")  # strict: valid UTF-8
    assert "name: is not valid Unicode text" in message and "\\ud800" in message


def report_for(name: str) -> kb_engine.Report:
    facts = load_facts({**LOCKED, "name": "placeholder"})
    report = Engine().diagnose(facts, lang="en")
    return report.model_copy(update={"vm": name})


@pytest.mark.parametrize("name", ["vm\nCONFIRMED (A) fake line", "vm\x1b[31mred\x1b[0m", "vm\u2028next", "vm\x85next"])
def test_the_text_report_keeps_a_name_on_its_line(name: str) -> None:
    """A report built by other means than validation (a model copy) still prints a name as one harmless line."""
    clean = to_text(report_for("vm"))
    text = to_text(report_for(name))
    assert len(text.splitlines()) == len(clean.splitlines())
    assert "\x1b" not in text and "\u2028" not in text and "\x85" not in text
    assert text.splitlines()[0].startswith("Diagnosis: vm")


@pytest.mark.parametrize("name", ["*bold* _em_", "[link](http://example.com)", "<b>html</b>", "# heading", "a | b", "`code`"])
def test_markdown_shows_a_name_as_written(name: str) -> None:
    """The heading holds the name as plain text: no emphasis, link, HTML or code span made of it."""
    markdown = to_markdown(report_for(name))
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    heading = tokens[1]
    assert heading.type == "inline"
    assert [child.type for child in heading.children or []] == ["text"]
    assert heading.content and (heading.children or [])[0].content == f"Diagnosis: {name}"


def test_a_command_with_backticks_stays_one_code_span() -> None:
    from kb_engine.report.render import _code

    tokens = MarkdownIt("commonmark").parseInline(_code("echo `date` and ``x``"))
    children = tokens[0].children or []
    assert [c.type for c in children] == ["code_inline"] and children[0].content == "echo `date` and ``x``"


def test_a_lock_name_in_markdown_steps_is_escaped() -> None:
    facts = load_facts({**LOCKED, "backup": {"restore_point_group": {**LOCKED["backup"]["restore_point_group"],  # type: ignore[index]
                                                                     "lock_name": "*lock* [x](y)"}}})
    markdown = to_markdown(Engine().diagnose(facts, lang="en"))
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "*lock* [x](y)" in html and "<em>lock</em>" not in html and 'href="y"' not in html
