"""``kb-engine diagnose`` and ``kb-engine schema``.

``diagnose`` streams: records are read lazily (a facts file, or a line of
JSON Lines), diagnosed in batches on every core, and written in input order as
they are done, so a million VMs run in constant memory. The same code handles
one file and a fleet; the output's shape depends only on ``--format``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from .options import edition_option, format_name_warning, kb_option, output_option
from .ui import SETTINGS, info, is_terminal, label, style_for

if TYPE_CHECKING:
    from kb_engine.engine.reasoner import Backend
    from kb_engine.fleet.records import InputFormat, LineBlock, Record, RecordBatch
    from kb_engine.fleet.run import FleetOptions, OutputFormat
    from kb_engine.fleet.summary import FleetSummary, SummaryFormat
    from kb_engine.io.write import Output

    from .progress import FleetProgress

__all__ = ["diagnose_command", "schema_command"]

_EXIT_TEXT = """\b
Exit codes: (of the whole run: the first that applies)
  2   bad usage, or nothing readable (every input bad; with --fail-fast, any bad record)
  3   Graphviz's dot is missing or failed (--diagram as SVG, PNG or PDF)
  4   the --kb directory does not load
  6   some records were bad (each is reported; the others were diagnosed and written)
  1   problems found in a VM (a cause confirmed), or unexplained (every cause of its error ruled out)
  5   incomplete: nothing confirmed in any VM, but some have deciding facts unknown
  0   no problem found: every cause of every VM ruled out
"""

_FORMATS = ("text", "markdown", "json", "rows", "csv")
_SEPARATED = ("text", "markdown")  # reports for people: a blank line between two
_MAX_BATCH_BYTES = 1024 * 1024


def _summary_format(path: str, given: str | None) -> SummaryFormat:
    if given is not None:
        return given  # type: ignore[return-value]  # click.Choice checked it
    suffix = Path(path).suffix.lower()
    return "json" if suffix == ".json" else "markdown" if suffix in (".md", ".markdown") else "text"


def _input_size(files: tuple[str, ...]) -> int | None:
    """The total size of the inputs when all are regular files (for a progress bar), else None."""
    import os
    import stat

    total = 0
    for name in files:
        try:
            info_ = os.stat(name)
        except (OSError, ValueError):
            return None
        if name == "-" or not stat.S_ISREG(info_.st_mode):
            return None
        total += info_.st_size
    return total


class _Writer:
    """Writes each VM's output to stdout or to a file written whole at the end (or not at all)."""

    def __init__(self, output: str, fmt: OutputFormat) -> None:
        from kb_engine.io.write import Output

        self.file: Output | None = None if output == "-" else Output(output)
        self.stream: TextIO = sys.stdout
        self.separate = fmt in _SEPARATED
        self.first = True
        if fmt == "csv":
            from kb_engine.fleet.model import csv_header

            self._write(csv_header())

    def _write(self, text: str) -> None:
        if self.file is not None:
            self.file.write(text)
        else:
            self.stream.write(text)

    def write(self, chunks: list[str]) -> None:
        if not chunks:
            return
        if self.separate:
            text = ("" if self.first else "\n") + "\n".join(chunks)
        else:
            text = "".join(chunks)
        self.first = False
        self._write(text)
        if self.file is None:
            self.stream.flush()

    def finish(self, keep: bool) -> None:
        if self.file is not None:
            if keep:
                self.file.commit()
            else:
                self.file.discard()


def _report_error(progress: FleetProgress, text: str) -> None:
    progress.echo(f"{label('error', 'red')} {text}")


