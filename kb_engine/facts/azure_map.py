"""Facts from one Azure document of a known kind (see :mod:`kb_engine.facts.azure`).

Each ``map_*`` function turns the items of one document into a partial facts
document. They read only what Azure states: a missing field leaves the fact
unknown, never false, and values that do not fit the facts model (an agent
version of ``Unknown``, a power state the model does not list) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kb_engine.knowledge.vocabulary import (
    RESTORE_POINT_GROUP_RE,
    AgentStatus,
    ExtensionState,
    Facts,
    LockLevel,
    OsType,
    PowerState,
    ProvisioningState,
    read_version,
)

__all__ = [
    "AzureDocument",
    "Context",
    "Identity",
    "MAPPERS",
    "context_of",
    "identity_conflicts",
    "identity_of",
    "instance_view_of",
    "kind_of",
    "overlay",
    "vm_id_of",
]

_ADE_EXTENSIONS = frozenset({"azurediskencryption", "azurediskencryptionforlinux"})
_LOCK_MARK = "/providers/microsoft.authorization/locks/"
_GROUP_RE = re.compile(r"azurebackuprg_([a-z0-9]+_\d+)", re.IGNORECASE)
# String error codes as the portal shows them: UserErrorGuestAgentStatusUnavailable, VmNotInDesirableState.
_ERROR_CODE_RE = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+$")
_MAX_DISK_GIB = 1 << 30


@dataclass(frozen=True, slots=True)
class AzureDocument:
    """One input document, recognised.

    Attributes:
        source: where it came from (file name or ``<stdin>``).
        kind: ``vm``, ``instance_view``, ``extension``, ``disk``, ``lock``, ``job``,
            ``protected_item``, ``policy`` or ``empty``.
        items: the resources it holds (one for a single resource).
        listed: it came as a list (``[...]`` or ``{"value": [...]}``).
        complete: a list without a ``nextLink``, i.e. not one page of several.
        scope_group: the resource group a REST example file was requested for, if any.
        operation: the ``operationId`` of a REST example file, if it names one.
        query_filter: the ``$filter`` a REST example file was requested with, if any.
        statuses: every job status the whole document shows (before any item was set aside),
            so a list that may have been filtered by status is recognised.
    """

    source: str
    kind: str
    items: tuple[Mapping[str, Any], ...]
    listed: bool = False
    complete: bool = False
    scope_group: str | None = None
    operation: str | None = None
    query_filter: str | None = None
    statuses: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Context:
    """What the documents together say about which VM they describe.

    Attributes:
        vm_id: the VM's resource id, when a document states it.
        vm_name: the VM's name (VM model ``name``, the VM in a resource id, or the one
            protected item's friendlyName).
        vm_disk_names: the VM's disk names, case-folded (VM model and instance view).
        vm_disk_ids: the VM's managed disk ids, case-folded (VM model).
        policy_ids: the backup policy ids the protected items name, case-folded.
        notes: remarks made while working these out.
        known_codes: the error codes (and aliases) of the knowledge base diagnosis will use;
            None for the shipped one's.
    """

    vm_id: str | None = None
    vm_name: str | None = None
    vm_disk_names: frozenset[str] = frozenset()
    vm_disk_ids: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    policy_ids: frozenset[str] = frozenset()
    known_codes: frozenset[str] | None = None


Partial = dict[str, Any]
Mapper = Callable[[AzureDocument, Context, list[str]], Partial]


# ---------------------------------------------------------------------------
# Small readers: every value is checked before use, so odd JSON never raises.


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _props(item: Mapping[str, Any]) -> Mapping[str, Any]:
    # ARM bodies nest fields under "properties"; az CLI output often flattens them.
    props = item.get("properties")
    return props if isinstance(props, dict) else item


def _token(text: str | None, allowed: Iterable[str]) -> str | None:
    """``ProvisioningState/failed/Code`` -> ``failed`` when that is an allowed value."""
    if text is None:
        return None
    parts = text.split("/")
    token = (parts[1] if len(parts) > 1 else parts[0]).strip().lower()
    return token if token in set(allowed) else None


def _size(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 1 <= value <= _MAX_DISK_GIB:
        return value
    return None


def _disk_size(props: Mapping[str, Any]) -> int | None:
    # REST spells it diskSizeGB; some az CLI versions print diskSizeGb.
    return _size(props.get("diskSizeGB", props.get("diskSizeGb")))


def _version(value: object, source: str, notes: list[str]) -> str | None:
    text = _text(value)
    if text is None or text.lower() == "unknown":
        return None
    version = read_version(text)  # older Linux agents report "WALinuxAgent-2.0.16"
    if version is None:
        notes.append(f"{source}: agent version {text!r} is not a dotted version; left unknown")
        return None
    if version != text:
        notes.append(f"{source}: agent version {text!r} read as {version}")
    return version


def _last_segment(text: str | None) -> str | None:
    if text is None:
        return None
    return _text(text.rsplit("/", 1)[-1].rsplit(".", 1)[-1])


def _extension(type_text: object, name: object, state: str | None) -> dict[str, Any] | None:
    ext_name = _last_segment(_text(type_text)) or _text(name)
    if ext_name is None:
        return None
    return {"name": ext_name, "state": state}


def _status_codes(statuses: object) -> list[str]:
    return [code for s in _list(statuses) if (code := _text(_dict(s).get("code"))) is not None]


def _first_state(codes: Iterable[str], prefix: str, allowed: Iterable[str]) -> str | None:
    for code in codes:
        if code.lower().startswith(prefix.lower() + "/"):
            state = _token(code, allowed)
            if state is not None:
                return state
    return None


_EXT_STATES = [s.value for s in ExtensionState]
_POWER_STATES = [s.value for s in PowerState]
_PROVISIONING_STATES = [s.value for s in ProvisioningState]


def backup_group(name: object) -> str | None:
    """``azurebackuprg_westus_1`` -> ``AzureBackupRG_westus_1`` (resource group names ignore case)."""
    text = _text(name)
    if text is None:
        return None
    match = _GROUP_RE.fullmatch(text)
    if match is None:
        return None
    group = f"AzureBackupRG_{match.group(1)}"
    return group if RESTORE_POINT_GROUP_RE.match(group) else None


def overlay(base: Partial, top: Partial) -> Partial:
    """``base`` with ``top``'s known values on top; disks and extensions matched by name."""
    out = dict(base)
    for key, value in top.items():
        if value is None:
            continue
        old = out.get(key)
        if key in {"disks", "extensions"} and isinstance(old, list) and isinstance(value, list):
            out[key] = _overlay_named(old, value)
        elif isinstance(old, dict) and isinstance(value, dict):
            out[key] = overlay(old, value)
        else:
            out[key] = value
    return out


