"""Draw one VM's diagnosis on its error code's decision tree (or on the whole cause graph)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb_engine.knowledge.vocabulary import Facts

if TYPE_CHECKING:
    from kb_engine.diagnosis import Engine

__all__ = ["OVERLAY_FORMATS", "overlay_dot", "render_overlay"]

OVERLAY_FORMATS = ("svg", "png", "pdf", "dot")


def overlay_dot(engine: Engine, facts: Facts, lang: str) -> str:
    """The DOT text of the overlay, from the engine's own conclusions for these facts.

    Raises:
        UnknownErrorCodeError: the observed error code is unknown in the engine's edition.
    """
    from .dot import tree_overlay_dot

    observed = engine.observed_entry(facts)
    memory = engine.run(facts, observed)
    statuses = {cid: status for cid, (status, _, _) in memory.statuses.items()}
    truths = {
        fid: memory.truths[f"finding:{fid}"][0] if f"finding:{fid}" in memory.truths else None
        for fid in engine.edition.findings
    }
    return tree_overlay_dot(engine.edition, observed, statuses, truths, lang, vm=facts.name)


def render_overlay(engine: Engine, facts: Facts, fmt: str, lang: str) -> bytes | str:
    """The overlay in ``fmt`` (svg, png, pdf need Graphviz's ``dot``; dot is the DOT text).

    Raises:
        ValueError: an unknown format.
        ToolMissingError: ``dot`` is needed and missing.
    """
    if fmt not in OVERLAY_FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; use a file name ending in {', '.join('.' + f for f in OVERLAY_FORMATS)}")
    text = overlay_dot(engine, facts, lang)
    if fmt == "dot":
        return text
    from .render import render

    return render(text, fmt)
