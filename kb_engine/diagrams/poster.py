"""Printable posters: a decision tree or the cause graph on A4 or A3 pages, text never below 8 pt.

A tree is split into pages: the first shows where to start (the error code,
the OS question), the escalation leaf and the contents; then one page per
cause (each sub-cause on a page of its own). A cause too large to print at
:data:`MIN_SCALE` is split once more, its questions on one page and its
remedy on the next. An arrow that leaves a page ends at a note naming where
it goes on (``-> Q3.1.1 (page 4)``). Each page is turned to the orientation
that prints it largest, and carries a compact legend in its bottom right
corner. The cause graph, which is one drawing, is cut into tiles.

Rendering runs Graphviz's ``dot`` (through :mod:`.render`) for every page and
assembles the PDF with pypdf, which is imported only here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .dot import _NODE_STYLE, _attrs, _h, _html, tree_dot
from .labels import MARK, mark, word, wrap
from .style import FONT
from .render import render
from .tree import Tree

__all__ = ["MIN_SCALE", "PAPERS", "graph_poster", "mark_pdf", "poster_pages", "tree_poster"]

PAPERS = {"a4": (595.276, 841.89), "a3": (841.89, 1190.551)}
"""Paper sizes in PostScript points, portrait."""
MIN_SCALE = 8 / 11
"""Body text (questions, steps, titles, arrow labels) is 11 pt or more, so at this scale it prints at 8 pt or
more; small print (fact names, links) is 10 pt, printed at 7.3 pt or more."""
MARGIN = 28.35  # 1 cm
_GAP = 6.0


@dataclass(frozen=True)
class _Part:
    keep: tuple[str, ...]
    heading: str
    contents: bool = False


def _parts(tree: Tree, fits: Any) -> list[_Part]:
    """The pages of a tree: the start page, the causes (packed while they fit, split when one does not), the end."""
    lang = tree.lang
    first = tuple(n.id for n in tree.nodes if n.group is None and n.kind != "escalate")
    pieces: list[_Part] = []
    for group in tree.groups:
        own = [n for n in tree.nodes if n.group == group.id]
        if not own:
            continue
        whole = _Part(tuple(n.id for n in own), group.heading)
        if fits(whole):
            pieces.append(whole)
            continue
        questions = tuple(n.id for n in own if n.kind != "cause")
        leaves = tuple(n.id for n in own if n.kind == "cause")
        pieces.append(_Part(questions, f"{group.heading} \u2014 {word('poster_questions', lang)}"))
        if leaves:
            pieces.append(_Part(leaves, f"{group.heading} \u2014 {word('remedy', lang)}"))
    pieces.append(_Part(("escalate",), tree.node("escalate").title))
    # Pack neighbours onto one page while the page still prints at MIN_SCALE.
    packed: list[_Part] = []
    for piece in pieces:
        if packed:
            merged = _Part(packed[-1].keep + piece.keep, f"{packed[-1].heading} / {piece.heading}")
            if fits(merged):
                packed[-1] = merged
                continue
        packed.append(piece)
    return [_Part(first, word("poster_start", lang), contents=True), *packed]


def _contents(tree: Tree, parts: Sequence[_Part]) -> str:
    lines = [f"{word('poster_contents', tree.lang)}:"]
    for number, part in enumerate(parts, start=1):
        if not part.contents:
            first, *rest = wrap(f"{word('poster_page', tree.lang)} {number}: {part.heading}", 56)
            lines += [first] + [f"    {line}" for line in rest]
    return "\n".join(lines)


def _page_dot(tree: Tree, parts: Sequence[_Part], index: int) -> str:
    part = parts[index]
    where: dict[str, str] = {}
    for number, other in enumerate(parts, start=1):
        for node in other.keep:
            where.setdefault(node, f"{word('poster_page', tree.lang)} {number}")
    heading = f"{part.heading} ({word('poster_page', tree.lang)} {index + 1} / {len(parts)})"
    groups = {node.group for node in tree.nodes if node.id in part.keep and node.group is not None}
    # A page of one cause names it in its heading; a page of several draws each one's title beside it.
    text = tree_dot(tree, keep=part.keep, elsewhere=where, legend=False, heading=heading, titles=len(groups) > 1)
    if part.contents:
        lines = _contents(tree, parts).split("\n")
        label = _html('<BR ALIGN="LEFT"/>'.join(_h(line) for line in lines) + '<BR ALIGN="LEFT"/>')
        # The contents under the arrows to the first causes.
        notes = sorted({f"stub__{e.target}" for e in tree.edges if e.source in part.keep and e.target not in part.keep})
        text = text.rstrip().removesuffix("}") + (
            "  contents " + _attrs({"shape": "box", "style": "rounded", "color": "#9E9E9E", "fontsize": 12, "label": label})
            + ";\n"
            + "".join(f'  {note} -> contents [style="invis"];\n' for note in notes) + "}\n"
        )
    return text


def _legend_pdf(lang: str) -> bytes:
    """The compact legend for a page's corner: the four shapes in two rows, the arrows in words."""
    def sample(nid: str, kind: str, key: str) -> str:
        return f"  {nid} " + _attrs({**_NODE_STYLE[kind], "label": word(key, lang), "fontsize": 10,
                                     "margin": "0.05,0.02", "height": 0.3}) + ";"

    lines = [
        "digraph legend {",
        "  graph " + _attrs({"pad": 0, "margin": 0, "nodesep": 0.12, "ranksep": 0.05, "fontname": FONT, "fontsize": 10,
                             "label": word("legend_edges", lang), "labelloc": "b",
                             "labeljust": "l"}) + ";",
        "  node " + _attrs({"fontname": FONT}) + ";",
        sample("l_start", "start", "legend_code"),
        sample("l_question", "question", "poster_legend_question"),
        sample("l_cause", "cause", "poster_legend_leaf"),
        sample("l_escalate", "escalate", "poster_legend_escalate"),
        "  {rank=same; l_start; l_question;}",
        "  {rank=same; l_cause; l_escalate;}",
        "  l_start -> l_cause [style=invis];",
        "  l_question -> l_escalate [style=invis];",
        "}",
        "",
    ]
    return render("\n".join(lines), "pdf")