def _overlay_named(base: list[dict[str, Any]], top: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = [dict(item) for item in base]
    for item in top:
        name = item.get("name")
        key = name.casefold() if isinstance(name, str) else None
        match = next((m for m in merged if key is not None and str(m.get("name", "")).casefold() == key), None)
        if match is None:
            merged.append(dict(item))
        else:
            match.update({k: v for k, v in item.items() if v is not None and k != "name"})
    return merged


# ---------------------------------------------------------------------------
# Recognising a resource by its content.

_VM_MARK = "/providers/microsoft.compute/virtualmachines/"
_DISK_MARK = "/providers/microsoft.compute/disks/"
_EXTENSION_TYPE = "microsoft.compute/virtualmachines/extensions"
_JOB_TYPES = frozenset({"azureiaasvmjob", "azureiaasvmjobv2"})
_PROTECTED_ITEM_TYPE = "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems"
_POLICY_TYPE = "microsoft.recoveryservices/vaults/backuppolicies"
_JOB_TYPE = "microsoft.recoveryservices/vaults/backupjobs"


def vm_id_of(resource_id: object) -> str | None:
    """The VM part of a resource id: ``.../virtualMachines/vm1/extensions/x`` -> ``.../virtualMachines/vm1``."""
    text = _text(resource_id)
    if text is None:
        return None
    at = text.lower().find(_VM_MARK)
    if at < 0:
        return None
    name = text[at + len(_VM_MARK) :].split("/", 1)[0]
    return text[: at + len(_VM_MARK)] + name if name else None


def name_in_id(resource_id: str) -> str:
    """The last segment of a resource id (the resource's name)."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def kind_of(item: object) -> str | None:
    """The kind of one Azure resource, from its fields; None if not one kb_engine reads."""
    if not isinstance(item, dict):
        return None
    rtype = (_text(item.get("type")) or "").lower()
    rid = (_text(item.get("id")) or "").lower()
    props = _props(item)
    if rtype == _EXTENSION_TYPE or (rid.startswith("/subscriptions/") and _VM_MARK in rid and "/extensions/" in rid):
        return "extension"
    if rtype == "microsoft.compute/virtualmachines" or isinstance(props.get("storageProfile"), dict):
        return "vm"
    if isinstance(item.get("vmAgent"), dict) or any(c.startswith("PowerState/") for c in _status_codes(item.get("statuses"))):
        return "instance_view"
    if rtype == "microsoft.compute/disks" or _DISK_MARK in rid or _disk_size(props) is not None:
        return "disk"
    if rtype == "microsoft.authorization/locks" or _LOCK_MARK in rid:
        return "lock"
    if rtype == _JOB_TYPE or _text(props.get("jobType")) is not None:
        return "job"
    if rtype == _PROTECTED_ITEM_TYPE or _text(props.get("protectedItemType")) is not None:
        return "protected_item"
    if rtype == _POLICY_TYPE or (
        isinstance(props.get("schedulePolicy"), dict) and _text(props.get("backupManagementType")) is not None
    ):
        return "policy"
    return None


def instance_view_of(item: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A VM's instance view: nested by ``az vm get-instance-view``, or Resource Graph's ``extended.instanceView``."""
    props = _props(item)
    view = props.get("instanceView", item.get("instanceView"))
    if isinstance(view, dict):
        return view
    extended = _dict(props.get("extended")).get("instanceView")
    return extended if isinstance(extended, dict) else None


def _vm_disk_entries(props: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], bool]]:
    storage = _dict(props.get("storageProfile"))
    entries = [(_dict(storage.get("osDisk")), True)] if isinstance(storage.get("osDisk"), dict) else []
    entries += [(_dict(d), False) for d in _list(storage.get("dataDisks"))]
    return entries


