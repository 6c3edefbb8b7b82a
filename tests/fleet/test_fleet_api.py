"""The fleet API an embedder (the HTTP service, a Dask job) builds on: records in, rows or reports or errors out."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from factsgen import random_facts
from hypothesis import given
from hypothesis import strategies as st

import kb_engine
from kb_engine.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, EXIT_SOME_RECORDS_BAD, EXIT_USAGE, InputError
from kb_engine.fleet import (
    CSV_COLUMNS,
    FleetRow,
    FleetSummary,
    RecordError,
    csv_header,
    csv_line,
    diagnose_lines,
    diagnose_record,
    records_from_lines,
    row_of_record,
)
from kb_engine.report.model import Report

REPO = Path(__file__).resolve().parents[2]
OUTDATED = {
    "name": "ubuntu-web-01", "vm": {"os": "linux", "distro": "ubuntu"},
    "agent": {"status": "not_ready", "version": "2.2.9", "latest_version": "2.2.10"},
    "observed_error": "GuestAgentSnapshotTaskStatusError",
}


@pytest.fixture(scope="module")
def engine() -> kb_engine.Engine:
    return kb_engine.Engine("2019-12", backend="direct")


def test_the_fleet_api_is_exported_from_the_package() -> None:
    """Embedders import the fleet's models and functions from kb_engine itself."""
    for name in ("FleetRow", "RecordError", "FleetSummary", "Record", "read_records", "diagnose_record", "diagnose_lines"):
        assert name in kb_engine.__all__ and getattr(kb_engine, name) is getattr(kb_engine.fleet, name)


def test_a_row_says_what_the_report_concluded(engine: kb_engine.Engine) -> None:
    """The Linux VM with an old agent: cause B confirmed and first to fix, its codes expected, what is still unknown."""
    (row,) = diagnose_lines(engine, [json.dumps(OUTDATED)], source="fleet.jsonl")
    assert isinstance(row, FleetRow)
    report = engine.diagnose(OUTDATED)
    assert (row.source, row.line, row.vm, row.edition, row.verdict) == ("fleet.jsonl", 1, "ubuntu-web-01", "2019-12", "problems")
    assert [(c.id, c.ref) for c in row.confirmed] == [("agent_outdated_linux", "B")]
    assert row.first_remedy == "agent_outdated_linux" and row.observed == "GuestAgentSnapshotTaskStatusError"
    assert "GuestAgentSnapshotTaskStatusError" in row.expected_codes
    assert row.unknown == [u.fact for u in report.unknown] and row.unknown
    assert row.escalate is False


def test_bad_lines_are_errors_in_place_and_the_good_ones_are_diagnosed(engine: kb_engine.Engine) -> None:
    """A bad line gives a RecordError with its line number and the same problems load_facts reports."""
    bad = {"vm": {"os": "mac"}, "agent": {"versoin": "1"}}
    lines = [json.dumps(OUTDATED), "", json.dumps(bad), "{not json", json.dumps({"name": "last"})]
    outcomes = list(diagnose_lines(engine, lines, source="batch"))
    assert [type(o).__name__ for o in outcomes] == ["FleetRow", "RecordError", "RecordError", "FleetRow"]
    error = outcomes[1]
    assert isinstance(error, RecordError) and (error.source, error.line, error.label) == ("batch", 3, "batch:3")
    with pytest.raises(InputError) as caught:
        kb_engine.load_facts(bad)
    assert [(p.path, p.message, p.value) for p in error.problems] == [(p.path, p.message, p.value) for p in caught.value.problems]
    assert outcomes[2].line == 4 and "not valid JSON" in outcomes[2].problems[0].message  # type: ignore[union-attr]
    assert isinstance(outcomes[3], FleetRow) and outcomes[3].vm == "last" and outcomes[3].line == 5


def test_an_unknown_error_code_is_a_bad_record_not_a_crash(engine: kb_engine.Engine) -> None:
    (record,) = records_from_lines([json.dumps({"observed_error": "UserErrorGuestAgentStatusUnavailible"})], "f")
    outcome = diagnose_record(engine, record)
    assert isinstance(outcome, RecordError)
    assert "did you mean UserErrorGuestAgentStatusUnavailable" in outcome.problems[0].message


def test_full_reports_come_out_with_rows_false(engine: kb_engine.Engine) -> None:
    (report,) = diagnose_lines(engine, [json.dumps(OUTDATED)], rows=False, lang="ja")
    assert isinstance(report, Report) and report.lang == "ja"
    assert report == engine.diagnose(OUTDATED, lang="ja", source="<input>:1")


def test_rows_and_errors_have_published_json_schemas() -> None:
    """The service documents its batch endpoint with these schemas; rows validate against their own."""
    import jsonschema

    row_schema = FleetRow.model_json_schema()
    assert set(row_schema["required"]) >= {"source", "line", "vm", "edition", "verdict", "confirmed", "unknown"}
    row = FleetRow(source="s", line=None, vm=None, edition="2019-12", verdict="clean", observed=None, escalate=False,
                   confirmed=[], expected_codes=[], first_remedy=None, unknown=[])
    jsonschema.validate(json.loads(row.to_json()), row_schema)
    assert "problems" in RecordError.model_json_schema()["required"]


def _rows(engine: kb_engine.Engine, count: int, seed: int) -> list[FleetRow]:
    lines = [json.dumps(doc) for doc in random_facts(seed, count)]
    rows = [o for o in diagnose_lines(engine, lines) if isinstance(o, FleetRow)]
    assert len(rows) == count
    return rows


