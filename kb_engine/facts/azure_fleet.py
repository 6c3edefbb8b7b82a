"""Facts for many VMs at once: Resource Graph exports and paged ``az`` list outputs.

``az graph query -q "Resources | where type =~ 'microsoft.compute/virtualmachines'"``
answers one row per VM (its model, with ``properties.extended.instanceView``);
``RecoveryServicesResources`` answers protected items and backup jobs; ``az vm list``,
``az disk list``, ``az backup job list`` answer plain lists, maybe in pages. Every row
is recognised by its content (:func:`~kb_engine.facts.azure_map.kind_of`), rows of
other resource types are counted and set aside, and the rest is sorted per VM:

* a VM row (or a protected item, for a VM no VM row lists) starts a VM, keyed by
  its resource id (by its name when no id is given);
* disks go to the VM their ``managedBy`` names, extensions to the VM their id is under,
  protected items to the VM their ``sourceResourceId`` names, jobs to the VM their
  ``entityFriendlyName`` names;
* each VM's documents are then read exactly as :func:`~kb_engine.facts.azure.facts_from_azure`
  reads one VM's, so a job list still concludes "no backup running" only when it could
  have shown one (a page with a skip token cannot).

Each VM gives one facts document, with ``name`` set to the VM's name (its resource id
when two VMs of the export share a name).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kb_engine.errors import InputError, Problem

from .azure import as_document, facts_of_documents
from .azure_shapes import Listing, unwrap
from .azure_map import AzureDocument, kind_of, name_in_id, vm_id_of
from .merge import MergeResult

__all__ = ["FleetResult", "VmFacts", "facts_from_fleet", "is_fleet"]


@dataclass(frozen=True, slots=True)
class VmFacts:
    """One VM of a fleet.

    Attributes:
        name: the VM's name as written into its facts (its resource id when names repeat).
        vm_id: its resource id, when the export gives one.
        result: its facts, provenance, conflicts and notes.
    """

    name: str
    vm_id: str | None
    result: MergeResult


@dataclass(frozen=True, slots=True)
class FleetResult:
    """Every VM the documents describe, in the order they first appear, and remarks on the whole export."""

    vms: list[VmFacts]
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Vm:
    key: str
    vm_id: str | None
    name: str
    docs: dict[tuple[str, str], list[Mapping[str, Any]]] = field(default_factory=dict)


def is_fleet(data: object) -> bool:
    """Whether a parsed document is a Resource Graph result (which always describes a fleet)."""
    try:
        _, listing = unwrap("", data)
    except InputError:
        return False
    return listing.graph


def facts_from_fleet(documents: Sequence[tuple[str, object]], *, known_codes: Collection[str] | None = None) -> FleetResult:
    """One facts document per VM from Resource Graph exports and ``az`` list outputs.

    Args:
        documents: ``(source name, parsed JSON value)`` pairs: every page of every export.
        known_codes: the knowledge base's error codes and aliases (see
            :func:`~kb_engine.facts.azure.facts_from_azure`); None for the shipped one's.

    Returns:
        The VMs with their facts, and notes on the export (rows set aside, missing pages).

    Raises:
        InputError: a document is not JSON of a shape kb-engine reads, or describes no VM
            at all. Every bad document is reported at once.
    """
    problems: list[Problem] = []
    listings: dict[str, Listing] = {}
    rows: list[tuple[str, str, Mapping[str, Any]]] = []
    ignored: dict[str, int] = {}
    for source, data in documents:
        try:
            items, listing = unwrap(source, data)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        except RecursionError:
            problems.append(Problem(source, "", "is nested too deeply"))
            continue
        listings[source] = listing
        for item in items:
            kind = kind_of(item)
            if kind is None or not isinstance(item, dict):
                rtype = item.get("type") if isinstance(item, dict) else None
                label = rtype.lower() if isinstance(rtype, str) else "rows without a type kb-engine reads"
                ignored[label] = ignored.get(label, 0) + 1
                continue
            rows.append((source, kind, item))
    if problems:
        raise InputError(problems, summary=f"{len(problems)} Azure document{'s' if len(problems) != 1 else ''} not understood")
    notes = [f"{count} {label} row{'s' if count != 1 else ''} set aside (not read for facts)" for label, count in sorted(ignored.items())]
    notes += [
        f"{source}: one page of a longer result (skip token or nextLink); VMs and jobs on other pages are missing, give every page"
        for source, listing in listings.items()
        if listing.listed and not listing.complete
    ]
    vms = _vms(rows)
    if not vms:
        seen = "; ".join(notes[: len(ignored)]) or "no rows"
        raise InputError(
            [
                Problem(
                    ", ".join(listings) or "<input>", "", f"describes no VM ({seen})", None,
                    "VM rows (Resources | where type =~ 'microsoft.compute/virtualmachines'), protected items or VM lists",
                )
            ]
        )
    _assign(rows, vms)
    names: dict[str, int] = {}
    for vm in vms.values():
        names[vm.name.casefold()] = names.get(vm.name.casefold(), 0) + 1
    # Whether a job list may have been filtered by status is a property of the whole list.
    statuses: dict[str, set[str]] = {}
    for source, kind, item in rows:
        if kind == "job" and (status := _text(_props(item).get("status"))) is not None:
            statuses.setdefault(source, set()).add(status)
    out = []
    for vm in vms.values():
        docs = [
            replace(as_document(source, kind, items, listings[source]), statuses=frozenset(statuses.get(source, ())))
            if kind == "job"
            else as_document(source, kind, items, listings[source])
            for (source, kind), items in vm.docs.items()
        ]
        result = facts_of_documents(_in_order(docs), known_codes=known_codes)
        name = vm.vm_id if names[vm.name.casefold()] > 1 and vm.vm_id else vm.name
        facts = {**result.facts, "name": name}
        out.append(VmFacts(name, vm.vm_id, replace(result, facts=facts)))
    return FleetResult(out, notes)


def _props(item: Mapping[str, Any]) -> Mapping[str, Any]:
    props = item.get("properties")
    return props if isinstance(props, dict) else item


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _vms(rows: list[tuple[str, str, Mapping[str, Any]]]) -> dict[str, _Vm]:
    """The VMs: every VM row, then every protected item of a VM no row lists."""
    vms: dict[str, _Vm] = {}
    for _, kind, item in rows:
        if kind == "vm":
            vm_id = vm_id_of(item.get("id"))
            name = _text(item.get("name")) or (name_in_id(vm_id) if vm_id else None)
            if name is not None:
                key = (vm_id or name).casefold()
                vms.setdefault(key, _Vm(key, vm_id, name))
    by_name = {vm.name.casefold(): vm for vm in vms.values()}
    for _, kind, item in rows:
        if kind == "protected_item":
            props = _props(item)
            vm_id = vm_id_of(props.get("sourceResourceId")) or vm_id_of(props.get("virtualMachineId"))
            name = _text(props.get("friendlyName")) or (name_in_id(vm_id) if vm_id else None)
            if name is None or (vm_id or name).casefold() in vms:
                continue
            known = by_name.get(name.casefold())
            if known is not None and (vm_id is None or known.vm_id is None):
                continue  # the same VM, named on one side only
            key = (vm_id or name).casefold()
            vms[key] = by_name[name.casefold()] = _Vm(key, vm_id, name)
    return vms


def _assign(rows: list[tuple[str, str, Mapping[str, Any]]], vms: dict[str, _Vm]) -> None:
    """Give each row to the VM it belongs to; rows of no listed VM are dropped."""
    by_name: dict[str, list[_Vm]] = {}
    for vm in vms.values():
        by_name.setdefault(vm.name.casefold(), []).append(vm)
    for source, kind, item in rows:
        owners: list[_Vm] = []
        if kind == "vm":
            vm_id = vm_id_of(item.get("id"))
            name = _text(item.get("name")) or (name_in_id(vm_id) if vm_id else "")
            owners = [vms[(vm_id or name).casefold()]] if (vm_id or name).casefold() in vms else []
        elif kind in {"disk", "extension", "protected_item"}:
            props = _props(item)
            ref = {
                "disk": item.get("managedBy"),
                "extension": item.get("id"),
                "protected_item": props.get("sourceResourceId") or props.get("virtualMachineId"),
            }[kind]
            owner = vm_id_of(ref)
            if owner is not None and owner.casefold() in vms:
                owners = [vms[owner.casefold()]]
            elif kind == "protected_item":
                # A VM known by name only, or an item that gives no id: matched by name, when that is unambiguous.
                named = by_name.get((_text(props.get("friendlyName")) or "").casefold(), [])
                owners = named if len(named) == 1 and (owner is None or named[0].vm_id is None) else []
        elif kind == "job":
            # A job names its VM only by friendly name; every VM of that name gets the job list.
            owners = by_name.get((_text(_props(item).get("entityFriendlyName")) or "").casefold(), [])
        for vm in owners:
            vm.docs.setdefault((source, kind), []).append(item)


_ORDER = {"vm": 0, "instance_view": 1, "extension": 2, "disk": 3, "protected_item": 4, "job": 5, "lock": 6}


def _in_order(docs: list[AzureDocument]) -> list[AzureDocument]:
    return sorted(docs, key=lambda d: _ORDER.get(d.kind, 9))
