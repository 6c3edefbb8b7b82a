"""Consultations walked to every cause of every error code of every edition, by simulated users."""

from __future__ import annotations

from typing import Any

import pytest
from consult_sim import BREAKS, outcomes_of, truth_for, walk

from kb_engine.knowledge.questions import default_questions
from kb_engine.consult.session import Question, outcome
from kb_engine.engine.evaluate import cause_walk
from kb_engine.facts.documents import get_fact
from kb_engine.knowledge.load import default_kb

KB = default_kb()

CASES = [
    pytest.param(edition.id, entry.id, cid, id=f"{edition.id}-{entry.id}-{cid}")
    for edition in KB.editions
    for entry in edition.codes
    for cid in cause_walk(edition, entry)
]
HEALTHY_CASES = [
    pytest.param(edition.id, entry.id, os_type, id=f"{edition.id}-{entry.id}-{os_type}")
    for edition in KB.editions
    for entry in edition.codes
    for os_type in ("windows", "linux")
]


def test_every_cause_of_every_code_has_a_simulated_vm() -> None:
    """The simulated users cover every cause that some code leads to, in every edition."""
    reached = {cid for edition in KB.editions for entry in edition.codes for cid in cause_walk(edition, entry)}
    assert reached <= set(BREAKS)


def _checked_walk(edition_id: str, code: str, truth: dict[str, Any], lang: str = "en") -> Any:
    """Walk a consultation and hold every question to the rules: never twice, never known, always mattering."""
    edition = KB.edition(edition_id)
    entry = edition.code(code)
    assert entry is not None
    walk_ids = cause_walk(edition, entry)
    seen: list[str] = []

    def check(question: Question, doc: dict[str, Any], skipped: list[str]) -> None:
        assert question.fact not in seen, f"{question.fact} asked twice"
        assert question.fact not in skipped and get_fact(doc, question.fact) is None  # never a known fact
        seen.append(question.fact)
        # a question decides the cause it is asked for, or is the setting (the policy) its applying waits on
        setting = default_questions().get(question.fact)
        assert question.asked_for in walk_ids
        assert question.asked_for in question.decides or (setting is not None and setting.ask_last), question.fact
        if question.follow_up:
            return  # decides only with the fact it is compared with: checked with that one, below
        if setting is not None and setting.ask_last and question.asked_for not in question.decides:
            return  # the policy: it decides nothing alone, but the agent's causes apply only once it is known
        outcomes = outcomes_of(question, edition, {"observed_error": code, **doc}, walk_ids)
        assert len(outcomes) >= 2, f"{question.fact}: no two allowed answers {question.allowed} lead to different outcomes"

    result = walk(code, truth, edition_id, lang, on_question=check)
    assert result.report is not None
    for i, question in enumerate(result.questions):
        if question.follow_up and question.fact not in result.skipped:
            # The fact compared with this answer comes right after it (and is held to the rule above).
            assert result.questions[i + 1].fact in question.follow_up
    return result


@pytest.mark.parametrize(("edition_id", "code", "cause"), CASES)
def test_walk_confirms_the_cause_the_vm_has(edition_id: str, code: str, cause: str) -> None:
    """A user whose VM has exactly one cause is led to it: it ends confirmed, each question asked once and mattering."""
    truth = truth_for(cause)
    result = _checked_walk(edition_id, code, truth)
    report = result.report
    statuses = {c.id: c.status for c in report.observed.causes}
    assert statuses[cause] == "confirmed", [q.fact for q in result.questions]
    assert outcome(report) == "confirmed"
    assert report.verdict == "problems"


@pytest.mark.parametrize(("edition_id", "code", "os_type"), HEALTHY_CASES)
def test_walk_on_a_healthy_vm_ends_with_escalation(edition_id: str, code: str, os_type: str) -> None:
    """A user whose VM is healthy everywhere rules out every cause and is told to collect logs and escalate."""
    result = _checked_walk(edition_id, code, truth_for(None, os_type))
    report = result.report
    assert outcome(report) == "escalation", [(c.id, c.status) for c in report.observed.causes]
    assert report.escalation is not None and report.observed.escalate
    assert all(c.status in {"ruled_out", "not_applicable"} for c in report.observed.causes)


@pytest.mark.parametrize("os_type", ["windows", "linux"])
def test_japanese_walk_asks_the_same_questions(os_type: str) -> None:
    """Answered in Japanese (はい/いいえ), a consultation asks the same facts in the same order as in English."""
    truth = truth_for(None, os_type)
    english = _checked_walk("2019-12", "BackUpOperationFailed", truth)
    japanese = _checked_walk("2019-12", "BackUpOperationFailed", truth, lang="ja")
    assert [q.fact for q in japanese.questions] == [q.fact for q in english.questions]
    assert all(q.lang == "ja" for q in japanese.questions)
    assert japanese.report.lang == "ja" and japanese.report.escalation is not None


def test_an_unanswerable_question_is_skipped_and_the_walk_goes_on() -> None:
    """A user who cannot tell the OS is never asked it again; what cannot then be decided stays undetermined."""
    truth = truth_for("no_internet_access")
    del truth["vm"]["os"]
    result = _checked_walk("2019-12", "BackUpOperationFailed", truth)
    assert result.questions[0].fact == "vm.os"
    assert result.skipped == ["vm.os"]
    statuses = {c.id: c.status for c in result.report.observed.causes}
    assert statuses["no_internet_access"] == "confirmed"
