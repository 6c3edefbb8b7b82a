"""POST /v1/diagnose/batch: JSON Lines in, the command line's rows or reports out, streamed in order, bad lines in place."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents, random_facts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_helpers import post_in_chunks, problem, serving

from kb_engine.fleet.model import ProblemItem, RecordError
from kb_engine.report.summary import Summary

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
NDJSON = {"Content-Type": "application/x-ndjson", "X-Request-ID": "batch-test"}
BATCH = "/v1/diagnose/batch"

# Bad lines of every kind the command line knows, placed among good ones.
BAD_LINES = [
    "not json at all",
    '{"vm": {"os": "mac"}}',
    "[1, 2, 3]",
    '{"agent": {"versoin": "2.2.10"}}',
    '{"name": "twice", "name": "again"}',
    '{"observed_error": "NoSuchError"}',
]


def _body(seed: int, count: int) -> bytes:
    """Generated VMs as JSON Lines, with the bad lines, a blank line and a name that needs escaping among them."""
    lines = [json.dumps(doc, ensure_ascii=False) for doc in random_facts(seed, count, OBSERVABLE_IN_BOTH_EDITIONS)]
    # Control characters and line separators are refused in names; these need escaping all the same.
    lines.insert(3, json.dumps({"name": "vm \"quoted\" <b>& \\ 日本", "vm": {"os": "linux"}}, ensure_ascii=False))
    lines.insert(5, "")
    for index, bad in enumerate(BAD_LINES):
        lines.insert(7 + 11 * index, bad)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _answers(text: str) -> list[dict[str, Any]]:
    """The answer's lines, which end at line feeds only (U+2028 in a text would be written as it is)."""
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.split("\n")[:-1]]


def _problem_text(answer: dict[str, Any]) -> str:
    """A bad line's answer, written as the command line writes a bad record."""
    source, _, _ = answer["problems"][0]["source"].rpartition(":")
    items = [ProblemItem(path=p["path"], message=p["message"], value=p["value"], allowed=p["allowed"]) for p in answer["problems"]]
    return RecordError(source=source, line=answer["line"], problems=items).message()


@pytest.mark.parametrize(
    ("fmt", "explain", "lang", "edition"),
    [("rows", False, "en", "2019-12"), ("json", False, "en", "2019-12"), ("json", True, "ja", "2019-07")],
)
def test_the_answer_is_the_command_lines_output_byte_for_byte_with_bad_lines_in_place(
    client: TestClient, tmp_path: Path, fmt: str, explain: bool, lang: str, edition: str
) -> None:
    """Each good line's answer is the line `kb-engine diagnose` prints for it; each bad line is answered in its
    place with the problems the command line reports for it on stderr; nothing is lost or reordered."""
    body = _body(20261206, 120)
    (tmp_path / "body").write_bytes(body)  # the service names its input "body", as the command line names a file
    args = ["diagnose", "body", "--input-format", "jsonl", "--format", fmt, "--lang", lang, "--edition", edition,
            "--backend", "direct", "-q", *(["--explain"] if explain else [])]
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR"}}
    cli = subprocess.run([KB_ENGINE, *args], cwd=tmp_path, capture_output=True, env=env, timeout=600)
    assert cli.returncode == 6, cli.stderr

    query = {"format": fmt, "lang": lang, "edition": edition, "explain": str(explain).lower()}
    response = client.post(BATCH, params=query, content=body, headers=NDJSON)
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-ndjson"
    lines = response.content.decode("utf-8").split("\n")
    assert lines.pop() == ""
    good = [line for line in lines if not line.startswith('{"detail"')]
    bad = [json.loads(line) for line in lines if line.startswith('{"detail"')]
    assert "".join(line + "\n" for line in good).encode("utf-8") == cli.stdout

    numbered = [json.loads(line)["line"] if fmt == "rows" or line.startswith('{"detail"') else None for line in lines]
    if fmt == "rows":
        assert numbered == [n for n, text in enumerate(body.decode("utf-8").split("\n")[:-1], 1) if text.strip()]
    assert [b["line"] for b in bad] == [n for n, text in enumerate(body.decode("utf-8").split("\n"), 1) if text in BAD_LINES]
    stderr = cli.stderr.decode("utf-8")
    for answer in bad:
        assert answer["type"] == "urn:kb-engine:problem:invalid-input" and answer["status"] == 422
        assert answer["request_id"] == "batch-test" and answer["instance"] == BATCH
        assert _problem_text(answer) in stderr
    assert stderr.count(" not diagnosed:") == len(bad) == len(BAD_LINES)


