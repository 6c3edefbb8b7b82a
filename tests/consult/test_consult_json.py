"""The programmatic consultation: `consult --format json`, one stateless step per call."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from consult_sim import ENV, answer, consult_argv, truth_for

from kb_engine.consult.answers import parse_answer
from kb_engine.facts.documents import set_fact
from kb_engine.facts.load import validate_facts
from kb_engine.report.model import Report


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(consult_argv(*args), input=stdin, capture_output=True, text=True, timeout=120, env=ENV)


def step(*args: str, stdin: str | None = None) -> tuple[int, dict[str, Any], str]:
    result = run(*args, "--format", "json", stdin=stdin)
    assert result.returncode in (0, 1, 5), result.stderr
    return result.returncode, json.loads(result.stdout), result.stdout


def test_first_step_is_a_question_in_sorted_deterministic_json() -> None:
    """With nothing known the first step is a question; two calls print the same bytes, keys sorted."""
    code, data, text = step("UserErrorGuestAgentStatusUnavailable")
    assert code == 0
    # The 2019-12 article's first check: is the VM running?
    assert data["type"] == "question" and data["fact"] == "vm.power_state"
    assert data["allowed"] == ["running", "starting", "stopping", "stopped", "deallocating", "deallocated"]
    assert data["kind"] == "enum" and not data["free_form"]
    assert data["asked_for"] == "vm_not_running" and data["text"] and data["help"]
    assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert run("UserErrorGuestAgentStatusUnavailable", "--format", "json").stdout == text


def test_a_bot_adding_answers_to_the_facts_file_reaches_the_report(tmp_path: Path) -> None:
    """Question, answer added to the facts file, call again ... until the report, which confirms the VM's cause."""
    truth = truth_for("agent_outdated_linux")
    facts = tmp_path / "facts.yaml"
    doc: dict[str, Any] = {}
    asked: list[str] = []
    for _ in range(12):
        facts.write_text(yaml.safe_dump(doc), encoding="utf-8")
        code, data, _ = step("GuestAgentSnapshotTaskStatusError", "--edition", "2019-12", "--facts", str(facts))
        if data["type"] == "report":
            break
        assert code == 0 and data["fact"] not in asked
        asked.append(data["fact"])
        flat = validate_facts(doc, "<test>").flat()
        doc = set_fact(doc, data["fact"], parse_answer(data["fact"], answer(data["fact"], truth), "en", flat))
    assert data["type"] == "report" and data["outcome"] == "confirmed" and code == 1
    assert asked == ["vm.os", "agent.status", "agent.service_running", "agent.version", "agent.latest_version"]
    confirmed = [c["id"] for c in data["report"]["observed"]["causes"] if c["status"] == "confirmed"]
    assert confirmed == ["agent_outdated_linux"]
    jsonschema.validate(data["report"], Report.model_json_schema())


def test_skip_is_never_asked_again_and_can_end_undetermined() -> None:
    """--skip FACT (repeatable) keeps a fact from being asked; with nothing left to ask the report is undetermined, exit 0."""
    _, first, _ = step("UserErrorBackupOperationInProgress")
    assert first["fact"] == "backup.job_in_progress"
    _, second, _ = step("UserErrorBackupOperationInProgress", "--skip", "backup.job_in_progress")
    assert second["type"] == "question" and second["fact"] == "backup.old_vault_job_running"
    code, last, _ = step(
        "UserErrorBackupOperationInProgress", "--skip", "backup.job_in_progress", "--skip", "backup.old_vault_job_running"
    )
    assert code == 5 and last["type"] == "report" and last["outcome"] == "undetermined"
    assert last["report"]["escalation"] is None


def test_healthy_facts_from_stdin_end_in_escalation() -> None:
    """Facts on standard input (--facts -) that exclude every cause give the report with the escalation, exit 1."""
    facts = yaml.safe_dump(truth_for(None, "windows"))
    code, data, _ = step("UserErrorGuestAgentStatusUnavailable", "--facts", "-", stdin=facts)
    assert code == 1 and data["type"] == "report" and data["outcome"] == "escalation"
    assert data["report"]["escalation"]["title"] == "Still failing: collect logs and escalate"
    assert data["report"]["observed"]["escalate"] is True


def test_save_in_json_mode_writes_the_given_facts(tmp_path: Path) -> None:
    """-o writes the facts given, with observed_error, as a facts file."""
    given = tmp_path / "given.json"
    given.write_text(json.dumps({"vm": {"os": "Linux"}}), encoding="utf-8")
    saved = tmp_path / "saved.yaml"
    code, data, _ = step("ExtensionSnapshotFailedNoNetwork", "--facts", str(given), "-o", str(saved))
    assert code == 0 and data["type"] == "question"
    assert yaml.safe_load(saved.read_text(encoding="utf-8")) == {"observed_error": "ExtensionSnapshotFailedNoNetwork", "vm": {"os": "linux"}}


def test_bad_input_exits_2(tmp_path: Path) -> None:
    """Invalid facts, another code in the facts, an unknown --skip fact, or stdin facts in text mode: exit 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("agent: {installed: false, status: ready}\n", encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text("observed_error: UserErrorBackupOperationInProgress\n", encoding="utf-8")
    for args in (
        ["BackUpOperationFailed", "--facts", str(bad), "--format", "json"],
        ["BackUpOperationFailed", "--facts", str(other), "--format", "json"],
        ["BackUpOperationFailed", "--skip", "agent.stat", "--format", "json"],
        ["BackUpOperationFailed", "--facts", "-"],
    ):
        result = run(*args, stdin="")
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stdout == ""
    assert "unknown fact; did you mean agent.status," in run("BackUpOperationFailed", "--skip", "agent.stat", "--format", "json").stderr


def test_an_alias_is_kept_as_typed_and_the_edition_followed() -> None:
    """A code's alias is accepted and kept as typed; --edition picks the article edition."""
    _, data, _ = step("ExtentionOperationFailedForManagedDisks", "--edition", "2019-07", "--lang", "ja")
    assert data["code"] == "ExtentionOperationFailedForManagedDisks" and data["entry"] == "ExtentionOperationFailedForManagedDisks"
    assert data["edition"] == "2019-07" and data["lang"] == "ja"