@click.command("diagnose", epilog=_EXIT_TEXT)
@click.argument("files", nargs=-1, required=True, metavar="FILE... | -")
@edition_option()
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of the reports.")
@click.option(
    "--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True,
    help="text: a report for a terminal; markdown: for a ticket; json: one full report per line (JSON Lines); "
    "rows: one compact row per VM (JSON Lines); csv: the same rows as CSV. The shape never depends on how many VMs.",
)
@click.option("--explain", is_flag=True, help="Add how every conclusion was derived (text, markdown, json).")
@output_option("Where to write the reports or rows; a file is written whole when the run ends, or not at all.")
@click.option(
    "--summary", "summary_path", metavar="FILE|-", callback=format_name_warning("--summary-format"),
    help="Also write the fleet summary (VMs per verdict, cause, expected code, edition; the commonest unknown facts) "
    "to FILE, or to stdout with - when -o names a file. Without it, a batch's summary goes to stderr (not with --quiet).",
)
@click.option(
    "--summary-format", type=click.Choice(["text", "markdown", "json"]),
    help="Format of the --summary file (default: by its extension, .json or .md, else text).",
)
@click.option(
    "--input-format", type=click.Choice(["auto", "jsonl", "document"]), default="auto", show_default=True,
    help="jsonl: one facts object per line; document: one facts file (YAML or JSON) per input; auto: "
    "*.jsonl and *.ndjson are JSON Lines, and so is an input whose first line is a whole JSON object.",
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first bad record (exit 2; nothing is written to an -o file).")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), metavar="N",
    help="Worker processes (default: the machine's cores). The output is the same, byte for byte, for any N.",
)
@click.option(
    "--diagram", type=click.Path(dir_okay=False), metavar="PATH",
    help="Also draw the diagnosis on its error code's decision tree (the whole cause graph without one); "
    "the format follows the extension: .svg .png .pdf .dot .txt (an outline). One VM only.",
)
@click.option(
    "--backend", type=click.Choice(["experta", "direct"]), default="experta", show_default=True,
    help="How the rules run: experta (forward chaining) or direct (the same rules step by step, "
    "much faster for many VMs; identical reports).",
)
@kb_option()
def diagnose_command(
    files: tuple[str, ...],
    edition: str | None,
    lang: str,
    fmt: OutputFormat,
    explain: bool,
    output: str,
    summary_path: str | None,
    summary_format: str | None,
    input_format: InputFormat,
    fail_fast: bool,
    jobs: int | None,
    diagram: str | None,
    backend: Backend,
    kb_path: str | None,
) -> int:
    """Diagnose VMs from facts files or JSON Lines (one VM per line); - reads standard input.

    Each VM is written as soon as it is done, in input order. A bad record is
    reported on stderr with its file and line, and the others are still
    diagnosed (exit 6); with several records a summary follows on stderr.

    \b
    Examples:
      kb-engine diagnose facts/linux-agent-outdated.yaml
      kb-engine diagnose fleet.jsonl --format rows --backend direct -o rows.jsonl
      kb-engine diagnose facts/*.yaml --format csv --summary summary.md
      kb-engine facts from-azure vm.json locks.json | kb-engine diagnose - --explain
    """
    from kb_engine.fleet.records import read_batches, read_records
    from kb_engine.fleet.run import FleetOptions, engine_for

    if files.count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    if summary_path == "-" and output == "-":
        raise click.UsageError("--summary - writes the summary to standard output: give -o a file for the data")
    if diagram is not None:
        _check_diagram_name(diagram)
    options = FleetOptions(
        edition=edition, backend=backend, kb_path=kb_path, lang="ja" if lang == "ja" else "en", format=fmt,
        explain=explain, colour=output == "-" and fmt == "text" and style_for(sys.stdout) is not None,
        fail_fast=fail_fast,
    )
    engine_for(options)  # a bad edition or --kb fails here, before any input is read
    if "-" in files and is_terminal(sys.stdin):
        info("reading facts from standard input (end with Ctrl-D)")
    if diagram is not None:
        return _diagnose_with_diagram(read_records(files, input_format=input_format), options, output, diagram)
    batch_size = 256 if options.backend == "direct" else 16
    work = read_batches(files, input_format=input_format, size=batch_size, max_bytes=_MAX_BATCH_BYTES)
    return _stream(work, files, options, output, summary_path, summary_format, jobs)


