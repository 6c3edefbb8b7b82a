"""questions.yaml: one question per fact the causes depend on, validated like the rest of the knowledge base."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kb_engine
from kb_engine.consult.session import Question, next_step
from kb_engine.errors import KnowledgeBaseError, Problem
from kb_engine.knowledge.load import default_kb, load_kb
from kb_engine.knowledge.questions import default_questions, load_questions, required_facts
from kb_engine.knowledge.vocabulary import fact_catalog

SHIPPED = Path(kb_engine.__file__).parent / "knowledge" / "data"


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(SHIPPED, target)
    return target


def edit(directory: Path, old: str, new: str) -> Path:
    path = directory / "questions.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return directory


def problems_of(directory: Path) -> list[Problem]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_questions(directory)
    return list(caught.value.problems)


def test_shipped_questions_cover_exactly_the_facts_causes_depend_on() -> None:
    """Every fact some cause of some edition depends on has a question, and every question asks for such a fact."""
    needed = {name for edition in default_kb().editions for name in required_facts(edition)}
    bank = default_questions()
    assert set(bank) == needed
    for fact in bank:
        entry = bank.get(fact)
        assert entry is not None and entry.question.en and entry.question.ja and entry.help.en and entry.help.ja
        if fact_catalog()[fact].kind == "list":
            assert entry.answer is not None


def test_unknown_fact_is_refused_with_a_suggestion(kb_copy: Path) -> None:
    """A question for a fact the model does not define names the file, the element and the closest fact."""
    (problem,) = problems_of(edit(kb_copy, "  - fact: vm.encrypted\n", "  - fact: vm.encryptd\n"))[:1]
    assert problem.source.endswith("questions.yaml") and problem.path == "questions[15].fact"
    assert "unknown fact 'vm.encryptd'; did you mean vm.encrypted" in problem.message


def test_missing_translation_is_refused(kb_copy: Path) -> None:
    """A question without its Japanese text is refused, with the element's path."""
    problems = problems_of(edit(kb_copy, '      ja: "ゲスト内で DHCP は有効ですか?"\n', ""))
    assert [(p.path, p.message) for p in problems] == [("questions[10].question.ja", "missing translation (ja)")]


def test_duplicate_fact_is_refused(kb_copy: Path) -> None:
    """Two questions for the same fact are refused."""
    problems = problems_of(edit(kb_copy, "  - fact: backup.job_in_progress\n", "  - fact: backup.old_vault_job_running\n"))
    messages = [(p.path, p.message) for p in problems]
    assert ("questions[18].fact", "duplicate fact 'backup.old_vault_job_running': questions[17] asks for it") in messages


def test_fact_without_a_question_is_reported(kb_copy: Path) -> None:
    """A fact a cause depends on but no question asks for is an error, naming the causes and editions."""
    text = (kb_copy / "questions.yaml").read_text(encoding="utf-8")
    start = text.index("  - fact: network.dhcp_enabled\n")
    end = text.index("  - fact: vm.provisioning_state\n")
    (kb_copy / "questions.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    problems = problems_of(kb_copy)
    assert [p.message for p in problems] == [
        "no question for fact 'network.dhcp_enabled', which cause snapshot_unavailable, no_dhcp depends on (edition 2019-07, 2019-12, 2025-11)"
    ]


def test_unknown_placeholder_and_missing_file_are_refused(kb_copy: Path, tmp_path: Path) -> None:
    """A {placeholder} that is no param, and a directory without questions.yaml, are refused."""
    problems = problems_of(edit(kb_copy, "The agent needs .NET {dotnet_min} or later.", "The agent needs .NET {dotnet_max} or later."))
    assert problems[0].path == "questions[6].help.en" and "unknown placeholder {dotnet_max}" in problems[0].message
    (kb_copy / "questions.yaml").unlink()
    assert [p.message for p in problems_of(kb_copy)] == ["missing file"]


def test_a_kb_directory_brings_its_own_questions(kb_copy: Path) -> None:
    """With a knowledge base from a directory, its questions.yaml is the one asked from."""
    edit(kb_copy, '"Which operating system does the VM run: windows or linux?"', '"Windows or Linux?"')
    step = next_step("BackUpOperationFailed", {}, kb=load_kb(kb_copy))
    assert isinstance(step, Question) and step.text == "Windows or Linux?"
