"""Reports at the edges: advice only for the VM's OS, every step of a remedy kept, the why of each cause, and the
facts that would decide what is still open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb_engine.diagnosis import Engine
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.phrases import value_text
from kb_engine.report.model import Report, report_json
from kb_engine.report.render import to_markdown, to_text

FACTS_DIR = Path(__file__).resolve().parent.parent / "facts"
EDITIONS = default_kb().edition_ids
_ENGINES: dict[str, Engine] = {}


def diagnose(facts: Any, edition: str = "2019-12", lang: str = "en") -> Report:
    if edition not in _ENGINES:
        _ENGINES[edition] = Engine(edition)
    return _ENGINES[edition].diagnose(facts, lang=lang)


def example(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((FACTS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    doc.pop("expect", None)
    return dict(doc)


def remedy(report: Report, cid: str) -> Any:
    (found,) = [r for r in report.remedies if r.cause == cid]
    return found


# -- advice for the VM's OS ---------------------------------------------------


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("name", ["all-causes-ruled-out", "windows-agent-unresponsive"])
def test_a_windows_vm_gets_no_linux_logs_or_notes(edition: str, name: str) -> None:
    """The Linux cause does not apply: none of its logs, waagent.conf or systemctl notes reach a Windows report."""
    for lang in ("en", "ja"):
        report = diagnose(example(name), edition, lang)
        shown = to_text(report) + to_markdown(report)
        for linux in ("/var/lib/waagent", "/var/log/waagent.log", "/etc/waagent.conf", "systemctl"):
            assert linux not in shown, (lang, linux)


@pytest.mark.parametrize("edition", EDITIONS)
def test_when_the_os_is_unknown_each_note_and_log_says_which_os_it_is_for(edition: str) -> None:
    """OS unknown, every cause excluded: the Linux logs and notes are shown, each labelled for Linux VMs."""
    doc = {
        "observed_error": "UserErrorGuestAgentStatusUnavailable",
        "vm": {"power_state": "running", "shutdown_in_guest": False},
        "agent": {"installed": True, "status": "ready", "service_running": True, "version": "2.2.53",
                  "latest_version": "2.2.53", "dotnet_version": "4.8"},
        "network": {"dhcp_enabled": True, "azure_outbound": True, "wireserver_reachable": True},
        "extensions": [],
        "backup": {"policy_type": "standard"},
    }
    report = diagnose(doc, edition)
    assert report.escalation is not None
    assert "/var/log/waagent.log" in report.escalation.logs
    assert report.escalation.only_if["/var/log/waagent.log"] == "only if: The VM runs Linux"
    assert "/var/log/waagent.log (only if: The VM runs Linux)" in to_text(report)
    waagent_notes = [n for n in report.notes if "waagent.conf" in n]
    assert waagent_notes and all(n.startswith("(only if: The VM runs Linux) ") for n in waagent_notes)
    ja = diagnose(doc, edition, "ja")
    assert ja.escalation is not None and ja.escalation.only_if["/var/log/waagent.log"].startswith("該当する場合のみ: ")


def test_a_linux_vm_gets_its_logs_unlabelled() -> None:
    """On a Linux VM the Linux cause's logs are simply the logs to collect."""
    doc = example("all-causes-ruled-out")
    doc["vm"] = {**{k: v for k, v in doc["vm"].items() if k != "snapshot_provider_ok"}, "os": "linux"}
    doc["agent"] = {k: v for k, v in doc["agent"].items() if k != "dotnet_version"}
    report = diagnose(doc, "2019-07")
    assert report.escalation is not None and "/var/log/waagent.log" in report.escalation.logs
    assert report.escalation.only_if == {}


# -- every step kept ----------------------------------------------------------


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_job_in_progress_and_one_in_the_old_vault_keep_both_cancel_steps(edition: str) -> None:
    """Cause J with both jobs: the step for the current job and the one for the old vault, each saying how to cancel."""
    steps = [s.text for s in remedy(diagnose(example("job-in-progress-and-old-vault-job"), edition), "backup_in_progress").steps]
    current = [s for s in steps if s.startswith("If a job is in progress")]
    old = [s for s in steps if "old vault" in s]
    assert current and old
    assert "Cancel" in old[0] and "same way" not in old[0]


def test_no_job_in_progress_hides_only_the_current_job_step() -> None:
    """Only an old-vault job: the current-job step is hidden, the old-vault one kept."""
    steps = [s.text for s in remedy(diagnose(example("old-vault-job-still-running")), "backup_in_progress").steps]
    assert not any(s.startswith("If a job is in progress") for s in steps)
    assert any("old vault" in s for s in steps)


@pytest.mark.parametrize(("distro", "command"), [("ubuntu", "systemctl restart walinuxagent"), ("rhel", "systemctl restart waagent")])
def test_changed_waagent_conf_is_followed_by_a_restart_of_the_agent(distro: str, command: str) -> None:
    """Cause D restarts the agent (a running agent reads waagent.conf only when it starts): never `service ... start`."""
    report = diagnose({"vm": {"os": "linux", "distro": distro}, "agent": {"waagent_conf": {"Extensions.Enabled": "n"}}})
    commands = [c.command for s in remedy(report, "agent_config_options").steps for c in s.commands]
    assert command in commands
    assert not any(c.startswith("service ") and c.endswith(" start") for c in commands)


