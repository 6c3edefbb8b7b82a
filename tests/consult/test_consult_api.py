"""The consultation API: next_step, parse_answer, and the facts documents they work on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from consult_sim import truth_for

from kb_engine.consult.answers import parse_answer
from kb_engine.consult.candidates import candidate_answers
from kb_engine.consult.session import Question, next_step, outcome, report_now, step_json
from kb_engine.errors import InputError, UnknownEditionError, UnknownErrorCodeError
from kb_engine.facts.documents import facts_document, get_fact, set_fact, unset_fact
from kb_engine.facts.load import validate_facts
from kb_engine.knowledge.load import default_kb
from kb_engine.report.model import Report


@pytest.mark.parametrize(
    ("text", "value"),
    [("yes", True), ("Y", True), ("TRUE", True), ("はい", True), ("no", False), ("n", False), ("False", False), ("いいえ", False)],
)
def test_bool_answers_in_both_languages(text: str, value: bool) -> None:
    """yes/no, y/n, true/false in any case, and はい/いいえ, are answers to a yes/no question."""
    assert parse_answer("network.dhcp_enabled", text) is value


@pytest.mark.parametrize(("text", "value"), [("Not Ready", "not_ready"), ("READY", "ready"), ("ProvisioningState/Failed", "failed")])
def test_enum_answers_ignore_case_and_portal_spellings(text: str, value: str) -> None:
    """Enum answers are matched without regard to case, with the portal's spellings."""
    fact = "vm.provisioning_state" if "Provisioning" in text else "agent.status"
    assert parse_answer(fact, text) == value


def test_invalid_answer_explains_what_is_allowed() -> None:
    """A wrong answer raises InputError naming the fact, the answer and the allowed answers, in the user's language."""
    with pytest.raises(InputError) as caught:
        parse_answer("agent.status", "broken")
    problem = caught.value.problems[0]
    assert (problem.path, problem.value, problem.allowed) == ("agent.status", '"broken"', "one of: ready, not_ready")
    with pytest.raises(InputError) as caught:
        parse_answer("vm.encrypted", "maybe", "ja")
    assert caught.value.problems[0].allowed == "はい または いいえ (yes / no)"
    assert caught.value.problems[0].message == "この質問の回答として使えません"


@pytest.mark.parametrize(
    ("fact", "text", "value"),
    [
        ("backup.backups_per_day", " 3 ", 3),
        ("agent.version", "2.2.10", "2.2.10"),
        ("agent.dotnet_version", "4.5", "4.5"),
        ("agent.waagent_conf.extensions_enabled", "N", "N"),
        ("agent.waagent_conf.extensions_enabled", "absent", ""),
        ("vm.disks", "128, 5000e", [{"size_gib": 128, "encrypted": False}, {"size_gib": 5000, "encrypted": True}]),
        ("vm.disks", "30 4096E", [{"size_gib": 30, "encrypted": False}, {"size_gib": 4096, "encrypted": True}]),
        ("extensions", "none", []),
        ("extensions", "none, failed", [{"name": "OtherExtension1", "state": "failed"}]),
        ("extensions", "Provisioning failed, succeeded", [{"name": "VMSnapshot", "state": "failed"}, {"name": "OtherExtension1", "state": "succeeded"}]),
    ],
)
def test_free_form_and_list_answers(fact: str, text: str, value: Any) -> None:
    """Numbers, versions, raw switch values, disk sizes with e for encrypted, and extension states parse as documented."""
    assert parse_answer(fact, text) == value


@pytest.mark.parametrize(
    ("fact", "text"),
    [("backup.backups_per_day", "-1"), ("backup.backups_per_day", "two"), ("agent.version", "2.x"), ("vm.disks", "big"),
     ("vm.disks", "0"), ("extensions", "broken"), ("network.dhcp_enabled", "")],
)
def test_bad_free_form_answers_are_refused(fact: str, text: str) -> None:
    """Answers outside the format raise InputError."""
    with pytest.raises(InputError):
        parse_answer(fact, text)


def test_the_backup_extension_is_named_for_the_os() -> None:
    """On a Linux VM the backup extension of the answer is VMSnapshotLinux."""
    assert parse_answer("extensions", "failed", facts={"vm.os": "linux"}) == [{"name": "VMSnapshotLinux", "state": "failed"}]


def test_answers_round_trip_through_facts_documents() -> None:
    """set_fact writes a fact where facts files have it (aliases too); get_fact reads it; unset_fact removes it."""
    doc = set_fact({}, "agent.waagent_conf.extensions_enabled", "n")
    assert doc == {"agent": {"waagent_conf": {"Extensions.Enabled": "n"}}}
    assert validate_facts(doc, "<t>").flat()["agent.waagent_conf.extensions_enabled"] == "n"
    assert get_fact(doc, "agent.waagent_conf.extensions_enabled") == "n"
    assert unset_fact(doc, "agent.waagent_conf.extensions_enabled") == {}
    assert facts_document({"vm": {"os": "Linux", "distro": None}}) == {"vm": {"os": "linux"}}


def test_question_is_json_and_deterministic() -> None:
    """A question is a pydantic model that serialises to the same JSON every time."""
    first = next_step("UserErrorGuestAgentStatusUnavailable", {})
    second = next_step("UserErrorGuestAgentStatusUnavailable", {})
    assert isinstance(first, Question)
    assert first == second and step_json(first) == step_json(second)
    assert Question.model_validate_json(first.model_dump_json()) == first
    assert json.loads(step_json(first))["type"] == "question"


def test_known_cause_gives_the_report_at_once() -> None:
    """Facts that already confirm a cause of the code give the report, without a question."""
    report = next_step("UserErrorRpCollectionLimitReached", {"backup": {"restore_point_group": {"locked": True}}})
    assert isinstance(report, Report)
    assert outcome(report) == "confirmed"
    assert json.loads(step_json(report))["outcome"] == "confirmed"


