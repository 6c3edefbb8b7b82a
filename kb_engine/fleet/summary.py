"""The fleet summary: VMs per verdict, cause, expected code and edition, the commonest unknown facts,
the bad records, and the batch's exit code.

A summary only counts, so its size does not grow with the fleet (it keeps the
first :data:`MAX_LISTED_ERRORS` bad records, and the count of all of them).
Summaries of parts of a fleet :meth:`~FleetSummary.merge` into the summary of the whole.

Exit code of a batch, most important first:

* 2 (``EXIT_USAGE``): nothing could be read: every record was bad;
* 6 (``EXIT_SOME_RECORDS_BAD``): some records were bad (the others were diagnosed and written);
* 1 (``EXIT_FINDINGS``): a VM has problems (a confirmed cause, or every cause of its error excluded);
* 5 (``EXIT_INCOMPLETE``): no VM has problems, but some are incomplete (deciding facts unknown);
* 0 (``EXIT_OK``): every VM is clean, or there was no record at all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Literal

from kb_engine.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, EXIT_SOME_RECORDS_BAD, EXIT_USAGE
from kb_engine.report.summary import Summary

from .model import FleetRow, RecordError

__all__ = ["MAX_LISTED_ERRORS", "FleetSummary", "SummaryFormat", "vm_exit_code"]

MAX_LISTED_ERRORS = 100
"""Bad records a summary lists one by one (all of them are counted)."""

SummaryFormat = Literal["text", "markdown", "json"]

_VM_EXIT_RANK = {EXIT_FINDINGS: 2, EXIT_INCOMPLETE: 1, EXIT_OK: 0}


def vm_exit_code(row: FleetRow | Summary) -> int:
    """One VM's exit code: 1 problems or unexplained (every cause of its error excluded: escalate), 5 incomplete, 0 clean."""
    if row.verdict in ("problems", "unexplained") or row.escalate:
        return EXIT_FINDINGS
    if row.verdict == "incomplete":
        return EXIT_INCOMPLETE
    return EXIT_OK


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class FleetSummary:
    """Counts over the VMs and bad records of a batch.

    Attributes:
        vms: VMs diagnosed.
        bad: bad records (not diagnosed).
        verdicts: VMs per verdict (``problems``, ``unexplained``, ``incomplete``, ``clean``).
        escalations: VMs whose observed error has every cause excluded.
        causes: VMs per confirmed cause id.
        refs: the article letter of each cause counted (for display).
        expected_codes: VMs per expected error code.
        observed_codes: VMs per observed error code, as given.
        editions: VMs per edition.
        unknown_facts: VMs per fact that would decide one of their undetermined causes.
        errors: the first :data:`MAX_LISTED_ERRORS` bad records.
        worst: the highest-ranked VM exit code so far (1 > 5 > 0).
    """

    vms: int = 0
    bad: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    escalations: int = 0
    causes: Counter[str] = field(default_factory=Counter)
    refs: dict[str, str] = field(default_factory=dict)
    expected_codes: Counter[str] = field(default_factory=Counter)
    observed_codes: Counter[str] = field(default_factory=Counter)
    editions: Counter[str] = field(default_factory=Counter)
    unknown_facts: Counter[str] = field(default_factory=Counter)
    errors: list[RecordError] = field(default_factory=list)
    worst: int = EXIT_OK

    def add(self, row: FleetRow | Summary) -> None:
        """Count one diagnosed VM, by its row or by the summary of its diagnosis (the same counts)."""
        self.add_all((row,))

    def add_all(self, rows: Sequence[FleetRow | Summary]) -> None:
        """Count diagnosed VMs, as :meth:`add` does one by one (each counter updated once for them all)."""
        if not rows:
            return
        self.vms += len(rows)
        self.verdicts.update([row.verdict for row in rows])
        self.escalations += sum([row.escalate for row in rows])
        for row in rows:
            for cid, ref in row.confirmed if isinstance(row, Summary) else ((c.id, c.ref) for c in row.confirmed):
                self.causes[cid] += 1
                if ref:
                    self.refs[cid] = ref
        self.expected_codes.update(chain.from_iterable([row.expected_codes for row in rows]))
        self.observed_codes.update([row.observed for row in rows if row.observed is not None])
        self.editions.update([row.edition for row in rows])
        self.unknown_facts.update(chain.from_iterable([row.unknown for row in rows]))
        self.worst = max([self.worst, *map(vm_exit_code, rows)], key=_VM_EXIT_RANK.__getitem__)

    def add_error(self, error: RecordError) -> None:
        """Count one bad record (and keep it while fewer than :data:`MAX_LISTED_ERRORS` are kept)."""
        self.bad += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)

    def merge(self, other: FleetSummary) -> None:
        """Add the counts of ``other`` (the summary of a later part of the same fleet)."""
        self.vms += other.vms
        self.bad += other.bad
        self.verdicts.update(other.verdicts)
        self.escalations += other.escalations
        self.causes.update(other.causes)
        self.refs.update(other.refs)
        self.expected_codes.update(other.expected_codes)
        self.observed_codes.update(other.observed_codes)
        self.editions.update(other.editions)
        self.unknown_facts.update(other.unknown_facts)
        self.errors += other.errors[: MAX_LISTED_ERRORS - len(self.errors)]
        if _VM_EXIT_RANK[other.worst] > _VM_EXIT_RANK[self.worst]:
            self.worst = other.worst

    @property
    def exit_code(self) -> int:
        """The batch's exit code, by the precedence in the module's description."""
        if self.bad and not self.vms:
            return EXIT_USAGE
        if self.bad:
            return EXIT_SOME_RECORDS_BAD
        return self.worst

    # ------------------------------------------------------------------ renderings

    def to_data(self) -> dict[str, Any]:
        """The summary as plain data (what :meth:`to_json` prints): each count a list, most frequent first."""
        return {
            "vms": self.vms,
            "bad_records": self.bad,
            "exit_code": self.exit_code,
            "verdicts": [{"verdict": v, "vms": n} for v, n in _ranked(self.verdicts)],
            "escalations": self.escalations,
            "confirmed_causes": [{"id": c, "ref": self.refs.get(c), "vms": n} for c, n in _ranked(self.causes)],
            "expected_codes": [{"code": c, "vms": n} for c, n in _ranked(self.expected_codes)],
            "observed_codes": [{"code": c, "vms": n} for c, n in _ranked(self.observed_codes)],
            "editions": [{"edition": e, "vms": n} for e, n in _ranked(self.editions)],
            "unknown_facts": [{"fact": f, "vms": n} for f, n in _ranked(self.unknown_facts)],
            "errors": [e.model_dump(mode="json") for e in self.errors],
            "errors_listed": len(self.errors),
        }

    def to_json(self) -> str:
        """The summary as one JSON document (sorted keys, indented, with a trailing line break)."""
        return json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True, indent=2) + "\n"

    def _cause(self, cause: str) -> str:
        ref = self.refs.get(cause)
        return f"{cause} ({ref})" if ref else cause

    def _sections(self) -> list[tuple[str, list[tuple[str, int]]]]:
        verdicts = _ranked(self.verdicts)
        if self.escalations:
            verdicts.append(("escalate (every cause excluded)", self.escalations))
        return [
            ("verdicts", verdicts),
            ("confirmed causes", [(self._cause(c), n) for c, n in _ranked(self.causes)]),
            ("expected error codes", _ranked(self.expected_codes)),
            ("observed error codes", _ranked(self.observed_codes)),
            ("editions", _ranked(self.editions)),
            ("commonest unknown facts", _ranked(self.unknown_facts)[:10]),
        ]

    def headline(self) -> str:
        """``1,000 VMs diagnosed, 3 bad records``."""
        text = f"{self.vms:,} VM{'s' if self.vms != 1 else ''} diagnosed"
        if self.bad:
            text += f", {self.bad:,} bad record{'s' if self.bad != 1 else ''}"
        return text

    def to_text(self, width: int = 100) -> str:
        """The summary for a terminal: a headline, then each section, most frequent first, wrapped at ``width``."""
        import textwrap

        lines = [self.headline()]
        sections = [(title, [f"{name} {n:,}" for name, n in items]) for title, items in self._sections() if items]
        if self.errors:
            more = f" (first {len(self.errors)} of {self.bad:,})" if self.bad > len(self.errors) else ""
            sections.append((f"bad records{more}", [e.label for e in self.errors]))
        for title, items in sections:
            # A no-break space inside each item keeps a name and its count on one line.
            wrapped = textwrap.wrap(
                f"{title}: " + ", ".join(item.replace(" ", "\u00a0") for item in items), width=max(width, 40),
                initial_indent="  ", subsequent_indent="      ", break_long_words=False, break_on_hyphens=False,
            )
            lines += [line.replace("\u00a0", " ") for line in wrapped]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The summary as Markdown: a headline, then a table per section."""
        lines = ["## Fleet summary", "", self.headline() + ".", ""]
        for title, items in self._sections():
            if not items:
                continue
            lines += [f"### {title.capitalize()}", "", "| | VMs |", "|---|---:|"]
            lines += [f"| {_md(name)} | {n:,} |" for name, n in items]
            lines.append("")
        if self.errors:
            lines += ["### Bad records", "", "| record | problems |", "|---|---|"]
            for error in self.errors:
                problems = "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in error.problems)
                lines.append(f"| {_md(error.label)} | {_md(problems)} |")
            if self.bad > len(self.errors):
                lines += ["", f"(first {len(self.errors)} of {self.bad:,})"]
            lines.append("")
        return "\n".join(lines)

    def render(self, fmt: SummaryFormat) -> str:
        """The summary as ``text``, ``markdown`` or ``json``."""
        if fmt == "json":
            return self.to_json()
        if fmt == "markdown":
            return self.to_markdown()
        return self.to_text()


def _md(text: str) -> str:
    """A text from data, safe in a Markdown table cell."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    for mark in ("`", "*", "_", "[", "]", "<", ">"):
        out = out.replace(mark, "\\" + mark)
    return out
