"""Reading VM facts from files, standard input, dicts or models.

Every problem in a document is reported at once, each with the source, the
field path, the value given and what is allowed. Nothing here raises anything
but :class:`~kb_engine.errors.InputError` for bad input.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import yaml
from pydantic import BaseModel, ValidationError

from kb_engine.errors import InputError, Problem, show_value
from kb_engine.io.read import UniqueKeyLoader, decode_text, input_limits, parse_json, parse_yaml
from kb_engine.io.streams import stdin_bytes
from kb_engine.knowledge.vocabulary import Facts, InputNote

__all__ = ["FactsSource", "load_facts", "parse_document", "parse_facts_bytes", "parse_facts_text", "validate_facts"]

FactsSource = Facts | Mapping[str, Any] | str | Path
"""What :func:`load_facts` accepts: a model, a dict, a path, or ``"-"`` for standard input."""


class _FactsLoader(UniqueKeyLoader):
    """YAML without floats: no fact is a fraction, but versions are often written bare (``2.10``).

    A bare ``2.10`` stays the text ``2.10`` instead of becoming the float 2.1.
    JSON is read the same way (``parse_float=str``). A key written twice is an error.
    """


def _float_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_FactsLoader.add_constructor("tag:yaml.org,2002:float", _float_as_text)


def load_facts(source: FactsSource, *, stdin: IO[str] | IO[bytes] | None = None) -> Facts:
    """Load and validate the facts of one VM.

    Args:
        source: a :class:`Facts`, a mapping, a path to a JSON or YAML file, or ``"-"`` for standard input.
        stdin: the stream read for ``"-"`` (defaults to standard input, read as bytes).

    Raises:
        InputError: the file cannot be read or parsed, or the facts are invalid.
        StreamError: ``"-"`` and standard input is closed.
    """
    if isinstance(source, Facts):
        return source
    if isinstance(source, Mapping):
        return validate_facts(source, "<dict>")
    if str(source) == "-":
        # Bytes, decoded as a file is: the locale or PYTHONIOENCODING never decides what the facts say.
        data = (stdin if stdin is not None else stdin_bytes()).read(input_limits().max_bytes + 1)
        if isinstance(data, str):
            return parse_facts_text(data, "<stdin>")
        return validate_facts(parse_facts_bytes(data, "<stdin>"), "<stdin>")
    path = Path(source)
    try:
        with path.open("rb") as handle:
            raw = handle.read(input_limits().max_bytes + 1)
    except FileNotFoundError:
        raise InputError([Problem(str(path), "", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(str(path), "", "is a directory, not a facts file")]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot be read: {exc.strerror or exc}")]) from None
    return validate_facts(parse_facts_bytes(raw, str(path)), str(path))


def parse_facts_bytes(raw: bytes, source: str) -> object:
    """Decode (UTF-8, with or without a byte-order mark) and parse a JSON or YAML document, not yet validated.

    Raises:
        InputError: the bytes are too many, not UTF-8, or not valid JSON/YAML.
    """
    return parse_document(decode_text(raw, source, input_limits()), source)


def parse_facts_text(text: str, source: str) -> Facts:
    """Parse a JSON or YAML facts document (JSON is YAML; both are accepted anywhere).

    Raises:
        InputError: the text is too large, not valid JSON/YAML, or the facts are invalid.
    """
    return validate_facts(parse_document(text, source), source)


def parse_document(text: str, source: str) -> object:
    """Parse a JSON or YAML document as facts files are read (bare versions stay text), without validating it.

    Raises:
        InputError: the text is too large or not valid JSON/YAML.
    """
    limits = input_limits()
    try:
        return parse_json(text, source, limits, parse_float=str)
    except InputError:
        raise
    except ValueError:  # not JSON, or JSON with a key twice: YAML reads both, and says where a key repeats
        return parse_yaml(text, source, limits, loader=_FactsLoader, what="is not valid JSON or YAML")


def validate_facts(data: object, source: str) -> Facts:
    """Validate a parsed document against the facts model.

    Raises:
        InputError: every problem found, with field paths and what is allowed.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        _refuse_azure_output(data, source)
        raise InputError(
            [Problem(source, "", "must be a mapping of facts (a JSON object)", show_value(data), "an object such as {\"vm\": {\"os\": \"linux\"}}")]
        )
    notes: list[InputNote] = []
    try:
        facts = Facts.model_validate(dict(data), context={"input_notes": notes})
    except ValidationError as exc:
        _refuse_azure_output(data, source)
        raise InputError(list(_problems(exc, data, source))) from None
    except RecursionError:
        raise InputError([Problem(source, "", "is nested too deeply")]) from None
    if notes:
        facts._input_notes = tuple(notes)
    return facts


def _refuse_azure_output(data: object, source: str) -> None:
    """Raise one clear error when invalid facts are in fact Azure output, naming the command that reads it."""
    from .azure_shapes import azure_kind_of

    kind = azure_kind_of(data)
    if kind is not None:
        argument = "-" if source == "<stdin>" else source
        message = f"looks like Azure output, {kind}, not a facts file: turn it into facts with kb-engine facts from-azure {argument}"
        raise InputError([Problem(source, "", message)])


def _problems(exc: ValidationError, data: object, source: str) -> Iterable[Problem]:
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = _path(loc)
        kind = error["type"]
        value = error.get("input")
        if kind == "extra_forbidden":
            allowed = _fields_at(Facts, loc[:-1])
            name = str(loc[-1])
            close = difflib.get_close_matches(name, allowed, n=3, cutoff=0.6)
            message = "unknown field" + (f"; did you mean {', '.join(close)}?" if close else "")
            yield Problem(source, path, message, None, ", ".join(allowed))
        elif kind in {"enum"}:
            expected = error.get("ctx", {}).get("expected", "")
            yield Problem(source, path, "not an allowed value", show_value(value), str(expected))
        elif kind == "value_error" and not loc:
            for item in str(error["msg"]).removeprefix("Value error, ").split("; "):
                yield Problem(source, "", f"contradictory facts: {item}")
        elif kind == "string_unicode":  # pydantic's own refusal of a lone surrogate, in our words
            found = next((f"U+{ord(c):04X}" for c in str(value) if "\ud800" <= c <= "\udfff"), "U+D800")
            yield Problem(source, path, f"is not valid Unicode text: it holds a lone surrogate ({found})", show_value(value))
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            yield Problem(source, path, message, show_value(value) if not isinstance(value, dict) else None, _allowed(kind, error))


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and "[" in part:
            continue  # pydantic's union/function tags, not document keys
        else:
            out += ("." if out else "") + str(part)
    return out


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if hasattr(current, "model_fields") else None
        if field is None:
            for candidate in getattr(current, "model_fields", {}).values():
                if candidate.alias == part:
                    field = candidate
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", {})
    return sorted(f.alias or name for name, f in fields.items())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _allowed(kind: str, error: Any) -> str | None:
    ctx = error.get("ctx") or {}
    if kind.startswith("greater_than_equal"):
        return f">= {ctx.get('ge')}"
    if kind.startswith("less_than_equal"):
        return f"<= {ctx.get('le')}"
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx.get('pattern')}"
    if kind in {"bool_parsing", "bool_type"}:
        return "true, false or null (unknown)"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "a whole number or null (unknown)"
    if kind in {"string_type"}:
        return "text or null (unknown)"
    if kind in {"list_type"}:
        return "a list or null (unknown)"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "an object"
    return None


