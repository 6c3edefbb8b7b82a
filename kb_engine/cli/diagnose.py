"""``kb-engine diagnose`` and ``kb-engine schema``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import kb_option, output_option
from .ui import info, is_terminal, style_for

if TYPE_CHECKING:
    from kb_engine.engine.reasoner import Backend

__all__ = ["diagnose_command", "schema_command"]

_EXIT_TEXT = """\b
Exit codes:
  0   no problem found (nothing confirmed, no escalation)
  1   problems found (a cause confirmed, or every cause of the observed error excluded)
  2   bad usage or input (invalid facts file, unknown edition or error code)
  3   Graphviz's dot is missing or failed (--diagram as SVG, PNG or PDF)
"""


@click.command("diagnose", epilog=_EXIT_TEXT)
@click.argument("files", nargs=-1, required=True, metavar="FILE... | -")
@click.option("--edition", metavar="EDITION", help="Article edition: 2019-07 or 2019-12 (default: the newest).")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of the report.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
    help="text for a terminal, json (JSON Lines for several files), markdown for a ticket.",
)
@click.option("--explain", is_flag=True, help="Show how every conclusion was derived, as a tree (text and markdown).")
@output_option("Where to write the report(s).")
@click.option(
    "--diagram", type=click.Path(dir_okay=False), metavar="PATH",
    help="Also draw the diagnosis on its error code's decision tree (the whole cause graph without one); the format follows the extension: .svg .png .pdf .dot.",
)
@click.option(
    "--backend", type=click.Choice(["experta", "direct"]), default="experta", show_default=True,
    help="How the rules run: experta (forward chaining) or direct (the same rules step by step, "
    "much faster for many files; identical reports).",
)
@kb_option()
def diagnose_command(
    files: tuple[str, ...],
    edition: str | None,
    lang: str,
    fmt: str,
    explain: bool,
    output: str,
    diagram: str | None,
    backend: Backend,
    kb_path: str | None,
) -> int:
    """Diagnose VMs from facts files (JSON or YAML; - reads standard input).

    \b
    Examples:
      kb-engine diagnose facts/linux-agent-outdated.yaml
      kb-engine diagnose facts/*.yaml --format json --edition 2019-07 --backend direct
      kb-engine facts from-azure vm.json locks.json | kb-engine diagnose - --explain
    """
    from kb_engine.diagnosis import Engine
    from kb_engine.facts.load import load_facts
    from kb_engine.report.model import report_json
    from kb_engine.report.render import explain_tree, to_markdown, to_text

    if diagram is not None and len(files) != 1:
        raise click.UsageError("--diagram draws one VM: give exactly one facts file")
    if files.count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    if diagram is not None:
        from kb_engine.diagrams.overlay import OVERLAY_FORMATS

        suffix = Path(diagram).suffix.lower().lstrip(".")
        if suffix not in OVERLAY_FORMATS:
            raise click.BadParameter(
                f"the file name must end in {', '.join('.' + f for f in OVERLAY_FORMATS)}", param_hint="--diagram"
            )
    from kb_engine.knowledge.load import default_kb, load_kb

    engine = Engine(edition, kb=default_kb() if kb_path is None else load_kb(kb_path), backend=backend)
    if "-" in files and is_terminal(sys.stdin):
        info("reading facts from standard input (end with Ctrl-D)")
    loaded = [load_facts(name) for name in files]
    reports = [
        engine.diagnose(facts, lang=lang, source="<stdin>" if name == "-" else name)
        for name, facts in zip(files, loaded, strict=True)
    ]
    chunks: list[str] = []
    style = style_for(sys.stdout) if (output == "-" and fmt == "text") else None
    for report in reports:
        if fmt == "json":
            chunks.append(report_json(report, indent=None) if len(reports) > 1 else report_json(report))
        elif fmt == "markdown":
            text = to_markdown(report)
            if explain:
                text += "\n```text\n" + explain_tree(report) + "\n```\n"
            chunks.append(text)
        else:
            chunks.append(to_text(report, style=style, explain=explain))
    separator = "" if fmt == "json" else "\n"
    rendered: bytes | str | None = None
    if diagram is not None:
        from kb_engine.diagrams.overlay import render_overlay

        rendered = render_overlay(engine, loaded[0], Path(diagram).suffix.lower().lstrip("."), lang)
    from kb_engine.io.write import write_atomic, write_output

    write_output(output, separator.join(chunks))
    if diagram is not None and rendered is not None:
        write_atomic(diagram, rendered)
        info(f"diagram written to {diagram}")
    problems = any(r.verdict == "problems" or r.escalation is not None for r in reports)
    return 1 if problems else 0


@click.command("schema", epilog="""\b
Exit codes:
  0   schema printed
  2   unknown schema name
  3   openapi: the serve extra is not installed
""")
@click.argument("which", type=click.Choice(["facts", "report", "kb", "openapi"]))
def schema_command(which: str) -> int | None:
    """Print the JSON Schema of facts files, of the report, or of the knowledge files (or the service's OpenAPI document).

    \b
    Example:
      kb-engine schema facts > facts.schema.json
    """
    if which == "openapi":
        from .serve import missing_extra

        missing = missing_extra()
        if missing is not None:
            return missing
        from kb_engine.serve.app import committed_openapi

        click.echo(committed_openapi(), nl=False)
        return None
    from kb_engine.schemas import schema_text

    click.echo(schema_text(which), nl=False)
    return None

