"""Simulated users for consultation tests: hidden "true" facts, and answers read off them.

A true facts document describes a whole VM: healthy everywhere (:data:`HEALTHY`)
except for what :data:`BREAKS` changes to make one cause hold. :func:`answer`
turns a fact of that document into what a user would type; :func:`walk` drives
:func:`kb_engine.consult.next_step` with those answers and records every question.
:func:`consult_argv` is the command line of ``kb-engine consult``.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb_engine.consult.answers import parse_answer
from kb_engine.consult.session import Question, next_step
from kb_engine.engine.evaluate import evaluate_edition
from kb_engine.facts.documents import get_fact, set_fact
from kb_engine.facts.load import validate_facts
from kb_engine.knowledge.model import Edition
from kb_engine.knowledge.vocabulary import fact_catalog
from kb_engine.report.model import Report

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")

ENV = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}


def consult_argv(*args: str) -> list[str]:
    """The command line of the installed console script: `kb-engine consult ARGS`."""
    return [KB_ENGINE, "consult", *args]



HEALTHY: dict[str, dict[str, Any]] = {
    "windows": {
        "name": "healthy-windows",
        "vm": {
            "os": "windows", "power_state": "running", "provisioning_state": "succeeded", "shutdown_in_guest": False,
            "encrypted": False, "keyvault_access": True, "disks": [{"size_gib": 128, "encrypted": False}, {"size_gib": 1024, "encrypted": False}],
            "app_control_blocks_snapshot": False, "snapshot_provider_ok": True,
        },
        "agent": {
            "installed": True, "status": "ready", "service_running": True, "version": "2.7.41491.1102",
            "latest_version": "2.7.41491.1102", "dotnet_version": "4.8",
        },
        "extensions": [{"name": "VMSnapshot", "state": "succeeded"}, {"name": "CustomScript", "state": "succeeded"}],
        "network": {"azure_outbound": True, "dhcp_enabled": True, "wireserver_reachable": True},
        "backup": {
            "backups_per_day": 1, "job_in_progress": False, "old_vault_job_running": False,
            "restore_point_group": {"name": "AzureBackupRG_westeurope_1", "locked": False},
            "policy_type": "standard", "snapshot_consistency": "default", "protection_state": "active",
            "platform_error_reported": False,
        },
    },
    "linux": {
        "name": "healthy-linux",
        "vm": {
            "os": "linux", "distro": "ubuntu", "power_state": "running", "provisioning_state": "succeeded",
            "shutdown_in_guest": False, "encrypted": False, "keyvault_access": True, "disks": [{"size_gib": 30, "encrypted": False}],
            "app_control_blocks_snapshot": False,
        },
        "agent": {
            "installed": True, "status": "ready", "service_running": True, "version": "2.2.53", "latest_version": "2.2.53",
            "waagent_conf": {"Extensions.Enabled": "y", "Provisioning.Agent": "auto"},
        },
        "extensions": [{"name": "VMSnapshotLinux", "state": "succeeded"}, {"name": "CustomScript", "state": "succeeded"}],
        "network": {"azure_outbound": True, "dhcp_enabled": True, "wireserver_reachable": True},
        "backup": {
            "backups_per_day": 1, "job_in_progress": False, "old_vault_job_running": False,
            "restore_point_group": {"name": "AzureBackupRG_northeurope_1", "locked": False},
            "policy_type": "standard", "snapshot_consistency": "default", "protection_state": "active",
            "platform_error_reported": False,
        },
    },
}

# cause id -> (OS whose healthy VM is broken, the facts that make the cause hold)
BREAKS: dict[str, tuple[str, dict[str, Any]]] = {
    "vm_not_running": (
        "linux", {"vm.power_state": "deallocated", "agent.status": "not_ready", "agent.service_running": False},
    ),
    "agent_unresponsive_windows": ("windows", {"agent.status": "not_ready", "agent.service_running": False}),
    "agent_outdated_linux": ("linux", {"agent.version": "2.2.9", "agent.latest_version": "2.2.10"}),
    "no_internet_access": ("linux", {"network.azure_outbound": False}),
    "agent_config_options": ("linux", {"agent.waagent_conf.extensions_enabled": "n"}),
    "snapshot_unavailable": ("windows", {"vm.shutdown_in_guest": True}),
    "shutdown_over_rdp": ("windows", {"vm.shutdown_in_guest": True}),
    "no_dhcp": ("linux", {"network.dhcp_enabled": False}),
    "extension_load_failed": ("windows", {"extensions": [{"name": "VMSnapshot", "state": "failed"}]}),
    "rp_group_locked": ("linux", {"backup.restore_point_group.locked": True}),
    "several_backups_a_day": ("windows", {"backup.backups_per_day": 3}),
    "keyvault_permissions": (
        "windows",
        {"vm.encrypted": True, "vm.keyvault_access": False, "vm.disks": [{"size_gib": 512, "encrypted": True}]},
    ),
    "backup_in_progress": ("linux", {"backup.job_in_progress": True}),
    "disk_too_large": ("windows", {"vm.disks": [{"size_gib": 128, "encrypted": False}, {"size_gib": 40000, "encrypted": False}]}),
    "snapshot_extension_failed_state": (
        "linux",
        {"vm.provisioning_state": "failed", "extensions": [{"name": "VMSnapshotLinux", "state": "failed"}]},
    ),
    "wireserver_blocked": ("linux", {"network.wireserver_reachable": False}),
    "app_control_blocks_extension": ("windows", {"vm.app_control_blocks_snapshot": True}),
    "provider_dll_mismatch": ("windows", {"vm.snapshot_provider_ok": False}),
    "platform_reported_error": ("linux", {"backup.platform_error_reported": True}),
    "protection_not_active": ("windows", {"backup.protection_state": "paused"}),
    "other_extension_failed_state": (
        "windows",
        {
            "vm.provisioning_state": "failed",
            "extensions": [{"name": "VMSnapshot", "state": "succeeded"}, {"name": "IaaSAntimalware", "state": "failed"}],
        },
    ),
}


def truth_for(cause: str | None, os_type: str = "linux") -> dict[str, Any]:
    """A true facts document: the healthy VM, broken so that ``cause`` holds (None: healthy)."""
    if cause is None:
        return copy.deepcopy(HEALTHY[os_type])
    os_type, changes = BREAKS[cause]
    doc: dict[str, Any] = copy.deepcopy(HEALTHY[os_type])
    for fact, value in changes.items():
        doc = set_fact(doc, fact, copy.deepcopy(value))
    doc["name"] = f"{cause}-{os_type}"
    return doc


def answer(fact: str, truth: Mapping[str, Any], lang: str = "en") -> str:
    """What a user who can see the true VM types for ``fact``."""
    value = get_fact(truth, fact)
    if value is None:
        return "unknown"
    kind = fact_catalog()[fact].kind
    if kind == "bool":
        if lang == "ja":
            return "はい" if value else "いいえ"
        return "yes" if value else "no"
    if fact == "vm.disks":
        return ", ".join(f"{d['size_gib']}{'e' if d.get('encrypted') else ''}" for d in value)
    if fact == "extensions":
        backup = [e for e in value if e["name"].rsplit(".", 1)[-1] in {"VMSnapshot", "VMSnapshotLinux"}]
        others = [e for e in value if e not in backup]
        first = backup[0]["state"] if backup else "none"
        return ", ".join([first] + [e["state"] for e in others])
    if kind == "text" and value == "":
        return "absent"
    return str(value)


def flat_value(fact: str, value: Any) -> object:
    """A fact's value as ``Facts.flat()`` holds it (list items become records), checked on its own."""
    return validate_facts(set_fact({}, fact, value), "<test>").flat()[fact]


