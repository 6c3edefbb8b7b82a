"""Reading every YAML and JSON document kb_engine is given, within bounds, or failing fast with the file and the bound.

One reader serves facts files, JSON Lines records, Azure documents, guest
files, the knowledge base and the questions. Before anything is built it walks
the document's events (PyYAML's parser keeps its own stack, so this never
recurses) and refuses, naming the file, the line and the limit:

* a document larger than :attr:`Limits.max_bytes`;
* nesting deeper than :attr:`Limits.max_depth`;
* more aliases than :attr:`Limits.max_aliases` (none in facts files: a person
  never needs one there, and a few lines of nested anchors expand to billions
  of nodes), an alias inside its own anchor (a cycle), and more nodes than
  :attr:`Limits.max_nodes` once aliases are expanded;
* a tag beyond the core schema (``!!set``, ``!!binary``, ``!!python/...``).

What is built then holds only text keys, and a key written twice is an error
(PyYAML's ``SafeLoader`` keeps the last of two equal keys without a word, so a
file that says ``os: linux`` and later ``os: windows`` would be read as Windows).
Dates stay text. Undecodable bytes are reported with their offset.

``KB_ENGINE_MAX_INPUT_MIB`` sets the size limit of every input a user gives
(facts, JSON Lines lines, Azure documents, guest files).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from kb_engine.errors import InputError, KbEngineError, KnowledgeBaseError, Problem, show_value

__all__ = [
    "DATA_LIMITS",
    "DuplicateKeyError",
    "INPUT_LIMITS",
    "Limits",
    "UniqueKeyLoader",
    "decode_text",
    "input_limits",
    "parse_json",
    "parse_yaml",
    "path_label",
    "read_data_file",
    "unprintable_texts",
]

MIB = 1024 * 1024
MAX_INPUT_ENV = "KB_ENGINE_MAX_INPUT_MIB"


def path_label(name: str) -> str:
    """A path as messages and outputs name it, writable in every format.

    A file name that is not UTF-8 reaches Python with its stray bytes as lone
    surrogates, which JSON, CSV and the terminal cannot carry: they are shown as
    ``\\xNN`` (``vm\\xff.yaml``); any other lone surrogate as ``\\udNNN``.
    The file is still opened by its own name; only what is shown changes.
    """
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one document.

    Attributes:
        max_bytes: its size, in bytes (UTF-8 characters count as read).
        max_depth: how deeply mappings and lists may nest.
        max_aliases: how many YAML aliases (``*name``) it may use; 0 refuses any.
        max_nodes: how many values it may hold once every alias is expanded.
    """

    max_bytes: int = 4 * MIB
    max_depth: int = 64
    max_aliases: int = 0
    max_nodes: int = 1_000_000


INPUT_LIMITS = Limits()
"""A facts document, a JSON Lines line, an Azure document or a guest file: 4 MiB, 64 levels, no aliases."""

DATA_LIMITS = Limits(max_bytes=8 * MIB, max_depth=64, max_aliases=1000, max_nodes=1_000_000)
"""A knowledge-base file: 8 MiB, 64 levels, at most 1,000 aliases and a million values expanded."""


def input_limits(max_bytes: int = INPUT_LIMITS.max_bytes) -> Limits:
    """The limits of a user's input, the size as ``KB_ENGINE_MAX_INPUT_MIB`` sets it (else ``max_bytes``).

    Raises:
        InputError: the variable is not a whole number of MiB from 1 to 4096.
    """
    value = os.environ.get(MAX_INPUT_ENV)
    key = (value, max_bytes)
    found = _INPUT_LIMITS.get(key)  # read once per value: a fleet asks for every line
    if found is not None:
        return found
    if value is None or not value.strip():
        found = replace(INPUT_LIMITS, max_bytes=max_bytes)
    elif not value.strip().isdigit() or not 1 <= int(value) <= 4096:
        raise InputError([Problem(MAX_INPUT_ENV, "", f"{MAX_INPUT_ENV} is not a size in MiB", show_value(value),
                                   "a whole number from 1 to 4096")])
    else:
        found = replace(INPUT_LIMITS, max_bytes=int(value) * MIB)
    if len(_INPUT_LIMITS) > 64:
        _INPUT_LIMITS.clear()
    _INPUT_LIMITS[key] = found
    return found


_INPUT_LIMITS: dict[tuple[str | None, int], Limits] = {}


ErrorType = Callable[[list[Problem]], Exception]


def _fail(error: ErrorType, source: str, where: str, message: str) -> Exception:
    return error([Problem(source, where, message)])


def decode_text(raw: bytes, source: str, limits: Limits, error: ErrorType = InputError, *,
                utf16: bool = False) -> str:
    """Bytes as UTF-8 text (a byte-order mark dropped; UTF-16 with its mark when ``utf16``).

    Raises:
        InputError (or ``error``): larger than the limit, or not text, naming the byte offset.
    """
    if len(raw) > limits.max_bytes:
        raise _fail(error, source, "", f"is larger than {_size(limits.max_bytes)} (the limit; {MAX_INPUT_ENV} sets it)"
                    if error is InputError else f"is larger than {_size(limits.max_bytes)} (the limit)")
    encoding = "utf-16" if utf16 and raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise _fail(error, source, "", f"is not {name} text (byte {exc.start})") from None


def _size(count: int) -> str:
    return f"{count // MIB} MiB" if count % MIB == 0 else f"{count:,} bytes"