@pytest.mark.parametrize("edition", [None, "2019-07", "2019-12", "2025-11"])
def test_naming_no_edition_is_the_command_line_without_edition(client: TestClient, tmp_path: Path, edition: str | None) -> None:
    """Without `edition` the reports are the newest edition's and say it was the default, as
    `kb-engine diagnose` without --edition; with it, they say it was asked for."""
    lines = [json.dumps(doc) for doc in random_facts(11, 6, OBSERVABLE_IN_BOTH_EDITIONS)]
    body = ("\n".join(lines) + "\n").encode("utf-8")
    (tmp_path / "body").write_bytes(body)
    chosen = [] if edition is None else ["--edition", edition]
    args = ["diagnose", "body", "--input-format", "jsonl", "--format", "json", "--backend", "direct", "-q", *chosen]
    cli = subprocess.run([KB_ENGINE, *args], cwd=tmp_path, capture_output=True, timeout=600)
    assert cli.returncode in (0, 1, 5), cli.stderr
    query = {"format": "json", **({} if edition is None else {"edition": edition})}
    response = client.post(BATCH, params=query, content=body, headers=NDJSON)
    assert response.status_code == 200 and response.content == cli.stdout
    reports = _answers(response.text)
    assert len(reports) == len(lines)
    assert {r["edition"] for r in reports} == {edition or "2025-11"}
    assert all(("the newest" in r["edition_reason"]) == (edition is None) for r in reports)


def test_both_backends_and_both_media_types_give_the_same_answer(client: TestClient) -> None:
    body = _body(7, 40)
    answers = {
        (backend, media): client.post(BATCH, params={"backend": backend, "format": "json"}, content=body,
                                      headers={**NDJSON, "Content-Type": media}).content
        for backend in ("direct", "experta") for media in ("application/x-ndjson", "application/jsonl")
    }
    assert len(set(answers.values())) == 1 and next(iter(answers.values()))


def test_a_bad_line_names_what_is_wrong_with_did_you_mean(client: TestClient) -> None:
    response = client.post(BATCH, content=b'{"vm": {"os": "linux"}}\n{"agent": {"versoin": "2.2.10"}}\n', headers=NDJSON)
    row, bad = _answers(response.text)
    assert row["line"] == 1 and row["verdict"] in ("problems", "clean", "incomplete")
    assert bad["line"] == 2 and bad["detail"] == "body:2: 1 problem, not diagnosed"
    (item,) = bad["problems"]
    assert item["source"] == "body:2" and item["path"].startswith("agent") and "version" in item["message"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(facts_documents().map(json.dumps), st.text(max_size=40), st.just("")), max_size=12))
def test_every_non_blank_line_gets_one_answer_in_order_and_never_a_server_error(client: TestClient, lines: list[str]) -> None:
    """Whatever the lines (text, facts, anything), one answer per non-blank line, in order, naming its line."""
    body = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines).encode("utf-8", "surrogatepass")
    response = client.post(BATCH, content=body, headers=NDJSON)
    assert response.status_code == 200
    expected = [n for n, raw in enumerate(body.split(b"\n"), 1) if raw.strip()]
    assert [answer["line"] for answer in _answers(response.text)] == expected


