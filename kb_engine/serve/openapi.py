"""The OpenAPI document: the routes' own description plus the library's models as its schemas.

The document is committed as ``kb_engine/schemas/openapi.json`` (``kb-engine
schema openapi`` prints it, :func:`kb_engine.serve.app.committed_openapi`) and a
test keeps it equal to what the application generates, as for the other schemas.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from kb_engine.fleet.model import FleetRow
from kb_engine.knowledge.vocabulary import Facts
from kb_engine.report.model import Report

from .models import ConsultStep, EditionsList, Health, KbEntity, KbListing, Ready
from .problems import LineProblem, ProblemDetails

__all__ = ["openapi_document", "openapi_text"]

_MODELS: list[tuple[type[BaseModel], JsonSchemaMode]] = [
    (Facts, "validation"),
    (Report, "serialization"),
    (ConsultStep, "serialization"),
    (ProblemDetails, "serialization"),
    (FleetRow, "serialization"),
    (LineProblem, "serialization"),
    (EditionsList, "serialization"),
    (KbListing, "serialization"),
    (KbEntity, "serialization"),
    (Health, "serialization"),
    (Ready, "serialization"),
]

DESCRIPTION = """\
Diagnose Azure VM backup failures caused by the VM agent or the backup extension, over HTTP:
the same engine, knowledge base and answers as the `kb-engine` command line.

Facts bodies are JSON or YAML documents, read as facts files are; a batch is JSON Lines, one VM per line,
answered line by line as `kb-engine diagnose` answers a JSON Lines file. Errors are RFC 9457 problem
details (`application/problem+json`) whose `problems` list every problem found in the input, with
its path, value and what is allowed, as the command line lists them.
"""


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The application's OpenAPI document (built once, then kept on the application)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version, description=DESCRIPTION, routes=app.routes)
    _, defs = models_json_schema(_MODELS, ref_template="#/components/schemas/{model}")
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(defs.get("$defs", {}))
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            if "security" in operation:
                operation["security"].append({})  # the token is needed only when the service has one
    app.openapi_schema = doc
    return doc


def openapi_text(app: FastAPI) -> str:
    """The document as canonical JSON text (sorted keys, trailing newline)."""
    return json.dumps(openapi_document(app), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
