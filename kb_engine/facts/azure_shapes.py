"""The shapes Azure documents come in: bare, ``{"value": [...]}``, Resource Graph results, REST example files.

:func:`unwrap` finds the resources in a document and says how it holds them (a list,
complete or one page); :func:`azure_kind_of` says what an Azure document is, for
messages to users who give Azure output where a facts file is expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from kb_engine.errors import InputError, Problem

from .azure_map import kind_of

__all__ = ["KINDS", "Listing", "azure_kind_of", "unwrap"]

KINDS: Mapping[str, str] = {
    "vm": "VM model (az vm show, az vm list, a Resource Graph row)",
    "instance_view": "VM instance view (az vm get-instance-view)",
    "extension": "VM extensions (az vm extension list / show)",
    "disk": "managed disk or list of disks (az disk show / az disk list)",
    "lock": "resource locks (az lock list)",
    "job": "backup jobs (az backup job list / show)",
    "protected_item": "backup protected items (az backup item list / show)",
    "policy": "backup policy (az backup policy show)",
}
"""The kinds of Azure documents understood, with the command that prints each."""

@dataclass(frozen=True, slots=True)
class Listing:
    """How a document holds its resources.

    Attributes:
        listed: a list (``[...]``, ``{"value": [...]}`` or Resource Graph rows), not one resource.
        complete: a whole list, not one page of several (no ``nextLink``, no skip token,
            not truncated).
        path: where the items are in the document (``value``, ``data``, or ``""``).
        scope_group: the resource group a REST example file was requested for.
        operation: a REST example file's ``operationId``.
        query_filter: a REST example file's ``$filter``.
        graph: a Resource Graph result (``az graph query``, the ``resources`` API).
    """

    listed: bool = False
    complete: bool = False
    path: str = ""
    scope_group: str | None = None
    operation: str | None = None
    query_filter: str | None = None
    graph: bool = False


def unwrap(source: str, data: object) -> tuple[list[object], Listing]:
    """The resources a document holds, and how it holds them.

    Raises:
        InputError: a REST example file has no 200 response body, or a Resource Graph
            table's rows do not match its columns.
    """
    body, scope_group, operation, query_filter = _unwrap_example(source, data)
    base = Listing(scope_group=scope_group, operation=operation, query_filter=query_filter)
    if isinstance(body, list):
        return body, replace(base, listed=True, complete=True)
    if isinstance(body, dict) and _is_graph_result(body):
        rows = _graph_rows(source, body["data"])
        more = any(body.get(key) for key in ("$skipToken", "skipToken", "skip_token"))
        truncated = str(body.get("resultTruncated", "false")).lower() == "true"
        return rows, replace(base, listed=True, complete=not (more or truncated), path="data", graph=True)
    if isinstance(body, dict) and isinstance(body.get("value"), list) and kind_of(body) is None:
        complete = not any(key.lower() in {"nextlink", "@odata.nextlink"} and body[key] for key in body)
        return body["value"], replace(base, listed=True, complete=complete, path="value")
    return [body], base


def _is_graph_result(body: Mapping[str, Any]) -> bool:
    """``{"data": ..., "count": ...}`` as Resource Graph answers (``totalRecords`` in REST, ``total_records`` in az)."""
    data = body.get("data")
    tabular = isinstance(data, dict) and isinstance(data.get("columns"), list) and isinstance(data.get("rows"), list)
    counted = any(key in body for key in ("count", "totalRecords", "total_records"))
    return counted and (isinstance(data, list) or tabular)


def _graph_rows(source: str, data: object) -> list[object]:
    """Rows as objects: Resource Graph's ``objectArray`` as it is, its ``table`` format turned into objects."""
    if isinstance(data, list):
        return data
    table = data if isinstance(data, dict) else {}
    columns = [str(c.get("name")) if isinstance(c, dict) else str(c) for c in table.get("columns", [])]
    rows: list[object] = []
    for index, row in enumerate(table.get("rows", [])):
        if not isinstance(row, list) or len(row) != len(columns):
            raise InputError([Problem(source, f"data.rows[{index}]", "does not match the table's columns", None, f"{len(columns)} values")])
        rows.append(dict(zip(columns, row, strict=True)))
    return rows


def azure_kind_of(data: object) -> str | None:
    """What Azure document ``data`` looks like ("a VM instance view (az vm get-instance-view)"), or None.

    Used to tell a user who hands Azure output to ``diagnose`` what it is and how to turn it into facts.
    """
    try:
        items, listing = unwrap("", data)
    except (InputError, RecursionError):
        return None
    if listing.graph:
        return "a Resource Graph result (az graph query)"
    kinds = {kind for item in items if (kind := kind_of(item)) is not None}
    if len(kinds) == 1:
        return KINDS[kinds.pop()]
    if kinds:
        return "Azure resources (" + ", ".join(sorted(kinds)) + ")"
    looks_arm = any(
        isinstance(item, dict)
        and (str(item.get("id", "")).lower().startswith("/subscriptions/") or str(item.get("type", "")).lower().startswith("microsoft."))
        for item in items[:20]
    )
    return "an Azure resource document" if looks_arm else None


def _unwrap_example(source: str, data: object) -> tuple[object, str | None, str | None, str | None]:
    """A REST example file's 200 response body, the resource group it asks about, its operationId and $filter."""
    if not (isinstance(data, dict) and isinstance(data.get("responses"), dict) and "parameters" in data):
        return data, None, None, None
    response = data["responses"].get("200")
    if not isinstance(response, dict) or "body" not in response:
        expected = 'responses: {"200": {"body": ...}}'
        raise InputError([Problem(source, "responses", "a REST example file without a 200 response body", None, expected)])
    parameters = data["parameters"] if isinstance(data["parameters"], dict) else {}
    group = parameters.get("resourceGroupName")
    operation = data.get("operationId")
    query_filter = parameters.get("$filter")
    return (
        response["body"],
        group if isinstance(group, str) else None,
        operation if isinstance(operation, str) else None,
        query_filter if isinstance(query_filter, str) else None,
    )
