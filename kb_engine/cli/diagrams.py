"""``kb-engine diagrams``: draw the knowledge base's decision trees and cause graph into a folder."""

from __future__ import annotations

import click

from .options import kb_option, output_option
from .ui import SETTINGS, info, warn

__all__ = ["diagrams_command"]

_EPILOG = """\b
Examples:
  kb-engine diagrams                            every edition and language into diagrams/
  kb-engine diagrams --edition 2019-12 --lang ja --format png --dpi 300 --out /tmp/d
  kb-engine diagrams --format html --out /tmp/trainer   the trainer: open /tmp/trainer/index.html
  kb-engine diagrams --format pdf --paper a4 --lang en --out /tmp/print   posters to print
  kb-engine diagrams --check                    exit 1 if diagrams/ is out of date

\b
Exit codes:
  0   diagrams written (or, with --check, up to date)
  1   --check: stale files found (listed on stdout)
  2   bad usage (unknown edition, format or language), an invalid facts file,
      or a file in the way that kb-engine did not write (nothing is written)
  3   Graphviz's dot is missing or failed (needed for svg, png, pdf, html)
"""

_FORMATS = ("html", "dot", "svg", "png", "pdf", "mmd", "txt", "graphml", "json")


@click.command("diagrams", epilog=_EPILOG)
@click.option("--edition", metavar="EDITION", help="Only this edition (default: every edition).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Only this language (default: both).")
@click.option(
    "--format", "formats", type=click.Choice(_FORMATS), multiple=True, metavar="FORMAT",
    help="html (the interactive trainer), dot, svg, png, pdf, mmd (Mermaid), txt (text twin), graphml, json; "
    "repeatable. Default: html, dot, svg, mmd, txt.",
)
@click.option("--dpi", type=click.IntRange(24, 1200), default=192, show_default=True, help="Resolution of PNG files.")
@click.option("--paper", type=click.Choice(["a4", "a3"]), help="Make PDF files printable posters on this paper: a tree "
              "split into pages (one per cause), the cause graph cut into tiles, text never below 8 pt.")
@click.option("--scenarios", "scenarios_dir", type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="Facts files (*.yaml, *.json) for the trainer's quiz. Default: ./facts when it exists.")
@click.option("--out", "out_dir", default="diagrams", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write into.")
@click.option("--check", is_flag=True, help="Write nothing; compare the DOT, Mermaid and text files in the folder "
              "with a fresh build and exit 1 listing the stale ones.")
@click.pass_context
def diagrams_command(ctx: click.Context, edition: str | None, lang: str | None, formats: tuple[str, ...], dpi: int,
                     paper: str | None, scenarios_dir: str | None, out_dir: str, check: bool) -> int:
    """Draw a decision tree per error code and the whole cause graph, per edition and language.

    Writes DIR/<edition>/<lang>/tree-<code>.* and graph.*, the trainer's
    pages (tree-<code>.html, DIR/index.html) and the index page DIR/README.md
    (Mermaid trees inline). A file in the way that kb-engine did not write is
    never replaced. Paths go to standard output, the summary to standard error.
    """
    from pathlib import Path

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
        if formats:
            raise click.UsageError("--check compares the default set (html, dot, svg, mmd, txt); it takes no --format")
        found = stale(out_dir, editions, langs, scenarios=scenarios)
        for item in found:
            click.echo(f"{item.path}: {item.reason}")
        if found:
            click.echo(f"{len(found)} stale file(s) in {out_dir}; run: kb-engine diagrams --out {out_dir}", err=True)
            ctx.exit(1)
        info(f"{output} is up to date")
        return 0
    if paper is not None and "pdf" not in formats:
        raise click.UsageError("--paper makes PDF posters: give --format pdf too")
    written = write_diagrams(out_dir, editions, langs, formats or DEFAULT_FORMATS, scenarios=scenarios, dpi=dpi,
                             paper=paper)
    for path in written:
        click.echo(str(path))
    click.echo(f"wrote {len(written)} files into {out_dir} (index: {out_dir}/README.md)", err=True)
    return 0
