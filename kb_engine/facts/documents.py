"""Facts documents as plain data: read, set and unset one fact by its dotted name, as facts files write it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from kb_engine.knowledge.vocabulary import Facts, FactValue

from .load import validate_facts

__all__ = ["facts_document", "get_fact", "set_fact", "unset_fact"]


# ---------------------------------------------------------------------------
# Facts documents


def _doc_path(fact: str) -> list[str]:
    """The keys of a fact in a facts document (aliases such as ``Extensions.Enabled`` where the model has them)."""
    model: type[BaseModel] | None = Facts
    keys: list[str] = []
    for part in fact.split("."):
        if model is None or part not in model.model_fields:
            raise KeyError(fact)
        field = model.model_fields[part]
        keys.append(field.alias or part)
        model = _model_in(field.annotation)
    return keys


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None and getattr(annotation, "__origin__", None) is not list:
            return found
    return None


def facts_document(facts: Facts | Mapping[str, Any] | None, source: str = "<facts>") -> dict[str, Any]:
    """A facts document as plain data: validated, unknown facts left out, keys as facts files write them.

    Raises:
        InputError: the facts are invalid.
    """
    model = facts if isinstance(facts, Facts) else validate_facts(dict(facts or {}), source)
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return _prune(data)


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key != "expect":
            value = _prune(value)
            if not value:
                continue
        out[key] = value
    return out


def set_fact(doc: Mapping[str, Any], fact: str, value: FactValue | None) -> dict[str, Any]:
    """A copy of a facts document with one fact set (None removes it)."""
    keys = _doc_path(fact)
    out = dict(doc)
    node = out
    for key in keys[:-1]:
        child = node.get(key)
        child = dict(child) if isinstance(child, Mapping) else {}
        node[key] = child
        node = child
    if value is None:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = value
    return _prune(out)


def get_fact(doc: Mapping[str, Any], fact: str) -> Any:
    """The value of one fact in a facts document, None when unknown."""
    node: Any = doc
    for key in _doc_path(fact):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def unset_fact(doc: Mapping[str, Any], fact: str) -> dict[str, Any]:
    """A copy of a facts document with one fact made unknown again."""
    return set_fact(doc, fact, None)
