"""A diagnosis summed up for a fleet row says exactly what the full report says."""

from __future__ import annotations

from typing import Any

from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents, random_facts
from hypothesis import HealthCheck, given, settings

from kb_engine.diagnosis import Engine
from kb_engine.knowledge.load import default_kb
from kb_engine.report.model import Report
from kb_engine.report.summary import Summary

EDITIONS = default_kb().edition_ids
_ENGINES = {(edition, backend): Engine(edition, backend=backend) for edition in EDITIONS for backend in ("direct", "experta")}


def from_report(report: Report) -> Summary:
    """The summary as read off the full report."""
    return Summary(
        vm=report.vm,
        edition=report.edition,
        verdict=report.verdict,
        observed=report.observed.entry if report.observed is not None else None,
        confirmed=tuple((c.id, c.ref) for c in report.causes if c.status == "confirmed"),
        expected_codes=tuple(e.entry for e in report.expected_codes),
        remedies=tuple(r.cause for r in report.remedies),
        escalate=report.escalation is not None,
        unknown=tuple(u.fact for u in report.unknown),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_the_summary_says_what_the_report_says(doc: dict[str, Any]) -> None:
    """For generated VMs, in both editions and with both backends: verdict, confirmed causes and their letters,
    expected codes, the order of the remedies, escalation and the unknown facts, in the report's order."""
    for (edition, backend), engine in _ENGINES.items():
        assert engine.summarize(doc) == from_report(engine.diagnose(doc)), (edition, backend)


def test_the_summary_agrees_with_the_report_on_500_random_vms() -> None:
    """Seeded random VMs, the newest edition, the direct backend: every summary equals its report's."""
    engine = _ENGINES[EDITIONS[-1], "direct"]
    for doc in random_facts(91, 500, OBSERVABLE_IN_BOTH_EDITIONS):
        assert engine.summarize(doc) == from_report(engine.diagnose(doc)), doc
