"""Facts from Azure JSON documents: ARM bodies, REST example files, ``az`` CLI output.

Each document's kind is recognised by its content, never by its file name:

=================  =========================================================
kind               recognised by
=================  =========================================================
VM model           ``type`` Microsoft.Compute/virtualMachines, or a ``storageProfile``
VM instance view   a ``vmAgent``, or ``statuses`` with a ``PowerState/...`` code
VM extensions      ``type`` Microsoft.Compute/virtualMachines/extensions, or an extension ``id``
managed disk(s)    ``type`` Microsoft.Compute/disks, a disk ``id``, or ``diskSizeGB``
resource locks     ``type`` Microsoft.Authorization/locks, or a lock ``id``
backup jobs        ``properties.jobType`` (AzureIaaSVMJob jobs are read)
protected items    ``properties.protectedItemType``
=================  =========================================================

A REST example file (``{"parameters": ..., "responses": {"200": {"body": ...}}}``)
is read through its 200 response body; a list comes bare (``az lock list``), as
``{"value": [...]}``, or as a Resource Graph result (``{"data": [...], "count": ...}``).
Every document becomes a partial facts document, and the partials are merged
(:func:`kb_engine.facts.merge.merge`) with the file names as sources, so
disagreeing documents become conflicts. Documents that describe different VMs
(resource id, name or computer name) are refused: :mod:`.azure_fleet` reads many VMs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kb_engine.errors import InputError, Problem

from .azure_map import MAPPERS, AzureDocument, context_of, identity_conflicts, kind_of
from .azure_shapes import KINDS, Listing, unwrap
from .merge import MergeResult, merge

__all__ = ["KINDS", "as_document", "facts_from_azure", "facts_of_documents", "read_document"]

_UNDERSTOOD = "; ".join(KINDS.values()) + "; each also as a REST example file, an ARM response body or Resource Graph rows"


def facts_from_azure(documents: Sequence[tuple[str, object]], *, known_codes: Collection[str] | None = None) -> MergeResult:
    """One facts document from any mix of Azure documents.

    Args:
        documents: ``(source name, parsed JSON value)`` pairs; the source name (a file
            name, ``<stdin>``) is used in provenance, conflicts and error messages.
        known_codes: the error codes and aliases of the knowledge base the facts are for
            (a failed job's code becomes ``observed_error`` only when it is one of them);
            None for the shipped knowledge base's.

    Returns:
        The merged facts, which facts came from which document, the conflicts between
        documents, and notes on what was skipped.

    Raises:
        InputError: a document is not one of the understood kinds (the message lists
            them), or is not an Azure JSON document at all. Every bad document is
            reported at once.
    """
    problems: list[Problem] = []
    parsed: list[AzureDocument] = []
    for source, data in documents:
        try:
            parsed.append(read_document(source, data))
        except InputError as exc:
            problems.extend(exc.problems)
        except RecursionError:
            problems.append(Problem(source, "", "is nested too deeply"))
    if problems:
        raise InputError(problems, summary=f"{len(problems)} Azure document{'s' if len(problems) != 1 else ''} not understood")
    for first, second, what in identity_conflicts(parsed):
        problems.append(
            Problem(
                second.source, "", f"describes another VM than {first.source} ({what})", None,
                "documents of one VM; for many VMs, use --fleet (one facts document per VM)",
            )
        )
    if problems:
        raise InputError(problems, summary="the documents describe more than one VM")
    return facts_of_documents(parsed, known_codes=known_codes)


def facts_of_documents(parsed: Sequence[AzureDocument], *, known_codes: Collection[str] | None = None) -> MergeResult:
    """One facts document from recognised documents that all describe one VM (``known_codes``: see
    :func:`facts_from_azure`).

    Raises:
        InputError: a document is nested too deeply to map.
    """
    context = replace(context_of(parsed), known_codes=None if known_codes is None else frozenset(known_codes))
    notes = list(context.notes)
    partials: list[tuple[str, Mapping[str, Any]]] = []
    for doc in parsed:
        try:
            partials.append((doc.source, _clean(MAPPERS[doc.kind](doc, context, notes))))
        except RecursionError:
            raise InputError([Problem(doc.source, "", "is nested too deeply")]) from None
    result = merge(partials)
    return replace(result, notes=[*notes, *result.notes])


def read_document(source: str, data: object) -> AzureDocument:
    """Recognise one Azure document by its content.

    Args:
        source: where the document came from, for messages.
        data: the parsed JSON value.

    Returns:
        The document's kind and resources.

    Raises:
        InputError: the document is of no understood kind, mixes kinds, or lists several VMs.
    """
    items, listing = unwrap(source, data)
    if not items:
        return AzureDocument(source, "empty", (), listing.listed, listing.complete, listing.scope_group, listing.operation)
    kinds = [kind_of(item) for item in items]
    unknown = [i for i, kind in enumerate(kinds) if kind is None]
    if unknown:
        where = f"{listing.path}[{unknown[0]}]" if listing.listed else listing.path
        what = "a list item" if listing.listed else "the document"
        raise InputError(
            [
                Problem(
                    source, where, f"{what} is not an Azure document kb-engine understands",
                    _describe(items[unknown[0]]), _UNDERSTOOD,
                )
            ]
        )
    if len(set(kinds)) > 1:
        mixed = ", ".join(sorted({str(k) for k in kinds}))
        raise InputError([Problem(source, listing.path, "the list mixes kinds of documents", mixed, "one kind per list (or --fleet)")])
    kind = str(kinds[0])
    if kind in {"vm", "instance_view"} and len(items) > 1:
        raise InputError(
            [
                Problem(
                    source, listing.path, f"lists {len(items)} VMs",
                    None, "one VM (az vm show -g RG -n VM), or --fleet for one facts document per VM",
                )
            ]
        )
    return as_document(source, kind, items, listing)


def as_document(source: str, kind: str, items: Sequence[object], listing: Listing) -> AzureDocument:
    """An :class:`AzureDocument` of one kind from its items."""
    resources = tuple(item for item in items if isinstance(item, dict))
    statuses = frozenset(
        status for item in resources if (status := _status_of(item)) is not None
    ) if kind == "job" else frozenset()
    return AzureDocument(
        source, kind, resources, listing.listed, listing.complete, listing.scope_group, listing.operation,
        listing.query_filter, statuses,
    )


def _status_of(item: Mapping[str, Any]) -> str | None:
    nested = item.get("properties")
    props: Mapping[str, Any] = nested if isinstance(nested, dict) else item
    status = props.get("status")
    return status.strip() if isinstance(status, str) and status.strip() else None


def _describe(item: object) -> str:
    if isinstance(item, dict) and not item:
        return "an empty object"
    if isinstance(item, dict):
        keys = sorted(str(k) for k in item)[:6]
        rtype = item.get("type")
        shown = f"an object with keys {', '.join(keys)}{', ...' if len(item) > 6 else ''}"
        return f"{shown} (type {rtype})" if isinstance(rtype, str) else shown
    if isinstance(item, list):
        return "a list"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    return names.get(type(item), "null") if item is not None else "null"


def _clean(node: object) -> Any:
    """The partial without its unknowns (None) and empty sections."""
    if isinstance(node, dict):
        out = {k: _clean(v) for k, v in node.items() if v is not None}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node
