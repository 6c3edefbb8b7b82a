"""Fleet diagnosis: many VMs streamed through the rules, in order, in constant memory, on every core.

The pieces, each usable on its own (the command line, the HTTP service and
Dask all use the same ones):

* :func:`~kb_engine.fleet.records.read_records` reads facts files and JSON Lines
  lazily into :class:`~kb_engine.fleet.records.Record` s (one per VM);
* :func:`~kb_engine.fleet.run.diagnose_record` turns one record into a
  :class:`~kb_engine.report.model.Report`, or a
  :class:`~kb_engine.fleet.model.RecordError` listing its problems (it never
  raises for bad input); :func:`~kb_engine.fleet.run.diagnose_lines` does it
  for JSON Lines, in order;
* :class:`~kb_engine.fleet.model.FleetRow` is the compact row of a report;
* :class:`~kb_engine.fleet.summary.FleetSummary` counts rows and bad records,
  and gives the batch's exit code;
* :func:`~kb_engine.fleet.run.run_batch` and
  :func:`~kb_engine.fleet.parallel.ordered_map` are what ``kb-engine diagnose``
  runs on worker processes; :mod:`kb_engine.fleet.dask` runs the same on Dask.
"""

from __future__ import annotations

from .model import CSV_COLUMNS, ConfirmedCause, FleetRow, ProblemItem, RecordError, csv_header, csv_line
from .records import Record, parse_record, read_records, records_from_lines
from .run import FleetOptions, diagnose_lines, diagnose_record, row_of_record
from .summary import FleetSummary, vm_exit_code

__all__ = [
    "CSV_COLUMNS",
    "ConfirmedCause",
    "FleetOptions",
    "FleetRow",
    "FleetSummary",
    "ProblemItem",
    "Record",
    "RecordError",
    "csv_header",
    "csv_line",
    "diagnose_lines",
    "diagnose_record",
    "parse_record",
    "read_records",
    "records_from_lines",
    "row_of_record",
    "vm_exit_code",
]