@dataclass(frozen=True, slots=True)
class Identity:
    """Which VM one document says it describes (each part only when the document says so)."""

    vm_id: str | None = None
    name: str | None = None
    computer_name: str | None = None

    def __str__(self) -> str:
        parts = [f"VM {self.name}" if self.name else "a VM"]
        if self.computer_name:
            parts.append(f"computer name {self.computer_name}")
        if self.vm_id:
            parts.append(f"id {self.vm_id}")
        return ", ".join(parts)


def identity_of(doc: AzureDocument) -> Identity | None:
    """The VM a document describes (VM, instance view, extensions, one protected item); None if it says nothing."""
    if not doc.items:
        return None
    item = doc.items[0]
    props = _props(item)
    if doc.kind == "vm":
        vm_id = vm_id_of(item.get("id"))
        computer = _text(_dict(props.get("osProfile")).get("computerName")) or _text(_dict(instance_view_of(item)).get("computerName"))
        return Identity(vm_id, _text(item.get("name")) or (name_in_id(vm_id) if vm_id else None), computer)
    if doc.kind == "instance_view":
        computer = _text(item.get("computerName"))
        return Identity(computer_name=computer) if computer else None
    if doc.kind == "extension":
        ids = {v.casefold(): v for i in doc.items if (v := vm_id_of(i.get("id")))}
        if len(ids) != 1:
            return None
        (vm_id,) = ids.values()
        return Identity(vm_id, name_in_id(vm_id))
    if doc.kind == "protected_item" and len(doc.items) == 1:
        vm_id = vm_id_of(props.get("sourceResourceId")) or vm_id_of(props.get("virtualMachineId"))
        name = _text(props.get("friendlyName")) or (name_in_id(vm_id) if vm_id else None)
        return Identity(vm_id, name) if (vm_id or name) else None
    return None


def identity_conflicts(documents: Iterable[AzureDocument]) -> list[tuple[AzureDocument, AzureDocument, str]]:
    """Pairs of documents that describe different VMs, each with what differs."""
    seen: list[tuple[AzureDocument, Identity]] = []
    conflicts: list[tuple[AzureDocument, AzureDocument, str]] = []
    for doc in documents:
        ident = identity_of(doc)
        if ident is None:
            continue
        for other_doc, other in seen:
            for what, mine, theirs in (
                ("resource id", ident.vm_id, other.vm_id),
                ("name", ident.name, other.name),
                ("computer name", ident.computer_name, other.computer_name),
            ):
                if mine and theirs and mine.casefold() != theirs.casefold():
                    conflicts.append((other_doc, doc, f"{what} {theirs} and {mine}"))
                    break
            else:
                continue
            break
        seen.append((doc, ident))
    return conflicts


def _managed_by(item: Mapping[str, Any]) -> str | None:
    return vm_id_of(item.get("managedBy"))


