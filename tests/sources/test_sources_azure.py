"""Facts from Azure documents: the real REST examples in tests/data/realdata, unmodified, and variants of them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_engine.errors import InputError
from kb_engine.facts.azure import KINDS, facts_from_azure
from kb_engine.facts.load import validate_facts

AZURE = Path(__file__).resolve().parents[1] / "data" / "realdata" / "azure-rest-api-specs"


def example(name: str) -> Any:
    """A real REST example file, parsed (a fresh copy each time, so tests may change it)."""
    return json.loads((AZURE / name).read_text(encoding="utf-8"))


MY_VM_ID = "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/virtualMachines/myVM"
"""The id of the VM in the real VirtualMachine_Get_WithVMSizeProperties.json."""


def body(doc: Any) -> Any:
    return doc["responses"]["200"]["body"]


def facts_of(*docs: tuple[str, object]) -> dict[str, Any]:
    result = facts_from_azure(list(docs))
    validate_facts(result.facts, "test")
    return result.facts


# ---------------------------------------------------------------------------
# VM instance view


def test_instance_view_gives_agent_version_status_and_vm_states() -> None:
    """The real instance view: agent 2.7.41491.949 Ready, VM running and provisioned, Windows."""
    facts = facts_of(("iv.json", example("VirtualMachine_Get_InstanceView.json")))
    assert facts["agent"] == {"version": "2.7.41491.949", "status": "ready", "installed": True}
    assert facts["vm"]["power_state"] == "running"
    assert facts["vm"]["provisioning_state"] == "succeeded"
    assert facts["vm"]["os"] == "windows"


def test_instance_view_gives_extension_names_and_states() -> None:
    """The real instance view's IaaSAntimalware extension is named by its type's last segment, succeeded."""
    facts = facts_of(("iv.json", example("VirtualMachine_Get_InstanceView.json")))
    assert facts["extensions"] == [{"name": "IaaSAntimalware", "state": "succeeded"}]
    assert [d["name"] for d in facts["vm"]["disks"]] == ["myOsDisk", "myDataDisk0"]


def test_unresponsive_agent_is_not_ready_and_unknown_version_is_unknown() -> None:
    """Variant: vmAgent status set to ProvisioningState/Unavailable, Not Ready, 'VM Agent is unresponsive.', version 'Unknown'."""
    doc = example("VirtualMachine_Get_InstanceView.json")
    agent = body(doc)["vmAgent"]
    agent["vmAgentVersion"] = "Unknown"
    agent["statuses"][0].update(
        code="ProvisioningState/Unavailable", level="Warning", displayStatus="Not Ready", message="VM Agent is unresponsive."
    )
    facts = facts_of(("iv.json", doc))
    assert facts["agent"] == {"status": "not_ready"}


def test_failed_backup_extension_in_instance_view() -> None:
    """Variant: a VMSnapshot extension added to extensions[] and extensionHandlers[] with ProvisioningState/failed/<code>."""
    doc = example("VirtualMachine_Get_InstanceView.json")
    view = body(doc)
    view["extensions"].append(
        {
            "name": "VMSnapshot",
            "type": "Microsoft.Azure.RecoveryServices.VMSnapshot",
            "statuses": [{"code": "ProvisioningState/failed/1", "level": "Error", "displayStatus": "Provisioning failed"}],
        }
    )
    view["vmAgent"]["extensionHandlers"].append(
        {"type": "Microsoft.Azure.RecoveryServices.VMSnapshot", "status": {"code": "ProvisioningState/succeeded"}}
    )
    facts = facts_of(("iv.json", doc))
    assert {"name": "VMSnapshot", "state": "failed"} in facts["extensions"]


def test_handler_only_extension_is_listed_with_the_handler_state() -> None:
    """Variant: a VMSnapshotLinux handler with ProvisioningState/transitioning and no extensions[] entry."""
    doc = example("VirtualMachine_Get_InstanceView.json")
    body(doc)["vmAgent"]["extensionHandlers"].append(
        {"type": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "status": {"code": "ProvisioningState/transitioning"}}
    )
    facts = facts_of(("iv.json", doc))
    assert {"name": "VMSnapshotLinux", "state": "transitioning"} in facts["extensions"]


def test_minimal_instance_view_leaves_extensions_unknown() -> None:
    """The real minimal instance view (no extensionHandlers, no extensions key) says nothing about extensions."""
    facts = facts_of(("iv.json", example("VirtualMachine_Get_InstanceViewAutoPlacedOnDedicatedHostGroup.json")))
    assert "extensions" not in facts
    assert facts["agent"]["version"] == "2.7.41491.949"


def test_deallocated_vm_with_stale_ready_agent_leaves_both_unknown() -> None:
    """Variant: PowerState/deallocated while the agent still shows Ready; the model forbids both, so both become unknown."""
    doc = example("VirtualMachine_Get_InstanceView.json")
    body(doc)["statuses"][1]["code"] = "PowerState/deallocated"
    result = facts_from_azure([("iv.json", doc)])
    validate_facts(result.facts, "test")
    assert {c.fact for c in result.conflicts} == {"vm.power_state", "agent.status"}
    assert "power_state" not in result.facts["vm"]


@pytest.mark.parametrize(
    ("os_name", "os", "distro"),
    [("ubuntu", "linux", "ubuntu"), ("centos", "linux", "centos"), ("redhat", "linux", "rhel"), ("debian", "linux", "debian"),
     ("Windows Server 2016 Datacenter", "windows", None)],
)
def test_os_name_gives_the_os_and_the_distribution(os_name: str, os: str, distro: str | None) -> None:
    """Variant: the real instance view's osName replaced by what the Linux agent reports (its distribution) or Windows'
    product name -> vm.os, and vm.distro as /etc/os-release spells it (redhat -> rhel)."""
    doc = example("VirtualMachine_Get_InstanceView.json")
    body(doc)["osName"] = os_name
    vm = facts_of(("iv.json", doc))["vm"]
    assert vm["os"] == os
    assert vm.get("distro") == distro


def test_a_ready_agent_is_installed_even_without_a_readable_version() -> None:
    """Variant: the real instance view's vmAgentVersion set to 'Unknown' while the agent reports Ready -> installed, version unknown."""
    doc = example("VirtualMachine_Get_InstanceView.json")
    body(doc)["vmAgent"]["vmAgentVersion"] = "Unknown"
    assert facts_of(("iv.json", doc))["agent"] == {"status": "ready", "installed": True}