def outcomes_of(question: Question, edition: Edition, doc: Mapping[str, Any], walk_ids: list[str]) -> set[tuple[str, ...]]:
    """The distinct statuses of the code's causes over the question's allowed answers.

    Each answer is put in place of the unknown fact and the edition re-evaluated with
    ``evaluate_edition``, whether or not the answer fits the rest of the facts.
    """
    flat = validate_facts(dict(doc), "<test>").flat()
    out: set[tuple[str, ...]] = set()
    for text in question.allowed:
        value = flat_value(question.fact, parse_answer(question.fact, text, "en", flat))
        causes = evaluate_edition(edition, {**flat, question.fact: value}).causes
        out.add(tuple(causes[c] for c in walk_ids))
    return out


@dataclass
class Walk:
    """A finished consultation: the questions in order, the state each was asked in, the report."""

    questions: list[Question] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    report: Report | None = None


def walk(
    code: str,
    truth: Mapping[str, Any],
    edition: str | None = None,
    lang: str = "en",
    *,
    given: Mapping[str, Any] | None = None,
    on_question: Callable[[Question, dict[str, Any], list[str]], None] | None = None,
    limit: int = 40,
) -> Walk:
    """Consult for ``code``, answering every question from ``truth`` (unknown where it has no value)."""
    result = Walk()
    doc: dict[str, Any] = dict(given or {})
    for _ in range(limit):
        step = next_step(code, doc, edition, lang, skipped=result.skipped)
        if isinstance(step, Report):
            result.report = step
            return result
        result.questions.append(step)
        result.states.append(doc)
        if on_question is not None:
            on_question(step, doc, list(result.skipped))
        text = answer(step.fact, truth, lang)
        if text == "unknown":
            result.skipped.append(step.fact)
            continue
        flat = validate_facts(doc, "<test>").flat()
        doc = set_fact(doc, step.fact, parse_answer(step.fact, text, lang, flat))
    raise AssertionError(f"no report after {limit} questions: {[q.fact for q in result.questions]}")
