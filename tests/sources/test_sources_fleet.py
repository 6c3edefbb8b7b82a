"""Many VMs at once: Resource Graph exports and az list outputs, one facts document per VM."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_engine.errors import InputError
from kb_engine.facts.azure_fleet import facts_from_fleet, is_fleet
from kb_engine.facts.load import validate_facts

AZURE = Path(__file__).resolve().parents[1] / "data" / "realdata" / "azure-rest-api-specs"
KB_ENGINE = Path(sys.executable).parent / "kb-engine"
MY_VM_ID = "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/virtualMachines/myVM"


def example(name: str) -> Any:
    return json.loads((AZURE / name).read_text(encoding="utf-8"))


def body(doc: Any) -> Any:
    return doc["responses"]["200"]["body"]


def by_name(documents: list[tuple[str, object]]) -> dict[str, dict[str, Any]]:
    fleet = facts_from_fleet(documents)
    for vm in fleet.vms:
        validate_facts(vm.result.facts, vm.name)
    return {vm.name: vm.result.facts for vm in fleet.vms}


def rich_vm_row() -> dict[str, Any]:
    """Variant: a Resource Graph row of myVM -- the real VM model with the real instance view's computerName, osName and
    power state in properties.extended.instanceView, as `Resources | where type =~ 'microsoft.compute/virtualmachines'` gives."""
    row = body(example("VirtualMachine_Get_WithVMSizeProperties.json"))
    view = body(example("VirtualMachine_Get_InstanceView.json"))
    row["properties"]["extended"] = {
        "instanceView": {
            "computerName": view["computerName"],
            "osName": view["osName"],
            "powerState": {"code": view["statuses"][1]["code"], "displayStatus": view["statuses"][1]["displayStatus"]},
        }
    }
    return row


def test_a_resource_graph_result_gives_one_facts_document_per_vm() -> None:
    """The real ResourcesFilterQuery (three VM rows projected to id, name, type, location): three VMs, each named, nothing else known."""
    doc = example("ResourcesFilterQuery.json")
    assert is_fleet(doc)
    assert by_name([("graph.json", doc)]) == {
        "myVm1": {"name": "myVm1"},
        "myVirtualMachine": {"name": "myVirtualMachine"},
        "testVm": {"name": "testVm"},
    }


@pytest.mark.parametrize("shape", ["az graph query", "az graph query (older)", "table"])
def test_every_shape_of_a_resource_graph_answer_reads_the_same(shape: str) -> None:
    """Variants of the real ResourcesFilterQuery body as az prints it ({count, data, skip_token, total_records}), as older
    az printed it (the bare rows), and in the REST table format ({columns, rows}): the same three VMs."""
    rows = body(example("ResourcesFilterQuery.json"))["data"]
    data: object
    if shape == "az graph query":
        data = {"count": 3, "data": rows, "skip_token": None, "total_records": 3}
    elif shape == "table":
        columns = ["id", "name", "type", "location"]
        data = {"totalRecords": 3, "count": 3, "data": {"columns": [{"name": c, "type": "string"} for c in columns],
                                                         "rows": [[row[c] for c in columns] for row in rows]}}
    else:
        data = rows
    assert sorted(by_name([("graph.json", data)])) == ["myVirtualMachine", "myVm1", "testVm"]


def test_rows_of_other_types_and_missing_pages_are_said() -> None:
    """The real first page of a longer result (a disk, an automation account, a runbook; a skip token): no VM, an
    InputError that says which rows were seen."""
    with pytest.raises(InputError) as caught:
        facts_from_fleet([("page1.json", example("ResourcesFirstPageQuery.json"))])
    message = caught.value.problems[0].message
    assert "describes no VM" in message and "microsoft.automation/automationaccounts" in message


def test_a_vm_row_with_its_disks_extensions_and_jobs() -> None:
    """myVM's Resource Graph row (variant above), the real extension list under myVM, a variant of the real disk list where
    one disk is managed by myVM and one by another VM, and the real ListJobs renamed to myVM: one facts document for myVM."""
    disks = example("Disk_ListByResourceGroup.json")
    body(disks)["value"][0]["managedBy"] = MY_VM_ID
    body(disks)["value"][1]["managedBy"] = MY_VM_ID.replace("myVM", "otherVM")
    jobs = example("ListJobs.json")
    for job in body(jobs)["value"]:
        job["properties"]["entityFriendlyName"] = "myVM"
    vms = by_name(
        [
            ("vms.json", {"count": 1, "data": [rich_vm_row()], "skip_token": None, "total_records": 1}),
            ("ext.json", example("VirtualMachineExtension_List_MaximumSet_Gen.json")),
            ("disks.json", disks),
            ("jobs.json", jobs),
        ]
    )
    facts = vms["myVM"]
    assert list(vms) == ["myVM"]
    assert facts["vm"]["power_state"] == "running" and facts["vm"]["os"] == "windows"
    assert {"name": "myManagedDisk1", "size_gib": 200, "encrypted": True} in facts["vm"]["disks"]
    assert "myManagedDisk2" not in [d["name"] for d in facts["vm"]["disks"]]
    assert {"name": "extType", "state": "creating"} in facts["extensions"]
    assert facts["backup"]["job_in_progress"] is True


def test_jobs_find_their_vm_by_name_and_a_page_concludes_nothing() -> None:
    """The real VM rows and the real ListJobs (testvm, one backup InProgress) -> testVm's backup runs. Variant: that job
    Failed and the list one page of several (nextLink) -> unknown, with a note on the missing pages."""
    vms = by_name([("graph.json", example("ResourcesFilterQuery.json")), ("jobs.json", example("ListJobs.json"))])
    assert vms["testVm"]["backup"] == {"job_in_progress": True}
    assert "backup" not in vms["myVm1"]
    page = example("ListJobs.json")
    body(page)["value"][0]["properties"]["status"] = "Failed"
    body(page)["nextLink"] = "https://management.azure.com/next"
    fleet = facts_from_fleet([("graph.json", example("ResourcesFilterQuery.json")), ("jobs.json", page)])
    test_vm = next(vm for vm in fleet.vms if vm.name == "testVm")
    assert "backup" not in test_vm.result.facts
    assert any("jobs.json: one page of a longer result" in note for note in fleet.notes)


def test_a_protected_item_is_a_vm_when_no_vm_row_lists_it() -> None:
    """The real protected item list (iaasvm-1) alone, as RecoveryServicesResources answers: one VM, iaasvm-1, protected."""
    assert by_name([("items.json", example("BackupProtectedItems_List.json"))]) == {
        "iaasvm-1": {"name": "iaasvm-1", "backup": {"protection_state": "active"}}
    }


def test_vms_of_the_same_name_are_named_by_resource_id() -> None:
    """Variant: the real rows with myVm1 renamed testVm (another resource group): both are named by their resource ids."""
    doc = example("ResourcesFilterQuery.json")
    rows = body(doc)["data"]
    rows[0]["name"] = "testVm"
    rows[0]["id"] = rows[0]["id"].replace("myVm1", "testVm")
    assert set(by_name([("graph.json", doc)])) == {"myVirtualMachine", rows[0]["id"], rows[2]["id"]}


# ---------------------------------------------------------------------------
# Through the console script


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KB_ENGINE), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_from_azure_writes_json_lines_for_a_resource_graph_export(tmp_path: Path) -> None:
    """`kb-engine facts from-azure graph.json` on the real ResourcesFilterQuery: three JSON lines, a summary on stderr."""
    result = run("facts", "from-azure", AZURE / "ResourcesFilterQuery.json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line) for line in lines] == [{"name": "myVm1"}, {"name": "myVirtualMachine"}, {"name": "testVm"}]
    assert "3 VMs from 1 file" in result.stderr


def run_in(folder: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KB_ENGINE), *map(str, args)], capture_output=True, text=True, timeout=120, cwd=folder)


@pytest.mark.parametrize("shape", ["REST answer", "az graph query"])
def test_from_a_resource_graph_export_to_a_fleet_summary_in_two_commands(shape: str, tmp_path: Path) -> None:
    """The README's walkthrough, through the console script: `az graph query ... > fleet.json` (the real
    ResourcesFilterQuery answer as it is, and its rows as `az graph query` prints them), then `facts from-azure` and
    `diagnose`: a row per VM in input order, the fleet summary on stderr and as JSON, exit 5 (nothing known but names)."""
    answer = example("ResourcesFilterQuery.json")
    if shape == "az graph query":
        rows = body(answer)["data"]
        answer = {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}
    (tmp_path / "fleet.json").write_text(json.dumps(answer, indent=2), encoding="utf-8")

    facts = run_in(tmp_path, "facts", "from-azure", "fleet.json", "-o", "fleet.jsonl")
    assert facts.returncode == 0, facts.stderr
    assert facts.stdout == "" and "3 VMs from 1 file" in facts.stderr

    diagnosis = run_in(tmp_path, "diagnose", "fleet.jsonl", "--format", "rows", "-o", "rows.jsonl", "--summary", "summary.json")
    assert diagnosis.returncode == 5, diagnosis.stderr
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(row["line"], row["vm"], row["verdict"]) for row in rows] == [
        (1, "myVm1", "incomplete"), (2, "myVirtualMachine", "incomplete"), (3, "testVm", "incomplete"),
    ]
    # The article's first check (is the VM running?), then the OS, which decides most.
    assert all(row["unknown"][:2] == ["vm.power_state", "vm.os"] for row in rows)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["vms"] == 3 and summary["bad_records"] == 0 and summary["exit_code"] == 5
    assert summary["verdicts"] == [{"verdict": "incomplete", "vms": 3}]
    assert {"fact": "vm.os", "vms": 3} in summary["unknown_facts"]
    headline, *sections = diagnosis.stderr.splitlines()
    assert headline.startswith("kb-engine: 3 VMs diagnosed in ")
    assert "  verdicts: incomplete 3" in sections


def test_a_fleet_summary_counts_what_a_job_list_adds(tmp_path: Path) -> None:
    """The real ResourcesFilterQuery answer and the real ListJobs (testvm's backup InProgress), unmodified: testVm has a
    backup running (cause J), the summary counts it, and `diagnose` exits 1."""
    facts = run_in(tmp_path, "facts", "from-azure", AZURE / "ResourcesFilterQuery.json", AZURE / "ListJobs.json", "-o", "fleet.jsonl")
    assert facts.returncode == 0, facts.stderr
    diagnosis = run_in(tmp_path, "diagnose", "fleet.jsonl", "--format", "csv", "-o", "rows.csv", "--summary", "summary.md")
    assert diagnosis.returncode == 1, diagnosis.stderr
    assert "  confirmed causes: backup_in_progress (J) 1" in diagnosis.stderr.splitlines()
    markdown = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "| backup\\_in\\_progress (J) | 1 |" in markdown and "| UserErrorBackupOperationInProgress | 1 |" in markdown
    csv_lines = (tmp_path / "rows.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[3].startswith("fleet.jsonl,3,testVm,2025-11,problems,,false,backup_in_progress (J),UserErrorBackupOperationInProgress,")


def test_a_list_of_several_vms_needs_fleet(tmp_path: Path) -> None:
    """Variant: two copies of the real VM model (myVM, and one renamed yourVM) as `az vm list` prints them: refused without
    --fleet (the message names it), two JSON lines with it; YAML cannot hold a fleet."""
    vm = body(example("VirtualMachine_Get_WithVMSizeProperties.json"))
    other = copy.deepcopy(vm) | {"name": "yourVM", "id": MY_VM_ID.replace("myVM", "yourVM")}
    listing = tmp_path / "vms.json"
    listing.write_text(json.dumps([vm, other]), encoding="utf-8")
    refused = run("facts", "from-azure", listing)
    assert refused.returncode == 2 and "--fleet" in refused.stderr
    fleet = run("facts", "from-azure", "--fleet", listing)
    assert fleet.returncode == 0, fleet.stderr
    assert [json.loads(line)["name"] for line in fleet.stdout.splitlines()] == ["myVM", "yourVM"]
    yaml_fleet = run("facts", "from-azure", "--fleet", "--format", "yaml", listing)
    assert yaml_fleet.returncode == 2 and "JSON Lines" in yaml_fleet.stderr


fleet_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    | st.sampled_from(["microsoft.compute/virtualmachines", "Microsoft.Compute/disks", "PowerState/running", "ubuntu",
                       "AzureIaaSVMJob", "Backup", "InProgress", MY_VM_ID, MY_VM_ID + "/extensions/x"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["data", "count", "total_records", "skip_token", "$skipToken", "columns", "rows", "id", "name", "type",
                         "properties", "extended", "instanceView", "powerState", "code", "osName", "managedBy", "jobType",
                         "entityFriendlyName", "status", "operation", "value", "friendlyName", "sourceResourceId"]),
        children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fleet_values)
def test_any_json_value_gives_valid_facts_per_vm_or_an_input_error(value: object) -> None:
    """Any JSON value read as a fleet gives facts that validate for every VM, each named, or an InputError."""
    try:
        fleet = facts_from_fleet([("doc.json", value)])
    except InputError:
        return
    for vm in fleet.vms:
        assert validate_facts(vm.result.facts, vm.name).name == vm.name


def test_a_protected_item_joins_its_vm_row_by_id_or_by_name() -> None:
    """The real protected item (iaasvm-1, sourceResourceId under resourceGroups/providers/...) with a VM row of that id, and
    with a VM row that gives the name only: one VM either way."""
    item_id = body(example("Compute_ProtectedItem_Get.json"))["properties"]["sourceResourceId"]
    with_id = {"count": 1, "data": [{"id": item_id, "name": "iaasvm-1", "type": "microsoft.compute/virtualmachines"}]}
    name_only = {"count": 1, "data": [{"name": "iaasvm-1", "type": "microsoft.compute/virtualmachines"}]}
    for rows in (with_id, name_only):
        assert list(by_name([("vms.json", rows), ("item.json", example("Compute_ProtectedItem_Get.json"))])) == ["iaasvm-1"]