def _size(pdf: bytes) -> tuple[float, float]:
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


def _fit(size: tuple[float, float], paper: tuple[float, float], legend: tuple[float, float]) -> tuple[float, bool]:
    """The largest scale (at most 1) and whether landscape gives it: the drawing at the top left, the legend in
    the bottom right corner, under the drawing or, when the drawing is narrow enough, beside it."""
    w, h = size
    best = (0.0, False)
    for landscape in (False, True):
        pw, ph = (paper[1], paper[0]) if landscape else paper
        under = min((pw - 2 * MARGIN) / w, (ph - 2 * MARGIN - legend[1] - _GAP) / h)
        beside = min((pw - 2 * MARGIN - legend[0] - _GAP) / w, (ph - 2 * MARGIN) / h)
        scale = min(1.0, max(under, beside))
        if scale > best[0] + 1e-9:
            best = (scale, landscape)
    return best


@dataclass(frozen=True)
class PosterPage:
    """One printed page: its drawing's scale (text size = 12 pt x scale) and orientation."""

    scale: float
    landscape: bool


def poster_pages(tree: Tree, paper: str) -> list[tuple[str, PosterPage]]:
    """The DOT text of each page of a tree's poster, with the scale it prints at.

    Raises:
        ValueError: an unknown paper size.
        ToolMissingError, ToolFailedError: ``dot`` is missing or failed (pages are measured by rendering).
    """
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; expected one of {', '.join(PAPERS)}")
    size = PAPERS[paper]
    legend = _size(_legend_pdf(tree.lang))

    def fits(part: _Part) -> bool:
        probe = [_Part((), ""), part]
        return _fit(_size(render(_page_dot(tree, probe, 1), "pdf")), size, legend)[0] >= MIN_SCALE

    parts = _parts(tree, fits)
    out = []
    for index in range(len(parts)):
        text = _page_dot(tree, parts, index)
        scale, landscape = _fit(_size(render(text, "pdf")), size, legend)
        out.append((text, PosterPage(scale, landscape)))
    return out


