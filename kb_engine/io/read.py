"""YAML reading shared by the knowledge base and facts files: a key written twice is an error.

PyYAML's ``SafeLoader`` keeps the last of two equal keys without a word, so a
file that says ``os: linux`` and later ``os: windows`` would be read as Windows.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from kb_engine.errors import KnowledgeBaseError, Problem

__all__ = ["UniqueKeyLoader", "read_data_file"]


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key written twice in one mapping."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_data_file(entry: Traversable | Path, where: str) -> Any:
    """Read one YAML data file of the knowledge base.

    Raises:
        KnowledgeBaseError: the file is missing, unreadable, or not valid YAML (with its line),
            named as ``where``.
    """
    try:
        text = entry.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeBaseError([Problem(where, "", "missing file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError([Problem(where, "", f"cannot be read: {exc}")]) from None
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else ""
        raise KnowledgeBaseError([Problem(where, at, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]) from None