@pytest.mark.parametrize(("reported", "version"), [("WALinuxAgent-2.0.16", "2.0.16"), ("WALinuxAgent-2.2.45", "2.2.45"), ("2.7.41491.1102", "2.7.41491.1102")])
def test_the_agent_version_as_older_linux_agents_report_it(reported: str, version: str) -> None:
    """Variant: the real instance view's vmAgentVersion as an older Linux agent reports it ('WALinuxAgent-2.0.16') gives
    the version and an installed agent, with a note that it was read."""
    doc = example("VirtualMachine_Get_InstanceView.json")
    body(doc)["vmAgent"]["vmAgentVersion"] = reported
    merged = facts_from_azure([("iv.json", doc)])
    assert merged.facts["agent"]["version"] == version and merged.facts["agent"]["installed"] is True
    assert any(f"read as {version}" in note for note in merged.notes) is (reported != version)


# ---------------------------------------------------------------------------
# VM extensions (az vm extension list / show)


def test_extension_list_gives_each_extension_and_its_state() -> None:
    """The real VirtualMachineExtension_List: extension extType, provisioningState Creating (its instance view's status
    codes are placeholders, so the provisioning state is the one read)."""
    assert facts_of(("ext.json", example("VirtualMachineExtension_List_MaximumSet_Gen.json"))) == {
        "extensions": [{"name": "extType", "state": "creating"}]
    }


def test_backup_extension_state_from_az_vm_extension_show() -> None:
    """Variant: the az CLI shape of `az vm extension show` -- the real extension with properties flattened (its own type as
    typePropertiesType) -- made the Linux backup extension, Failed -> extensions[VMSnapshotLinux] failed."""
    ext = body(example("VirtualMachineExtension_List_MaximumSet_Gen.json"))["value"][0]
    props = ext.pop("properties")
    props.pop("instanceView")
    az_output = ext | props | {"typePropertiesType": props.pop("type"), "name": "VMSnapshotLinux"}
    az_output.update(typePropertiesType="VMSnapshotLinux", publisher="Microsoft.Azure.RecoveryServices", provisioningState="Failed")
    assert facts_of(("ext.json", az_output))["extensions"] == [{"name": "VMSnapshotLinux", "state": "failed"}]


