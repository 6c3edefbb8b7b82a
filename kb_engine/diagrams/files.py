"""Writing the diagram set to a directory, and checking a directory against it.

Layout (names are stable, so links and reviews survive regeneration)::

    DIR/README.md                                    index: links to what is there, Mermaid trees inline
    DIR/index.html                                   the trainer's index page
    DIR/<edition>/<lang>/tree-<code>.{html,dot,svg,png,pdf,mmd,txt}
    DIR/<edition>/<lang>/graph.{dot,svg,png,pdf}     the whole cause graph
    DIR/<edition>/graph.{graphml,json}               the cause graph as data (both languages)

Every file written carries the words "kb-engine diagrams" (:mod:`.stamp`); a
file at a planned path that does not (a README of the user's, a symlink) is
never replaced: the run refuses before writing anything. Other tools own
other folders of DIR (``handbook/``, ``overlay/``); ``--check`` compares them
too, but nothing here writes or deletes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from kb_engine.errors import InputError, Problem
from kb_engine.io.write import write_atomic
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import CodeEntry, Edition, KnowledgeBase
from kb_engine.knowledge.vocabulary import Facts

from .dot import graph_dot, tree_dot
from .graph import cause_graph, graphml_text, json_text
from .html import index_html, trainer_html
from .labels import LANGS, MARK
from .mermaid import tree_mermaid
from .render import IMAGE_FORMATS, render, require_dot
from .stamp import is_ours, read_stamp, source_hash, stamp_png, stamp_text
from .text import tree_text
from .tree import Tree, build_tree

__all__ = [
    "ALL_FORMATS",
    "CHECKED_FORMATS",
    "DEFAULT_DPI",
    "DEFAULT_FORMATS",
    "Output",
    "Stale",
    "index_markdown",
    "plan",
    "stale",
    "stale_files",
    "write_diagrams",
]

DEFAULT_FORMATS = ("html", "dot", "svg", "mmd", "txt")
"""What ``kb-engine diagrams`` writes unless told otherwise (the set committed in ``diagrams/``)."""
ALL_FORMATS = ("html", "dot", "svg", "png", "pdf", "mmd", "txt", "graphml", "json")
CHECKED_FORMATS = ("html", "dot", "svg", "mmd", "txt")
"""The formats ``--check`` compares: text by content, SVG and HTML by their stamps (no Graphviz needed)."""
DEFAULT_DPI = 192
"""Resolution of PNG files, in dots per inch (twice a screen's 96)."""

_PER_LANG = ("html", "dot", "svg", "png", "pdf", "mmd", "txt")
_TEXT = ("dot", "mmd", "txt", "graphml", "json")
_OURS = re.compile(r"^(tree-[A-Za-z0-9_]+|graph)\.(html|dot|svg|png|pdf|mmd|txt)$")


@dataclass(frozen=True)
class Output:
    """One file of the diagram set.

    Attributes:
        path: relative to the output directory, with ``/`` separators.
        fmt: its format.
        make: a text format's text; an image's DOT text; a trainer page's text without its drawing.
        dot: a trainer page's drawing, as DOT text.
        page: a trainer page with its drawing (Graphviz's SVG) put in.
    """

    path: str
    fmt: str
    make: Callable[[], str]
    dot: Callable[[], str] | None = None
    page: Callable[[str | None], str] | None = field(default=None, compare=False)
    tree: Callable[[], Tree] | None = field(default=None, compare=False)

    @property
    def needs_dot(self) -> bool:
        """Whether producing it runs Graphviz's ``dot``."""
        return self.fmt in IMAGE_FORMATS or self.fmt == "html"

    def source(self) -> str:
        """The hash of what the file is made from (stamped into SVG and HTML)."""
        return source_hash(self.make()) if self.dot is None else source_hash(self.make(), self.dot())

    def produce(self, dpi: int = DEFAULT_DPI, paper: str | None = None) -> bytes:
        """The file's bytes (runs ``dot`` for images and trainer pages).

        Args:
            dpi: a PNG's resolution.
            paper: ``a4`` or ``a3``: a PDF becomes a printable poster of that paper (a tree split into
                pages, the cause graph cut into tiles); None: one page as large as the drawing.

        Raises:
            ToolMissingError: ``dot`` is needed and missing.
            ToolFailedError: ``dot`` failed.
        """
        if self.fmt == "html":
            assert self.dot is not None and self.page is not None
            svg = render(self.dot(), "svg").decode("utf-8")
            return stamp_text(self.page(svg), self.source()).encode("utf-8")
        if self.fmt == "svg":
            return stamp_text(render(self.make(), "svg").decode("utf-8"), self.source()).encode("utf-8")
        if self.fmt == "png":
            return stamp_png(render(self.make(), "png", dpi=dpi))
        if self.fmt == "pdf":
            from .poster import graph_poster, mark_pdf, tree_poster

            name = self.path.rsplit("/", 1)[-1]
            if paper is not None and self.tree is not None:
                return tree_poster(self.tree(), paper)
            if paper is not None:
                return graph_poster(self.make(), paper, self.path.split("/")[1], name)
            return mark_pdf(render(self.make(), "pdf"), name)
        return self.make().encode("utf-8")


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


_ENGINES: dict[tuple[int, str], tuple[KnowledgeBase, object]] = {}


def _engine(kb: KnowledgeBase, edition: str) -> object:
    """One engine per knowledge base and edition (the quiz's diagnoses), kept for the process."""
    from kb_engine.diagnosis import Engine

    key = (id(kb), edition)
    if key not in _ENGINES:
        _ENGINES[key] = (kb, Engine(edition, kb=kb, backend="direct"))
    return _ENGINES[key][1]


_FACTS: dict[tuple[Path, int, int], Facts] = {}


def _load_once(path: Path) -> Facts:
    """A facts file, read once per run of many trainer pages (while it is unchanged)."""
    from kb_engine.facts.load import load_facts

    info = path.stat()
    key = (path.resolve(), info.st_mtime_ns, info.st_size)
    if key not in _FACTS:
        _FACTS[key] = load_facts(path)
    return _FACTS[key]


def _trainer_page(kb: KnowledgeBase, edition: Edition, entry: CodeEntry, lang: str, scenarios: tuple[Path, ...],
                  links: tuple[tuple[str, str], ...], svg: str | None) -> str:
    from kb_engine.engine.reasoner import Reasoner

    from .quiz import scenarios_for

    tree = build_tree(edition, entry, lang)
    engine = _engine(kb, edition.id)
    assert isinstance(engine, Reasoner)
    quiz = scenarios_for(engine, tree, entry, scenarios, load=_load_once) if scenarios else []
    return trainer_html(tree, svg, scenarios=quiz, links=dict(links))


def _page_links(root: Path, edition: str, lang: str, code: str, langs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    links = [("index", "../../index.html")]
    other = [o for o in LANGS if o != lang][0]
    if other in langs or (root / edition / other / f"tree-{code}.html").is_file():
        links.append(("other", f"../{other}/tree-{code}.html"))
    if (root / "handbook").is_dir():
        links.append(("handbook", f"../../handbook/handbook-{edition}-{lang}.md"))
    return tuple(links)


def plan(
    kb: KnowledgeBase,
    editions: Iterable[str] | None = None,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    root: Path | None = None,
    scenarios: Sequence[Path] = (),
) -> list[Output]:
    """Every file of the diagram set for these editions, languages and formats, in a fixed order.

    Args:
        kb: the knowledge base.
        editions: edition ids (None: every edition).
        langs: languages.
        formats: formats (see :data:`ALL_FORMATS`).
        root: the output directory, which trainer pages' links depend on (a handbook there is linked).
        scenarios: facts files for the trainer's quiz.

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
    facts = tuple(sorted(scenarios))
    outputs: list[Output] = []
    for edition in _editions(kb, editions):
        for fmt in ("graphml", "json"):
            if fmt in formats:
                outputs.append(Output(f"{edition.id}/graph.{fmt}", fmt, partial(_graph_data, fmt, edition)))
        for lang in langs:
            base = f"{edition.id}/{lang}"
            for fmt in _PER_LANG:
                if fmt in formats and fmt not in ("mmd", "txt", "html"):
                    outputs.append(Output(f"{base}/graph.{fmt}", fmt, partial(graph_dot, edition, lang)))
            for entry in edition.codes:
                for fmt in _PER_LANG:
                    if fmt not in formats:
                        continue
                    path = f"{base}/tree-{entry.id}.{fmt}"
                    if fmt == "html":
                        links = _page_links(root or Path("."), edition.id, lang, entry.id, langs)
                        page = partial(_trainer_page, kb, edition, entry, lang, facts, links)
                        outputs.append(Output(path, fmt, partial(page, None), partial(_tree_view, "dot", edition, entry, lang), page))
                    else:
                        outputs.append(Output(path, fmt, partial(_tree_view, fmt, edition, entry, lang),
                                              tree=partial(build_tree, edition, entry, lang)))
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
            if match and match.group(2) in formats and f"{folder}/{path.name}" not in wanted and is_ours(path):
                found.append(path)
    return found


def _refuse_foreign(root: Path, paths: Iterable[str]) -> None:
    foreign = [root / p for p in paths if not is_ours(root / p)]
    if foreign:
        raise InputError(
            [Problem(str(p), "", "exists and was not written by kb-engine diagrams; move it away or choose another folder")
             for p in foreign],
            f"refusing to replace {len(foreign)} file(s) that kb-engine did not write",
        )


def write_diagrams(
    out_dir: str | Path,
    editions: Iterable[str] | None = None,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = DEFAULT_FORMATS,
    kb: KnowledgeBase | None = None,
    *,
    scenarios: Sequence[Path] = (),
    dpi: int = DEFAULT_DPI,
    paper: str | None = None,
) -> list[Path]:
    """Write the diagram set and its index pages; return the written paths in a fixed order.

    For each edition and language: the whole cause graph and every error code's
    decision tree, in each format asked for; ``graphml``/``json`` write the
    cause graph as data once per edition; ``html`` writes the interactive trainer
    (one page per tree, and ``index.html``). The index page ``README.md`` is
    rewritten to link what the folder now holds. Files of ours that the knowledge
    base no longer produces (a removed error code) are deleted, only for the
    formats being written; other folders are never touched.

    Args:
        out_dir: the folder.
        editions: edition ids (None: all).
        langs: languages.
        formats: formats.
        kb: the knowledge base (the shipped one when None).
        scenarios: facts files for the trainer's quiz.
        dpi: resolution of PNG files.
        paper: ``a4`` or ``a3``: PDF files are printable posters of that paper, text never below 8 pt.

    Raises:
        ValueError: an unknown language, format or paper, or a dpi below 1.
        UnknownEditionError: an unknown edition.
        InputError: a file at a planned path was not written by kb-engine diagrams (nothing is written),
            a facts file is invalid, or a file cannot be written.
        ToolMissingError: ``dot`` is needed (svg, png, pdf, html) and missing; checked before anything is written.
        ToolFailedError: ``dot`` failed on a diagram.
    """
    if dpi < 1:
        raise ValueError(f"dpi must be at least 1, not {dpi}")
    from .poster import PAPERS

    if paper is not None and paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; expected one of {', '.join(PAPERS)}")
    kb = kb or default_kb()
    root = Path(out_dir)
    outputs = plan(kb, editions, langs, formats, root=root, scenarios=scenarios)
    _refuse_foreign(root, [o.path for o in outputs] + ["README.md"] + (["index.html"] if "html" in formats else []))
    if any(o.needs_dot for o in outputs):
        require_dot()
    written: list[Path] = []
    for output in outputs:
        written.append(write_atomic(root / output.path, output.produce(dpi, paper)))
    for path in _obsolete(root, outputs, formats):
        path.unlink()
    if "html" in formats:
        written.append(write_atomic(root / "index.html", trainer_index(kb, root)))
    written.append(write_atomic(root / "README.md", index_markdown(kb, root)))
    return written


# ---------------------------------------------------------------------------
# Checking a folder


@dataclass(frozen=True)
class Stale:
    """A file that differs from a fresh build, and why (``missing``, ``out of date``, ``edited by hand`` ...)."""

    path: Path
    reason: str


def _check_stamped(path: Path, output: Output) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return "missing"
    stamp = read_stamp(data)
    if stamp is None:
        return "not stamped by kb-engine diagrams"
    if not stamp.intact:
        return "edited by hand"
    if stamp.source != output.source():
        return "out of date"
    return None


def _check_text(path: Path, expected: str) -> str | None:
    try:
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "missing"
    return None if current == expected else "out of date"


def stale(
    out_dir: str | Path,
    editions: Iterable[str] | None = None,
    langs: Sequence[str] = LANGS,
    kb: KnowledgeBase | None = None,
    *,
    scenarios: Sequence[Path] = (),
    formats: Sequence[str] = CHECKED_FORMATS,
) -> list[Stale]:
    """Every file of ``out_dir`` that differs from a fresh build, with the reason. Writes nothing, runs no Graphviz.

    Covers the default set (DOT, Mermaid and text by content; SVG and trainer
    pages by their stamps), the index pages, the handbook (``handbook/``, when
    there) and the overlays (``overlay/``: each must be intact, and made from
    its facts file as it is now).

    Args:
        out_dir: the folder.
        editions: edition ids (None: all).
        langs: languages.
        kb: the knowledge base (the shipped one when None).
        scenarios: the facts files the trainer's quiz was made from.
        formats: the formats to compare (default: all of :data:`CHECKED_FORMATS`, the committed set).

    Raises:
        ValueError: an unknown language or format.
        UnknownEditionError: an unknown edition.
    """
    kb = kb or default_kb()
    root = Path(out_dir)
    outputs = plan(kb, editions, langs, formats, root=root, scenarios=scenarios)
    found: list[Stale] = []
    for output in outputs:
        path = root / output.path
        reason = _check_stamped(path, output) if output.fmt in ("svg", "html") else _check_text(path, output.make())
        if reason is not None:
            found.append(Stale(path, reason))
    found += [Stale(p, "no longer produced") for p in _obsolete(root, outputs, formats)]
    indexes = [("README.md", index_markdown(kb, root))]
    if "html" in formats:
        indexes.append(("index.html", trainer_index(kb, root)))
    for name, expected in indexes:
        reason = _check_text(root / name, expected)
        if reason is not None:
            found.append(Stale(root / name, reason))
    found += _stale_handbook(kb, root)
    found += _stale_overlays(kb, root)
    return found


def stale_files(
    out_dir: str | Path,
    editions: Iterable[str] | None = None,
    langs: Sequence[str] = LANGS,
    kb: KnowledgeBase | None = None,
    *,
    scenarios: Sequence[Path] = (),
    formats: Sequence[str] = CHECKED_FORMATS,
) -> list[Path]:
    """The paths of :func:`stale`.

    Raises:
        ValueError: an unknown language or format.
        UnknownEditionError: an unknown edition.
    """
    return [s.path for s in stale(out_dir, editions, langs, kb, scenarios=scenarios, formats=formats)]


def _stale_handbook(kb: KnowledgeBase, root: Path) -> list[Stale]:
    folder = root / "handbook"
    if not folder.is_dir():
        return []
    from kb_engine.knowledge.handbook import handbooks

    found = []
    for name, text in handbooks(kb).items():
        reason = _check_text(folder / name, text)
        if reason is not None:
            found.append(Stale(folder / name, reason))
    return found


def _stale_overlays(kb: KnowledgeBase, root: Path) -> list[Stale]:
    folder = root / "overlay"
    if not folder.is_dir():
        return []
    from .overlay import overlay_source

    found = []
    for path in sorted(folder.glob("*.svg")):
        stamp = read_stamp(path.read_bytes())
        if stamp is None:
            continue  # not one of ours
        if not stamp.intact:
            found.append(Stale(path, "edited by hand"))
            continue
        expected = overlay_source(path, kb)
        if expected is None:
            found.append(Stale(path, "its facts file is gone"))
        elif expected != stamp.source:
            found.append(Stale(path, "out of date"))
    return found


# ---------------------------------------------------------------------------
# The index pages

_FORMAT_NAMES = (("html", "trainer"), ("svg", "SVG"), ("png", "PNG"), ("pdf", "PDF"), ("txt", "text"), ("mmd", "Mermaid"),
                 ("dot", "DOT"))
_LANG_NAMES = {"en": "English", "ja": "日本語 (Japanese)"}


def _links(root: Path, stem: str) -> str:
    return " · ".join(f"[{name}]({stem}.{fmt})" for fmt, name in _FORMAT_NAMES if is_ours_present(root / f"{stem}.{fmt}"))


def is_ours_present(path: Path) -> bool:
    """Whether a file of ours is at ``path``."""
    return path.is_file() and is_ours(path)


def index_markdown(kb: KnowledgeBase, root: Path) -> str:
    """The index page of the folder: what is there, how to read it, every Mermaid tree inline.

    It links the files of ours that the folder holds (so a filtered run links
    only what exists), the trainer and the handbook when they are there.
    """
    out = [
        "# Diagrams of the knowledge base",
        "",
        f"<!-- {MARK} `kb-engine diagrams --check` tells whether this folder is up to date. -->",
        "",
        f"Knowledge base version {kb.kb_version}. Every diagram exists for each edition of the article, in "
        "English and in Japanese.",
        "",
    ]
    if is_ours_present(root / "index.html"):
        out.append("- **[The trainer](index.html)** (`tree-<error code>.html`): one page per error code, to open in "
                   "a browser (offline, from the file): one question at a time with where to find the answer, "
                   "yes / no / not known, back, the path so far, the cause and its remedy at a leaf, the tree "
                   "beside it; a quiz on the example scenarios, scored against the engine's diagnosis.")
    out += [
        "- **Decision trees** (`tree-<error code>`), one per error code, for training: the code's causes in the "
        "article's order, numbered, with the article's letter; the OS asked once at the top when causes depend "
        "on it; one yes/no question per node, answerable from one fact (named under the question); *yes* leads "
        "to the cause and its numbered remedy steps, *no* to the next question or cause; *still failing* goes on "
        "to the next cause, and after the last one to the escalation leaf with the logs to collect. The `.txt` "
        "file is the same tree as an outline (80 columns), for terminals, tickets and screen readers.",
        "- **The cause graph** (`graph`): every error code, cause, finding and fact test of an edition on one "
        "reference poster.",
        "- Shapes carry the meaning, colour only repeats it: rounded box = error code, hexagon = question, "
        "box = cause found, double box = escalate; dotted arrows = still failing.",
        "- Printable posters (`--type pdf --paper a4` or `a3`), PNG at a chosen resolution (`--dpi`) and the "
        "cause graph as data (`--type graphml,json`) are made on request: `kb-engine diagrams --help`.",
    ]
    if (root / "handbook").is_dir():
        out.append("- [The handbook](handbook/) (`handbook/`).")
    for edition in reversed(kb.editions):
        newest = " (newest)" if edition is kb.default else ""
        for lang in LANGS:
            base = f"{edition.id}/{lang}"
            rows = [(" / ".join(entry.names), _links(root, f"{base}/tree-{entry.id}")) for entry in edition.codes]
            graph = _links(root, f"{base}/graph")
            if not graph and not any(links for _, links in rows):
                continue
            out += ["", f"## {edition.id}{newest}, {_LANG_NAMES[lang]}", "", edition.title.get(lang), ""]
            out += ["| Error code | Files |", "|---|---|"]
            if graph:
                out.append(f"| *cause graph* | {graph} |")
            out += [f"| {names} | {links} |" for names, links in rows if links]
            for entry in edition.codes:
                if not is_ours_present(root / f"{base}/tree-{entry.id}.mmd"):
                    continue
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


def trainer_index(kb: KnowledgeBase, root: Path) -> str:
    """The trainer's ``index.html``: the trainer pages the folder holds, per edition and language."""
    sections = []
    for edition in reversed(kb.editions):
        for lang in LANGS:
            pages = [(" / ".join(e.names), f"{edition.id}/{lang}/tree-{e.id}.html", edition.fill(e.message, lang))
                     for e in edition.codes if is_ours_present(root / edition.id / lang / f"tree-{e.id}.html")]
            if pages:
                sections.append({"edition": edition.id, "lang": lang, "title": edition.title.get(lang), "pages": pages})
    return index_html(kb.kb_version, sections)