def test_media_types_empty_body_and_body_limit(client: TestClient) -> None:
    """JSON Lines only (415 otherwise, naming the types); an empty body is an empty answer; 413 over the limit."""
    for media in ("application/json", "application/yaml", "text/plain"):
        details = problem(client.post(BATCH, content=b'{"vm": {}}\n', headers={"Content-Type": media}), 415, "unsupported-media-type")
        assert "application/x-ndjson" in details["detail"]
    empty = client.post(BATCH, content=b"", headers=NDJSON)
    assert empty.status_code == 200 and empty.content == b""
    with serving(max_body_bytes=100) as small:
        problem(small.post(BATCH, content=b'{"vm": {"os": "linux"}}\n' * 5, headers=NDJSON), 413, "body-too-large")
        assert small.post(BATCH, content=b'{"vm": {"os": "linux"}}\n' * 4, headers=NDJSON).status_code == 200


def _engine(client: TestClient) -> Any:
    return client.app.state.service.engine(None, "direct")  # type: ignore[attr-defined]  # what a request naming no edition uses


def _slow(monkeypatch: pytest.MonkeyPatch, client: TestClient, seconds: float) -> None:
    engine = _engine(client)
    original = engine.summarize_flat

    def slow(*args: Any, **kwargs: Any) -> Summary:
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "summarize_flat", slow)


def test_a_batch_stops_before_the_time_limit_and_says_from_which_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answers given are whole and in order, and the answer ends (not cut by the time limit) with a line
    naming the first line not answered."""
    with serving(time_limit=2.0) as client:
        _slow(monkeypatch, client, 0.1)
        response = client.post(BATCH, content=b'{"vm": {"os": "linux"}}\n' * 100, headers=NDJSON)
        answers = _answers(response.text)
        *rows, last = answers
        assert response.status_code == 200 and 1 <= len(rows) < 100
        assert [r["line"] for r in rows] == list(range(1, len(rows) + 1))
        assert last["type"] == "urn:kb-engine:problem:time-limit" and last["line"] == len(rows) + 1
        assert f"line {len(rows) + 1} and the lines after it were not answered" in last["detail"]
        metrics = client.get("/metrics").text
        assert 'kb_engine_http_requests_rejected_total{reason="time_limit"} 1.0' in metrics


def test_a_batch_that_cannot_start_in_time_is_503_and_one_batch_holds_one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker, one place in line: a running batch holds the worker, a second waits, a third is refused (429);
    the one that waited past its time limit is answered 503 as any request would be."""
    with serving(time_limit=1.0, workers=1, queue=1) as client:
        _slow(monkeypatch, client, 0.3)
        statuses: dict[str, int] = {}

        def send(name: str) -> None:
            statuses[name] = client.post(BATCH, content=b'{"vm": {"os": "linux"}}\n' * 10, headers=NDJSON).status_code

        first = threading.Thread(target=send, args=("running",))
        first.start()
        deadline = time.monotonic() + 5
        while client.app.state.service.limiter.admitted < 1 and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)
        second = threading.Thread(target=send, args=("waiting",))
        second.start()
        while client.app.state.service.limiter.admitted < 2 and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)
        problem(client.post(BATCH, content=b"{}\n", headers=NDJSON), 429, "busy")
        first.join(10)
        second.join(10)
        assert statuses == {"running": 200, "waiting": 503}


