"""A VM that is not running: its agent's status says nothing, and the 2019-12 edition says to start it first."""

from __future__ import annotations

from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents
from hypothesis import HealthCheck, given, settings

from kb_engine.diagnosis import Engine
from kb_engine.engine.reasoner import Backend
from kb_engine.knowledge.load import default_kb
from kb_engine.report.model import Report

EDITIONS = default_kb().edition_ids
BACKENDS: tuple[Backend, ...] = ("experta", "direct")
STATUS_ONLY = {"agent_not_ready", "agent_service_stopped"}
"""The findings read from the agent's status alone: what a VM that is not running always shows."""
_ENGINES: dict[tuple[str, str], Engine] = {}


def engine(edition: str, backend: Backend = "experta") -> Engine:
    if (edition, backend) not in _ENGINES:
        _ENGINES[edition, backend] = Engine(edition, backend=backend)
    return _ENGINES[edition, backend]


def deallocated(os_name: str, **agent: Any) -> dict[str, Any]:
    return {
        "observed_error": "UserErrorGuestAgentStatusUnavailable",
        "vm": {"os": os_name, "power_state": "deallocated"},
        "agent": {"status": "not_ready", "service_running": False, **agent},
    }


def cause(report: Report, cid: str) -> Any:
    (found,) = [c for c in report.causes if c.id == cid]
    return found


def _power_state(doc: dict[str, Any]) -> str | None:
    value = (doc.get("vm") or {}).get("power_state")
    return value.split("/")[-1].lower() if isinstance(value, str) else None


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("edition", EDITIONS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_a_vm_known_not_running_never_has_a_cause_confirmed_from_agent_status_alone(
    doc: dict[str, Any], edition: str, backend: Backend
) -> None:
    """Not Ready or a stopped service on a VM that is not running is no finding, and never the evidence of a confirmed cause."""
    power = _power_state(doc)
    report = engine(edition, backend).diagnose(doc)
    if power is None or power == "running":
        return
    assert not STATUS_ONLY & {f.id for f in report.findings}
    for result in report.causes:
        if result.status == "confirmed" and result.evidence:
            assert set(result.evidence) - STATUS_ONLY, f"{result.id} confirmed from agent status alone"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize(("os_name", "agent_cause"), [("linux", "agent_outdated_linux"), ("windows", "agent_unresponsive_windows")])
def test_not_ready_on_a_deallocated_vm_leaves_the_agent_cause_open_and_names_the_agent_status(
    edition: str, backend: Backend, os_name: str, agent_cause: str
) -> None:
    """The agent cause is neither confirmed nor ruled out, and the facts that decide it once the VM runs are named."""
    report = engine(edition, backend).diagnose(deallocated(os_name, installed=True))
    result = cause(report, agent_cause)
    assert result.status == "undetermined"
    assert {"agent.status", "agent.service_running"} <= set(result.needs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_2019_12_edition_says_the_vm_is_not_running_and_how_to_start_it(backend: Backend) -> None:
    """2019-12 checks first that the VM runs: the cause is confirmed, first in the walk, and its remedy starts the VM."""
    report = engine("2019-12", backend).diagnose(deallocated("windows"))
    assert report.verdict == "problems"
    assert report.observed is not None and report.observed.causes[0].id == "vm_not_running"
    assert report.observed.causes[0].status == "confirmed"
    remedy = report.remedies[0]
    assert remedy.cause == "vm_not_running"
    assert any(c.command == "az vm start -g RG -n VM" for step in remedy.steps for c in step.commands)


def test_a_running_vm_still_has_its_agent_judged_by_its_status() -> None:
    """On a running VM Not Ready confirms the agent cause, as the article says."""
    doc = deallocated("linux")
    doc["vm"]["power_state"] = "running"
    report = engine("2019-12").diagnose(doc)
    assert cause(report, "agent_outdated_linux").status == "confirmed"
    assert cause(report, "vm_not_running").status == "ruled_out"


def test_the_2019_07_edition_has_no_power_state_cause() -> None:
    """The 2019-07 article has no power-state check: no such cause, and the agent cause stays undetermined."""
    report = engine("2019-07").diagnose(deallocated("linux"))
    assert "vm_not_running" not in {c.id for c in report.causes}
    assert report.verdict == "incomplete"