def test_an_extension_body_without_type_is_recognised_by_its_id() -> None:
    """The real VirtualMachineExtension_Get_MinimumSet (only location and an id under /virtualMachines/myVM/extensions/):
    recognised, it names no extension type, so it gives no facts -- and it is not refused."""
    assert facts_of(("ext.json", example("VirtualMachineExtension_Get_MinimumSet_Gen.json"))) == {}


def test_extensions_of_another_vm_are_refused_with_the_vm_model() -> None:
    """The real extension list is under VM myVM of myResourceGroup; with the real VM model of that VM it merges, with
    a variant VM model renamed otherVM it is refused."""
    vm = example("VirtualMachine_Get_WithVMSizeProperties.json")
    facts = facts_of(("vm.json", vm), ("ext.json", example("VirtualMachineExtension_List_MaximumSet_Gen.json")))
    assert {"name": "extType", "state": "creating"} in facts["extensions"]
    body(vm)["id"] = MY_VM_ID.replace("myVM", "otherVM")
    body(vm)["name"] = "otherVM"
    with pytest.raises(InputError, match="describes another VM"):
        facts_from_azure([("vm.json", vm), ("ext.json", example("VirtualMachineExtension_List_MaximumSet_Gen.json"))])


# ---------------------------------------------------------------------------
# VM model


def test_vm_model_gives_disks_os_and_extensions() -> None:
    """The real VM model: disks 30/30/100 GiB (first is the OS disk), Windows, CustomScriptExtension succeeded."""
    facts = facts_of(("vm.json", example("VirtualMachine_Get_WithVMSizeProperties.json")))
    assert facts["vm"]["disks"] == [
        {"name": "myOsDisk", "size_gib": 30, "os_disk": True},
        {"name": "myDataDisk0", "size_gib": 30, "os_disk": False},
        {"name": "myDataDisk1", "size_gib": 100, "os_disk": False},
    ]
    assert facts["vm"]["os"] == "windows"
    assert facts["vm"]["provisioning_state"] == "succeeded"
    assert facts["extensions"] == [{"name": "CustomScriptExtension", "state": "succeeded"}]
    assert facts["name"] == "myVM"


def test_az_vm_get_instance_view_output_gives_model_and_view_facts() -> None:
    """Variant: the az CLI shape -- the real VM model with properties flattened and the real instance view nested as instanceView."""
    model = body(example("VirtualMachine_Get_WithVMSizeProperties.json"))
    az_output = {k: v for k, v in model.items() if k != "properties"} | model["properties"]
    az_output["instanceView"] = body(example("VirtualMachine_Get_InstanceView.json"))
    facts = facts_of(("az.json", az_output))
    assert facts["agent"]["version"] == "2.7.41491.949"
    assert facts["vm"]["power_state"] == "running"
    assert {"name": "myOsDisk", "size_gib": 30, "os_disk": True} in facts["vm"]["disks"]
    assert {e["name"] for e in facts["extensions"]} == {"CustomScriptExtension", "IaaSAntimalware"}


def test_linux_vm_model_os_from_linux_configuration() -> None:
    """Variant: osType removed and windowsConfiguration replaced by linuxConfiguration -> vm.os linux."""
    doc = example("VirtualMachine_Get_WithVMSizeProperties.json")
    props = body(doc)["properties"]
    del props["storageProfile"]["osDisk"]["osType"]
    props["osProfile"]["linuxConfiguration"] = props["osProfile"].pop("windowsConfiguration")
    assert facts_of(("vm.json", doc))["vm"]["os"] == "linux"