def _stream(
    work: Iterator[RecordBatch | LineBlock],
    files: tuple[str, ...],
    options: FleetOptions,
    output: str,
    summary_path: str | None,
    summary_format: str | None,
    jobs: int | None,
) -> int:
    from kb_engine.errors import EXIT_USAGE
    from kb_engine.fleet.parallel import available_cores, ordered_map
    from kb_engine.fleet.run import run_batch
    from kb_engine.fleet.summary import FleetSummary

    from .progress import FleetProgress, progress_wanted

    summary = FleetSummary()
    writer = _Writer(output, options.format)
    results = ordered_map(partial(run_batch, options=options), work, jobs=jobs or available_cores())
    stopped = False
    keep = False
    try:
        with FleetProgress(progress_wanted(output == "-"), _input_size(files)) as progress:
            for result in results:
                for _, error in result.errors:
                    _report_error(progress, error.message())
                writer.write(result.chunks)
                summary.merge(result.summary)
                progress.advance(result.summary.vms, result.summary.bad, result.size)
                if result.stopped:
                    stopped = True
                    break
            elapsed, rate = progress.elapsed, progress.rate()
        keep = not stopped and summary.exit_code != EXIT_USAGE
    finally:
        if hasattr(results, "close"):
            results.close()  # stops the workers when the loop ends early
        writer.finish(keep)
    if stopped:
        info("stopped at the first bad record (--fail-fast)" + ("; nothing written" if output != "-" else ""))
    _write_summary(summary, summary_path, summary_format, elapsed, rate)
    return EXIT_USAGE if stopped else summary.exit_code


def _write_summary(summary: FleetSummary, path: str | None, fmt: str | None, elapsed: float, rate: float) -> None:
    if path is not None:
        text = summary.render(_summary_format(path, fmt))
        if path == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            from kb_engine.io.write import write_atomic

            write_atomic(path, text)
    if not SETTINGS.quiet and summary.vms + summary.bad > 1:
        import shutil

        lines = summary.to_text(width=min(shutil.get_terminal_size((100, 24)).columns, 120) - 1).splitlines()
        lines[0] = f"kb-engine: {lines[0]} in {elapsed:.1f} s ({rate:,.0f} VMs/s)"
        click.echo("\n".join(lines), err=True)


def _check_diagram_name(diagram: str) -> None:
    from kb_engine.diagrams.overlay import OVERLAY_FORMATS

    suffix = Path(diagram).suffix.lower().lstrip(".")
    if suffix not in OVERLAY_FORMATS:
        raise click.BadParameter(
            f"the file name must end in {', '.join('.' + f for f in OVERLAY_FORMATS)}", param_hint="--diagram"
        )


def _diagnose_with_diagram(records: Iterator[Record], options: FleetOptions, output: str, diagram: str) -> int:
    """One VM, its report and its diagram: both written, or (on any failure) neither."""
    from kb_engine.diagrams.overlay import render_overlay
    from kb_engine.fleet.model import FleetRow
    from kb_engine.fleet.records import parse_record
    from kb_engine.fleet.run import engine_for, render_vm
    from kb_engine.fleet.summary import vm_exit_code
    from kb_engine.io.write import write_all

    taken = list(islice(records, 2))
    if len(taken) != 1:
        raise click.UsageError("--diagram draws one VM: give one facts file, or JSON Lines with one line")
    (record,) = taken
    engine = engine_for(options)
    facts = parse_record(record)
    report = engine.diagnose(facts, lang=options.lang, source=record.label)
    row = FleetRow.from_report(report, source=record.source, line=record.line)
    text = render_vm(report, row, options)
    # A whole facts file is named in the drawing, so `kb-engine diagrams --check` can tell when it changes.
    source = Path(record.source) if record.line is None and Path(record.source).is_file() else None
    rendered = render_overlay(engine, facts, Path(diagram).suffix.lower().lstrip("."), options.lang,
                              facts_path=source, out_path=Path(diagram))
    # Every output is opened (its folder checked, a device opened) before anything is written anywhere.
    write_all([(diagram, rendered), (output, text)])
    info(f"diagram written to {diagram}")
    return vm_exit_code(row)


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

