"""Load test of `kb-engine serve`, run on demand (not collected by pytest), on the loopback address only.

    .venv/bin/python tests/serve_load.py                   # 50 clients, 20,000 requests, 10 % bad input
    .venv/bin/python tests/serve_load.py --requests 2000   # a quicker run

It starts `kb-engine serve` on 127.0.0.1 (a free port; no other address is ever
used), waits until it is ready, and sends a fixed, seeded mix of requests from
concurrent clients: diagnoses of generated VMs (JSON and YAML, both languages
and editions), batches of VMs as JSON Lines with bad lines among them (half of
them sent as chunked uploads, cut inside lines), consultation steps,
knowledge-base look-ups and decision trees, with a share of bad input (invalid
facts, unreadable bodies, misspelt codes, invalid parameters). Then it stops
the server with SIGTERM and reports.

It passes (exit 0) when no request is lost (every one answered), none is
answered 5xx, every good one 200 and every bad one 4xx with its problems, and
every batch answers each of its lines in order: each VM by its row or report,
each bad line by a problem listing what is wrong with it. It stops by itself:
a fixed number of requests, and a deadline (--deadline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from factsgen import random_facts  # noqa: E402

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
HOST = "127.0.0.1"  # the loopback address, and nothing else
CODES = ["GuestAgentSnapshotTaskStatusError", "UserErrorGuestAgentStatusUnavailable", "BackUpOperationFailed", "UserErrorRpCollectionLimitReached"]
BAD_LINES = ["not json at all", '{"vm": {"os": "mac"}}', '{"agent": {"versoin": "2.2.10"}}', "[1, 2, 3]", '{"name": "a", "name": "b"}']
INVALID_LINE = "urn:kb-engine:problem:invalid-input"


@dataclass(frozen=True)
class Batch:
    """What a batch must answer, line by line in order: a VM's name (its row or report), or None (a bad line)."""

    expected: tuple[tuple[int, str | None], ...]
    chunked: bool


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None
    media_type: str | None
    bad: bool
    batch: Batch | None = None


def plan(count: int, bad_share: float, seed: int) -> list[Call]:
    """The requests, in a fixed order for a seed."""
    rng = random.Random(seed)
    vms = random_facts(seed, 500, CODES)
    calls: list[Call] = []
    for index in range(count):
        if rng.random() < bad_share:
            calls.append(_bad(rng, index))
            continue
        kind = rng.random()
        lang = rng.choice(["en", "ja"])
        edition = rng.choice(["2019-07", "2019-12"])
        vm = vms[index % len(vms)]
        if kind < 0.67:
            if rng.random() < 0.5:
                calls.append(Call("POST", f"/v1/diagnose?edition={edition}&lang={lang}", json.dumps(vm).encode(), "application/json", False))
            else:
                calls.append(Call("POST", f"/v1/diagnose?edition={edition}&lang={lang}&format=text", yaml.safe_dump(vm).encode(), "application/yaml", False))
        elif kind < 0.70:
            calls.append(_batch(rng, vms, index, f"edition={edition}&lang={lang}"))
        elif kind < 0.85:
            known = {k: v for k, v in vm.items() if k in ("vm", "agent") and rng.random() < 0.5}
            calls.append(Call("POST", f"/v1/consult/{rng.choice(CODES)}?lang={lang}&edition=2019-12", json.dumps(known).encode(), "application/json", False))
        elif kind < 0.95:
            calls.append(Call("GET", f"/v1/kb/codes/{rng.choice(CODES)}?lang={lang}&edition={edition}", None, None, False))
        else:
            calls.append(Call("GET", f"/v1/diagrams/{edition}/{lang}/{rng.choice(CODES)}.mmd", None, None, False))
    return calls


def _batch(rng: random.Random, vms: list[dict[str, Any]], index: int, query: str) -> Call:
    """5 to 20 VMs as JSON Lines with 1 to 3 bad lines among them, as rows (mostly) or reports."""
    lines: list[tuple[str, str | None]] = [(json.dumps(vms[(index + k) % len(vms)]), vms[(index + k) % len(vms)]["name"])
                                           for k in range(rng.randint(5, 20))]
    for _ in range(rng.randint(1, 3)):
        lines.insert(rng.randrange(len(lines) + 1), (rng.choice(BAD_LINES), None))
    body = "".join(text + "\n" for text, _ in lines).encode()
    expected = tuple((number, name) for number, (_, name) in enumerate(lines, 1))
    fmt = rng.choice(["rows", "rows", "json"])
    return Call("POST", f"/v1/diagnose/batch?{query}&format={fmt}", body, "application/x-ndjson", False, Batch(expected, rng.random() < 0.5))