def test_ade_os_disk_in_vm_model_marks_the_vm_encrypted() -> None:
    """Variant: osDisk.encryptionSettings.enabled set to true (ADE) -> the OS disk and the VM are encrypted."""
    doc = example("VirtualMachine_Get_WithVMSizeProperties.json")
    body(doc)["properties"]["storageProfile"]["osDisk"]["encryptionSettings"] = {"enabled": True}
    facts = facts_of(("vm.json", doc))
    assert facts["vm"]["encrypted"] is True
    assert facts["vm"]["disks"][0]["encrypted"] is True


# ---------------------------------------------------------------------------
# Managed disks


def test_disk_get_gives_size_and_ade_flag() -> None:
    """The real Disk_Get: 10 GiB, ADE enabled (encryptionSettingsCollection.enabled) -> the VM is encrypted."""
    facts = facts_of(("disk.json", example("Disk_Get.json")))
    assert facts["vm"]["disks"] == [{"name": "myManagedDisk", "size_gib": 10, "encrypted": True}]
    assert facts["vm"]["encrypted"] is True


def test_a_disk_list_that_names_no_vm_gives_no_disks() -> None:
    """The real Disk_ListByResourceGroup has no managedBy: nothing ties its disks to a VM, so none is taken (a note says so)."""
    result = facts_from_azure([("disks.json", example("Disk_ListByResourceGroup.json"))])
    assert result.facts == {}
    assert any("3 disks (myManagedDisk1, myManagedDisk2, myManagedDisk3) not shown attached" in note for note in result.notes)


def test_disk_list_of_one_vm_gives_each_disks_size_and_ade_flag() -> None:
    """Variant: every disk of Disk_ListByResourceGroup gets managedBy myVM -> 200 GiB ADE, 10 GiB not ADE, 200 GiB ADE."""
    disks = example("Disk_ListByResourceGroup.json")
    for item in body(disks)["value"]:
        item["managedBy"] = MY_VM_ID
    facts = facts_of(("disks.json", disks))
    assert [(d["name"], d["size_gib"], d["encrypted"]) for d in facts["vm"]["disks"]] == [
        ("myManagedDisk1", 200, True),
        ("myManagedDisk2", 10, False),
        ("myManagedDisk3", 200, True),
    ]


def test_a_disk_body_without_type_is_recognised_by_its_id() -> None:
    """Variant: the real Disk_Get without its type and with diskSizeGB removed -> still a disk (its id is under /disks/)."""
    doc = example("Disk_Get.json")
    del body(doc)["type"]
    del body(doc)["properties"]["diskSizeGB"]
    assert facts_of(("disk.json", doc))["vm"]["disks"] == [{"name": "myManagedDisk", "encrypted": True}]


def test_server_side_encryption_is_not_ade() -> None:
    """Variant: encryptionSettingsCollection removed from Disk_Get; encryption.type EncryptionAtRestWithPlatformKey stays -> not ADE."""
    doc = example("Disk_Get.json")
    del body(doc)["properties"]["encryptionSettingsCollection"]
    facts = facts_of(("disk.json", doc))
    assert facts["vm"]["disks"][0]["encrypted"] is False
    assert "encrypted" not in facts["vm"]


def test_disks_of_another_vm_are_skipped() -> None:
    """Variant: the listed disks get managedBy of other VMs, but one is managed by myVM; only that one is the VM's."""
    disks = example("Disk_ListByResourceGroup.json")
    for index, item in enumerate(body(disks)["value"]):
        item["managedBy"] = MY_VM_ID if index == 1 else MY_VM_ID.replace("myVM", "otherVM")
    result = facts_from_azure([("vm.json", example("VirtualMachine_Get_WithVMSizeProperties.json")), ("disks.json", disks)])
    assert {"name": "myManagedDisk2", "size_gib": 10, "encrypted": False} in result.facts["vm"]["disks"]
    assert not any(d["name"] in {"myManagedDisk1", "myManagedDisk3"} for d in result.facts["vm"]["disks"])
    assert "encrypted" not in result.facts["vm"]
    assert any("myManagedDisk1" in note for note in result.notes)


