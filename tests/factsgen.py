"""Generators of valid VM facts documents, for property tests and benchmarks.

Two generators share one description of the facts (the value pools and the
rules that keep a document free of contradictions):

* :func:`facts_documents`: a hypothesis strategy; it shrinks towards unknown facts;
* :func:`random_facts`: plain ``random``, deterministic by seed, no hypothesis needed.

Every fact is either absent, ``null`` or a valid value, with values chosen around
the knowledge base's edges: disk sizes around 4095/4096/32768 GiB, agent versions
around each other (``2.2.9`` vs ``2.2.10``), waagent.conf switches spelt the ways
the agent reads them and the ways it does not (``y``, ``n``, ``Y``, ``no``, ``yes``,
garbage), backup and non-backup extensions in every state.

Test modules import it as ``from factsgen import ...``: ``tests/conftest.py`` puts
this directory on ``sys.path``; a script outside pytest inserts it itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["ABSENT", "OBSERVABLE_IN_BOTH_EDITIONS", "facts_documents", "make_consistent", "random_facts"]


class _Absent:
    """Marks a key left out of the document (as opposed to an explicit null)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

# Each pool starts with ABSENT so that hypothesis shrinks towards "unknown".
OS = [ABSENT, None, "linux", "windows", "Linux", "Windows"]
DISTRO = [ABSENT, None, "ubuntu", "rhel", "sles", "debian", "centos"]
POWER = [ABSENT, None, "running", "PowerState/running", "starting", "stopped", "deallocated"]
PROVISIONING = [ABSENT, None, "succeeded", "failed", "ProvisioningState/failed", "updating"]
BOOL = [ABSENT, None, True, False]
AGENT_STATUS = [ABSENT, None, "ready", "not_ready", "Ready", "Not Ready"]
AGENT_VERSIONS = [ABSENT, None, "2.2.9", "2.2.10", "2.2.18", "2.2.53", "2.2.53.1", "2.3", "2.9", "2.10", "2.7.41491.949"]
DOTNET = [ABSENT, None, "3.5", "4.0", "4.5", "4.5.1", "4.7.2", "4.8", 4.5, 4.8]
SWITCH = [ABSENT, None, "y", "n", "Y", "N", "no", "yes", "garbage", " n ", ""]
PROVISIONING_AGENT = [ABSENT, None, "auto", "waagent", "cloud-init", "disabled"]
DISK_SIZES = [ABSENT, None, 1, 30, 127, 1023, 4094, 4095, 4096, 4097, 5000, 32767, 32768, 32769]
EXTENSION_NAMES = [
    "VMSnapshot",
    "VMSnapshotLinux",
    "Microsoft.Azure.RecoveryServices.VMSnapshot",
    "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
    "IaaSAntimalware",
    "Microsoft.Azure.Security.IaaSAntimalware",
    "CustomScript",
    "MicrosoftMonitoringAgent",
]
EXTENSION_STATES = [ABSENT, None, "succeeded", "failed", "Failed", "ProvisioningState/failed", "transitioning", "updating"]
BACKUPS_PER_DAY = [ABSENT, None, 0, 1, 2, 3, 24]
INSTANT_RPS = [ABSENT, None, 0, 5, 17, 18]
RETENTION_DAYS = [ABSENT, None, 1, 2, 5]
RP_GROUP_NAMES = [ABSENT, None, "AzureBackupRG_northeurope_1", "AzureBackupRG_westus2_12"]
LOCK_NAMES = [ABSENT, None, "DoNotDelete", "testlock"]
LOCK_LEVELS = [ABSENT, None, "CanNotDelete", "ReadOnly"]
SECTION = [ABSENT, "given"]
LIST_LENGTHS = [0, 1, 2, 3, 4]

OBSERVABLE_IN_BOTH_EDITIONS = (
    "UserErrorGuestAgentStatusUnavailable",
    "GuestAgentSnapshotTaskStatusError",
    "UserErrorRpCollectionLimitReached",
    "UserErrorKeyvaultPermissionsNotConfigured",
    "ExtensionSnapshotFailedNoNetwork",
    "ExtentionOperationFailedForManagedDisks",
    "ExtensionOperationFailedForManagedDisks",
    "BackUpOperationFailed",
    "BackUpOperationFailedV2",
    "UserErrorUnsupportedDiskSize",
    "UserErrorBackupOperationInProgress",
)
"""Error codes (and aliases) that every edition knows: safe to put in a generated document."""


def _mapping(pairs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in pairs.items() if value is not ABSENT}


