"""The field table of the quick reader of facts (:mod:`kb_engine.facts.quick`): for each key a facts document may
hold, its fact's name in ``Facts.flat``, how it is read, and its bounds, taken from the facts model's own fields.

A reader here reads a JSON value exactly as the facts model does, or raises :class:`Defer`: the line is then read
by the model, which gives the same facts or names every problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator

from kb_engine.knowledge import vocabulary as v
from kb_engine.knowledge.waagent_conf import read_value

__all__ = ["BOOL", "ITEMS", "SECTION", "VALUE", "Defer", "Fraction", "Items", "Reader", "Section", "root"]


class Defer(Exception):
    """The document is not one the quick reader reads exactly as the model does."""


class Fraction(Exception):
    """orjson read a number with a fraction or an exponent as a float (the model's reader keeps its text)."""


Reader = Callable[[object], object]


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
        raise Defer
    if v._CONTROL.search(value) or (name and v._BREAK.search(value)):
        raise Defer
    low, high = bounds.get("min_length"), bounds.get("max_length")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        raise Defer
    pattern = bounds.get("pattern")
    if pattern is not None and not (value.isascii() and pattern.fullmatch(value)):
        raise Defer
    return value


def _switch(value: object) -> object:
    if value is True or value is False:
        return value
    raise Defer


def _reader_of(field_name: str, field: Any) -> Reader | None:
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
                raise Defer
            if value in as_written:
                return value
            read = normalise(value)
            if read not in allowed:
                raise Defer
            return read

        return token
    if base is bool:
        return _switch
    if base is int:
        low, high = bounds.get("ge"), bounds.get("le")

        def whole(value: object) -> object:
            if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
                raise Defer
            return value

        return whole
    if any(getattr(m, "func", None) is v._check_version for m in [*field.metadata, *inner]):
        def version(value: object) -> object:
            if type(value) is not str:
                raise Defer
            if v._VERSION_RE.fullmatch(value) is not None:
                return value  # as written: read_version gives it back unchanged
            read = v.read_version(value)
            if read is None or v._VERSION_RE.fullmatch(read) is None:
                raise Defer
            return read

        return version
    if any(getattr(m, "func", None) is v._conf_value for m in inner):
        def conf(value: object) -> object:
            if type(value) is not str or len(value) > bounds.get("max_length", 0):
                raise Defer
            return _text(read_value(value), name=False, bounds=bounds)

        return conf
    if base is str and not inner and _before(field) is None:
        is_name = field_name in v.NAME_FIELDS

        def text(value: object) -> object:
            return _text(value, name=is_name, bounds=bounds)

        return text
    return None


VALUE, SECTION, ITEMS, BOOL = 0, 1, 2, 3  # how a field is read (the generated reader writes lines for each kind)


class Section:
    """One model of the facts: by each field's key in documents, its flat name, its kind and its reader."""

    def __init__(self, model: type[BaseModel], prefix: str) -> None:
        self.model = model
        self.fields: dict[str, tuple[str, int, Any]] = {}
        for name, field in model.model_fields.items():
            flat = prefix + name
            base = v._unwrap(field.annotation)
            entry: tuple[str, int, Any]
            if isinstance(base, type) and issubclass(base, BaseModel):
                entry = (flat, SECTION, Section(base, flat + "."))
            elif get_origin(base) is list:
                (item,) = get_args(base)
                entry = (flat, ITEMS, Items(item, _bounds(field).get("max_length")))
            else:
                reader = _reader_of(name, field)
                entry = (flat, BOOL if reader is _switch else VALUE, reader)
            self.fields[field.alias or name] = entry


class Items:
    """A list fact: its items' model, its length bound, and the fields of one item as the facts hold it, in
    sorted order (an extension's also says whether it is the backup one), each None until read."""

    def __init__(self, model: type[BaseModel], max_length: int | None) -> None:
        self.section = Section(model, "")
        self.max_length = max_length
        self.extension = model is v.Extension
        fields = [*model.model_fields, "is_backup"] if self.extension else list(model.model_fields)
        self.template: dict[str, object] = dict.fromkeys(sorted(fields))


_ROOT: Section | None = None


def root() -> Section:
    """The table of a whole facts document (built once)."""
    global _ROOT
    if _ROOT is None:
        _ROOT = Section(v.Facts, "")
    return _ROOT