# libyaml's parser when PyYAML was built with it (it is, in the wheels): the same documents, read faster.
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_SafeBase):  # type: ignore[misc]
    """A safe YAML loader: text keys only, each once per mapping; dates stay text."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # `<<` merge keys, as SafeLoader reads them
    seen: set[str] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be text, not {show_value(key)} (quote it)", key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep)
    return mapping


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

_CORE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq"))


def _check_events(text: str, source: str, limits: Limits, loader: type[yaml.SafeLoader], error: ErrorType) -> None:
    """Walk the document's events (no recursion, nothing built) and refuse it at the first limit passed."""
    depth = 0
    aliases = 0
    expanded = 0  # values, counting each alias as the values its anchor holds
    open_anchors: list[tuple[str | None, int]] = []  # per open collection: its anchor, `expanded` where it began
    sizes: dict[str, int] = {}
    for event in yaml.parse(text, Loader=loader):
        line = f"line {event.start_mark.line + 1}" if event.start_mark is not None else ""
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if limits.max_aliases == 0:
                raise _fail(error, source, line, "uses a YAML alias (*name); aliases are not allowed here, write the value out")
            if aliases > limits.max_aliases:
                raise _fail(error, source, line, f"uses more than {limits.max_aliases:,} YAML aliases (the limit)")
            if event.anchor in {anchor for anchor, _ in open_anchors}:
                raise _fail(error, source, line, f"the alias *{event.anchor} is inside its own anchor (a cycle)")
            expanded += sizes.get(str(event.anchor), 1)
        elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            tag = event.tag
            if tag is not None and tag != "!" and tag not in _CORE_TAGS:
                raise _fail(error, source, line,
                            f"has the tag {tag}; only text, numbers, true/false, null, lists and mappings are read")
            expanded += 1
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limits.max_depth:
                    raise _fail(error, source, line,
                                f"is nested more than {limits.max_depth} levels deep (the limit)")
                open_anchors.append((event.anchor, expanded - 1))
            elif event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, began = open_anchors.pop()
            if anchor is not None:
                sizes[anchor] = expanded - began
        if expanded > limits.max_nodes:
            raise _fail(error, source, line,
                        f"holds more than {limits.max_nodes:,} values once its aliases are expanded (the limit)")


def parse_yaml(text: str, source: str, limits: Limits, *, loader: type[UniqueKeyLoader] = UniqueKeyLoader,
               error: ErrorType = InputError, what: str = "is not valid YAML", columns: bool = True) -> Any:
    """Parse one YAML document (JSON is YAML) within ``limits``.

    Raises:
        InputError (or ``error``): a limit passed, or not valid YAML (with the line and column).
    """
    if len(text) > limits.max_bytes:
        raise _fail(error, source, "", f"is larger than {_size(limits.max_bytes)} (the limit)")
    try:
        _check_events(text, source, limits, loader, error)
        return yaml.load(text, Loader=loader)  # noqa: S506 (a SafeLoader subclass)
    except KbEngineError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = "" if mark is None else f"line {mark.line + 1}" + (f", column {mark.column + 1}" if columns else "")
        reason = getattr(exc, "problem", None) or str(exc)
        raise _fail(error, source, where, f"{what}: {reason}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a number too long to read, and the like
        raise _fail(error, source, "", f"{what}: {show_value(str(exc))}") from None
    except RecursionError:
        raise _fail(error, source, "", f"is nested more than {limits.max_depth} levels deep (the limit)") from None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


class DuplicateKeyError(ValueError):
    """A JSON object with a key written twice (``args[0]`` is the key)."""


def parse_json(text: str, source: str, limits: Limits, *, parse_float: Callable[[str], Any] | None = None,
               error: ErrorType = InputError) -> Any:
    """Parse one JSON document within ``limits`` (a key written twice is an error).

    Raises:
        InputError (or ``error``): a limit passed, or not valid JSON (with the line and column).
        DuplicateKeyError: a key written twice (a ``ValueError``; callers that read YAML too retry as YAML,
            which names the line).
    """
    if len(text) > limits.max_bytes:
        raise _fail(error, source, "", f"is larger than {_size(limits.max_bytes)} (the limit)")
    try:
        data = json.loads(text, parse_float=parse_float, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except RecursionError:
        data = None
    else:
        if _depth(data) <= limits.max_depth:
            return data
    raise _fail(error, source, "", f"is nested more than {limits.max_depth} levels deep (the limit)")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(data: Any) -> int:
    """How deeply parsed data nests (iteratively)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, level + 1)
            stack += [(item, level + 1) for item in value if isinstance(item, (dict, list))]
    return deepest


def read_data_file(entry: Traversable | Path, where: str, limits: Limits = DATA_LIMITS) -> Any:
    """Read one YAML data file of the knowledge base.

    Raises:
        KnowledgeBaseError: the file is missing, unreadable, larger than the limit, not UTF-8 (with the
            byte offset), not valid YAML (with its line), past a limit, or holding a text no output can
            show; named as ``where``.
    """
    try:
        with entry.open("rb") as handle:
            raw = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise KnowledgeBaseError([Problem(where, "", "missing file")]) from None
    except OSError as exc:
        raise KnowledgeBaseError([Problem(where, "", f"cannot be read: {exc.strerror or exc}")]) from None
    text = decode_text(raw, where, limits, KnowledgeBaseError)
    data = parse_yaml(text, where, limits, error=KnowledgeBaseError, what="not valid YAML", columns=False)
    problems = [Problem(where, path, message, show_value(value)) for path, message, value in unprintable_texts(data)]
    if problems:
        raise KnowledgeBaseError(problems)
    return data


# Control characters (but the line feed), lone surrogates and bidirectional overrides: Graphviz refuses a
# NUL, a terminal obeys an escape sequence, and no text of ours needs any of them.
_UNPRINTABLE = re.compile("[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\u202a-\\u202e\\u2066-\\u2069]")


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
