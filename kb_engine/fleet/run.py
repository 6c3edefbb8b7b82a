"""The per-record and per-batch functions of a fleet scan: the same code in the command line's worker
processes, in an HTTP service and in a Dask partition.

:func:`diagnose_record` turns one record into a :class:`~kb_engine.report.model.Report`
or a :class:`~kb_engine.fleet.model.RecordError`; :func:`diagnose_lines` does it
for a stream of JSON Lines, in order; :func:`render_record` also writes the VM in
the chosen output format (the bytes every front end prints); :func:`run_batch`
renders a batch and counts it into a :class:`~kb_engine.fleet.summary.FleetSummary`,
which is what a worker sends back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from kb_engine.diagnosis import Engine
from kb_engine.engine.reasoner import Backend
from kb_engine.errors import InputError
from kb_engine.facts.quick import read_flat
from kb_engine.io.read import input_limits
from kb_engine.report.model import Report, report_json
from kb_engine.report.summary import Summary

from .model import FleetRow, RecordError, csv_line, row_json
from .records import LineBlock, Record, parse_record, read_record, records_from_lines
from .summary import FleetSummary

__all__ = [
    "BatchResult",
    "FleetOptions",
    "OutputFormat",
    "diagnose_lines",
    "diagnose_record",
    "engine_for",
    "render_record",
    "render_vm",
    "row_of_record",
    "run_batch",
]

OutputFormat = Literal["text", "markdown", "json", "rows", "csv"]
"""``text`` and ``markdown`` reports for people, ``json`` reports (one per line), ``rows`` and ``csv`` compact rows."""

_SEPARATED = ("text", "markdown")  # reports for people: a writer puts a blank line between two


@dataclass(frozen=True)
class FleetOptions:
    """Everything a worker needs to diagnose and render records the same way as every other worker.

    Attributes:
        edition: the edition (None: the newest).
        backend: ``experta`` or ``direct``.
        kb_path: a knowledge-base directory, or None for the shipped one.
        lang: ``en`` or ``ja``.
        format: how each VM is written (see :data:`OutputFormat`).
        explain: add every conclusion's derivation (text, markdown, json).
        colour: colour text reports (for a terminal).
        fail_fast: stop a batch at its first bad record.
    """

    edition: str | None = None
    backend: Backend = "experta"
    kb_path: str | None = None
    lang: Literal["en", "ja"] = "en"
    format: OutputFormat = "rows"
    explain: bool = False
    colour: bool = False
    fail_fast: bool = False


_ENGINES: dict[tuple[str | None, str | None, str], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(options: FleetOptions) -> Engine:
    """The engine for the options' knowledge base, edition and backend, built once per process.

    Raises:
        UnknownEditionError: the edition does not exist.
        KnowledgeBaseError: ``kb_path`` does not load.
    """
    key = (options.kb_path, options.edition, options.backend)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            from kb_engine.knowledge.load import default_kb, load_kb

            kb = default_kb() if options.kb_path is None else load_kb(options.kb_path)
            engine = Engine(options.edition, kb=kb, backend=options.backend)
            _ENGINES[key] = engine
    return engine


def diagnose_record(engine: Engine, record: Record, *, lang: str = "en") -> Report | RecordError:
    """Diagnose one record: its report, or a :class:`RecordError` listing every problem of a bad record.

    Never raises for bad input: a record that cannot be read, parsed or validated,
    or that names an unknown error code, gives a :class:`RecordError`.
    """
    try:
        facts = parse_record(record)
        return engine.diagnose(facts, lang=lang, source=record.label)
    except InputError as exc:
        return RecordError.from_problems(record.source, record.line, exc.problems)


def row_of_record(engine: Engine, record: Record) -> FleetRow | RecordError:
    """The compact row of one record, without building its report; or its :class:`RecordError`.

    The row is the one :meth:`FleetRow.from_report` gives for the record's report
    (:meth:`Engine.summarize` reads the same conclusions). Never raises for bad input.
    """
    try:
        summary = engine.summarize_flat(read_record(record), source=record.label)
    except InputError as exc:
        return RecordError.from_problems(record.source, record.line, exc.problems)
    return FleetRow.from_summary(summary, source=record.source, line=record.line)


def diagnose_lines(
    engine: Engine,
    lines: Iterable[bytes | str],
    *,
    source: str = "<input>",
    lang: str = "en",
    rows: bool = True,
) -> Iterator[FleetRow | Report | RecordError]:
    """Diagnose JSON Lines (one facts object per line), in order, one at a time.

    Blank lines are skipped (and counted in line numbers). For each other line
    comes its :class:`FleetRow` (or, with ``rows=False``, its full report), or a
    :class:`RecordError` naming the line and its problems.
    """
    for record in records_from_lines(lines, source):
        yield row_of_record(engine, record) if rows else diagnose_record(engine, record, lang=lang)


def render_vm(report: Report, row: FleetRow, options: FleetOptions) -> str:
    """One VM in the output format, ending with a line break (text and markdown reports are separated by the writer)."""
    fmt = options.format
    if fmt == "rows":
        return row.to_json()
    if fmt == "csv":
        return csv_line(row)
    if fmt == "json":
        return report_json(report, indent=None, derivations=options.explain)
    from kb_engine.report.render import explain_tree, to_markdown, to_text

    if fmt == "markdown":
        text = to_markdown(report)
        if options.explain:
            text += "\n```text\n" + explain_tree(report) + "\n```\n"
        return text
    style: Callable[..., str] | None = None
    if options.colour:
        import click

        style = click.style
    return to_text(report, style=style, explain=options.explain)


@dataclass
class BatchResult:
    """What one batch of records gives: each good VM's output, the bad records, and their summary.

    Attributes:
        chunks: the output of the VMs diagnosed, in input order, joined into one text (none when no VM was):
            two reports for people (text, markdown) already have a line break between them, as a writer puts
            between two chunks; one text crosses between processes much faster than one per VM.
        errors: (position in the batch, error) of each bad record.
        summary: the batch counted.
        size: bytes of input the batch took (for progress).
        stopped: with ``fail_fast``, the batch stopped at its first bad record.
    """

    chunks: list[str] = field(default_factory=list)
    errors: list[tuple[int, RecordError]] = field(default_factory=list)
    summary: FleetSummary = field(default_factory=FleetSummary)
    size: int = 0
    stopped: bool = False


def render_record(
    engine: Engine, record: Record, options: FleetOptions, *, max_bytes: int | None = None
) -> tuple[FleetRow | Summary, str] | RecordError:
    """One record diagnosed and written in the options' format: its row (for rows and CSV, the summary of its
    diagnosis, which says the same) and its text, or its error.

    The one per-record step of every way to run a fleet (the command line's
    workers, the HTTP service's batches), so the same record always gives the same
    bytes. Rows and CSV are built without a report. Never raises for bad input. ``max_bytes``: the size limit
    of an input, when the caller has read it (:func:`~kb_engine.io.read.input_limits`) for many records.
    """
    if options.format in ("rows", "csv"):
        try:
            summary = engine.summarize_flat(read_record(record, max_bytes=max_bytes), source=record.label)
        except InputError as exc:
            return RecordError.from_problems(record.source, record.line, exc.problems)
        if options.format == "rows":
            return summary, row_json(summary, source=record.source, line=record.line)
        return summary, csv_line(FleetRow.from_summary(summary, source=record.source, line=record.line))
    report = diagnose_record(engine, record, lang=options.lang)
    if isinstance(report, RecordError):
        return report
    row = FleetRow.from_report(report, source=record.source, line=record.line)
    return row, render_vm(report, row, options)


def run_batch(records: Sequence[Record] | LineBlock, options: FleetOptions) -> BatchResult:
    """Diagnose and render a batch of records, or the records of a block of JSON Lines, in order (the function a
    worker runs)."""
    engine = engine_for(options)
    result = BatchResult()
    texts: list[str] = []
    try:
        max_bytes: int | None = input_limits().max_bytes
    except InputError:
        max_bytes = None  # each record then names the problem, as alone
    if isinstance(records, LineBlock) and options.format == "rows" and max_bytes is not None:
        _run_rows(engine, records, options, max_bytes, result, texts)
    else:
        _run_records(engine, records.records() if isinstance(records, LineBlock) else records, options, max_bytes,
                     result, texts)
    if texts:
        result.chunks.append(("\n" if options.format in _SEPARATED else "").join(texts))
    return result


def _run_rows(
    engine: Engine, block: LineBlock, options: FleetOptions, max_bytes: int, result: BatchResult, texts: list[str]
) -> None:
    """:func:`_run_records` for the rows of a block of JSON Lines: a line the quick reader reads is diagnosed
    without making its record; any other line (and any error) goes through :func:`render_record`."""
    source, summarize = block.source, engine.summarize_flat
    done: list[Summary] = []  # counted into the batch's summary at once, at the end
    try:
        for position, (number, data, problem, size) in enumerate(block.lines()):
            result.size += size
            if problem is None and len(data) <= max_bytes and (flat := read_flat(data)) is not None:
                try:
                    summary = summarize(flat, source=f"{source}:{number}")
                except InputError:
                    pass  # an unknown error code: the record's error, below
                else:
                    done.append(summary)
                    texts.append(row_json(summary, source=source, line=number))
                    continue
            record = Record(source, number, data, problem, size)
            if _add(result, texts, position, render_record(engine, record, options, max_bytes=max_bytes), options):
                return
    finally:
        result.summary.add_all(done)


def _run_records(
    engine: Engine, records: Iterable[Record], options: FleetOptions, max_bytes: int | None, result: BatchResult,
    texts: list[str],
) -> None:
    """Render each record in order into the batch, until the first bad one with ``fail_fast``."""
    for position, record in enumerate(records):
        result.size += record.size
        if _add(result, texts, position, render_record(engine, record, options, max_bytes=max_bytes), options):
            return


def _add(
    result: BatchResult, texts: list[str], position: int, outcome: tuple[FleetRow | Summary, str] | RecordError,
    options: FleetOptions,
) -> bool:
    """Count one record's outcome into the batch; True when the batch stops there (``fail_fast``)."""
    if isinstance(outcome, RecordError):
        result.errors.append((position, outcome))
        result.summary.add_error(outcome)
        if options.fail_fast:
            result.stopped = True
            return True
        return False
    row, text = outcome
    result.summary.add(row)
    texts.append(text)
    return False
