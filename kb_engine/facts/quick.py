"""Reading one JSON Lines facts document straight into the facts by name, for fleets.

:func:`read_flat` reads a line the facts model would accept into what a
diagnosis needs of it (the VM's name, the observed error code and
:meth:`Facts.flat`), without building the model, or returns None: then the
caller reads the line with the model (:func:`~kb_engine.facts.load.validate_facts`),
which gives the same facts or names every problem. It accepts only what it can
read exactly as the model does, and defers everything else, so its answers are
the model's (property tests hold the two together on generated and on odd
documents):

* JSON that orjson reads (strict JSON, valid UTF-8), with no backslash (no
  escapes), no key written twice, a number with a fraction or an exponent read
  as its text (``4.5`` stays ``"4.5"``) as the model's reader does;
* every key a field of the model, by its name in documents (``$schema``,
  ``Extensions.Enabled``); every value of the field's type as JSON writes it
  (no ``"true"`` for true, no ``1.0`` for 1), within the field's bounds;
* tokens, versions and waagent.conf values read by the model's own functions
  (``Not Ready`` is ``not_ready``, ``v2.2.9`` is ``2.2.9``);
* no text the model refuses (a control character, a line break in a name) and
  no contradiction between facts;
* no ``expect`` (scenario files are read by the model).

The field table is built from the model's fields (their types and bounds); a
field of a kind it does not know is read only when absent or null.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, NamedTuple, get_args, get_origin

import orjson
from pydantic import BaseModel, BeforeValidator

from kb_engine.knowledge import vocabulary as v
from kb_engine.knowledge.waagent_conf import read_value

__all__ = ["FlatFacts", "read_flat"]


class FlatFacts(NamedTuple):
    """What a diagnosis reads of one VM's facts document."""

    name: str | None
    observed_error: str | None
    flat: dict[str, object]


_SMALLEST_LIMIT = 1024 * 1024  # the smallest size limit a user can set: longer lines are left to the model's reader


class _Defer(Exception):
    """The document is not one this reader reads exactly as the model does."""


def _no_constant(name: str) -> Any:
    raise ValueError(name)


# --------------------------------------------------------------------------- the field table

_Reader = Callable[[object], object]