def context_of(documents: Iterable[AzureDocument]) -> Context:
    """Which VM the documents describe: its id, name and disks, when they say so.

    Without a VM, instance view, extension or single protected item, disks that are
    all attached to one VM (``managedBy``) name it.
    """
    docs = list(documents)
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    disks: set[str] = set()
    disk_ids: set[str] = set()
    policy_ids = frozenset(
        p.casefold()
        for doc in docs
        if doc.kind == "protected_item"
        for item in doc.items
        if (p := _text(_props(item).get("policyId")))
    )
    for doc in docs:
        ident = identity_of(doc)
        if ident is not None:
            if ident.vm_id:
                ids.setdefault(ident.vm_id.casefold(), ident.vm_id)
            if ident.name:
                names.setdefault(ident.name.casefold(), ident.name)
        for item in doc.items:
            if doc.kind == "vm":
                for d, _ in _vm_disk_entries(_props(item)):
                    if (n := _text(d.get("name"))) is not None:
                        disks.add(n.casefold())
                    if (i := _text(_dict(d.get("managedDisk")).get("id"))) is not None:
                        disk_ids.add(i.casefold())
                view = instance_view_of(item)
                disks.update(n.casefold() for d in _list(_dict(view).get("disks")) if (n := _text(_dict(d).get("name"))))
            elif doc.kind == "instance_view":
                disks.update(n.casefold() for d in _list(item.get("disks")) if (n := _text(_dict(d).get("name"))))
    notes: list[str] = []
    if not ids and not names:
        owners = {o.casefold(): o for doc in docs if doc.kind == "disk" for item in doc.items if (o := _managed_by(item))}
        unattached = any(_managed_by(item) is None for doc in docs if doc.kind == "disk" for item in doc.items)
        if len(owners) == 1 and not unattached:
            (owner,) = owners.values()
            ids[owner.casefold()] = owner
            names[name_in_id(owner).casefold()] = name_in_id(owner)
            notes.append(f"the disks are attached to VM {name_in_id(owner)} (managedBy); taken as the VM")
    vm_id = next(iter(ids.values())) if len(ids) == 1 else None
    vm_name = next(iter(names.values())) if len(names) == 1 else None
    if len(names) > 1:
        notes.append(f"the documents name several VMs ({', '.join(sorted(names.values()))}); jobs and disks are not matched to a VM")
    return Context(vm_id, vm_name, frozenset(disks), frozenset(disk_ids), tuple(notes), policy_ids)


# ---------------------------------------------------------------------------
# One mapper per kind.

# Distribution names as the Linux agent reports them in osName, where /etc/os-release's ID differs.
_DISTRO_ALIASES = {"redhat": "rhel", "red hat": "rhel", "suse": "sles", "oracle": "ol", "centos linux": "centos"}
_DISTRO_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# `az vm list -d` flattens the power state to its display text: "VM running", "VM deallocated".
_POWER_TEXT_RE = re.compile(r"^vm\s+(\w+)$", re.IGNORECASE)


def os_from_name(os_name: object) -> tuple[str | None, str | None]:
    """``(vm.os, vm.distro)`` from an instance view's ``osName``.

    Windows reports its product name ("Windows Server 2016 Datacenter"); the Linux agent
    reports the distribution ("ubuntu", "centos", "redhat"), which is also the OS family.
    """
    text = _text(os_name)
    if text is None:
        return None, None
    folded = text.casefold()
    if "windows" in folded:
        return OsType.windows.value, None
    distro = _DISTRO_ALIASES.get(folded, folded)
    return OsType.linux.value, distro if _DISTRO_RE.match(distro) else None


