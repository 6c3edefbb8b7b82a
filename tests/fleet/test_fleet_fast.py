"""The fleet's fast paths say exactly what the models say: the same bytes, the same counts, the same errors."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_engine.fleet import FleetRow, FleetSummary
from kb_engine.fleet.model import row_json
from kb_engine.fleet.records import LineBlock, Record, batches
from kb_engine.fleet.run import FleetOptions, run_batch
from kb_engine.report.summary import Summary

_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # quotes, backslashes, controls, lone surrogates
_IDS = st.lists(st.text(max_size=8), max_size=3).map(tuple)

summaries = st.builds(
    Summary,
    vm=st.none() | _TEXT,
    edition=_TEXT,
    verdict=st.sampled_from(["problems", "unexplained", "incomplete", "clean"]),
    observed=st.none() | _TEXT,
    confirmed=st.lists(st.tuples(_TEXT, st.none() | _TEXT), max_size=3).map(tuple),
    expected_codes=_IDS,
    remedies=_IDS,
    escalate=st.booleans(),
    unknown=_IDS,
)


@given(summaries, _TEXT, st.none() | st.integers(min_value=0, max_value=2**63))
def test_a_row_written_from_a_summary_is_the_models_json(summary: Summary, source: str, line: int | None) -> None:
    """Every row, whatever its texts hold, is written byte for byte as the FleetRow model writes it (or, for
    a text JSON cannot hold, refused the same way)."""
    fast = _outcome(lambda: row_json(summary, source=source, line=line))
    assert fast == _outcome(lambda: FleetRow.from_summary(summary, source=source, line=line).to_json())


def _outcome(write: Callable[[], str]) -> str:
    try:
        return write()
    except ValueError as exc:
        return f"refused: {exc}"


@given(st.lists(summaries, max_size=5))
def test_a_fleet_summary_counts_summaries_as_it_counts_their_rows(items: list[Summary]) -> None:
    """Counting the summaries of diagnoses gives the same fleet summary as counting their rows."""
    by_summary, by_row = FleetSummary(), FleetSummary()
    for item in items:
        by_summary.add(item)
        by_row.add(FleetRow.from_summary(item, source="fleet.jsonl", line=1))
    assert by_summary == by_row


@given(st.lists(summaries, max_size=8), st.integers(0, 8))
def test_a_block_counted_at_once_gives_the_counts_of_its_vms_one_by_one(items: list[Summary], cut: int) -> None:
    """A worker counts a block's VMs at once: the same fleet summary, and so the same exit code, as one by one."""
    one_by_one, at_once = FleetSummary(), FleetSummary()
    for item in items:
        one_by_one.add(item)
    at_once.add_all(items[:cut])
    at_once.add_all(items[cut:])
    assert at_once == one_by_one
    assert at_once.vms == len(items) and at_once.verdicts.total() == len(items)
    problems = any(item.verdict in ("problems", "unexplained") or item.escalate for item in items)
    incomplete = any(item.verdict == "incomplete" for item in items)
    assert at_once.exit_code == (1 if problems else 5 if incomplete else 0)


@given(
    st.lists(
        st.builds(
            Record,
            source=st.sampled_from(["fleet.jsonl", "other.jsonl", "<stdin>"]),
            line=st.none() | st.integers(1, 10**9),
            data=st.binary(max_size=40),
            problem=st.none() | st.text(max_size=10),
            size=st.integers(0, 10**6),
        ),
        max_size=20,
    ),
    st.integers(1, 8),
    st.integers(1, 200),
)
def test_batches_keep_every_record_in_order_and_reach_a_worker_unchanged(records: list[Record], size: int, max_bytes: int) -> None:
    """Batched, pickled as a worker receives them, and read back: the same records in the same order."""
    sent = list(batches(records, size, max_bytes))
    assert all(len(batch) <= size for batch in sent)
    received = [pickle.loads(pickle.dumps(batch)) for batch in sent]
    assert [record for batch in received for record in batch] == records


_LINES = st.sampled_from([
    b'{"name": "a", "vm": {"os": "linux"}, "agent": {"status": "Not Ready"}}',
    b'{"name": "b", "observed_error": "UserErrorGuestAgentStatusUnavailable", "vm": {"power_state": "stopped"}}',
    b'{"name": "c", "observed_error": "NoSuchCode"}',
    b'{"name": "d", "vm": {"os": "mac"}}',
    b'{"name": "e", "agent": {"version": 2.10}}',
    b'{"name": "f", "name": "g"}',
    b"[1, 2]",
    b"not json",
    b"",
    b"   \r",
    b'{"x": "' + b"y" * 120 + b'"}',
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=12), st.booleans(), st.booleans(), st.sampled_from(["rows", "csv", "json"]))
def test_a_block_of_lines_gives_what_its_records_give_one_by_one(
    lines: list[bytes], last_break: bool, fail_fast: bool, fmt: str
) -> None:
    """A worker given a block of JSON Lines (rows read straight from the lines) answers exactly as for the same
    records: the same output, errors with their line numbers, counts, sizes, and the same stop with fail_fast;
    a line longer than the limit (made small here) is the same bad record either way."""
    data = b"\n".join(lines) + (b"\n" if last_break and lines else b"")
    block = LineBlock("fleet.jsonl", 7, data)
    options = FleetOptions(backend="direct", format=fmt, fail_fast=fail_fast)  # type: ignore[arg-type]
    with mock.patch("kb_engine.fleet.records.MAX_RECORD_BYTES", 110):
        whole = run_batch(block, options)
        one_by_one = run_batch(list(block.records()), options)
    assert whole.chunks == one_by_one.chunks
    assert [(p, e.model_dump()) for p, e in whole.errors] == [(p, e.model_dump()) for p, e in one_by_one.errors]
    assert (whole.summary, whole.size, whole.stopped) == (one_by_one.summary, one_by_one.size, one_by_one.stopped)
