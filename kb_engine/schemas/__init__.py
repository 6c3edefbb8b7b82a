"""JSON Schemas of the facts, the report and the knowledge files, generated from the models."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SCHEMA_NAMES", "schema", "schema_text"]

SCHEMA_NAMES = ("facts", "report", "kb")


def schema(which: str) -> dict[str, Any]:
    """The JSON Schema named ``which`` (facts, report or kb).

    Raises:
        ValueError: an unknown schema name.
    """
    if which == "facts":
        from kb_engine.knowledge.vocabulary import Facts

        body = Facts.model_json_schema(by_alias=True)
        title = "kb_engine VM facts"
    elif which == "report":
        from kb_engine.report.model import Report

        body = Report.model_json_schema()
        title = "kb_engine diagnosis report"
    elif which == "kb":
        from kb_engine.knowledge.files import CausesFile, CodesFile, EditionsFile, FindingsFile

        parts = {
            "editions.yaml": EditionsFile.model_json_schema(),
            "codes.yaml": CodesFile.model_json_schema(),
            "findings.yaml": FindingsFile.model_json_schema(),
            "causes.yaml": CausesFile.model_json_schema(),
        }
        body = {"type": "object", "description": "One schema per knowledge file.", "properties": parts}
        title = "kb_engine knowledge files"
    else:
        raise ValueError(f"unknown schema {which!r}; known: {', '.join(SCHEMA_NAMES)}")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **{k: v for k, v in body.items() if k != "title"}}


def schema_text(which: str) -> str:
    """The schema as canonical JSON text (sorted keys, trailing newline)."""
    return json.dumps(schema(which), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
