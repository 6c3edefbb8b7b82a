"""What a fleet scan produces per record: a compact row for each VM, an error for each bad record.

Both are pydantic models with a fixed JSON form (fields in the order below),
so the command line, the HTTP service and a Dask job print the same bytes for
the same VM. A row is built from the full :class:`~kb_engine.report.model.Report`, or, when no
report is wanted, from the engine's :class:`~kb_engine.report.summary.Summary`
of the same diagnosis (much cheaper, and equal).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import orjson
from pydantic import BaseModel, ConfigDict, Field

from kb_engine.errors import Problem
from kb_engine.report.model import Report
from kb_engine.report.summary import Summary

__all__ = [
    "CSV_COLUMNS", "ConfirmedCause", "FleetRow", "ProblemItem", "RecordError", "csv_header", "csv_line", "row_json",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfirmedCause(_Model):
    """A confirmed cause: its id and its letter in the article (None for a cause without one)."""

    id: str
    ref: str | None = None


class FleetRow(_Model):
    """One VM's diagnosis in one line: what a fleet report needs, without the texts and derivations."""

    source: str = Field(description="The input the VM came from: a path as given, or <stdin>.")
    line: int | None = Field(description="The VM's line in a JSON Lines input; null for a whole facts file.")
    vm: str | None = Field(description="The VM's name from the facts (null when not given).")
    edition: str = Field(description="The article edition the diagnosis used.")
    verdict: str = Field(description="As in the report: problems, unexplained, incomplete or clean.")
    observed: str | None = Field(description="The observed error's knowledge-base entry (an alias given is read as its entry), or null.")
    escalate: bool = Field(description="Every cause of the observed error is excluded: collect logs and escalate.")
    confirmed: list[ConfirmedCause] = Field(description="Confirmed causes, in the report's order.")
    expected_codes: list[str] = Field(description="Error codes the confirmed causes produce (knowledge-base entry ids).")
    first_remedy: str | None = Field(description="The cause whose remedy comes first, or null when there is none.")
    unknown: list[str] = Field(description="Facts that would decide undetermined causes, most useful first.")

    @classmethod
    def from_report(cls, report: Report, *, source: str, line: int | None = None) -> FleetRow:
        """The row of one report, for the VM read from ``source`` (at ``line`` in a JSON Lines input)."""
        return cls(
            source=source,
            line=line,
            vm=report.vm,
            edition=report.edition,
            verdict=report.verdict,
            observed=report.observed.entry if report.observed is not None else None,
            escalate=report.escalation is not None,
            confirmed=[ConfirmedCause(id=c.id, ref=c.ref) for c in report.causes if c.status == "confirmed"],
            expected_codes=[code.entry for code in report.expected_codes],
            first_remedy=report.remedies[0].cause if report.remedies else None,
            unknown=[u.fact for u in report.unknown],
        )

    @classmethod
    def from_summary(cls, summary: Summary, *, source: str, line: int | None = None) -> FleetRow:
        """The row of a diagnosis summarised without its report (:meth:`Engine.summarize`); equal to
        :meth:`from_report` of the same VM's report."""
        return cls(
            source=source,
            line=line,
            vm=summary.vm,
            edition=summary.edition,
            verdict=summary.verdict,
            observed=summary.observed,
            escalate=summary.escalate,
            confirmed=[ConfirmedCause(id=cid, ref=ref) for cid, ref in summary.confirmed],
            expected_codes=list(summary.expected_codes),
            first_remedy=summary.remedies[0] if summary.remedies else None,
            unknown=list(summary.unknown),
        )

    def to_json(self) -> str:
        """The row as one line of JSON (fields in a fixed order, UTF-8 text), with its line break."""
        return self.model_dump_json() + "\n"


def row_json(summary: Summary, *, source: str, line: int | None = None) -> str:
    """The row of a summarised diagnosis as one line of JSON, with its line break, written without building
    the model: the same text as ``FleetRow.from_summary(summary, source=source, line=line).to_json()``."""
    data = {
        "source": source,
        "line": line,
        "vm": summary.vm,
        "edition": summary.edition,
        "verdict": summary.verdict,
        "observed": summary.observed,
        "escalate": summary.escalate,
        "confirmed": [{"id": cid, "ref": ref} for cid, ref in summary.confirmed],
        "expected_codes": summary.expected_codes,
        "first_remedy": summary.remedies[0] if summary.remedies else None,
        "unknown": summary.unknown,
    }
    try:
        return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE).decode("utf-8")
    except orjson.JSONEncodeError:  # a text orjson refuses, such as a lone surrogate in a file name
        return FleetRow.from_summary(summary, source=source, line=line).to_json()


class ProblemItem(_Model):
    """One problem of a bad record, as :class:`~kb_engine.errors.Problem` says it."""

    path: str = Field(description="Where in the record: a dotted field path, a column, or empty for the whole record.")
    message: str
    value: str | None = None
    allowed: str | None = None


class RecordError(_Model):
    """A record that could not be diagnosed: where it is, and every problem found in it."""

    source: str = Field(description="The input the record came from: a path as given, or <stdin>.")
    line: int | None = Field(description="The record's line in a JSON Lines input; null for a whole facts file.")
    problems: list[ProblemItem]

    @classmethod
    def from_problems(cls, source: str, line: int | None, problems: Sequence[Problem]) -> RecordError:
        """The error of a record, from the problems an :class:`~kb_engine.errors.InputError` lists."""
        return cls(
            source=source,
            line=line,
            problems=[ProblemItem(path=p.path, message=p.message, value=p.value, allowed=p.allowed) for p in problems],
        )

    @property
    def label(self) -> str:
        """``fleet.jsonl:17`` for a line, the source for a whole file."""
        return self.source if self.line is None else f"{self.source}:{self.line}"

    def message(self) -> str:
        """The problems as lines of text, as the command line reports a bad input."""
        count = len(self.problems)
        lines = [f"{self.label}: {count} problem{'s' if count != 1 else ''}, not diagnosed:"]
        for p in self.problems:
            lines.append("  - " + str(Problem(self.label, p.path, p.message, p.value, p.allowed)))
        return "\n".join(lines)


CSV_COLUMNS = (
    "source", "line", "vm", "edition", "verdict", "observed", "escalate",
    "confirmed", "expected_codes", "first_remedy", "unknown",
)
"""The CSV header. Lists are joined with ``; ``; a confirmed cause reads ``agent_outdated_linux (B)``."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str | None) -> str:
    """A text from data, safe in a spreadsheet: a leading ``=``, ``+``, ``-`` or ``@`` is quoted with ``'``."""
    if text is None:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_header() -> str:
    """The CSV header line (with its line break)."""
    return ",".join(CSV_COLUMNS) + "\r\n"


def csv_line(row: FleetRow) -> str:
    """One row as a CSV line (RFC 4180 quoting, CRLF line break)."""
    confirmed = "; ".join(f"{c.id} ({c.ref})" if c.ref else c.id for c in row.confirmed)
    values = [
        _cell(row.source), "" if row.line is None else str(row.line), _cell(row.vm), row.edition, row.verdict,
        _cell(row.observed), "true" if row.escalate else "false", confirmed, "; ".join(row.expected_codes),
        row.first_remedy or "", "; ".join(row.unknown),
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()