# -- the why ------------------------------------------------------------------


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_confirmed_causes_why_is_in_text_markdown_and_json(edition: str) -> None:
    """Several backups a day: the report says why (the instant restore point limit), in every format."""
    report = diagnose(example("several-backups-a-day"), edition)
    why = remedy(report, "several_backups_a_day").why
    assert "18" in why and "1 to 5 days" in why
    assert why in to_text(report)
    assert why in to_markdown(report)
    assert why in [r["why"] for r in json.loads(report_json(report))["remedies"]]


def test_the_restore_point_clean_up_comes_with_either_cause_of_the_limit_and_the_articles_timing() -> None:
    """UserErrorRpCollectionLimitReached: clean-up follows both the lock and several backups a day, a few hours after the backup."""
    for name, cid in (("rp-group-locked", "rp_group_locked"), ("several-backups-a-day", "several_backups_a_day")):
        steps = [s for s in remedy(diagnose(example(name)), cid).steps]
        assert any(s.procedure == "cleanup_restore_points" and "a few hours after it" in s.text for s in steps), name


# -- what would decide --------------------------------------------------------


def test_an_ade_vm_whose_disk_does_not_say_if_it_is_encrypted_names_that_field() -> None:
    """ADE may cover only some volumes: the disk's own encrypted flag decides, and the report names it."""
    report = diagnose(example("ade-disk-flag-unknown"))
    (cause,) = [c for c in report.causes if c.id == "disk_too_large"]
    assert cause.status == "undetermined"
    assert cause.needs == ["vm.disks[].encrypted"]
    assert "vm.disks[].encrypted" in {u.fact for u in report.unknown}


def test_a_vm_without_ade_has_no_encrypted_disk_over_the_limit() -> None:
    """vm.encrypted false: a 5000 GiB disk with no flag is not an encrypted disk, so 2019-12 rules the cause out."""
    doc = example("ade-disk-flag-unknown")
    doc["vm"] = {**doc["vm"], "encrypted": False, "disks": [{"size_gib": 5000}]}
    (cause,) = [c for c in diagnose(doc).causes if c.id == "disk_too_large"]
    assert cause.status == "ruled_out"


def test_a_logs_label_in_markdown_is_shown_as_written() -> None:
    """The label saying what a log is for is text from the knowledge base: Markdown shows it, never markup made of it."""
    from markdown_it import MarkdownIt

    doc = {
        "observed_error": "UserErrorGuestAgentStatusUnavailable",
        "vm": {"power_state": "running", "shutdown_in_guest": False},
        "agent": {"installed": True, "status": "ready", "service_running": True, "version": "2.2.53",
                  "latest_version": "2.2.53", "dotnet_version": "4.8"},
        "network": {"dhcp_enabled": True, "azure_outbound": True},
        "extensions": [],
    }
    report = diagnose(doc, "2019-07")
    assert report.escalation is not None
    escalation = report.escalation.model_copy(update={"only_if": {log: "only if: *Linux* [x](y)" for log in report.escalation.logs}})
    html = MarkdownIt("commonmark").render(to_markdown(report.model_copy(update={"escalation": escalation})))
    assert "only if: *Linux* [x](y)" in html and "<em>Linux</em>" not in html and 'href="y"' not in html


def _derivations(node: Any) -> list[tuple[str, str]]:
    """(rule, conclusion) of every derivation in a report's JSON."""
    if isinstance(node, dict):
        own = [(node["rule"], node["conclusion"])] if isinstance(node.get("rule"), str) and "conclusion" in node else []
        return own + [d for value in node.values() for d in _derivations(value)]
    if isinstance(node, list):
        return [d for value in node for d in _derivations(value)]
    return []


def test_a_given_value_reads_as_the_condition_that_tests_it_reads() -> None:
    """The fact given and the test of it are written alike, with the value as a facts file spells it
    (`true`, not `True`), in the derivations of a report."""
    report = json.loads(report_json(diagnose(example("crp-reported-user-error"), "2025-11")))
    derivations = _derivations(report)
    given = {conclusion for rule, conclusion in derivations if rule == "input"}
    tested = {conclusion for rule, conclusion in derivations if rule != "input"}
    assert "backup.platform_error_reported = true" in given & tested
    assert not any(c.endswith((" = True", " = False", " = None")) for c in given)


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (False, "false"), (None, "null"), ("2.2.10", "2.2.10"), (4096, "4096"),
     (["os", "data"], "[os, data]"), ({"size_gb": 4096, "encrypted": True, "name": None}, "{encrypted: true, size_gb: 4096}")],
)
def test_values_are_shown_as_a_facts_file_spells_them(value: object, text: str) -> None:
    """Derivations and condition phrases share one spelling of values: YAML's words, lists in brackets,
    mappings by sorted key without their unknown members."""
    assert value_text(value) == text
