"""Draw one VM's diagnosis on its error code's decision tree (or on the whole cause graph)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from kb_engine.knowledge.model import CodeEntry, KnowledgeBase
from kb_engine.knowledge.vocabulary import Facts

if TYPE_CHECKING:
    from kb_engine.engine.reasoner import Reasoner

__all__ = ["OVERLAY_FORMATS", "conclusions", "overlay_dot", "overlay_source", "overlay_text", "render_overlay"]

OVERLAY_FORMATS = ("svg", "png", "pdf", "dot", "txt")


def conclusions(engine: Reasoner, facts: Facts, observed: CodeEntry | None) -> tuple[dict[str, str], dict[str, bool | None]]:
    """What the engine concludes for these facts: cause id -> status, finding id -> truth (None: not known)."""
    memory = engine.run(facts, observed)
    statuses = {cid: status for cid, (status, _, _) in memory.statuses.items()}
    truths = {
        fid: memory.truths[f"finding:{fid}"][0] if f"finding:{fid}" in memory.truths else None
        for fid in engine.edition.findings
    }
    return statuses, truths


def overlay_dot(engine: Reasoner, facts: Facts, lang: str) -> str:
    """The DOT text of the overlay, from the engine's own conclusions for these facts.

    Raises:
        UnknownErrorCodeError: the observed error code is unknown in the engine's edition.
    """
    from .dot import tree_overlay_dot

    observed = engine.observed_entry(facts)
    statuses, truths = conclusions(engine, facts, observed)
    return tree_overlay_dot(engine.edition, observed, statuses, truths, lang, vm=facts.name)


def overlay_text(engine: Reasoner, facts: Facts, lang: str) -> str:
    """The overlay as text: the decision tree's outline with each cause's status and each answer.

    Without an observed error code, every cause of the edition with its status.

    Raises:
        UnknownErrorCodeError: the observed error code is unknown in the engine's edition.
    """
    from .labels import word
    from .text import tree_text
    from .tree import build_tree, trace

    observed = engine.observed_entry(facts)
    statuses, truths = conclusions(engine, facts, observed)
    head = f"{word('diagnosis', lang)}: {facts.name}\n\n" if facts.name else ""
    if observed is not None:
        tree = build_tree(engine.edition, observed, lang)
        return head + tree_text(tree, trace(tree, statuses, truths))
    lines = [f"{word('cause_graph', lang)}"]
    for cid, cause in engine.edition.causes.items():
        status = statuses.get(cid, "undetermined")
        lines.append(f"  {cause.title.get(lang)} {word(f'status_{status}', lang)}")
    return head + "\n".join(lines) + "\n"


def render_overlay(engine: Reasoner, facts: Facts, fmt: str, lang: str, *,
                   facts_path: Path | None = None, out_path: Path | None = None) -> bytes | str:
    """The overlay in ``fmt`` (svg, png, pdf need Graphviz's ``dot``; dot is the DOT text).

    With ``facts_path`` and ``out_path`` (where the overlay will be written), an
    SVG is stamped with the facts file it was drawn from, so ``kb-engine
    diagrams --check`` can tell when it no longer matches it.

    Raises:
        ValueError: an unknown format.
        ToolMissingError: ``dot`` is needed and missing.
    """
    if fmt not in OVERLAY_FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; use a file name ending in {', '.join('.' + f for f in OVERLAY_FORMATS)}")
    if fmt == "txt":
        return overlay_text(engine, facts, lang)
    text = overlay_dot(engine, facts, lang)
    if fmt == "dot":
        return text
    from .render import render

    image = render(text, fmt)
    if fmt != "svg" or facts_path is None or out_path is None:
        return image
    from .stamp import source_hash, stamp_text

    relative = os.path.relpath(facts_path.resolve(), out_path.resolve().parent)
    svg = image.decode("utf-8")
    head, sep, rest = svg.partition("\n")
    note = f"<!-- kb-engine overlay: facts={quote(Path(relative).as_posix())} edition={engine.edition.id} lang={lang} -->"
    return stamp_text(f"{head}{sep}{note}\n{rest}", source_hash(text)).encode("utf-8")


_NOTE = re.compile(r"<!-- kb-engine overlay: facts=(\S+) edition=(\S+) lang=(en|ja) -->")


def overlay_source(path: Path, kb: KnowledgeBase | None = None) -> str | None:
    """The source hash an overlay SVG should carry now, from the facts file it names; None when that file is gone.

    An SVG that names no facts file gives its own stamp's source (nothing to compare).
    """
    from kb_engine.diagnosis import Engine
    from kb_engine.facts.load import load_facts

    from .stamp import read_stamp, source_hash

    data = path.read_bytes()
    match = _NOTE.search(data.decode("utf-8", "replace"))
    if match is None:
        stamp = read_stamp(data)
        return None if stamp is None else stamp.source
    facts_file = path.parent / unquote(match.group(1))
    if not facts_file.is_file():
        return None
    engine = Engine(match.group(2), kb=kb, backend="direct")
    return source_hash(overlay_dot(engine, load_facts(facts_file), match.group(3)))
