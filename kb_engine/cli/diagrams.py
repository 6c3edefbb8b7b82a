"""``kb-engine diagrams``: draw the knowledge base's decision trees and cause graph into a folder."""

from __future__ import annotations

from pathlib import Path

import click

from .options import kb_option, output_option
from .ui import SETTINGS, info, warn

__all__ = ["diagrams_command"]

_EPILOG = """\b
Examples:
  kb-engine diagrams                            every edition and language into diagrams/
  kb-engine diagrams --edition 2019-12 --lang ja --type png --dpi 300 -o /tmp/d
  kb-engine diagrams --type html -o /tmp/trainer       the trainer: open /tmp/trainer/index.html
  kb-engine diagrams --type pdf --paper a4 --lang en -o /tmp/print   posters to print
  kb-engine diagrams --type graphml,json -o /tmp/graph
  kb-engine diagrams --check                    exit 1 if diagrams/ is out of date

\b
Exit codes:
  0   diagrams written (or, with --check, up to date)
  1   --check: stale files found (listed on stdout, each with the reason)
  2   bad usage (unknown edition, file type or language), an invalid facts file,
      or a file in the way that kb-engine did not write (nothing is written)
  3   Graphviz's dot is missing or failed (needed for html, svg, png, pdf)
  4   the --kb directory does not load
"""

_TYPES = ("html", "dot", "svg", "png", "pdf", "mmd", "txt", "graphml", "json")


def _types(_ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """File types, repeatable and comma-separated (``--type svg,png --type txt``), each once, in order."""
    out: list[str] = []
    for value in values:
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = [n for n in names if n not in _TYPES]
        if unknown or not names:
            raise click.BadParameter(f"{value!r}: not a file type; choose from {', '.join(_TYPES)}", param=param)
        out += [n for n in names if n not in out]
    return tuple(out)


@click.command("diagrams", epilog=_EPILOG)
@click.option("--edition", metavar="EDITION", help="Only this edition (default: every edition).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Only this language (default: both).")
@click.option(
    "-t", "--type", "types", multiple=True, callback=_types, metavar="TYPE[,TYPE...]",
    help="File types to write: html (the interactive trainer), dot, svg, png, pdf, mmd (Mermaid), txt (text twin), "
    "graphml, json; repeatable or comma-separated. Default: html, dot, svg, mmd, txt.",
)
@click.option("--format", "legacy_types", multiple=True, callback=_types, hidden=True)
@click.option("--dpi", type=click.IntRange(24, 1200), default=192, show_default=True, help="Resolution of PNG files.")
@click.option("--paper", type=click.Choice(["a4", "a3"]), help="Make PDF files printable posters on this paper: a tree "
              "split into pages (one per cause), the cause graph cut into tiles, body text never below 8 pt.")
@click.option("--scenarios", "scenarios_dir", type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="Facts files (*.yaml, *.json) for the trainer's quiz. Default: ./facts (of the current folder) "
              "when it exists; --check needs the same folder as the run it checks.")
@output_option("Folder to write into.", default="diagrams", metavar="DIR", hidden_aliases=["--out"], directory=True,
               chooser="--type", choices=_TYPES)
@kb_option()
@click.option("--check", is_flag=True, help="Write nothing; compare the folder (trees, trainer, drawings, index, "
              "handbook, overlays) with a fresh build and exit 1 listing each stale file and why.")
@click.pass_context
def diagrams_command(ctx: click.Context, edition: str | None, lang: str | None, types: tuple[str, ...],
                     legacy_types: tuple[str, ...], dpi: int, paper: str | None, scenarios_dir: str | None,
                     output: str, kb_path: str | None, check: bool) -> int:
    """Draw a decision tree per error code and the whole cause graph, per edition and language.

    Writes DIR/<edition>/<lang>/tree-<code>.* and graph.*, the trainer's
    pages (tree-<code>.html, DIR/index.html) and the index page DIR/README.md
    (Mermaid trees inline). A file in the way that kb-engine did not write is
    never replaced. Paths go to standard output, the summary to standard error
    (neither with --quiet).
    """
    from kb_engine.diagrams.files import DEFAULT_FORMATS, stale, write_diagrams
    from kb_engine.diagrams.labels import LANGS
    from kb_engine.knowledge.load import default_kb, load_kb

    if legacy_types:
        warn("diagrams --format is now --type (-t); --format names a report style in the other commands")
    kinds = tuple(dict.fromkeys(types + legacy_types))
    kb = default_kb() if kb_path is None else load_kb(kb_path)
    editions = None if edition is None else [edition]
    langs = LANGS if lang is None else (lang,)
    folder = Path(scenarios_dir) if scenarios_dir is not None else Path("facts")
    scenarios = sorted([*folder.glob("*.yaml"), *folder.glob("*.json")]) if folder.is_dir() else []
    if check:
        if kinds:
            raise click.UsageError("--check compares the default set (html, dot, svg, mmd, txt); it takes no --type")
        found = stale(output, editions, langs, kb=kb, scenarios=scenarios)
        for item in found:
            click.echo(f"{item.path}: {item.reason}")
        if found:
            if scenarios_dir is None and any(item.path.name.startswith("tree-") and item.path.suffix == ".html" for item in found):
                _scenarios_hint(folder, len(scenarios))
            info(f"{len(found)} stale file(s) in {output}; run: kb-engine diagrams -o {output}")
            ctx.exit(1)
        info(f"{output} is up to date")
        return 0
    if paper is not None and "pdf" not in kinds:
        raise click.UsageError("--paper makes PDF posters: give --type pdf too")
    written = write_diagrams(output, editions, langs, kinds or DEFAULT_FORMATS, kb=kb, scenarios=scenarios, dpi=dpi,
                             paper=paper)
    if not SETTINGS.quiet:
        for path in written:
            click.echo(str(path))
    info(f"wrote {len(written)} files into {output} (index: {output}/README.md)")
    return 0


def _scenarios_hint(folder: Path, count: int) -> None:
    """Trainer pages differ, and their quiz came from ./facts of wherever --check runs: say which folder that was."""
    here = Path.cwd()
    if not folder.is_dir():
        warn(f"the trainer pages were compared with no quiz: there is no facts/ folder in {here}, where the quiz "
             "scenarios are read by default; run --check in the folder the pages were made from, or give --scenarios DIR")
    else:
        info(f"the trainer pages' quiz was compared with the {count} facts files of {here / 'facts'}; "
             "give --scenarios DIR if the pages were made from another folder")
