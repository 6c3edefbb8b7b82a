"""A broken knowledge base is refused, and the error names the file, the bad element and what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kb_engine.errors import EXIT_KNOWLEDGE_BASE, KnowledgeBaseError, Problem
from kb_engine.knowledge.load import load_kb

Edit = Callable[[str, str, str], Path]


def _problems(path: Path) -> tuple[Problem, ...]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(path)
    assert caught.value.exit_code == EXIT_KNOWLEDGE_BASE
    return caught.value.problems


def _only(path: Path) -> Problem:
    (problem,) = _problems(path)
    return problem


def test_the_shipped_copy_loads(kb_copy: Path) -> None:
    """An untouched copy of the knowledge base loads, with every edition."""
    assert load_kb(kb_copy).edition_ids == ("2019-07", "2019-12", "2025-11")


def test_unknown_fact_in_a_condition(edit: Edit) -> None:
    """A finding testing vm.operating_system is refused: findings.yaml, findings[0].when.fact, unknown fact."""
    path = edit("findings.yaml", "when: {fact: vm.os, eq: windows}", "when: {fact: vm.operating_system, eq: windows}")
    problem = _only(path)
    assert problem.source.endswith("findings.yaml")
    assert problem.path == "findings[0].when.fact"
    assert problem.message.startswith("unknown fact 'vm.operating_system'")
    assert "vm.os" in problem.message  # the facts the model does define are listed


def test_unknown_cause_id_in_a_code(edit: Edit) -> None:
    """A code listing cause keyvault_permission is refused in each edition, with the right id suggested."""
    path = edit("codes.yaml", "causes: [keyvault_permissions]", "causes: [keyvault_permission]")
    problems = _problems(path)
    assert [p.path for p in problems] == ["codes[4].causes[0]"] * 3
    for problem, edition in zip(problems, ("2019-07", "2019-12", "2025-11"), strict=True):
        assert problem.source.endswith("codes.yaml")
        assert f"unknown cause id 'keyvault_permission' in edition {edition}" in problem.message
        assert "did you mean keyvault_permissions?" in problem.message


def test_missing_japanese_translation(edit: Edit) -> None:
    """A step text with only `en` is refused: causes.yaml, causes[11].steps[0].text.ja, missing translation."""
    path = edit(
        "causes.yaml",
        '{en: "Schedule one backup a day.", ja: "バックアップは 1 日 1 回にします。"}',
        '{en: "Schedule one backup a day."}',
    )
    problem = _only(path)
    assert problem.source.endswith("causes.yaml")
    assert problem.path == "causes[11].steps[0].text.ja"
    assert problem.message == "missing translation (ja)"


def test_duplicate_id(edit: Edit) -> None:
    """Two findings with the id os_windows are refused at the second one."""
    path = edit("findings.yaml", "  - id: os_linux\n", "  - id: os_windows\n")
    problem = _only(path)
    assert problem.source.endswith("findings.yaml")
    assert problem.path == "findings[1].id"
    assert problem.message == "duplicate id 'os_windows'"


def test_bad_edition_name_in_since(edit: Edit) -> None:
    """`since: 2019-13` is refused, naming the editions that exist."""
    path = edit("codes.yaml", 'since: "2019-12"', 'since: "2019-13"')
    problem = _only(path)
    assert problem.source.endswith("codes.yaml")
    assert problem.path == "codes[2].since"
    assert problem.message == "bad edition name '2019-13'; editions: 2019-07, 2019-12, 2025-11"


def test_bad_edition_name_in_changes(edit: Edit) -> None:
    """`changes: {Dec 2019: ...}` is refused at that key."""
    path = edit("causes.yaml", '    changes:\n      "2019-12":\n        summary:', '    changes:\n      "Dec 2019":\n        summary:')
    problem = _only(path)
    assert problem.source.endswith("causes.yaml")
    assert problem.path == "causes[14].changes.Dec 2019"
    assert problem.message.startswith("bad edition name 'Dec 2019'")


def test_duplicate_yaml_key(edit: Edit) -> None:
    """A key written twice in one mapping is refused at the line of the second one."""
    path = edit("causes.yaml", "  - id: no_dhcp\n    ref: E2\n", "  - id: no_dhcp\n    ref: E2\n    ref: E3\n")
    line = (path / "causes.yaml").read_text(encoding="utf-8").splitlines().index("    ref: E3") + 1
    problem = _only(path)
    assert problem.source.endswith("causes.yaml")
    assert problem.path == f"line {line}"
    assert problem.message == "not valid YAML: duplicate key 'ref'"


def test_invalid_yaml(edit: Edit) -> None:
    """An unclosed list is refused as invalid YAML, with a line number."""
    path = edit("codes.yaml", "    causes: [backup_in_progress]", "    causes: [backup_in_progress")
    problem = _only(path)
    assert problem.source.endswith("codes.yaml")
    assert problem.path.startswith("line ")
    assert problem.message.startswith("not valid YAML: ")


def test_missing_file(kb_copy: Path) -> None:
    """A directory without findings.yaml is refused, naming the file."""
    (kb_copy / "findings.yaml").unlink()
    problem = _only(kb_copy)
    assert problem.source.endswith("findings.yaml")
    assert problem.message == "missing file"


def test_every_problem_is_reported_at_once(edit: Edit) -> None:
    """Two independent mistakes in two files are both reported by one load."""
    edit("findings.yaml", "when: {fact: vm.os, eq: windows}", "when: {fact: vm.operating_system, eq: windows}")
    path = edit("codes.yaml", "causes: [keyvault_permissions]", "causes: [keyvault_permission]")
    files = {p.source.rsplit("/", 1)[-1] for p in _problems(path)}
    assert files == {"findings.yaml", "codes.yaml"}