def _bad(rng: random.Random, index: int) -> Call:
    kind = index % 4
    if kind == 0:
        body = json.dumps({"vm": {"os": "linx"}, "agent": {"version": "two"}, "backup": {"backups_per_day": -3}}).encode()
        return Call("POST", "/v1/diagnose", body, "application/json", True)
    if kind == 1:
        return Call("POST", "/v1/diagnose", b"vm: {os: linux\nagent: [", "application/yaml", True)
    if kind == 2:
        return Call("POST", "/v1/consult/GuestAgentSnapshotTaskStatusEror", b"{}", "application/json", True)
    return Call("GET", f"/v1/kb/codes?lang=xx{rng.randrange(100)}", None, None, True)


@dataclass
class Outcome:
    call: Call
    status: int | None
    seconds: float
    problems: int
    error: str | None = None
    batch_faults: list[str] | None = None
    """A batch's answer: what is wrong with it (empty when every line was answered as it must be)."""


def check_batch(batch: Batch, text: str) -> list[str]:
    """What is wrong with a batch's answer: a line missing, out of order, or not answered as it must be."""
    try:
        answers = [json.loads(line) for line in text.split("\n")[:-1]]
    except json.JSONDecodeError as exc:
        return [f"an answer line is not JSON: {exc}"]
    if len(answers) != len(batch.expected):
        return [f"{len(answers)} answer lines for {len(batch.expected)} lines"]
    faults = []
    for (line, name), answer in zip(batch.expected, answers, strict=True):
        if name is not None and (answer.get("vm") != name or "type" in answer):
            faults.append(f"line {line}: expected the row or report of {name}, got {str(answer)[:120]}")
        if name is None and not (answer.get("type") == INVALID_LINE and answer.get("line") == line and answer.get("problems")):
            faults.append(f"line {line}: expected the bad line's problems, got {str(answer)[:120]}")
    return faults