def test_disk_managed_by_another_vm_is_skipped_even_alone() -> None:
    """The real Disk_Get is managed by TestVM414689371c88843d65ec: given with the real VM model (myVM), it is skipped."""
    result = facts_from_azure([("vm.json", example("VirtualMachine_Get_WithVMSizeProperties.json")), ("disk.json", example("Disk_Get.json"))])
    assert "myManagedDisk" not in [d["name"] for d in result.facts["vm"]["disks"]]
    assert any("VM myVM" in note for note in result.notes)


def test_disk_and_vm_model_merge_by_disk_name() -> None:
    """Variant: Disk_Get renamed myOsDisk, 30 GiB, managedBy myVM -> one OS disk with size, os_disk and ADE from both documents."""
    disk = example("Disk_Get.json")
    body(disk)["name"] = "myOsDisk"
    body(disk)["managedBy"] = MY_VM_ID
    body(disk)["properties"]["diskSizeGB"] = 30
    result = facts_from_azure([("vm.json", example("VirtualMachine_Get_WithVMSizeProperties.json")), ("disk.json", disk)])
    assert result.facts["vm"]["disks"][0] == {"name": "myOsDisk", "size_gib": 30, "os_disk": True, "encrypted": True}
    assert result.provenance["vm.disks[myOsDisk].size_gib"] == ["vm.json", "disk.json"]
    assert result.provenance["vm.disks[myOsDisk].encrypted"] == ["disk.json"]


# ---------------------------------------------------------------------------
# Locks


def test_real_lock_list_on_another_group_says_nothing_about_the_backup_group() -> None:
    """The real lock lists lock 'resourcegroupname', not an AzureBackupRG group: the restore point group stays unknown."""
    for name in ("ManagementLocks_ListAtResourceGroupLevel.json", "ManagementLocks_ListAtSubscriptionLevel.json"):
        assert facts_of((name, example(name))) == {}


def test_lock_on_the_backup_group_gives_its_level() -> None:
    """Variant: the real lock's id moved to resource group AzureBackupRG_westus_1 -> locked, testlock, ReadOnly."""
    doc = example("ManagementLocks_ListAtResourceGroupLevel.json")
    body(doc)["value"][0]["id"] = "/subscriptions/s/resourceGroups/AzureBackupRG_westus_1/providers/Microsoft.Authorization/locks/testlock"
    facts = facts_of(("locks.json", doc))
    assert facts["backup"]["restore_point_group"] == {
        "name": "AzureBackupRG_westus_1",
        "locked": True,
        "lock_name": "testlock",
        "lock_level": "readonly",
    }


def test_subscription_lock_is_inherited_by_the_group() -> None:
    """Variant: the real lock's id at subscription scope -> the group is locked, its name unknown."""
    doc = example("ManagementLocks_ListAtSubscriptionLevel.json")
    body(doc)["value"][0]["id"] = "/subscriptions/subscriptionId/providers/Microsoft.Authorization/locks/testlock"
    group = facts_of(("locks.json", doc))["backup"]["restore_point_group"]
    assert group == {"locked": True, "lock_name": "testlock", "lock_level": "readonly"}


def test_az_lock_list_shape_with_level_at_top_level() -> None:
    """Variant: the az CLI shape -- a bare list, level CanNotDelete beside id (no properties), lowercase group name."""
    lock = body(example("ManagementLocks_CreateOrUpdateAtResourceGroupLevel.json"))
    az_lock = {
        "id": "/subscriptions/s/resourceGroups/azurebackuprg_westeurope_1/providers/Microsoft.Authorization/locks/keep",
        "level": "CanNotDelete",
        "name": "keep",
        "type": lock["type"],
    }
    group = facts_of(("locks.json", [az_lock]))["backup"]["restore_point_group"]
    assert group == {"name": "AzureBackupRG_westeurope_1", "locked": True, "lock_name": "keep", "lock_level": "cannotdelete"}


def test_empty_lock_list_at_the_groups_level_means_unlocked() -> None:
    """Variant: the real RG-level list emptied, requested for AzureBackupRG_westus_1, operationId naming the RG-level list."""
    doc = example("ManagementLocks_ListAtResourceGroupLevel.json")
    body(doc)["value"] = []
    doc["parameters"]["resourceGroupName"] = "AzureBackupRG_westus_1"
    doc["operationId"] = "ManagementLocks_ListAtResourceGroupLevel"
    assert facts_of(("locks.json", doc))["backup"]["restore_point_group"] == {"name": "AzureBackupRG_westus_1", "locked": False}


