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

The field table (:mod:`.quick_table`) is built from the model's fields (their
types and bounds), and the reader generated from it (:mod:`.quick_source`); a
field of a kind it does not know is read only when absent or null.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from kb_engine.knowledge import vocabulary as v

from .quick_source import compiled_reader
from .quick_table import Defer, Fraction

__all__ = ["FlatFacts", "read_flat"]


class FlatFacts(NamedTuple):
    """What a diagnosis reads of one VM's facts document."""

    name: str | None
    observed_error: str | None
    flat: dict[str, object]


_SMALLEST_LIMIT = 1024 * 1024  # the smallest size limit a user can set: longer lines are left to the model's reader


def _no_constant(name: str) -> Any:
    raise ValueError(name)


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
    except Defer:
        return None
    except Fraction:
        pass
    try:  # a number with a fraction or an exponent: read as its text, as the model's reader does
        data = json.loads(line.decode("utf-8"), parse_float=str, parse_constant=_no_constant)
        return _read(data, line)
    except (Defer, Fraction, ValueError, RecursionError):
        return None


def _read(data: object, line: bytes) -> FlatFacts:
    flat, conf_given = compiled_reader()(data, line)
    flat.pop("schema_", None)
    flat.pop("description", None)
    name, observed = flat.pop("name", None), flat.pop("observed_error", None)
    if _contradicts(flat, conf_given):
        raise Defer
    return FlatFacts(name if isinstance(name, str) else None, observed if isinstance(observed, str) else None, flat)


def _contradicts(flat: Mapping[str, object], conf_given: bool) -> bool:
    """Whether the facts contradict each other as the model's consistency checks say (then the model names it)."""
    return bool(v.contradictions(flat, conf_given=conf_given)) or v.lock_details_without_lock(
        flat.get("backup.restore_point_group.locked"),
        flat.get("backup.restore_point_group.lock_name"),
        flat.get("backup.restore_point_group.lock_level"),
    )