def test_an_internal_error_ends_the_answer_with_a_problem_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Lines answered before the bug stay; the last line says an internal error stopped the batch, without details."""
    with serving() as client:
        engine = _engine(client)
        original = engine.summarize_flat
        calls = iter(range(100))

        def broken(*args: Any, **kwargs: Any) -> Summary:
            if next(calls) == 2:
                raise RuntimeError("internal detail that must not leak")
            return original(*args, **kwargs)

        monkeypatch.setattr(engine, "summarize_flat", broken)
        with caplog.at_level(logging.ERROR, logger="kb_engine.serve"):
            response = client.post(BATCH, content=b'{"vm": {"os": "linux"}}\n' * 5, headers=NDJSON)
        first, second, last = _answers(response.text)
        assert [first["line"], second["line"]] == [1, 2]
        assert last["type"] == "urn:kb-engine:problem:internal" and last["line"] == 3
        assert "must not leak" not in response.text
        assert any("batch-test" in r.getMessage() and r.exc_info for r in caplog.records)


def _cuts(body: bytes, seed: int) -> list[bytes]:
    """The body cut at random places, some chunks empty, some a single byte (inside a UTF-8 character too)."""
    rng = random.Random(seed)
    chunks, start = [], 0
    while start < len(body):
        size = rng.choice([0, 1, 2, 7, 64, 1000])
        chunks.append(body[start : start + size])
        start += size
    return chunks


@pytest.mark.parametrize(("fmt", "seed"), [("rows", 1), ("json", 2), ("rows", 3)])
def test_a_body_sent_in_chunks_is_answered_as_the_whole_body_is(client: TestClient, fmt: str, seed: int) -> None:
    """However the upload is cut (between lines, inside a line, inside a character), the answer is the same bytes
    as for the body sent at once, which is the command line's (above), bad lines in place."""
    body = _body(seed, 40)
    whole = client.post(BATCH, params={"format": fmt}, content=body, headers=NDJSON)
    status, headers, answer = post_in_chunks(client, BATCH, _cuts(body, seed), query=f"format={fmt}", headers=NDJSON)
    assert (status, headers["content-type"]) == (200, "application/x-ndjson")
    assert answer == whole.content and len(_answers(answer.decode("utf-8"))) == 40 + 1 + len(BAD_LINES)


def test_the_first_line_is_answered_before_the_rest_of_the_body_is_sent(client: TestClient) -> None:
    """A client that sends a line and waits for its answer gets it: lines are answered as they arrive."""
    first, second = b'{"name": "first", "vm": {"os": "linux"}}\n', b'{"name": "second", "vm": {"os": "windows"}}\n'
    status, _, answer = post_in_chunks(client, BATCH, [first, second], headers=NDJSON, hold_before=1)
    assert status == 200
    assert [(row["line"], row["vm"]) for row in _answers(answer.decode("utf-8"))] == [(1, "first"), (2, "second")]


def test_a_chunked_body_over_the_limit_is_answered_up_to_the_limit_then_says_where_it_stopped() -> None:
    """Without a Content-Length the size is known only as the body arrives: every line that ends within the
    limit is answered, then a body-too-large line names the first line not answered. When no line ended
    within the limit, nothing was answered: 413, as for a declared size."""
    line = b'{"vm": {"os": "linux"}}\n'  # 24 bytes: four lines end within 100 bytes
    with serving(max_body_bytes=100) as small:
        status, _, answer = post_in_chunks(small, BATCH, [line[:10], line[10:] + line, line * 3], headers=NDJSON)
        *rows, last = _answers(answer.decode("utf-8"))
        assert status == 200 and [r["line"] for r in rows] == [1, 2, 3, 4]
        assert last["type"] == "urn:kb-engine:problem:body-too-large" and last["status"] == 413 and last["line"] == 5
        assert "larger than the limit of 100 bytes: line 5 and the lines after it were not answered" in last["detail"]
        status, headers, answer = post_in_chunks(small, BATCH, [b'{"name": "' + b"x" * 200 + b'"}\n'], headers=NDJSON)
        assert status == 413 and headers["content-type"] == "application/problem+json"
        assert json.loads(answer)["type"] == "urn:kb-engine:problem:body-too-large"
        metrics = small.get("/metrics").text
        assert 'kb_engine_http_requests_rejected_total{reason="body_too_large"} 2.0' in metrics


def test_a_chunked_body_of_another_media_type_is_refused_at_its_first_bytes(client: TestClient) -> None:
    status, _, answer = post_in_chunks(client, BATCH, [b"  \n", b'{"vm": {}}\n'], headers={"Content-Type": "application/json"})
    assert status == 415 and "application/x-ndjson" in json.loads(answer)["detail"]
    status, _, answer = post_in_chunks(client, BATCH, [b"  \n", b"\n"], headers={"Content-Type": "text/plain"})
    assert (status, answer) == (200, b"")
