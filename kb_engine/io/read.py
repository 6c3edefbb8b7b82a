"""YAML reading shared by the knowledge base and facts files: a key written twice is an error.

PyYAML's ``SafeLoader`` keeps the last of two equal keys without a word, so a
file that says ``os: linux`` and later ``os: windows`` would be read as Windows.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import re

import yaml

from kb_engine.errors import KnowledgeBaseError, Problem, show_value

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
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else ""
        raise KnowledgeBaseError([Problem(where, at, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]) from None
    problems = [Problem(where, path, message, show_value(value)) for path, message, value in unprintable_texts(data)]
    if problems:
        raise KnowledgeBaseError(problems)
    return data


# Control characters (but the line feed), lone surrogates and bidirectional overrides: Graphviz refuses a
# NUL, a terminal obeys an escape sequence, and no text of ours needs any of them.
_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def unprintable_texts(data: Any, path: str = "") -> list[tuple[str, str, str]]:
    """Every text (key or value) of a document holding a character no output can show: (path, message, text)."""
    found: list[tuple[str, str, str]] = []
    stack: list[tuple[str, Any]] = [(path, data)]
    seen: set[int] = set()  # a container reached twice (a YAML alias) is read once, and a cycle ends
    while stack:
        where, value = stack.pop()
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, str):
            bad = _UNPRINTABLE.search(value)
            if bad is not None:
                kind = "a lone surrogate" if "\ud800" <= bad.group() <= "\udfff" else "a control character"
                found.append((where, f"holds {kind} (U+{ord(bad.group()):04X}), which no output can show", value))
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                sub = f"{where}.{key}" if where else str(key)
                stack.append((sub, item))
                stack.append((sub, key) if isinstance(key, str) else (sub, None))
        elif isinstance(value, list):
            stack += [(f"{where}[{i}]", item) for i, item in reversed(list(enumerate(value)))]
    return found
