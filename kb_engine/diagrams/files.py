"""Writing the diagram set to a directory, and checking a directory against it.

Layout (names are stable, so links and reviews survive regeneration)::

    DIR/README.md                                    index: Mermaid trees inline, links to the rest
    DIR/<edition>/<lang>/tree-<code>.{dot,svg,png,pdf,mmd,txt}
    DIR/<edition>/<lang>/graph.{dot,svg,png,pdf}     the whole cause graph
    DIR/<edition>/graph.{graphml,json}               the cause graph as data (both languages)

Other tools own other folders of DIR (``handbook/``, ``overlay/``); nothing
here deletes or rewrites them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kb_engine.io.write import write_atomic
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import CodeEntry, Edition, KnowledgeBase

from .dot import graph_dot, tree_dot
from .graph import cause_graph, graphml_text, json_text
from .labels import LANGS
from .mermaid import tree_mermaid
from .render import IMAGE_FORMATS, render, require_dot
from .text import tree_text
from .tree import build_tree

__all__ = [
    "ALL_FORMATS",
    "CHECKED_FORMATS",
    "DEFAULT_FORMATS",
    "Output",
    "index_markdown",
    "plan",
    "stale_files",
    "write_diagrams",
]

DEFAULT_FORMATS = ("dot", "svg", "mmd", "txt")
"""What ``kb-engine diagrams`` writes unless told otherwise (the set committed in ``diagrams/``)."""
ALL_FORMATS = ("dot", "svg", "png", "pdf", "mmd", "txt", "graphml", "json")
CHECKED_FORMATS = ("dot", "mmd", "txt")
"""The text formats ``--check`` compares (images embed the Graphviz version, so they are not compared)."""

_PER_LANG = ("dot", "svg", "png", "pdf", "mmd", "txt")
_OURS = re.compile(r"^(tree-[A-Za-z0-9_]+|graph)\.(dot|svg|png|pdf|mmd|txt)$")


@dataclass(frozen=True)
class Output:
    """One file of the diagram set.

    Attributes:
        path: relative to the output directory, with ``/`` separators.
        fmt: its format.
        make: produces its text (a text format) or its DOT text (an image format).
    """

    path: str
    fmt: str
    make: Callable[[], str]

    @property
    def is_image(self) -> bool:
        """Whether it needs ``dot``."""
        return self.fmt in IMAGE_FORMATS


def _editions(kb: KnowledgeBase, editions: Iterable[str] | None) -> list[Edition]:
    if editions is None:
        return list(kb.editions)
    return [kb.edition(name) for name in editions]


def _graph_data(fmt: str, edition: Edition) -> str:
    return graphml_text(cause_graph(edition)) if fmt == "graphml" else json_text(cause_graph(edition))


def _tree_view(fmt: str, edition: Edition, entry: CodeEntry, lang: str) -> str:
    tree = build_tree(edition, entry, lang)
    if fmt == "mmd":
        return tree_mermaid(tree)
    if fmt == "txt":
        return tree_text(tree)
    return tree_dot(tree)


def plan(
    kb: KnowledgeBase,
    editions: Iterable[str] | None = None,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> list[Output]:
    """Every file of the diagram set for these editions, languages and formats, in a fixed order.

    Raises:
        ValueError: an unknown language or format.
        UnknownEditionError: an unknown edition.
    """
    for lang in langs:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    for fmt in formats:
        if fmt not in ALL_FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(ALL_FORMATS)}")
    outputs: list[Output] = []
    for edition in _editions(kb, editions):
        for fmt in ("graphml", "json"):
            if fmt in formats:
                outputs.append(Output(f"{edition.id}/graph.{fmt}", fmt, partial(_graph_data, fmt, edition)))
        for lang in langs:
            base = f"{edition.id}/{lang}"
            for fmt in _PER_LANG:
                if fmt in formats and fmt not in ("mmd", "txt"):
                    outputs.append(Output(f"{base}/graph.{fmt}", fmt, partial(graph_dot, edition, lang)))
            for entry in edition.codes:
                for fmt in _PER_LANG:
                    if fmt in formats:
                        outputs.append(Output(f"{base}/tree-{entry.id}.{fmt}", fmt, partial(_tree_view, fmt, edition, entry, lang)))
    return outputs


def _obsolete(out_dir: Path, outputs: Sequence[Output], formats: Sequence[str]) -> list[Path]:
    """Our files (tree-*, graph.*) in the planned folders that the plan no longer makes."""
    wanted = {o.path for o in outputs}
    folders = sorted({o.path.rsplit("/", 1)[0] for o in outputs if o.fmt in _PER_LANG})
    found: list[Path] = []
    for folder in folders:
        directory = out_dir / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            match = _OURS.match(path.name)
            if match and match.group(2) in formats and f"{folder}/{path.name}" not in wanted:
                found.append(path)
    return found


def write_diagrams(
    out_dir: str | Path,
    editions: Iterable[str] | None = None,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = DEFAULT_FORMATS,
    kb: KnowledgeBase | None = None,
) -> list[Path]:
    """Write the diagram set and its index page; return the written paths in a fixed order.

    For each edition and language: the whole cause graph and every error code's
    decision tree, in each format asked for; ``graphml``/``json`` write the
    cause graph as data once per edition. The index page ``README.md`` is
    rewritten too (it always describes the full default set). Files of ours that the
    knowledge base no longer produces (a removed error code) are deleted, only
    for the formats being written; other folders are never touched.

    Raises:
        ValueError: an unknown language or format.
        UnknownEditionError: an unknown edition.
        ToolMissingError: an image format (svg, png, pdf) was asked for and ``dot`` is missing;
            checked before anything is written.
        ToolFailedError: ``dot`` failed on a diagram.
        InputError: a file cannot be written.
    """
    kb = kb or default_kb()
    root = Path(out_dir)
    outputs = plan(kb, editions, langs, formats)
    if any(o.is_image for o in outputs):
        require_dot()
    written: list[Path] = []
    for output in outputs:
        text = output.make()
        data: str | bytes = render(text, output.fmt) if output.is_image else text
        written.append(write_atomic(root / output.path, data))
    for path in _obsolete(root, outputs, formats):
        path.unlink()
    written.append(write_atomic(root / "README.md", index_markdown(kb, root)))
    return written


def stale_files(
    out_dir: str | Path,
    editions: Iterable[str] | None = None,
    langs: Sequence[str] = LANGS,
    kb: KnowledgeBase | None = None,
) -> list[Path]:
    """The DOT, Mermaid and text files (and the index page) in ``out_dir`` that differ from a fresh build.

    A file is stale when it is missing, differs from what the knowledge base
    now gives, or is one of ours that is no longer produced. Writes nothing.

    Raises:
        ValueError: an unknown language.
        UnknownEditionError: an unknown edition.
    """
    kb = kb or default_kb()
    root = Path(out_dir)
    outputs = plan(kb, editions, langs, CHECKED_FORMATS)
    stale: list[Path] = []
    for output in outputs:
        path = root / output.path
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            stale.append(path)
            continue
        if current != output.make():
            stale.append(path)
    stale += _obsolete(root, outputs, CHECKED_FORMATS)
    index = root / "README.md"
    try:
        if index.read_text(encoding="utf-8") != index_markdown(kb, root):
            stale.append(index)
    except (OSError, UnicodeDecodeError):
        stale.append(index)
    return stale


# ---------------------------------------------------------------------------
# The index page

_FORMAT_NAMES = (("svg", "SVG"), ("txt", "text"), ("mmd", "Mermaid"), ("dot", "DOT"))
_LANG_NAMES = {"en": "English", "ja": "日本語 (Japanese)"}


def _links(stem: str, *, mermaid: bool = True) -> str:
    return " · ".join(f"[{name}]({stem}.{fmt})" for fmt, name in _FORMAT_NAMES if mermaid or fmt not in ("mmd", "txt"))


def index_markdown(kb: KnowledgeBase, root: Path) -> str:
    """The index page of the diagram set: what is there, how to read it, every Mermaid tree inline.

    It describes the full default set (every edition and language; SVG, text,
    Mermaid, DOT) whatever was written this time, so it is the same on every
    machine; the only thing it looks at is whether ``root/handbook/`` exists,
    to link it.
    """
    out = [
        "# Diagrams of the knowledge base",
        "",
        "<!-- Generated by `kb-engine diagrams`; do not edit: run it again to regenerate, "
        "`kb-engine diagrams --check` tells whether this folder is up to date. -->",
        "",
        f"Knowledge base version {kb.kb_version}. Every diagram exists for each edition of the article, in "
        "English and in Japanese.",
        "",
        "- **Decision trees** (`tree-<error code>`), one per error code, for training: the code's causes in the "
        "article's order, numbered, with the article's letter; one yes/no question per node, answerable from one "
        "fact (named under the question); *yes* leads to the cause and its numbered remedy steps, *no* to the next "
        "question or cause; *still failing* goes on to the next cause, and after the last one to the escalation "
        "leaf with the logs to collect. The `.txt` file is the same tree as an outline, for terminals, tickets "
        "and screen readers.",
        "- **The cause graph** (`graph`): every error code, cause, finding and fact test of an edition on one "
        "reference poster.",
        "- Shapes carry the meaning, colour only repeats it: rounded box = error code, hexagon = question, "
        "box = cause found, double box = escalate; dotted arrows = still failing.",
        "- PNG and PDF (`--format png`, `--format pdf`) and the cause graph as data (`--format graphml`, "
        "`--format json`) are made on request: `kb-engine diagrams --help`.",
    ]
    if (root / "handbook").is_dir():
        out.append("- [The handbook](handbook/) (`handbook/`).")
    for edition in reversed(kb.editions):
        newest = " (newest)" if edition is kb.default else ""
        for lang in LANGS:
            base = f"{edition.id}/{lang}"
            out += ["", f"## {edition.id}{newest}, {_LANG_NAMES[lang]}", "", edition.title.get(lang), ""]
            out += ["| Error code | Files |", "|---|---|"]
            out.append(f"| *cause graph* | {_links(f'{base}/graph', mermaid=False)} |")
            for entry in edition.codes:
                out.append(f"| {' / '.join(entry.names)} | {_links(f'{base}/tree-{entry.id}')} |")
            for entry in edition.codes:
                mermaid = tree_mermaid(build_tree(edition, entry, lang))
                out += [
                    "",
                    "<details>",
                    f"<summary>{' / '.join(entry.names)} ({edition.id}, {lang}): decision tree</summary>",
                    "",
                    "```mermaid",
                    mermaid.rstrip("\n"),
                    "```",
                    "",
                    "</details>",
                ]
    return "\n".join(out) + "\n"
