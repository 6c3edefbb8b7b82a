"""Facts from Azure JSON documents: ARM bodies, REST example files, ``az`` CLI output.

Each document's kind is recognised by its content, never by its file name:

=================  =========================================================
kind               recognised by
=================  =========================================================
VM model           ``type`` Microsoft.Compute/virtualMachines, or a ``storageProfile``
VM instance view   a ``vmAgent``, or ``statuses`` with a ``PowerState/...`` code
managed disk(s)    ``type`` Microsoft.Compute/disks, or ``diskSizeGB`` at properties level
resource locks     ``type`` Microsoft.Authorization/locks, or a lock ``id``
backup jobs        ``properties.jobType`` (AzureIaaSVMJob jobs are read)
protected items    ``properties.protectedItemType``
=================  =========================================================

A REST example file (``{"parameters": ..., "responses": {"200": {"body": ...}}}``)
is read through its 200 response body; a list comes bare (``az lock list``) or as
``{"value": [...]}``. Every document becomes a partial facts document, and the
partials are merged (:func:`kb_engine.sources.merge.merge`) with the file names as
sources, so disagreeing documents become conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from kb_engine.errors import InputError, Problem

from .azure_map import MAPPERS, AzureDocument, context_of, kind_of
from .merge import MergeResult, merge

__all__ = ["KINDS", "facts_from_azure", "read_document"]

KINDS: Mapping[str, str] = {
    "vm": "VM model (az vm show)",
    "instance_view": "VM instance view (az vm get-instance-view)",
    "disk": "managed disk or list of disks (az disk show / az disk list)",
    "lock": "resource locks (az lock list)",
    "job": "backup jobs (az backup job list / show)",
    "protected_item": "backup protected items (az backup item list / show)",
}
"""The kinds of Azure documents understood, with the command that prints each."""

_UNDERSTOOD = "; ".join(KINDS.values()) + "; each also as a REST example file or an ARM response body"


def facts_from_azure(documents: Sequence[tuple[str, object]]) -> MergeResult:
    """One facts document from any mix of Azure documents.

    Args:
        documents: ``(source name, parsed JSON value)`` pairs; the source name (a file
            name, ``<stdin>``) is used in provenance, conflicts and error messages.

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
    context = context_of(parsed)
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
    body, scope_group, operation = _unwrap_example(source, data)
    listed = False
    complete = False
    path = ""
    if isinstance(body, list):
        items: list[object] = body
        listed = complete = True
    elif isinstance(body, dict) and isinstance(body.get("value"), list) and kind_of(body) is None:
        items = body["value"]
        listed = True
        complete = not any(key.lower() in {"nextlink", "@odata.nextlink"} and body[key] for key in body)
        path = "value"
    else:
        items = [body]
    if not items:
        return AzureDocument(source, "empty", (), listed, complete, scope_group, operation)
    kinds = [kind_of(item) for item in items]
    unknown = [i for i, kind in enumerate(kinds) if kind is None]
    if unknown:
        where = f"{path}[{unknown[0]}]" if listed else path
        what = "a list item" if listed else "the document"
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
        raise InputError([Problem(source, path, "the list mixes kinds of documents", mixed, "one kind per list")])
    kind = str(kinds[0])
    if kind in {"vm", "instance_view"} and len(items) > 1:
        raise InputError([Problem(source, path, f"lists {len(items)} VMs; give the one to diagnose (az vm show -g RG -n VM)")])
    resources = tuple(item for item in items if isinstance(item, dict))
    return AzureDocument(source, kind, resources, listed, complete, scope_group, operation)


def _unwrap_example(source: str, data: object) -> tuple[object, str | None, str | None]:
    """A REST example file's 200 response body, the resource group it asks about, its operationId."""
    if not (isinstance(data, dict) and isinstance(data.get("responses"), dict) and "parameters" in data):
        return data, None, None
    response = data["responses"].get("200")
    if not isinstance(response, dict) or "body" not in response:
        expected = 'responses: {"200": {"body": ...}}'
        raise InputError([Problem(source, "responses", "a REST example file without a 200 response body", None, expected)])
    parameters = data["parameters"] if isinstance(data["parameters"], dict) else {}
    group = parameters.get("resourceGroupName")
    operation = data.get("operationId")
    return (
        response["body"],
        group if isinstance(group, str) else None,
        operation if isinstance(operation, str) else None,
    )


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