def test_the_summary_counts_what_the_rows_say(engine: kb_engine.Engine) -> None:
    """VMs per verdict, confirmed cause, expected code, edition and unknown fact equal a plain count of the rows."""
    rows = _rows(engine, 300, 7)
    summary = FleetSummary()
    for row in rows:
        summary.add(row)
    data = json.loads(summary.to_json())
    assert data["vms"] == 300 and data["bad_records"] == 0
    assert {v["verdict"]: v["vms"] for v in data["verdicts"]} == Counter(r.verdict for r in rows)
    assert {c["id"]: c["vms"] for c in data["confirmed_causes"]} == Counter(c.id for r in rows for c in r.confirmed)
    assert {c["code"]: c["vms"] for c in data["expected_codes"]} == Counter(code for r in rows for code in r.expected_codes)
    assert data["editions"] == [{"edition": "2019-12", "vms": 300}]
    assert {f["fact"]: f["vms"] for f in data["unknown_facts"]} == Counter(f for r in rows for f in r.unknown)
    for ranked in (data["verdicts"], data["confirmed_causes"], data["expected_codes"], data["unknown_facts"]):
        counts = [item["vms"] for item in ranked]
        assert counts == sorted(counts, reverse=True)  # commonest first
    text, markdown = summary.to_text(), summary.to_markdown()
    top_fact = data["unknown_facts"][0]["fact"]
    assert "300 VMs diagnosed" in text and top_fact in text
    assert "| VMs |" in markdown and top_fact.replace("_", "\\_") in markdown


@given(st.integers(min_value=0, max_value=60))
def test_summaries_of_parts_merge_into_the_summary_of_the_whole(cut: int) -> None:
    """Workers count their batches; merging their summaries gives the same counts as counting all rows at once."""
    rows = _SAMPLE_ROWS
    whole, first, second = FleetSummary(), FleetSummary(), FleetSummary()
    for row in rows:
        whole.add(row)
    for row in rows[:cut]:
        first.add(row)
    for row in rows[cut:]:
        second.add(row)
    first.merge(second)
    assert first.to_json() == whole.to_json()


_SAMPLE_ROWS = _rows(kb_engine.Engine("2019-12", backend="direct"), 60, 11)


def _row(verdict: str, escalate: bool = False) -> FleetRow:
    return FleetRow(source="s", line=1, vm=None, edition="2019-12", verdict=verdict, observed=None, escalate=escalate,
                    confirmed=[], expected_codes=[], first_remedy=None, unknown=[])


@pytest.mark.parametrize(
    ("verdicts", "bad", "code"),
    [
        ([], 0, EXIT_OK),
        (["clean", "clean"], 0, EXIT_OK),
        (["clean", "incomplete"], 0, EXIT_INCOMPLETE),
        (["incomplete", "problems", "clean"], 0, EXIT_FINDINGS),
        (["escalate"], 0, EXIT_FINDINGS),
        (["problems"], 1, EXIT_SOME_RECORDS_BAD),
        (["clean"], 3, EXIT_SOME_RECORDS_BAD),
        ([], 2, EXIT_USAGE),
    ],
)
def test_the_batch_exit_code_follows_the_documented_precedence(verdicts: list[str], bad: int, code: int) -> None:
    """2 nothing readable > 6 some bad > 1 problems (or escalate) > 5 incomplete > 0 clean."""
    summary = FleetSummary()
    for verdict in verdicts:
        summary.add(_row("unexplained", escalate=True) if verdict == "escalate" else _row(verdict))
    for _ in range(bad):
        summary.add_error(RecordError(source="s", line=1, problems=[]))
    assert summary.exit_code == code


def test_csv_rows_read_back_as_the_rows_and_cannot_start_a_formula(engine: kb_engine.Engine) -> None:
    """csv.reader gives back every field; a VM named '=HYPERLINK(...)' stays text in a spreadsheet."""
    tricky = {**OUTDATED, "name": '=HYPERLINK("http://x", "click"), "quoted"'}
    rows = [r for r in diagnose_lines(engine, [json.dumps(OUTDATED), json.dumps(tricky)], source="f") if isinstance(r, FleetRow)]
    text = csv_header() + "".join(csv_line(r) for r in rows)
    header, *cells = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(header) == CSV_COLUMNS
    first = dict(zip(header, cells[0], strict=True))
    assert first["vm"] == "ubuntu-web-01" and first["line"] == "1" and first["verdict"] == "problems"
    assert first["confirmed"] == "agent_outdated_linux (B)" and first["first_remedy"] == "agent_outdated_linux"
    assert first["unknown"].split("; ") == rows[0].unknown
    assert dict(zip(header, cells[1], strict=True))["vm"] == "'" + tricky["name"]


@pytest.mark.parametrize("backend", ["direct", "experta"])
def test_a_row_without_the_report_is_the_row_of_the_report(backend: str) -> None:
    """rows and csv skip building reports (Engine.summarize); on generated VMs, with an alias typed as the
    observed error too, the row is the one the full report gives."""
    engine = kb_engine.Engine("2019-12", backend=backend)  # type: ignore[arg-type]
    documents = random_facts(23, 150 if backend == "direct" else 30, ["ExtentionOperationFailedForManagedDisks", "BackUpOperationFailed"])
    for record in records_from_lines([json.dumps(doc) for doc in documents], "gen"):
        fast = row_of_record(engine, record)
        report = diagnose_record(engine, record)
        assert isinstance(report, Report) and isinstance(fast, FleetRow)
        assert fast == FleetRow.from_report(report, source="gen", line=record.line)