_Window = tuple[float, float, float, float]


def _assemble(drawings: Sequence[tuple[bytes, _Window | None]], paper: str, lang: str, title: str,
              scales: Sequence[float], *, landscape_tiles: bool = False) -> bytes:
    """Pages of ``paper`` with each drawing (or a window of it) scaled, top-left, and the legend bottom right."""
    from pypdf import PdfReader, PdfWriter, Transformation

    size = PAPERS[paper]
    legend_pdf = PdfReader(io.BytesIO(_legend_pdf(lang))).pages[0]
    lw, lh = float(legend_pdf.mediabox.width), float(legend_pdf.mediabox.height)
    writer = PdfWriter()
    for (pdf, window), scale in zip(drawings, scales, strict=True):
        source = PdfReader(io.BytesIO(pdf)).pages[0]
        w, h = (float(source.mediabox.width), float(source.mediabox.height)) if window is None else window[2:]
        landscape = _fit((w, h), size, (lw, lh))[1] if window is None else landscape_tiles
        pw, ph = (size[1], size[0]) if landscape else size
        page = writer.add_blank_page(width=pw, height=ph)
        x0, y0 = (0.0, 0.0) if window is None else window[:2]
        if window is not None:
            source.cropbox.lower_left = (x0, y0)
            source.cropbox.upper_right = (x0 + w, y0 + h)
            source.mediabox.lower_left = (x0, y0)
            source.mediabox.upper_right = (x0 + w, y0 + h)
        tx = MARGIN - x0 * scale
        ty = ph - MARGIN - h * scale - y0 * scale
        page.merge_transformed_page(source, Transformation().scale(scale).translate(tx, ty))
        page.merge_transformed_page(legend_pdf, Transformation().translate(pw - MARGIN - lw, MARGIN))
    writer.add_metadata({"/Producer": "kb-engine diagrams", "/Creator": mark(lang), "/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tree_poster(tree: Tree, paper: str) -> bytes:
    """A tree as a printable PDF poster on ``paper`` (``a4`` or ``a3``).

    Raises:
        ValueError: an unknown paper size.
        ToolMissingError, ToolFailedError: ``dot`` is missing or failed.
    """
    pages = poster_pages(tree, paper)
    drawings = [(render(text, "pdf"), None) for text, _ in pages]
    title = f"{word('error_code', tree.lang)}: {tree.title} ({tree.edition}, {tree.lang})"
    return _assemble(drawings, paper, tree.lang, title, [page.scale for _, page in pages])


def graph_poster(dot_text: str, paper: str, lang: str, title: str) -> bytes:
    """The cause graph cut into tiles of ``paper`` at :data:`MIN_SCALE`, landscape, read row by row.

    Raises:
        ValueError: an unknown paper size.
        ToolMissingError, ToolFailedError: ``dot`` is missing or failed.
    """
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; expected one of {', '.join(PAPERS)}")
    pdf = render(dot_text, "pdf")
    w, h = _size(pdf)
    size = PAPERS[paper]
    legend_h = _size(_legend_pdf(lang))[1]
    tile_w = (size[1] - 2 * MARGIN) / MIN_SCALE
    tile_h = (size[0] - 2 * MARGIN - legend_h - _GAP) / MIN_SCALE
    cols, rows = math.ceil(w / tile_w), math.ceil(h / tile_h)
    windows = []
    for row in range(rows):
        for col in range(cols):
            x0 = col * tile_w
            y0 = max(0.0, h - (row + 1) * tile_h)
            windows.append((pdf, (x0, y0, min(tile_w, w - x0), min(tile_h, h - row * tile_h))))
    return _assemble(windows, paper, lang, title, [MIN_SCALE] * len(windows), landscape_tiles=True)


def mark_pdf(pdf: bytes, title: str) -> bytes:
    """A PDF with kb-engine diagrams as its producer (so a later run knows it may replace it) and a title."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Producer": "kb-engine diagrams", "/Creator": MARK, "/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