def _document(pick: Callable[[Sequence[Any]], Any], observed: Sequence[Any]) -> dict[str, Any]:
    """One facts document, each field drawn with ``pick`` (contradictions not yet removed)."""
    doc: dict[str, Any] = {}
    if pick(SECTION) is not ABSENT:
        vm = {
            "os": pick(OS),
            "distro": pick(DISTRO),
            "power_state": pick(POWER),
            "provisioning_state": pick(PROVISIONING),
            "shutdown_in_guest": pick(BOOL),
            "encrypted": pick(BOOL),
            "keyvault_access": pick(BOOL),
        }
        disks = pick([ABSENT, None, "list"])
        if disks == "list":
            vm["disks"] = [
                _mapping({"size_gib": pick(DISK_SIZES), "encrypted": pick(BOOL), "os_disk": pick(BOOL)})
                for _ in range(pick(LIST_LENGTHS))
            ]
        else:
            vm["disks"] = disks
        doc["vm"] = _mapping(vm)
    if pick(SECTION) is not ABSENT:
        agent = {
            "installed": pick(BOOL),
            "status": pick(AGENT_STATUS),
            "service_running": pick(BOOL),
            "version": pick(AGENT_VERSIONS),
            "latest_version": pick(AGENT_VERSIONS),
            "dotnet_version": pick(DOTNET),
        }
        conf = pick([ABSENT, None, "given"])
        if conf == "given":
            agent["waagent_conf"] = _mapping(
                {
                    "Extensions.Enabled": pick(SWITCH),
                    "Provisioning.Agent": pick(PROVISIONING_AGENT),
                    "Logs.Verbose": pick(SWITCH),
                }
            )
        else:
            agent["waagent_conf"] = conf
        doc["agent"] = _mapping(agent)
    extensions = pick([ABSENT, None, "list"])
    if extensions == "list":
        doc["extensions"] = [
            _mapping({"name": pick(EXTENSION_NAMES), "state": pick(EXTENSION_STATES)}) for _ in range(pick(LIST_LENGTHS))
        ]
    elif extensions is not ABSENT:
        doc["extensions"] = extensions
    if pick(SECTION) is not ABSENT:
        doc["network"] = _mapping({"azure_outbound": pick(BOOL), "dhcp_enabled": pick(BOOL)})
    if pick(SECTION) is not ABSENT:
        backup = {
            "backups_per_day": pick(BACKUPS_PER_DAY),
            "instant_restore_points": pick(INSTANT_RPS),
            "snapshot_retention_days": pick(RETENTION_DAYS),
            "job_in_progress": pick(BOOL),
            "old_vault_job_running": pick(BOOL),
        }
        group = pick([ABSENT, None, "given"])
        if group == "given":
            backup["restore_point_group"] = _mapping(
                {
                    "name": pick(RP_GROUP_NAMES),
                    "locked": pick(BOOL),
                    "lock_name": pick(LOCK_NAMES),
                    "lock_level": pick(LOCK_LEVELS),
                }
            )
        else:
            backup["restore_point_group"] = group
        doc["backup"] = _mapping(backup)
    if observed:
        code = pick([ABSENT, *observed])
        if code is not ABSENT:
            doc["observed_error"] = code
    return make_consistent(doc)


def _token(value: Any) -> Any:
    # The model's own normalisation of portal spellings ("Not Ready", "PowerState/stopped").
    if isinstance(value, str):
        token = value.strip()
        if "/" in token:
            token = token.split("/")[1]
        return token.lower().replace(" ", "_")
    return value


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def make_consistent(doc: dict[str, Any]) -> dict[str, Any]:
    """Remove the combinations the facts model rejects as contradictory, in place; returns ``doc``.

    Windows VMs have no distro or waagent.conf, Linux VMs no .NET version; an agent
    that is not installed is not ready, not running and has no version; the installed
    version is never newer than the latest; an unencrypted VM has no encrypted disk;
    a stopped VM's agent is not ready; an unlocked group has no lock details.
    """
    vm = doc.get("vm") or {}
    agent = doc.get("agent") or {}
    os_type = _token(vm.get("os"))
    if os_type == "windows":
        vm.pop("distro", None)
        agent.pop("waagent_conf", None)
    if os_type == "linux":
        agent.pop("dotnet_version", None)
    if agent.get("installed") is False:
        if _token(agent.get("status")) == "ready":
            agent["status"] = "not_ready"
        if agent.get("service_running"):
            agent["service_running"] = False
        agent.pop("version", None)
    version, latest = agent.get("version"), agent.get("latest_version")
    if version and latest and _version(version) > _version(latest):
        agent["version"], agent["latest_version"] = latest, version
    if vm.get("encrypted") is False:
        for disk in vm.get("disks") or ():
            if disk.get("encrypted"):
                disk["encrypted"] = False
    if _token(vm.get("power_state")) in ("stopped", "deallocated") and _token(agent.get("status")) == "ready":
        agent["status"] = "not_ready"
    group = (doc.get("backup") or {}).get("restore_point_group") or {}
    if group.get("locked") is False:
        group.pop("lock_name", None)
        group.pop("lock_level", None)
    return doc


def facts_documents(observed_errors: Sequence[str] = ()) -> Any:
    """A hypothesis strategy of valid facts documents (plain dicts, as read from JSON/YAML).

    Args:
        observed_errors: codes the document's ``observed_error`` may take (it is
            sometimes absent); none by default. Use :data:`OBSERVABLE_IN_BOTH_EDITIONS`
            for documents every edition accepts.
    """
    from hypothesis import strategies as st

    @st.composite
    def documents(draw: Any) -> dict[str, Any]:
        return _document(lambda options: draw(st.sampled_from(options)), tuple(observed_errors))

    return documents()


def random_facts(seed: int, n: int, observed_errors: Sequence[str] = ()) -> list[dict[str, Any]]:
    """``n`` valid facts documents drawn with :mod:`random`; the same seed gives the same list.

    Each document is named ``random-<seed>-<index>``. No hypothesis needed.
    """
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for index in range(n):
        doc = _document(lambda options: options[rng.randrange(len(options))], tuple(observed_errors))
        out.append({"name": f"random-{seed}-{index}", **doc})
    return out
