"""``kb-engine diagrams``: draw the knowledge base's decision trees and cause graph into a folder."""

from __future__ import annotations

import click

__all__ = ["diagrams_command"]

_EPILOG = """\b
Examples:
  kb-engine diagrams                            every edition and language into diagrams/
  kb-engine diagrams --edition 2019-12 --lang ja --format png --out /tmp/d
  kb-engine diagrams --check                    exit 1 if diagrams/ is out of date

\b
Exit codes:
  0   diagrams written (or, with --check, up to date)
  1   --check: stale files found (listed on stdout)
  2   bad usage (unknown edition, format or language)
  3   Graphviz's dot is missing or failed (needed for svg, png, pdf)
"""

_FORMATS = ("dot", "svg", "png", "pdf", "mmd", "txt", "graphml", "json")


@click.command("diagrams", epilog=_EPILOG)
@click.option("--edition", metavar="EDITION", help="Only this edition (default: every edition).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Only this language (default: both).")
@click.option(
    "--format", "formats", type=click.Choice(_FORMATS), multiple=True, metavar="FORMAT",
    help="dot, svg, png, pdf, mmd (Mermaid), txt (text twin), graphml, json; repeatable. "
    "Default: dot, svg, mmd, txt.",
)
@click.option("--out", "out_dir", default="diagrams", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write into.")
@click.option("--check", is_flag=True, help="Write nothing; compare the DOT, Mermaid and text files in the folder "
              "with a fresh build and exit 1 listing the stale ones.")
@click.pass_context
def diagrams_command(ctx: click.Context, edition: str | None, lang: str | None, formats: tuple[str, ...],
                     out_dir: str, check: bool) -> int:
    """Draw a decision tree per error code and the whole cause graph, per edition and language.

    Writes DIR/<edition>/<lang>/tree-<code>.* and graph.*, and the index page
    DIR/README.md (Mermaid trees inline). Paths go to standard output, the
    summary to standard error.
    """
    from kb_engine.diagrams.files import DEFAULT_FORMATS, stale_files, write_diagrams
    from kb_engine.diagrams.labels import LANGS

    editions = None if edition is None else [edition]
    langs = LANGS if lang is None else (lang,)
    if check:
        if formats:
            raise click.UsageError("--check compares the text formats (dot, mmd, txt); it takes no --format")
        stale = stale_files(out_dir, editions, langs)
        for path in stale:
            click.echo(str(path))
        if stale:
            click.echo(f"{len(stale)} stale file(s) in {out_dir}; run: kb-engine diagrams --out {out_dir}", err=True)
            ctx.exit(1)
        click.echo(f"{out_dir} is up to date", err=True)
        return 0
    written = write_diagrams(out_dir, editions, langs, formats or DEFAULT_FORMATS)
    for path in written:
        click.echo(str(path))
    click.echo(f"wrote {len(written)} files into {out_dir} (index: {out_dir}/README.md)", err=True)
    return 0