def test_skipped_facts_are_never_asked() -> None:
    """A fact answered unknown is not asked again, though it is still unknown."""
    first = next_step("BackUpOperationFailed", {})
    assert isinstance(first, Question) and first.fact == "vm.os"
    second = next_step("BackUpOperationFailed", {}, skipped=["vm.os"])
    assert isinstance(second, Question) and second.fact != "vm.os"


def test_a_fact_that_cannot_matter_is_not_asked() -> None:
    """On a Windows VM nothing about waagent.conf is asked: no answer could change a cause's status."""
    truth = truth_for(None, "windows")
    doc: dict[str, Any] = {}
    asked = []
    for _ in range(20):
        step = next_step("GuestAgentSnapshotTaskStatusError", doc)
        if not isinstance(step, Question):
            break
        asked.append(step.fact)
        doc = set_fact(doc, step.fact, get_fact(truth, step.fact))
    assert "agent.waagent_conf.extensions_enabled" not in asked and "vm.os" in asked


def test_version_compared_with_an_unknown_version_is_asked_with_its_follow_up() -> None:
    """The installed agent version decides nothing without the latest version: it names it as follow-up, which comes next."""
    doc = {"vm": {"os": "linux", "power_state": "running"}, "agent": {"status": "ready", "service_running": True}}
    step = next_step("UserErrorGuestAgentStatusUnavailable", doc, "2019-12")
    assert isinstance(step, Question) and step.fact == "agent.version" and step.follow_up == ["agent.latest_version"]
    step = next_step("UserErrorGuestAgentStatusUnavailable", set_fact(doc, "agent.version", "2.2.9"), "2019-12")
    assert isinstance(step, Question) and step.fact == "agent.latest_version"
    assert step.allowed == ["2.2.9", "2.2.10"] and step.free_form


def test_candidate_answers_come_from_the_thresholds() -> None:
    """Numbers and disk sizes are probed at and around the limits of the selected edition."""
    old, new = default_kb().edition("2019-07"), default_kb().edition("2019-12")
    assert candidate_answers("backup.backups_per_day", new, {}) == ["1", "2", "0"]
    assert "4096" in candidate_answers("vm.disks", old, {}) and "32769" not in candidate_answers("vm.disks", old, {})
    assert "32769" in candidate_answers("vm.disks", new, {}) and "4097e" in candidate_answers("vm.disks", new, {})
    assert candidate_answers("agent.dotnet_version", new, {}) == ["4.5", "4.4"]


def test_errors_are_input_errors() -> None:
    """An unknown code or edition, bad facts, another observed_error, or an unknown skipped fact raise InputError."""
    with pytest.raises(UnknownErrorCodeError):
        next_step("UserErrorGuestAgentStatusUnavailabel", {})
    with pytest.raises(UnknownEditionError):
        next_step("BackUpOperationFailed", {}, edition="2020-01")
    with pytest.raises(InputError):
        next_step("BackUpOperationFailed", {"vm": {"os": "mac"}})
    with pytest.raises(InputError, match="another error code"):
        next_step("BackUpOperationFailed", {"observed_error": "UserErrorBackupOperationInProgress"})
    with pytest.raises(InputError, match="unknown fact"):
        next_step("BackUpOperationFailed", {}, skipped=["vm.operating_system"])
    assert isinstance(next_step("BackUpOperationFailedV2", {"observed_error": "BackUpOperationFailed"}), Question)


def test_report_now_reports_what_is_known() -> None:
    """report_now gives the report of the facts so far, for a user who stops early."""
    report = report_now("BackUpOperationFailed", {"vm": {"os": "linux"}}, lang="ja")
    assert report.lang == "ja" and report.verdict == "incomplete" and outcome(report) == "undetermined"


def test_today_the_policy_is_asked_before_the_agent_and_an_agentless_backup_ends_it() -> None:
    """2025-11: the agent's causes apply only to a backup that uses the agent, so after the OS the policy is asked;
    an agentless policy ends the walk without blaming the agent."""
    running = {"os": "linux", "power_state": "running"}
    step = next_step("UserErrorGuestAgentStatusUnavailable", {"vm": running}, "2025-11")
    assert isinstance(step, Question) and step.fact == "backup.policy_type"
    standard = next_step("UserErrorGuestAgentStatusUnavailable", {"vm": running, "backup": {"policy_type": "standard"}}, "2025-11")
    assert isinstance(standard, Question) and standard.fact.startswith("agent.")
    agentless = {"vm": running, "agent": {"status": "not_ready"},
                 "backup": {"policy_type": "enhanced", "snapshot_consistency": "only_crash_consistent"}}
    report = next_step("UserErrorGuestAgentStatusUnavailable", agentless, "2025-11")
    assert not isinstance(report, Question)
    assert not [c for c in report.causes if c.status == "confirmed"]


@pytest.mark.parametrize("edition", [None, "2025-11", "2019-12"])
def test_a_consultations_report_says_whether_its_edition_was_asked_for(edition: str | None) -> None:
    """Like `kb-engine diagnose`: without an edition the report says it is the newest, the default;
    with one, that it was asked for, even when it is the newest."""
    for report in (
        next_step("UserErrorRpCollectionLimitReached", {"backup": {"restore_point_group": {"locked": True}}}, edition),
        report_now("BackUpOperationFailed", {"vm": {"os": "linux"}}, edition),
    ):
        assert isinstance(report, Report)
        assert report.edition == (edition or "2025-11")
        assert ("the newest" in report.edition_reason) == (edition is None)
        assert ("as asked" in report.edition_reason) == (edition is not None)