def test_bare_empty_list_concludes_nothing() -> None:
    """An empty az lock list output ([]) cannot say what it lists: nothing is concluded, a note says so."""
    result = facts_from_azure([("locks.json", [])])
    assert result.facts == {}
    assert any("empty list" in note for note in result.notes)


# ---------------------------------------------------------------------------
# Backup jobs and protected items


def test_job_in_progress_from_job_details_and_job_list() -> None:
    """The real GetJobDetails and ListJobs hold an InProgress Backup of testvm -> job_in_progress true."""
    for name in ("GetJobDetails.json", "ListJobs.json"):
        assert facts_of((name, example(name)))["backup"] == {"job_in_progress": True}


def test_complete_job_list_without_running_backup_means_no_job_in_progress() -> None:
    """Variant: the ListJobs InProgress backup set to Failed -> a complete list of the VM's jobs (Failed, Completed), none running -> false."""
    doc = example("ListJobs.json")
    body(doc)["value"][0]["properties"]["status"] = "Failed"
    assert facts_of(("jobs.json", doc))["backup"] == {"job_in_progress": False}


def test_a_list_whose_jobs_all_share_one_status_concludes_nothing() -> None:
    """Variant: the ListJobs InProgress backup set to Completed -> every job Completed, as `--status Completed` prints -> unknown."""
    doc = example("ListJobs.json")
    body(doc)["value"][0]["properties"]["status"] = "Completed"
    result = facts_from_azure([("jobs.json", doc)])
    assert "backup" not in result.facts
    assert any("every job in the list is Completed" in note and "unknown" in note for note in result.notes)


def test_a_list_filtered_by_status_concludes_only_what_it_can_show() -> None:
    """The real ListJobsWithAllSupportedFilters (status eq 'InProgress'): testvm's backup runs -> true. Variant: filter
    status eq 'Completed' and the job Completed -> unknown (the filter hides running jobs)."""
    assert facts_of(("f.json", example("ListJobsWithAllSupportedFilters.json")))["backup"] == {"job_in_progress": True}
    doc = example("ListJobsWithAllSupportedFilters.json")
    doc["parameters"]["$filter"] = doc["parameters"]["$filter"].replace("'InProgress'", "'Completed'")
    body(doc)["value"][0]["properties"]["status"] = "Completed"
    result = facts_from_azure([("f.json", doc)])
    assert "backup" not in result.facts
    assert any("filtered by status Completed" in note for note in result.notes)


def test_a_list_of_other_kinds_of_job_concludes_nothing() -> None:
    """Variant: ListJobs keeps only testvm's ConfigureBackup job, its operation set to CrossRegionRestore -> unknown, a note."""
    doc = example("ListJobs.json")
    body(doc)["value"] = body(doc)["value"][1:]
    body(doc)["value"][0]["properties"]["operation"] = "CrossRegionRestore"
    body(doc)["value"].append(copy.deepcopy(body(doc)["value"][0]) | {"name": "other"})
    body(doc)["value"][1]["properties"] = body(doc)["value"][1]["properties"] | {"status": "Failed"}
    result = facts_from_azure([("jobs.json", doc)])
    assert "backup" not in result.facts
    assert any("no Backup job of the VM" in note for note in result.notes)


def test_one_page_of_jobs_or_one_finished_job_concludes_nothing() -> None:
    """Variants: the list with a nextLink (one page of several), and GetJobDetails set to Completed -> unknown."""
    page = example("ListJobs.json")
    body(page)["value"][0]["properties"]["status"] = "Completed"
    body(page)["nextLink"] = "https://management.azure.com/next"
    single = example("GetJobDetails.json")
    body(single)["properties"]["status"] = "Completed"
    assert facts_of(("page.json", page)) == {}
    assert facts_of(("job.json", single)) == {}