async def _pieces(body: bytes, size: int) -> AsyncIterator[bytes]:
    """The body in pieces of ``size`` bytes (cut inside lines): httpx sends them as a chunked upload."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def send_all(base: str, calls: list[Call], clients: int, deadline: float) -> list[Outcome]:
    outcomes: list[Outcome] = []
    queue: asyncio.Queue[Call] = asyncio.Queue()
    for call in calls:
        queue.put_nowait(call)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) as client:

        async def worker() -> None:
            while not queue.empty() and time.monotonic() < deadline:
                call = queue.get_nowait()
                headers = {"Content-Type": call.media_type} if call.media_type else {}
                started = time.perf_counter()
                content = _pieces(call.body, 97) if call.batch is not None and call.batch.chunked and call.body else call.body
                try:
                    response = await client.request(call.method, call.path, content=content, headers=headers)
                except httpx.HTTPError as exc:
                    outcomes.append(Outcome(call, None, time.perf_counter() - started, 0, f"{type(exc).__name__}: {exc}"))
                    continue
                elapsed = time.perf_counter() - started
                problems = 0
                if response.headers.get("content-type") == "application/problem+json":
                    problems = len(response.json().get("problems", []))
                faults = check_batch(call.batch, response.text) if call.batch is not None and response.status_code == 200 else None
                outcomes.append(Outcome(call, response.status_code, elapsed, problems, batch_faults=faults))

        await asyncio.gather(*(worker() for _ in range(clients)))
    return outcomes


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], int]:
    command = [
        KB_ENGINE, "serve", "--host", HOST, "--port", "0", "--no-access-log",
        "--workers", str(args.workers), "--queue", str(args.queue), "--backend", args.backend,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_ENGINE_TOKEN")}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert server.stderr is not None
    for line in server.stderr:
        event = json.loads(line)
        if event.get("event") == "listening":
            return server, int(event["port"])
    raise SystemExit(f"the server did not start (exit {server.wait()})")


def in_process_rate(calls: list[Call], backend: str) -> float:
    """Requests per second of the same diagnoses called in this process, one thread: the floor to compare with."""
    from kb_engine.diagnosis import Engine
    from kb_engine.facts.load import parse_facts_bytes, validate_facts
    from kb_engine.report.model import report_json
    from kb_engine.report.render import to_text

    engines = {edition: Engine(edition, backend=backend) for edition in ("2019-07", "2019-12")}  # type: ignore[arg-type]
    sample = [c for c in calls if c.path.startswith("/v1/diagnose?") and not c.bad][:500]
    started = time.perf_counter()
    for call in sample:
        query = dict(part.split("=") for part in call.path.split("?", 1)[1].split("&"))
        assert call.body is not None
        report = engines[query["edition"]].diagnose(validate_facts(parse_facts_bytes(call.body, "body"), "body"), lang=query["lang"])
        report_json(report) if query.get("format") != "text" else to_text(report)
    return len(sample) / (time.perf_counter() - started)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000, help="requests in all (default 20000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--bad", type=float, default=0.10, help="share of bad input (default 0.10)")
    parser.add_argument("--backend", choices=["direct", "experta"], default="direct", help="the server's backend (default direct)")
    parser.add_argument("--workers", type=int, default=4, help="the server's --workers (default 4)")
    parser.add_argument("--queue", type=int, default=64, help="the server's --queue (default 64)")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds after which the run stops, failed (default 900)")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()

    calls = plan(args.requests, args.bad, args.seed)
    floor = in_process_rate(calls, args.backend)
    server, port = start_server(args)
    base = f"http://{HOST}:{port}"
    try:
        ready_by = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > ready_by:
                raise SystemExit("the server never became ready")
            time.sleep(0.1)
        started = time.perf_counter()
        outcomes = asyncio.run(send_all(base, calls, args.clients, time.monotonic() + args.deadline))
        wall = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            stopped = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            stopped = server.wait()

    statuses = Counter(o.status for o in outcomes)
    lost = len(calls) - sum(1 for o in outcomes if o.status is not None)
    server_errors = sum(1 for o in outcomes if o.status is not None and o.status >= 500)
    good_not_200 = [o for o in outcomes if not o.call.bad and o.status != 200]
    bad = [o for o in outcomes if o.call.bad]
    bad_answered = [o for o in bad if o.status is not None and 400 <= o.status < 500 and o.problems > 0]
    latencies = [o.seconds * 1000 for o in outcomes if o.status is not None]
    batches = [(o, o.call.batch) for o in outcomes if o.call.batch is not None]
    batch_faults = [(o, fault) for o, _ in batches for fault in (o.batch_faults or [])]
    sent_lines = [name for _, batch in batches for _, name in batch.expected]
    answered_lines = [name for o, batch in batches if o.batch_faults == [] for _, name in batch.expected]
    print(f"kb-engine serve load test on {HOST}: {platform.machine()}, CPython {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"server: --backend {args.backend} --workers {args.workers} --queue {args.queue}; {args.clients} concurrent clients")
    print(f"requests: {len(calls)} ({len(bad)} bad input), answered: {len(calls) - lost}, lost: {lost}")
    print(f"statuses: {dict(sorted((str(k), v) for k, v in statuses.items()))}")
    print(f"5xx: {server_errors}; good requests not 200: {len(good_not_200)}; bad requests answered 4xx with problems: {len(bad_answered)}/{len(bad)}")
    print(f"batches: {len(batches)} ({sum(batch.chunked for _, batch in batches)} sent chunked), {len(sent_lines)} lines "
          f"({sent_lines.count(None)} bad); answered as they must be: {len(answered_lines) - answered_lines.count(None)} VMs "
          f"and {answered_lines.count(None)} bad lines with their problems; faults: {len(batch_faults)}")
    if latencies:
        print(f"throughput: {len(latencies) / wall:.0f} requests/s over {wall:.1f} s; the same diagnoses in-process, "
              f"one thread: {floor:.0f}/s (ratio {len(latencies) / wall / floor:.2f})")
        print(f"latency: p50 {_percentile(latencies, 0.50):.1f} ms, p99 {_percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms")
    print(f"server stopped with exit status {stopped}")
    for outcome in good_not_200[:5]:
        print(f"  unexpected: {outcome.call.method} {outcome.call.path} -> {outcome.status} {outcome.error or ''}")
    for outcome, fault in batch_faults[:5]:
        print(f"  batch {outcome.call.path}: {fault}")
    passed = (lost == 0 and server_errors == 0 and not good_not_200 and len(bad_answered) == len(bad) and stopped == 0
              and not batch_faults and len(answered_lines) == len(sent_lines))
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