def _bounds(field: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in field.metadata:
        for name in ("ge", "le", "min_length", "max_length", "pattern"):
            value = getattr(item, name, None)
            if value is not None:
                found[name] = re.compile(value) if name == "pattern" else value
    return found


def _before(field: Any) -> Callable[[object], object] | None:
    for item in field.metadata:
        if isinstance(item, BeforeValidator):
            return item.func  # type: ignore[return-value]
    return None


def _inner_metadata(annotation: Any) -> list[Any]:
    return [m for arg in get_args(annotation) for m in getattr(arg, "__metadata__", ())]


def _text(value: object, *, name: bool, bounds: dict[str, Any]) -> str:
    if type(value) is not str:
        raise _Defer
    if v._CONTROL.search(value) or (name and v._BREAK.search(value)):
        raise _Defer
    low, high = bounds.get("min_length"), bounds.get("max_length")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        raise _Defer
    pattern = bounds.get("pattern")
    if pattern is not None and not (value.isascii() and pattern.fullmatch(value)):
        raise _Defer
    return value


def _switch(value: object) -> object:
    if value is True or value is False:
        return value
    raise _Defer


def _reader_of(field_name: str, field: Any) -> _Reader | None:
    """How to read one field's JSON value into its value in ``Facts.flat`` (None: a kind not read here)."""
    annotation = field.annotation
    base = v._unwrap(annotation)
    bounds = _bounds(field)
    inner = _inner_metadata(annotation)
    if isinstance(base, type) and issubclass(base, StrEnum):
        normalise = _before(field)
        allowed = frozenset(m.value for m in base)
        if normalise is None:
            return None

        as_written = frozenset(value for value in allowed if normalise(value) == value)  # read as they are

        def token(value: object) -> object:
            if type(value) is not str:
                raise _Defer
            if value in as_written:
                return value
            read = normalise(value)
            if read not in allowed:
                raise _Defer
            return read

        return token
    if base is bool:
        return _switch
    if base is int:
        low, high = bounds.get("ge"), bounds.get("le")

        def whole(value: object) -> object:
            if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
                raise _Defer
            return value

        return whole
    if any(getattr(m, "func", None) is v._check_version for m in [*field.metadata, *inner]):
        def version(value: object) -> object:
            if type(value) is not str:
                raise _Defer
            if v._VERSION_RE.fullmatch(value) is not None:
                return value  # as written: read_version gives it back unchanged
            read = v.read_version(value)
            if read is None or v._VERSION_RE.fullmatch(read) is None:
                raise _Defer
            return read

        return version
    if any(getattr(m, "func", None) is v._conf_value for m in inner):
        def conf(value: object) -> object:
            if type(value) is not str or len(value) > bounds.get("max_length", 0):
                raise _Defer
            return _text(read_value(value), name=False, bounds=bounds)

        return conf
    if base is str and not inner and _before(field) is None:
        is_name = field_name in v.NAME_FIELDS

        def text(value: object) -> object:
            return _text(value, name=is_name, bounds=bounds)

        return text
    return None


_VALUE, _SECTION, _ITEMS, _BOOL = 0, 1, 2, 3  # how a field is read (a switch in the walk itself)


class _Section:
    """One model of the facts: by each field's key in documents, its flat name, its kind and its reader."""

    def __init__(self, model: type[BaseModel], prefix: str) -> None:
        self.model = model
        self.fields: dict[str, tuple[str, int, Any]] = {}
        for name, field in model.model_fields.items():
            flat = prefix + name
            base = v._unwrap(field.annotation)
            entry: tuple[str, int, Any]
            if isinstance(base, type) and issubclass(base, BaseModel):
                entry = (flat, _SECTION, _Section(base, flat + "."))
            elif get_origin(base) is list:
                (item,) = get_args(base)
                entry = (flat, _ITEMS, _Items(item, _bounds(field).get("max_length")))
            else:
                reader = _reader_of(name, field)
                entry = (flat, _BOOL if reader is _switch else _VALUE, reader)
            self.fields[field.alias or name] = entry


class _Items:
    """A list fact: its items' model and its length bound."""

    def __init__(self, model: type[BaseModel], max_length: int | None) -> None:
        self.section = _Section(model, "")
        self.template: dict[str, object] = dict.fromkeys(model.model_fields)
        self.max_length = max_length
        self.extension = model is v.Extension


# --------------------------------------------------------------------------- reading


_READ: dict[tuple[_Reader, str], object] = {}
"""Text values already read, by the field's reader and the text as written (a reader's answer depends on nothing
else; one that defers is not kept). At most ``_READ_MAX``, and no VM's own name."""
_READ_MAX = 20_000
_UNIQUE = frozenset({"name", "description"})  # a VM's own: not kept
_UNREAD = object()


class _Walk:
    def __init__(self) -> None:
        self.pairs = 0
        self.colons = 0
        self.conf_given = False  # agent.waagent_conf given (an empty one too: a consistency check asks)

    def section(self, section: _Section, data: object, out: dict[str, object]) -> None:
        if type(data) is not dict:
            raise _Defer
        self.pairs += len(data)
        fields = section.fields
        for key, value in data.items():
            entry = fields.get(key)
            if entry is None:
                raise _Defer  # a field the model does not have (null or not)
            if value is None:
                continue  # unknown: None in the flat template, for it and every fact below it
            name, kind, reader = entry
            if kind == _BOOL:
                if value is not True and value is not False:
                    raise _Defer
                out[name] = value
            elif kind == _VALUE:
                vtype = type(value)
                if vtype is str:
                    if ":" in value:
                        self.colons += value.count(":")
                    if reader is None:
                        raise _Defer
                    read = _READ.get((reader, value), _UNREAD)  # a fleet repeats its tokens, versions and names
                    if read is _UNREAD:
                        read = reader(value)
                        if len(_READ) < _READ_MAX and name not in _UNIQUE:
                            _READ[(reader, value)] = read
                    out[name] = read
                    continue
                if vtype is float:
                    raise _Fraction
                if reader is None:
                    raise _Defer
                out[name] = reader(value)
            elif kind == _SECTION:
                if name == "agent.waagent_conf":
                    self.conf_given = True
                self.section(reader, value, out)
            else:
                out[name] = self.items(reader, value)

    def items(self, items: _Items, data: object) -> tuple[v.Record, ...]:
        if type(data) is not list or (items.max_length is not None and len(data) > items.max_length):
            raise _Defer
        out = []
        for item in data:
            values = dict(items.template)
            self.section(items.section, item, values)
            if items.extension:
                if values["name"] is None:
                    raise _Defer
                values["is_backup"] = str(values["name"]).rsplit(".", 1)[-1].casefold() in v._BACKUP_NAMES_FOLDED
            out.append(v.Record(values))
        return tuple(out)


_ROOT: _Section | None = None
_TEMPLATE: dict[str, object] = {}


def _root() -> _Section:
    global _ROOT, _TEMPLATE
    if _ROOT is None:
        _TEMPLATE = dict.fromkeys(v.fact_catalog())
        _ROOT = _Section(v.Facts, "")
    return _ROOT


def read_flat(line: bytes) -> FlatFacts | None:
    """The facts of one JSON Lines line (stripped) as a diagnosis reads them, when they can be read exactly as
    the facts model reads them without it; else None (read the line with the model)."""
    if len(line) > _SMALLEST_LIMIT or b"\\" in line:
        return None
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    try:
        return _read(data, line)
    except _Defer:
        return None
    except _Fraction:
        pass
    try:  # a number with a fraction or an exponent: read as its text, as the model's reader does
        data = json.loads(line.decode("utf-8"), parse_float=str, parse_constant=_no_constant)
        return _read(data, line)
    except (_Defer, _Fraction, ValueError, RecursionError):
        return None


class _Fraction(Exception):
    """orjson read a number with a fraction or an exponent as a float."""


def _read(data: object, line: bytes) -> FlatFacts:
    root = _root()
    walk = _Walk()
    flat = dict(_TEMPLATE)
    walk.section(root, data, flat)
    if line.count(b":") != walk.pairs + walk.colons:
        raise _Defer  # a key written twice (the model's reader refuses it)
    flat.pop("schema_", None)
    flat.pop("description", None)
    name, observed = flat.pop("name", None), flat.pop("observed_error", None)
    if _contradicts(flat, walk.conf_given):
        raise _Defer
    return FlatFacts(name if isinstance(name, str) else None, observed if isinstance(observed, str) else None, flat)


def _contradicts(flat: Mapping[str, object], conf_given: bool) -> bool:
    """Whether the facts contradict each other as the model's consistency checks say (then the model names it)."""
    return bool(v.contradictions(flat, conf_given=conf_given)) or v.lock_details_without_lock(
        flat.get("backup.restore_point_group.locked"),
        flat.get("backup.restore_point_group.lock_name"),
        flat.get("backup.restore_point_group.lock_level"),
    )