def test_failed_job_with_integer_code_does_not_invent_an_error_code() -> None:
    """Variant: GetJobDetails Failed with errorDetails errorCode 400001 (an integer, as REST gives) -> no observed_error."""
    doc = example("GetJobDetails.json")
    props = body(doc)["properties"]
    props.update(status="Failed", errorDetails=[{"errorCode": 400001, "errorString": "The VM agent is unresponsive."}])
    result = facts_from_azure([("job.json", doc)])
    assert "observed_error" not in result.facts
    assert any("string error code" in note for note in result.notes)


def test_failed_job_with_a_known_string_code_sets_the_observed_error() -> None:
    """Variant: GetJobDetails Failed with errorCode 'UserErrorGuestAgentStatusUnavailable' -> observed_error."""
    doc = example("GetJobDetails.json")
    body(doc)["properties"].update(status="Failed", errorDetails=[{"errorCode": "UserErrorGuestAgentStatusUnavailable"}])
    assert facts_of(("job.json", doc))["observed_error"] == "UserErrorGuestAgentStatusUnavailable"


def test_jobs_of_another_vm_are_ignored() -> None:
    """The real ListJobs (testvm) with the real VM model (myVM): the jobs are not this VM's -> job_in_progress unknown."""
    facts = facts_of(("vm.json", example("VirtualMachine_Get_WithVMSizeProperties.json")), ("jobs.json", example("ListJobs.json")))
    assert "backup" not in facts


def test_protected_item_names_the_vm_its_protection_and_policy_type() -> None:
    """The real protected items name the VM iaasvm-1 and say it is protected (protectionState Protected); the
    ARM item's policyType V2 is the Enhanced policy, the classic list item says no policy type."""
    assert facts_of(("item.json", example("Compute_ProtectedItem_Get.json"))) == {
        "name": "iaasvm-1",
        "backup": {"protection_state": "active", "policy_type": "enhanced"},
    }
    assert facts_of(("items.json", example("BackupProtectedItems_List.json"))) == {
        "name": "iaasvm-1",
        "backup": {"protection_state": "active"},
    }


@pytest.mark.parametrize(
    ("state", "fact"),
    [("ProtectionStopped", "stopped"), ("ProtectionPaused", "paused"), ("IRPending", "active"), ("Invalid", None)],
)
def test_protection_state_of_a_protected_item(state: str, fact: str | None) -> None:
    """Variant: the real protected item's protectionState changed: stopped and paused protection are told apart from
    active protection; a state that says neither (Invalid) leaves the fact unknown."""
    item = example("Compute_ProtectedItem_Get.json")
    body(item)["properties"]["protectionState"] = state
    backup = facts_of(("item.json", item))["backup"]
    assert backup.get("protection_state") == fact


@pytest.mark.parametrize(
    ("name", "backup"),
    [
        ("ProtectionPolicies_Get.json", {"policy_type": "standard", "schedule_interval_hours": 24, "snapshot_consistency": "default"}),
        ("v2-Get-Policy.json", {"policy_type": "enhanced", "schedule_interval_hours": 24, "snapshot_consistency": "only_crash_consistent"}),
        ("IaaS_v2_hourly.json", {"policy_type": "enhanced", "schedule_interval_hours": 4, "snapshot_consistency": "only_crash_consistent"}),
    ],
)
def test_backup_policy_gives_type_interval_and_consistency(name: str, backup: dict[str, Any]) -> None:
    """The real policies: the Standard daily policy (SimpleSchedulePolicy, no consistency type: the default), the
    Enhanced daily and every-4-hours policies, both agentless (OnlyCrashConsistent)."""
    assert facts_of((name, example(name))) == {"backup": backup}


def test_a_policy_that_is_not_the_protected_items_is_set_aside() -> None:
    """The real protected item names policy testPolicy1; the real Enhanced policy v2-daily-sample is another
    policy: it gives no facts, and a note says so."""
    result = facts_from_azure([("item.json", example("Compute_ProtectedItem_Get.json")), ("policy.json", example("v2-Get-Policy.json"))])
    assert result.facts == {"name": "iaasvm-1", "backup": {"protection_state": "active", "policy_type": "enhanced"}}
    assert any("not the protected item's policy" in note for note in result.notes)