def map_vm(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """VM model (``az vm show``, ``GET virtualMachines/{vm}``, a Resource Graph row), with its instance view if nested."""
    item = doc.items[0]
    props = _props(item)
    vm: dict[str, Any] = {}
    os_disk = _dict(_dict(props.get("storageProfile")).get("osDisk"))
    os_profile = _dict(props.get("osProfile"))
    vm["os"] = _token(_text(os_disk.get("osType")), [o.value for o in OsType])
    if vm["os"] is None and isinstance(os_profile.get("windowsConfiguration"), dict):
        vm["os"] = OsType.windows.value
    elif vm["os"] is None and isinstance(os_profile.get("linuxConfiguration"), dict):
        vm["os"] = OsType.linux.value
    vm["provisioning_state"] = _token(_text(props.get("provisioningState")), _PROVISIONING_STATES)
    power_text = _POWER_TEXT_RE.match(_text(item.get("powerState")) or "")
    if power_text is not None:
        vm["power_state"] = _token(power_text.group(1), _POWER_STATES)
    disks = []
    for disk, is_os in _vm_disk_entries(props):
        settings = disk.get("encryptionSettings")
        enabled = _dict(settings).get("enabled")
        disks.append(
            {
                "name": _text(disk.get("name")),
                "size_gib": _disk_size(disk),
                "os_disk": is_os,
                "encrypted": enabled if isinstance(enabled, bool) else None,
            }
        )
    vm["disks"] = disks or None
    extensions = []
    for resource in _list(item.get("resources")):
        resource = _dict(resource)
        rprops = _props(resource)
        ext_type = rprops.get("type") if rprops is not resource else resource.get("typePropertiesType")
        state = _token(_text(rprops.get("provisioningState")), _EXT_STATES)
        ext = _extension(ext_type, resource.get("name"), state)
        if ext is not None:
            extensions.append(ext)
    partial: Partial = {"name": _text(item.get("name")), "vm": vm, "extensions": extensions or None}
    if any(d["encrypted"] for d in disks) or _ade_extension(extensions):
        vm["encrypted"] = True
    view = instance_view_of(item)
    if view is not None:
        # The instance view is the live status: where both speak, it wins.
        partial = overlay(partial, map_instance_view(AzureDocument(doc.source, "instance_view", (view,)), ctx, notes))
    return partial


def _ade_extension(extensions: Iterable[Mapping[str, Any]]) -> bool:
    return any(
        str(e.get("name", "")).lower() in _ADE_EXTENSIONS and e.get("state") == ExtensionState.succeeded.value
        for e in extensions
    )


def map_instance_view(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """VM instance view (``GET .../instanceView``; ``instanceView`` of ``az vm get-instance-view``;
    Resource Graph's ``properties.extended.instanceView``)."""
    view = doc.items[0]
    agent_view = view.get("vmAgent")
    agent: dict[str, Any] = {}
    if isinstance(agent_view, dict):
        agent["version"] = _version(agent_view.get("vmAgentVersion"), doc.source, notes)
        for status in _list(agent_view.get("statuses")):
            shown = (_text(_dict(status).get("displayStatus")) or "").lower().replace(" ", "")
            if shown in {"ready", "notready"}:
                agent["status"] = AgentStatus.ready.value if shown == "ready" else AgentStatus.not_ready.value
                break
        # An agent that reports a version, or reports itself Ready, is installed.
        if agent["version"] is not None or agent.get("status") == AgentStatus.ready.value:
            agent["installed"] = True
    codes = _status_codes(view.get("statuses"))
    power = _text(_dict(view.get("powerState")).get("code"))
    vm: dict[str, Any] = {
        "power_state": _first_state([*codes, *([power] if power else [])], "PowerState", _POWER_STATES),
        "provisioning_state": _first_state(codes, "ProvisioningState", _PROVISIONING_STATES),
    }
    vm["os"], vm["distro"] = os_from_name(view.get("osName"))
    disks = []
    for disk in _list(view.get("disks")):
        disk = _dict(disk)
        flags = [_dict(s).get("enabled") for s in _list(disk.get("encryptionSettings"))]
        encrypted = True if True in flags else (False if flags and all(f is False for f in flags) else None)
        if (name := _text(disk.get("name"))) is not None:
            disks.append({"name": name, "encrypted": encrypted})
    vm["disks"] = disks or None
    if any(d["encrypted"] for d in disks):
        vm["encrypted"] = True
    from_extensions = []
    for ext in _list(view.get("extensions")):
        ext = _dict(ext)
        state = _first_state(_status_codes(ext.get("statuses")), "ProvisioningState", _EXT_STATES)
        if (found := _extension(ext.get("type"), ext.get("name"), state)) is not None:
            from_extensions.append(found)
    from_handlers = []
    for handler in _list(_dict(agent_view).get("extensionHandlers")):
        handler = _dict(handler)
        state = _first_state(_status_codes([handler.get("status")]), "ProvisioningState", _EXT_STATES)
        if (found := _extension(handler.get("type"), None, state)) is not None:
            from_handlers.append(found)
    # An extension's own status wins over its handler's; handlers add extensions the list lacks.
    extensions = overlay({"extensions": from_handlers}, {"extensions": from_extensions}).get("extensions", [])
    if _ade_extension(extensions):
        vm["encrypted"] = True
    has_ext_info = isinstance(view.get("extensions"), list) or isinstance(_dict(agent_view).get("extensionHandlers"), list)
    return {"agent": agent, "vm": vm, "extensions": extensions if has_ext_info else None}


def map_extensions(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """VM extensions (``az vm extension list/show``, ``GET .../extensions``): each one's state.

    The state is the extension's own instance view status when there is one (the live
    state), else its ``provisioningState``. Extensions of another VM are left out.
    """
    extensions = []
    for item in doc.items:
        owner = vm_id_of(item.get("id"))
        if owner and ctx.vm_id and owner.casefold() != ctx.vm_id.casefold():
            notes.append(f"{doc.source}: extension {_text(item.get('name')) or '?'} belongs to VM {name_in_id(owner)}; left out")
            continue
        props = _props(item)
        # ARM nests the extension's own type under properties; az CLI flattens it to typePropertiesType.
        ext_type = props.get("typePropertiesType") if props is item else props.get("type")
        view = _dict(props.get("instanceView"))
        state = _first_state(_status_codes(view.get("statuses")), "ProvisioningState", _EXT_STATES)
        if state is None:
            state = _token(_text(props.get("provisioningState")), _EXT_STATES)
        if (found := _extension(ext_type, item.get("name"), state)) is not None:
            extensions.append(found)
    return {"extensions": extensions} if extensions else {}


def map_disk(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """Managed disks (``az disk show/list``, ``GET disks``): size and Azure Disk Encryption.

    Only disks attached to this VM are used: by their ``managedBy`` VM, or by the VM's
    own list of disks. A disk resource without ``encryptionSettingsCollection`` (or with
    ``enabled: false``) is not ADE-encrypted: ARM returns the whole resource and ADE
    always shows there. Server-side encryption (``encryption.type``) is not ADE and is ignored.
    """
    disks = []
    left_out: list[str] = []
    for item in doc.items:
        props = _props(item)
        name = _text(item.get("name")) or (name_in_id(rid) if (rid := _text(item.get("id"))) else None)
        if not _disk_belongs(item, name, ctx):
            left_out.append(name or "?")
            continue
        collection = props.get("encryptionSettingsCollection")
        enabled = _dict(collection).get("enabled")
        encrypted = enabled if isinstance(enabled, bool) else (False if collection is None else None)
        disks.append({"name": name, "size_gib": _disk_size(props), "encrypted": encrypted})
    if left_out:
        shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more" if len(left_out) > 5 else "")
        vm = f"VM {ctx.vm_name}" if ctx.vm_name else "the VM (no document names it)"
        notes.append(
            f"{doc.source}: {len(left_out)} disk{'s' if len(left_out) != 1 else ''} ({shown}) "
            f"not shown attached to {vm}; left out (a disk counts when its managedBy or the VM's storage profile names it)"
        )
    vm_facts: dict[str, Any] = {"disks": disks or None}
    if any(d["encrypted"] for d in disks):
        vm_facts["encrypted"] = True
    return {"vm": vm_facts}


def _disk_belongs(item: Mapping[str, Any], name: str | None, ctx: Context) -> bool:
    """Whether a disk is attached to the VM: by its ``managedBy`` VM, else by the VM's own list of disks."""
    owner = _managed_by(item)
    if owner is not None and (ctx.vm_id or ctx.vm_name):
        if ctx.vm_id:
            return owner.casefold() == ctx.vm_id.casefold()
        return name_in_id(owner).casefold() == str(ctx.vm_name).casefold()
    disk_id = (_text(item.get("id")) or "").casefold()
    return bool((disk_id and disk_id in ctx.vm_disk_ids) or (name and name.casefold() in ctx.vm_disk_names))


def _lock_scope(item: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """(``subscription``|``group``|``resource``, resource group) from a lock's id."""
    lock_id = _text(item.get("id")) or ""
    at = lock_id.lower().rfind(_LOCK_MARK)
    if at < 0:
        return None
    parts = [p for p in lock_id[:at].split("/") if p]
    if len(parts) == 2 and parts[0].lower() == "subscriptions":
        return ("subscription", None)
    if len(parts) >= 4 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups":
        return ("group" if len(parts) == 4 else "resource", parts[3])
    return None


def map_locks(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """Management locks (``az lock list``, ``GET .../locks``) that apply to the AzureBackupRG group.

    A lock on an ``AzureBackupRG_<Geo>_<n>`` group or on a resource in it, or on the
    subscription (inherited), makes the group locked. ``locked: false`` is only
    concluded from an empty, complete list requested at that group's level.
    """
    applying: list[tuple[int, str | None, Mapping[str, Any]]] = []
    groups: set[str] = set()
    for item in doc.items:
        scope = _lock_scope(item)
        if scope is None:
            notes.append(f"{doc.source}: lock {_text(item.get('name')) or '?'} has no readable scope in its id; ignored")
            continue
        where, group_name = scope
        group = backup_group(group_name) if group_name else None
        if where == "subscription" or group is not None:
            if group is not None:
                groups.add(group)
            level = _token(_text(_props(item).get("level", item.get("level"))), [lv.value for lv in LockLevel])
            rank = {LockLevel.readonly.value: 2, LockLevel.cannotdelete.value: 1}.get(level or "", 0)
            applying.append((rank, group, item))
    if not applying:
        group = backup_group(doc.scope_group)
        at_group_level = (doc.operation or "").lower() == "managementlocks_listatresourcegrouplevel"
        if group and at_group_level and doc.complete:
            return {"backup": {"restore_point_group": {"name": group, "locked": False}}}
        return {}
    if len(groups) > 1:
        subscription_wide = [a for a in applying if a[1] is None]
        notes.append(f"{doc.source}: locks on several backup groups ({', '.join(sorted(groups))}); the VM's group is not known")
        if not subscription_wide:
            return {}
        applying, groups = subscription_wide, set()
    rank, _, best = max(applying, key=lambda a: a[0])
    level = _token(_text(_props(best).get("level", best.get("level"))), [lv.value for lv in LockLevel])
    group_facts = {
        "name": next(iter(groups)) if groups else backup_group(doc.scope_group),
        "locked": True,
        "lock_name": _text(best.get("name")),
        "lock_level": level,
    }
    return {"backup": {"restore_point_group": group_facts}}


def map_jobs(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """Backup jobs (``az backup job list/show``): a backup in progress, the last failure's code.

    ``job_in_progress`` is true when a Backup job of the VM is InProgress. It is false only
    when the document could have shown such a job and does not: a complete list (not one
    page of several) that holds Backup jobs of the VM and is not filtered by status. A single
    job, a list of other kinds of job (restores, cross-region restores), or a list whose jobs
    all have one status (as ``az backup job list --status`` prints) leave it unknown, with a note.
    """
    jobs = [_props(item) for item in doc.items if _is_vm_job(_props(item))]
    entities = {name.casefold(): name for job in jobs if (name := _text(job.get("entityFriendlyName")))}
    target = ctx.vm_name
    if target is None:
        if len(entities) > 1:
            several = ", ".join(sorted(entities.values()))
            notes.append(f"{doc.source}: jobs of several VMs ({several}) and no VM named; jobs ignored")
            return {}
        target = next(iter(entities.values()), None)
    wanted = target.casefold() if target is not None else None
    mine = [job for job in jobs if (_text(job.get("entityFriendlyName")) or "").casefold() == wanted]
    if not mine:
        return {}
    backup: dict[str, Any] = {}
    backups = [j for j in mine if (_text(j.get("operation")) or "").casefold() == "backup"]
    if any((_text(j.get("status")) or "").casefold() == "inprogress" for j in backups):
        backup["job_in_progress"] = True
    else:
        why = _cannot_show_running(doc, backups)
        if why is None:
            backup["job_in_progress"] = False
        else:
            notes.append(f"{doc.source}: {why}; whether a backup job of {target} is running is unknown")
    latest = max(mine, key=lambda j: _text(j.get("startTime")) or "")
    partial: Partial = {"backup": backup}
    if _text(latest.get("status")) == "Failed":
        for detail in _list(latest.get("errorDetails")):
            code = _dict(detail).get("errorCode")
            if isinstance(code, str) and _ERROR_CODE_RE.match(code.strip()) and len(code) <= 120:
                if _known_code(code.strip(), ctx.known_codes):
                    partial["observed_error"] = code.strip()
                else:
                    unknown = code.strip()
                    notes.append(f"{doc.source}: the last job failed with {unknown}, a code the knowledge base does not know")
                break
        else:
            notes.append(f"{doc.source}: the last job failed without a string error code; give the code the portal shows")
    return partial


def _is_vm_job(job: Mapping[str, Any]) -> bool:
    """A job of an Azure VM backup (AzureIaaSVMJob; rows without jobType by their backupManagementType)."""
    job_type = _text(job.get("jobType"))
    if job_type is not None:
        return job_type.casefold() in _JOB_TYPES
    return (_text(job.get("backupManagementType")) or "").casefold() == "azureiaasvm"


_FILTER_RE = re.compile(r"\b(status|operation)\s+eq\s+'([^']*)'", re.IGNORECASE)


def _cannot_show_running(doc: AzureDocument, backups: list[Mapping[str, Any]]) -> str | None:
    """Why a job document could not have shown a running backup job of the VM; None if it could."""
    if not doc.listed:
        return "a single job, not a list of the VM's jobs"
    if not doc.complete:
        return "one page of a longer list (it has a nextLink or skip token)"
    for field_name, value in _FILTER_RE.findall(doc.query_filter or ""):
        wanted = "inprogress" if field_name.lower() == "status" else "backup"
        if value.replace(" ", "").casefold() != wanted:
            return f"the list is filtered by {field_name.lower()} {value}"
    if not backups:
        return "the list holds no Backup job of the VM, only other kinds of job"
    if len(doc.statuses) == 1:
        (status,) = doc.statuses
        return f"every job in the list is {status}, as in a list filtered by status (az backup job list --status)"
    return None


def _known_code(code: str, known: frozenset[str] | None) -> bool:
    """Whether the knowledge base knows the code (or alias), so diagnosis can use it (None: the shipped one)."""
    from kb_engine.errors import KbEngineError
    from kb_engine.knowledge.load import default_kb

    if known is not None:
        return code in known
    try:
        return code in default_kb().all_code_names()
    except KbEngineError:
        return False


def _facts_token(section: str, fact: str, value: str | None) -> str | None:
    """An Azure spelling (``V2``, ``ProtectionStopped``, ``OnlyCrashConsistent``) as the facts model reads it,
    or None when the model does not accept it (``Invalid``, a value Azure added later)."""
    if value is None:
        return None
    try:
        facts = Facts.model_validate({section: {fact: value}})
    except ValueError:
        return None
    token = getattr(getattr(facts, section), fact)
    return None if token is None else str(token.value)


def map_protected_items(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """Backup protected items (``az backup item list/show``): with one item, the VM's name, whether it is
    actively protected (``protectionState``) and its policy type (``policyType``: V1 Standard, V2 Enhanced)."""
    if len(doc.items) != 1:
        notes.append(f"{doc.source}: {len(doc.items)} protected items; none is taken as the VM")
        return {}
    props = _props(doc.items[0])
    backup: dict[str, Any] = {}
    state = _text(props.get("protectionState"))
    backup["protection_state"] = _facts_token("backup", "protection_state", state)
    if state is not None and backup["protection_state"] is None:
        notes.append(f"{doc.source}: protectionState {state} says neither active, paused nor stopped; left unknown")
    backup["policy_type"] = _facts_token("backup", "policy_type", _text(props.get("policyType")))
    return {"name": _text(props.get("friendlyName")), "backup": backup}


_HOURS = {"daily": 24, "weekly": 7 * 24}


def map_policy(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """A backup policy (``az backup policy show``): its type (``policyType``, or the schedule's
    ``SimpleSchedulePolicy`` / ``SimpleSchedulePolicyV2``), the hours between scheduled backups and the
    snapshot consistency (``snapshotConsistencyType``; a policy that does not set it takes the default)."""
    if len(doc.items) != 1:
        notes.append(f"{doc.source}: {len(doc.items)} backup policies; none is taken as the VM's")
        return {}
    item = doc.items[0]
    policy_id = _text(item.get("id"))
    if ctx.policy_ids and (policy_id is None or policy_id.casefold() not in ctx.policy_ids):
        notes.append(f"{doc.source}: policy {_text(item.get('name')) or policy_id} is not the protected item's policy; set aside")
        return {}
    props = _props(item)
    schedule = _dict(props.get("schedulePolicy"))
    schedule_kind = (_text(schedule.get("schedulePolicyType")) or "").casefold()
    policy_type = _facts_token("backup", "policy_type", _text(props.get("policyType")))
    if policy_type is None and schedule_kind in {"simpleschedulepolicy", "simpleschedulepolicyv2"}:
        policy_type = "enhanced" if schedule_kind.endswith("v2") else "standard"
    frequency = (_text(schedule.get("scheduleRunFrequency")) or "").casefold()
    interval: int | None = _HOURS.get(frequency)
    if frequency == "hourly":
        given = _dict(schedule.get("hourlySchedule")).get("interval")
        interval = given if isinstance(given, int) and not isinstance(given, bool) and 1 <= given <= 24 else None
    consistency_text = _text(props.get("snapshotConsistencyType"))
    consistency = _facts_token("backup", "snapshot_consistency", consistency_text or "default")
    if consistency_text is None and policy_type is None:
        consistency = None  # not even the kind of policy is known
    backup = {"policy_type": policy_type, "schedule_interval_hours": interval, "snapshot_consistency": consistency}
    return {"backup": backup}


def map_empty(doc: AzureDocument, ctx: Context, notes: list[str]) -> Partial:
    """An empty list: it cannot tell what it lists, so it gives no facts (but see :func:`map_locks`)."""
    if doc.operation and doc.operation.lower().startswith("managementlocks_list"):
        return map_locks(doc, ctx, notes)
    notes.append(f"{doc.source}: an empty list; nothing can be concluded from it (not even that nothing is locked)")
    return {}


MAPPERS: Mapping[str, Mapper] = {
    "vm": map_vm,
    "extension": map_extensions,
    "instance_view": map_instance_view,
    "disk": map_disk,
    "lock": map_locks,
    "job": map_jobs,
    "protected_item": map_protected_items,
    "policy": map_policy,
    "empty": map_empty,
}
"""The mapper of each document kind."""
