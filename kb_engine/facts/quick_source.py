"""The quick reader of facts written out as one Python function, generated from the field table.

:func:`compiled_reader` gives ``read(data, line)``: for each field of the facts
model, in the model's order, a few lines that take its value from the parsed JSON
(``dict.get``), check its type and read it with the field's own reader (the
texts a fleet repeats read once per field), and put it under its name in
``Facts.flat``; each object's keys are checked against the model's at once. So a
line costs a lookup per field of the model rather than a walk of a generic table
per key of the document. It raises :class:`~.quick_table.Defer` for anything the
model must read itself, as the table's readers do.

The source is made from the facts model only (keys and names written with
``repr()`` of plain strings, every reader and table passed in by position), never
from a document; :func:`reader_source` shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from kb_engine.knowledge import vocabulary as v

from .quick_table import BOOL, ITEMS, SECTION, Defer, Fraction, Items, Section, root

__all__ = ["CACHED_TEXT", "CACHE_ENTRIES", "CompiledReader", "compiled_reader", "reader_source"]

CompiledReader = Callable[[Any, bytes], tuple[dict[str, object], bool]]
"""``read(data, line)``: the facts by name of a parsed line (``line``: its bytes, for the check that no key is written
twice) and whether ``agent.waagent_conf`` was given; raises Defer or Fraction."""

CACHED_TEXT = 256
"""Texts up to this length are kept once read, at most :data:`CACHE_ENTRIES` per field (so memory stays bounded
whatever the fleet holds)."""
CACHE_ENTRIES = 4096

_UNIQUE = frozenset({"name", "description"})  # a VM's own texts: never kept
_CONF = "agent.waagent_conf"  # given at all (an empty one too): a consistency check asks
_I = "    "


def _text(value: str) -> str:
    """A plain string as source (names and keys come from the model; nothing else is written this way)."""
    if type(value) is not str:
        raise TypeError(f"not a plain string for generated code: {type(value).__name__}")
    return repr(value)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, object] = {}
        self.count = 0

    def constant(self, prefix: str, value: object) -> str:
        name = f"_{prefix}{len(self.constants)}"
        self.constants[name] = value
        return name

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def add(self, depth: int, text: str) -> None:
        self.lines.append(_I * depth + text)

    def object_check(self, depth: int, var: str, section: Section) -> None:
        keys = self.constant("K", frozenset(section.fields))
        self.add(depth, f"if type({var}) is not dict or not {keys}.issuperset({var}):")
        self.add(depth + 1, "raise _Defer")
        self.add(depth, f"pairs += len({var})")

    def section(self, depth: int, var: str, section: Section, out: str, *, top: bool) -> None:
        """Lines reading every field of ``section`` from the dict in ``var`` into the dict ``out``."""
        for key, (flat, kind, reader) in section.fields.items():
            self.add(depth, f"x = {var}.get({_text(key)})")
            self.add(depth, "if x is not None:")
            inner = depth + 1
            target = f"{out}[{_text(flat)}]"
            if kind == SECTION:
                child = self.fresh("d")
                if flat == _CONF:
                    self.add(inner, "conf_given = True")
                self.add(inner, f"{child} = x")
                self.object_check(inner, child, reader)
                self.section(inner, child, reader, out, top=top)
            elif kind == ITEMS:
                self.items(inner, reader, target)
            elif kind == BOOL:
                self.add(inner, "if x is not True and x is not False:")
                self.add(inner + 1, "raise _Defer")
                self.add(inner, f"{target} = x")
            elif reader is None:
                self.add(inner, "raise _Defer")  # a kind not read here
            else:
                self.value(inner, reader, target, cached=not (top and flat in _UNIQUE))

    def value(self, depth: int, reader: Any, target: str, *, cached: bool) -> None:
        read = self.constant("R", reader)
        self.add(depth, "if type(x) is str:")
        self.add(depth + 1, "if ':' in x:")
        self.add(depth + 2, "colons += x.count(':')")
        if cached:
            cache = self.constant("C", {})
            self.add(depth + 1, f"r = {cache}.get(x, _UNREAD)")
            self.add(depth + 1, "if r is _UNREAD:")
            self.add(depth + 2, f"r = {read}(x)")
            self.add(depth + 2, f"if len(x) <= {CACHED_TEXT} and len({cache}) < {CACHE_ENTRIES}:")
            self.add(depth + 3, f"{cache}[x] = r")
            self.add(depth + 1, f"{target} = r")
        else:
            self.add(depth + 1, f"{target} = {read}(x)")
        self.add(depth, "elif type(x) is float:")
        self.add(depth + 1, "raise _Fraction")
        self.add(depth, "else:")
        self.add(depth + 1, f"{target} = {read}(x)")  # an int, a bool, a list...: the reader takes or defers it

    def items(self, depth: int, items: Items, target: str) -> None:
        if items.max_length is None:
            raise ValueError("a list fact needs a length bound")
        item, values = self.fresh("d"), self.fresh("values")
        template = self.constant("T", items.template)  # sorted: the record keeps the dict as it is
        made = self.fresh("made")
        self.add(depth, f"if type(x) is not list or len(x) > {items.max_length}:")
        self.add(depth + 1, "raise _Defer")
        self.add(depth, f"{made} = []")
        self.add(depth, f"for {item} in x:")
        self.object_check(depth + 1, item, items.section)
        self.add(depth + 1, f"{values} = dict({template})")
        self.section(depth + 1, item, items.section, values, top=False)
        if items.extension:
            self.add(depth + 1, f"if {values}['name'] is None:")
            self.add(depth + 2, "raise _Defer")
            self.add(depth + 1, f"{values}['is_backup'] = _is_backup({values}['name'])")
        self.add(depth + 1, f"{made}.append(_record({values}))")
        self.add(depth, f"{target} = tuple({made})")


def _generate() -> tuple[str, dict[str, object]]:
    table = root()
    writer = _Writer()
    writer.add(1, "pairs = 0")
    writer.add(1, "colons = 0")
    writer.add(1, "conf_given = False")
    writer.add(1, "out = dict(_TEMPLATE)")
    writer.object_check(1, "data", table)
    writer.section(1, "data", table, "out", top=True)
    writer.add(1, "if line.count(b':') != pairs + colons:")
    writer.add(2, "raise _Defer  # a key written twice (the model's reader refuses it)")
    writer.add(1, "return out, conf_given")
    source = "\n".join(
        [
            "# the quick reader of facts documents, generated by kb_engine.facts.quick_source from the facts model",
            "",
            "def read(data, line):",
            *writer.lines,
            "",
        ]
    )
    return source, writer.constants


@lru_cache(maxsize=1)
def _compiled() -> tuple[CompiledReader, str]:
    source, constants = _generate()
    namespace: dict[str, Any] = {
        "__builtins__": {"dict": dict, "float": float, "len": len, "list": list, "str": str, "tuple": tuple, "type": type},
        "_Defer": Defer,
        "_Fraction": Fraction,
        "_record": v.Record.of_sorted,
        "_TEMPLATE": dict.fromkeys(v.fact_catalog()),
        "_UNREAD": object(),
        "_is_backup": v.is_backup_extension,
        **constants,
    }
    exec(compile(source, "<kb_engine quick reader>", "exec"), namespace)  # noqa: S102 (generated above from the model)
    read: CompiledReader = namespace["read"]
    return read, source


def compiled_reader() -> CompiledReader:
    """The generated reader (built once per process)."""
    return _compiled()[0]


def reader_source() -> str:
    """The generated reader's source."""
    return _compiled()[1]