def test_documents_about_different_vms_are_refused() -> None:
    """The real VM model (myVM) and protected item (iaasvm-1) describe different VMs: refused, naming both files and both ids."""
    with pytest.raises(InputError) as caught:
        facts_from_azure([("vm.json", example("VirtualMachine_Get_WithVMSizeProperties.json")), ("item.json", example("Compute_ProtectedItem_Get.json"))])
    (problem,) = caught.value.problems
    assert problem.source == "item.json"
    assert "describes another VM than vm.json" in problem.message
    assert "virtualMachines/myVM" in problem.message and "virtualMachines/iaasvm-1" in problem.message


def test_an_instance_view_of_another_computer_is_refused() -> None:
    """Variant: the real instance view's computerName set to otherComputer, with the real VM model (computerName myVM) -> refused."""
    view = example("VirtualMachine_Get_InstanceView.json")
    body(view)["computerName"] = "otherComputer"
    with pytest.raises(InputError) as caught:
        facts_from_azure([("vm.json", example("VirtualMachine_Get_WithVMSizeProperties.json")), ("iv.json", view)])
    assert "computer name myVM and otherComputer" in caught.value.problems[0].message


# ---------------------------------------------------------------------------
# Documents kb-engine does not understand


@pytest.mark.parametrize("name", ["NetworkSecurityGroupGet.json", "RestorePointCollection_Get.json", "getVault.json"])
def test_unknown_document_kind_names_the_file_and_the_kinds_understood(name: str) -> None:
    """A real document of a kind kb-engine does not read is an InputError naming the file and listing the kinds."""
    with pytest.raises(InputError) as caught:
        facts_from_azure([("ok.json", example("Disk_Get.json")), (name, example(name))])
    (problem,) = caught.value.problems
    assert problem.source == name
    assert problem.allowed is not None and all(kind in problem.allowed for kind in KINDS.values())


def test_list_of_two_vms_is_refused() -> None:
    """Variant: two copies of the real VM model in one list -> InputError (which VM to diagnose?)."""
    vm = body(example("VirtualMachine_Get_WithVMSizeProperties.json"))
    with pytest.raises(InputError, match="2 VMs"):
        facts_from_azure([("vms.json", [vm, copy.deepcopy(vm)])])


# ---------------------------------------------------------------------------
# Any input: a result or an InputError, and the result validates

_REAL = [
    "VirtualMachine_Get_InstanceView.json",
    "VirtualMachine_Get_WithVMSizeProperties.json",
    "Disk_ListByResourceGroup.json",
    "ManagementLocks_ListAtSubscriptionLevel.json",
    "ListJobs.json",
    "Compute_ProtectedItem_Get.json",
    "IaaS_v2_hourly.json",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["Ready", "Not Ready", "Unknown", "ProvisioningState/failed", "PowerState/stopped", "AzureIaaSVMJob",
                       "InProgress", "Backup", "Microsoft.Compute/disks", "2.2.53", "/subscriptions/s/providers/Microsoft.Authorization/locks/x"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "id", "name", "properties", "value", "vmAgent", "statuses", "code", "displayStatus",
                         "vmAgentVersion", "extensions", "extensionHandlers", "diskSizeGB", "storageProfile", "osDisk",
                         "jobType", "status", "operation", "entityFriendlyName", "level", "responses", "parameters", "200",
                         "body", "encryptionSettingsCollection", "enabled", "disks", "resources", "managedBy", "x"]),
        children, max_size=5),
    max_leaves=25,
)


def _check(documents: list[tuple[str, object]]) -> None:
    try:
        result = facts_from_azure(documents)
    except InputError:
        return
    validate_facts(result.facts, "property")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_gives_facts_or_an_input_error(value: object) -> None:
    """Any JSON value either gives facts that validate or raises InputError, never another exception."""
    _check([("doc.json", value)])


def _paths(node: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_REAL), st.data())
def test_real_documents_with_one_part_replaced_give_facts_or_an_input_error(name: str, data: st.DataObject) -> None:
    """A real document with any one value replaced by any JSON value gives valid facts or an InputError."""
    doc = example(name)
    path = data.draw(st.sampled_from(_paths(doc)[1:]))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = data.draw(json_values)
    _check([(name, doc), ("iv.json", example("VirtualMachine_Get_InstanceView.json"))])
