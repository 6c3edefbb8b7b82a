"""Merging partial facts documents: provenance, conflicts left unknown, a result that always validates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_engine.errors import InputError
from kb_engine.facts.azure import facts_from_azure
from kb_engine.facts.load import validate_facts
from kb_engine.facts.merge import merge

AZURE = Path(__file__).resolve().parents[1] / "data" / "realdata" / "azure-rest-api-specs"


def test_agreeing_sources_are_both_recorded() -> None:
    """A fact two sources give alike is kept, with both sources in its provenance."""
    result = merge([("a", {"agent": {"version": "2.2.53"}}), ("b", {"agent": {"version": "2.2.53", "status": "Ready"}})])
    assert result.facts == {"agent": {"version": "2.2.53", "status": "ready"}}
    assert result.provenance == {"agent.status": ["b"], "agent.version": ["a", "b"]}
    assert result.conflicts == []


def test_disagreeing_sources_leave_the_fact_unknown_and_report_it() -> None:
    """Two versions of the agent: agent.version is a conflict, left unknown; other facts survive."""
    result = merge([("portal", {"agent": {"version": "2.2.53"}}), ("guest", {"agent": {"version": "2.2.49", "service_running": True}})])
    assert result.facts == {"agent": {"service_running": True}}
    (conflict,) = result.conflicts
    assert conflict.fact == "agent.version"
    assert dict(conflict.values_by_source) == {"portal": "2.2.53", "guest": "2.2.49"}
    assert "agent.version" not in result.provenance


def test_spellings_of_one_value_do_not_conflict() -> None:
    """'Not Ready' and 'not_ready', 'PowerState/running' and 'running' are the same value."""
    result = merge(
        [("a", {"agent": {"status": "Not Ready"}, "vm": {"power_state": "PowerState/running"}}),
         ("b", {"agent": {"status": "not_ready"}, "vm": {"power_state": "running"}})]
    )
    assert result.conflicts == []
    assert result.facts == {"agent": {"status": "not_ready"}, "vm": {"power_state": "running"}}


def test_extensions_merge_by_name_and_conflict_per_field() -> None:
    """Extensions match by name (case-insensitive); only the disputed state is dropped, the extension stays listed."""
    result = merge(
        [("azure", {"extensions": [{"name": "VMSnapshotLinux", "state": "failed"}, {"name": "CustomScript", "state": "succeeded"}]}),
         ("guest", {"extensions": [{"name": "vmsnapshotlinux", "state": "succeeded"}, {"name": "OmsAgentForLinux"}]})]
    )
    assert result.facts["extensions"] == [
        {"name": "VMSnapshotLinux"},
        {"name": "CustomScript", "state": "succeeded"},
        {"name": "OmsAgentForLinux"},
    ]
    assert [c.fact for c in result.conflicts] == ["extensions[VMSnapshotLinux].state"]


def test_contradicting_sources_leave_both_facts_unknown() -> None:
    """One source says the agent is not installed, another that it is ready: both facts become conflicts; the result validates."""
    result = merge([("a", {"agent": {"installed": False}}), ("b", {"agent": {"status": "ready"}, "vm": {"os": "linux"}})])
    assert result.facts == {"vm": {"os": "linux"}}
    assert {c.fact for c in result.conflicts} == {"agent.installed", "agent.status"}
    assert all(c.reason.startswith("contradiction") for c in result.conflicts)


def test_unlocked_group_against_a_lock_level_is_resolved() -> None:
    """'Not locked' from one source and a lock level from another cannot both hold: both are dropped, the name stays."""
    result = merge(
        [("rg-list", {"backup": {"restore_point_group": {"name": "AzureBackupRG_westus_1", "locked": False}}}),
         ("other", {"backup": {"restore_point_group": {"lock_level": "ReadOnly"}}})]
    )
    assert result.facts == {"backup": {"restore_point_group": {"name": "AzureBackupRG_westus_1"}}}
    validate_facts(result.facts, "merged")


def test_invalid_partial_is_an_input_error_naming_its_source() -> None:
    """A partial that is not valid facts is reported with its source and path."""
    with pytest.raises(InputError) as caught:
        merge([("good", {"vm": {"os": "linux"}}), ("bad.yaml", {"vm": {"disks": [{"size_gib": 0}]}})])
    (problem,) = caught.value.problems
    assert (problem.source, problem.path) == ("bad.yaml", "vm.disks[0].size_gib")


def test_same_source_name_twice_stays_apart() -> None:
    """Two documents with one name are told apart in conflicts (name#2)."""
    result = merge([("-", {"vm": {"os": "linux"}}), ("-", {"vm": {"os": "windows"}})])
    assert dict(result.conflicts[0].values_by_source) == {"-": "linux", "-#2": "windows"}


def test_guest_and_azure_merge_with_a_version_conflict() -> None:
    """The real instance view (agent 2.7.41491.949) and a guest that reports 2.13.1.1 conflict on agent.version."""
    view = json.loads((AZURE / "VirtualMachine_Get_InstanceView.json").read_text(encoding="utf-8"))
    azure = facts_from_azure([("iv.json", view)])
    result = merge([("azure", azure.facts), ("guest", {"agent": {"version": "2.13.1.1", "service_running": True}})])
    assert "version" not in result.facts["agent"]
    assert result.facts["agent"]["status"] == "ready"
    assert [c.fact for c in result.conflicts] == ["agent.version"]


# ---------------------------------------------------------------------------
# Property: whatever valid partials are merged, the result validates.

_POOL: dict[str, list[Any]] = {
    "vm.os": ["linux", "windows"],
    "vm.distro": ["ubuntu", "rhel"],
    "vm.power_state": ["running", "deallocated", "stopped"],
    "vm.encrypted": [True, False],
    "agent.installed": [True, False],
    "agent.status": ["ready", "not_ready"],
    "agent.service_running": [True, False],
    "agent.version": ["2.2.49", "2.2.53", "2.13.1.1"],
    "agent.latest_version": ["2.2.49", "2.13.1.1"],
    "agent.dotnet_version": ["4.5", "4.8"],
    "agent.waagent_conf": [{"Extensions.Enabled": "y"}, {"Extensions.Enabled": "no"}],
    "backup.restore_point_group": [
        {"name": "AzureBackupRG_westus_1", "locked": False},
        {"locked": True, "lock_level": "ReadOnly"},
        {"lock_name": "keep"},
    ],
    "vm.disks": [[{"name": "os", "encrypted": True}], [{"name": "os", "encrypted": False, "size_gib": 30}], [{"size_gib": 4096}]],
    "extensions": [[{"name": "VMSnapshot", "state": "failed"}], [{"name": "vmsnapshot", "state": "succeeded"}], []],
}


def _document(choices: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for path, value in choices.items():
        node = doc
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return doc


partials = st.lists(
    st.dictionaries(st.sampled_from(sorted(_POOL)), st.none(), max_size=6).flatmap(
        lambda keys: st.fixed_dictionaries({k: st.sampled_from(_POOL[k]) for k in keys})
    ).map(_document),
    min_size=1,
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(partials)
def test_merged_result_always_validates(docs: list[dict[str, Any]]) -> None:
    """Any mix of partial documents, even contradictory ones, merges into facts that validate_facts accepts."""
    result = merge([(f"s{i}", doc) for i, doc in enumerate(docs)])
    validate_facts(result.facts, "merged")
    for fact in result.provenance:
        assert not any(c.fact == fact for c in result.conflicts)
