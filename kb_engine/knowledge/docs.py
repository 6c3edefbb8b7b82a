"""Tables in the README, generated from the facts model and the knowledge base.

The README marks each generated table with ``<!-- generated:NAME -->`` and
``<!-- /generated:NAME -->``. ``python -m kb_engine.docs README.md`` rewrites
them; a test fails when they are stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from .load import default_kb
from .model import Edition, KnowledgeBase
from .vocabulary import fact_catalog

__all__ = ["SECTIONS", "codes_table", "facts_table", "refresh"]


def facts_table(kb: KnowledgeBase | None = None) -> str:
    """Every fact a facts file may give, with its kind and allowed values; an informational fact says so and why."""
    informational = (kb if kb is not None else default_kb()).informational
    rows = ["| fact | kind | allowed values | meaning |", "|---|---|---|---|"]
    for info in fact_catalog().values():
        if info.kind == "list":
            allowed = "items with " + ", ".join(f"`{name}`" for name, _ in info.item_fields if name != "is_backup")
        elif info.values:
            allowed = ", ".join(f"`{v}`" for v in info.values)
        else:
            allowed = {"bool": "`true`, `false`", "int": "whole number", "version": "dotted version, e.g. `2.2.53`"}.get(info.kind, "text")
        meaning = info.description
        if info.name in informational:
            meaning += f" *Informational: {informational[info.name].en}*"
        rows.append(f"| `{info.name}` | {info.kind} | {allowed} | {meaning} |")
    return "\n".join(rows)


def codes_table(kb: KnowledgeBase | None = None) -> str:
    """Every error code of every edition with its causes in the article's order."""
    base = kb if kb is not None else default_kb()
    ids = base.edition_ids
    header = "| error code | " + " | ".join(f"causes in {e}" for e in ids) + " |"
    rows = [header, "|---|" + "---|" * len(ids)]
    keys: list[str] = []
    for edition in base.editions:
        keys += [entry.key for entry in edition.codes if entry.key not in keys]
    for key in keys:
        cells = []
        names: list[str] = []
        for edition in base.editions:
            entry = next((e for e in edition.codes if e.key == key), None)
            if entry is None:
                cells.append("(absent)")
                continue
            label = " / ".join(f"`{n}`" for n in entry.names)
            if label not in names:
                names.append(label)
            cells.append(", ".join(_cause_label(edition, cid) for cid in entry.causes))
        rows.append(f"| {' → '.join(names)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _cause_label(edition: Edition, cid: str) -> str:
    cause = edition.causes[cid]
    return f"{cause.ref} `{cid}`" if cause.ref else f"`{cid}`"


SECTIONS: dict[str, Callable[[], str]] = {"facts-table": facts_table, "codes-table": codes_table}


def refresh(text: str) -> str:
    """The text with every generated section replaced by its current content."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.S)
        body = make() + "\n"

        def replace(match: re.Match[str], body: str = body) -> str:
            return match.group(1) + body + match.group(2)

        text = pattern.sub(replace, text)
    return text


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    target.write_text(refresh(target.read_text(encoding="utf-8")), encoding="utf-8")
