"""What every route shares: query parameters, the documented error answers, the facts request body."""

from __future__ import annotations

from typing import Any

from fastapi import Query

from ..problems import PROBLEM_MEDIA_TYPE
from ..service import BACKENDS, Service

__all__ = ["FACTS_BODY", "backend_query", "edition_query", "errors", "schema_ref", "text_content"]

_WHEN = {
    400: "The body is not a readable JSON or YAML document (not UTF-8, a syntax error, a key written twice).",
    401: "A bearer token is configured and the request did not carry it (WWW-Authenticate: Bearer).",
    404: "No such resource: an unknown route, error code, cause, edition or language (the closest names are suggested).",
    413: "The body is larger than the service's limit.",
    415: "The body is neither JSON nor YAML (by its Content-Type).",
    422: "The input is invalid: every problem with its path, value and what is allowed, as the command line lists them.",
    429: "Every worker is busy and the line of waiting requests is full; try again after Retry-After seconds.",
    500: "An internal error (or Graphviz's dot missing or failing); the request id is in the access log.",
    503: "The service is starting, or the request took longer than the time limit (Retry-After).",
}

COMMON = (401, 422, 429, 500, 503)


def schema_ref(name: str) -> dict[str, str]:
    """A reference to a schema in the document's components."""
    return {"$ref": f"#/components/schemas/{name}"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented problem answers of a route: ``statuses`` and those every /v1 route can give."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, *COMMON}):
        out[status] = {"description": _WHEN[status], "content": {PROBLEM_MEDIA_TYPE: {"schema": schema_ref("ProblemDetails")}}}
    return out


def text_content(*media_types: str) -> dict[str, Any]:
    """Response content of text media types."""
    return {media: {"schema": {"type": "string"}} for media in media_types}


_FACTS_OR_NOTHING = {"anyOf": [schema_ref("Facts"), {"type": "null"}]}

FACTS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "A VM's facts, as in a facts file (JSON or YAML); an empty body, or null, is a VM about which nothing is known.",
        "content": {"application/json": {"schema": _FACTS_OR_NOTHING}, "application/yaml": {"schema": _FACTS_OR_NOTHING}},
    }
}
"""The request body of the routes that take a VM's facts (read by the library, not by the framework)."""


def edition_query(service: Service) -> Any:
    """The ``edition`` query parameter: one of the knowledge base's editions, or None when not given.

    None means the default edition, the newest: a report then says it followed the default
    (its ``edition_reason``), as the command line's does without ``--edition``.
    """
    ids = list(service.kb.edition_ids)
    return Query(
        None,
        description=f"The article's edition: {', '.join(ids)} (when not given: the newest, "
        f"{service.kb.default.id}, and a report says it followed the default).",
        json_schema_extra={"enum": ids},
    )


def backend_query(service: Service) -> Any:
    """The ``backend`` query parameter: how the rules run (the same reports either way)."""
    return Query(
        service.settings.backend,
        description="experta (forward chaining) or direct (the same rules step by step, much faster); identical reports.",
        json_schema_extra={"enum": list(BACKENDS)},
    )
