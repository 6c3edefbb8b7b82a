"""Benchmark of the diagnosis engine, run on demand (not collected by pytest, never a timed test).

    .venv/bin/python tests/benchmark.py                 # 10,000 generated VMs, every measurement but the million
    .venv/bin/python tests/benchmark.py --count 2000    # quicker
    .venv/bin/python tests/benchmark.py --million       # also stream 1,000,000 VMs and report the max RSS

Every figure is put beside a floor measured in the same run on the same documents: ``json.loads`` and
``json.dumps`` of each VM's facts document, the least any tool that reads and writes JSON per VM must do.

1. Per VM, one core, the engine built once and reused, for each backend (``experta``, forward chaining;
   ``direct``, the compiled rules): the rules alone (``Engine.run``), a full diagnosis (``Engine.diagnose``:
   validation, rules, report) and the report's canonical JSON; beside them the plain evaluator
   (``evaluate_edition``, conclusions only) and the floor.
2. End to end: JSON Lines of facts in, one compact JSON row per VM out, in input order, with 1 and with 2 worker
   processes: the pipeline of ``kb-engine diagnose --format rows --backend direct`` itself (JSON Lines records in
   blocks of 256 lines that the workers split, ``run_batch`` on ``ordered_map``'s workers), without the command line's file handling; against
   the floor on as many cores, the two by turns in ``--rounds`` rounds (3), each round printed and the median one
   summed up. Beside the per-VM figures: its parts (reading a line as the fleet does, the compiled
   rules and summary, the row's JSON).
3. ``--million``: 1,000,000 VMs streamed through the same pipeline in a child process (its input generated
   on the fly, its output discarded), with that process's max RSS.

Per-VM figures are medians (p95 beside them) of the CPU time of each call; whole runs give wall-clock VMs/s
and CPU time per VM over every process, and the capacity those cores give at that cost. The machine is
shared: wall-clock figures fall with its load, CPU figures much less; compare any figure with the floor of
the same run, not across runs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, random_facts  # noqa: E402

from kb_engine.diagnosis import Engine  # noqa: E402
from kb_engine.engine.evaluate import evaluate_edition  # noqa: E402
from kb_engine.facts.load import parse_facts_text, validate_facts  # noqa: E402
from kb_engine.facts.quick import read_flat  # noqa: E402
from kb_engine.fleet.model import row_json  # noqa: E402
from kb_engine.fleet.parallel import ordered_map  # noqa: E402
from kb_engine.fleet.records import Record, batches, read_batches, read_record, records_from_lines  # noqa: E402
from kb_engine.fleet.run import FleetOptions, engine_for, run_batch  # noqa: E402
from kb_engine.report.model import report_json  # noqa: E402

MS = 1000.0
US = 1_000_000.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _per_item(fn: Callable[[Any], object], items: Sequence[Any]) -> list[float]:
    """CPU time of ``fn`` per item: the thread's own, so time spent waiting for a shared core is not counted."""
    times: list[float] = []
    clock = time.thread_time
    for item in items:
        t0 = clock()
        fn(item)
        times.append(clock() - t0)
    return times


def _line(label: str, times: list[float], floor: float) -> str:
    median = statistics.median(times)
    return (
        f"  {label:<44} median {median * MS:8.3f} ms  p95 {_percentile(times, 0.95) * MS:8.3f} ms"
        f"  = {median / floor:7.1f} x floor"
    )


# ---------------------------------------------------------------------------
# The end-to-end pipeline: kb-engine diagnose --format rows --backend direct, without the command line around it:
# JSON Lines read in blocks of lines, run_batch on ordered_map's worker processes, the rows in input order.

OPTIONS = FleetOptions(backend="direct", format="rows")


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def stream(data: IO[bytes], write: Callable[[str], object], jobs: int, chunk: int = 256) -> int:
    """Rows of every line of a JSON Lines stream, in input order, with ``jobs`` processes, read and run as the command
    does (blocks of lines split by the workers); returns the number of VMs."""
    parts = read_batches(["-"], input_format="jsonl", stdin=data, size=chunk)
    count = 0
    for result in ordered_map(partial(run_batch, options=OPTIONS), parts, jobs=jobs):
        write("".join(result.chunks))
        count += result.summary.vms + result.summary.bad
    return count


def _floor_of_lines(lines: Sequence[str]) -> int:
    return sum(len(json.dumps(json.loads(text))) for text in lines)


class _Run:
    """Wall-clock and CPU seconds (this process and its finished children) of a block."""

    def __enter__(self) -> _Run:
        self.wall = time.perf_counter()
        self.cpu = _cpu_seconds()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = _cpu_seconds() - self.cpu


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def floor_run(lines: Sequence[str], jobs: int, chunk: int = 500) -> _Run:
    """json.loads + json.dumps over the lines, with ``jobs`` processes."""
    parts = list(_chunks(lines, chunk))
    with _Run() as run:
        if jobs == 1:
            for part in parts:
                _floor_of_lines(part)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                list(pool.map(_floor_of_lines, parts))
    return run


def pipeline_run(lines: Sequence[str], jobs: int) -> _Run:
    sink: list[int] = []
    data = io.BytesIO("".join(line + "\n" for line in lines).encode("utf-8"))
    with _Run() as run:
        stream(data, lambda text: sink.append(len(text)), jobs)
    return run


# ---------------------------------------------------------------------------
# A million VMs streamed, in a child process


def _generate(count: int, seed: int) -> None:
    """Write ``count`` JSON Lines of generated facts to stdout (10,000 distinct documents, each renamed)."""
    base = random_facts(seed, min(count, 10_000), OBSERVABLE_IN_BOTH_EDITIONS)
    out = sys.stdout
    for index in range(count):
        doc = dict(base[index % len(base)])
        doc["name"] = f"vm-{index}"
        out.write(json.dumps(doc) + "\n")
    out.flush()


def _serve_stdin(jobs: int) -> None:
    """The pipeline over standard input to standard output; prints its VMs/s and max RSS (whole process tree) to stderr."""
    with _Run() as run:
        count = stream(sys.stdin.buffer, sys.stdout.write, jobs)
        sys.stdout.flush()
    own = _peak_rss_kib()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = {"vms": count, "seconds": run.wall, "cpu": run.cpu, "rss_kib": own, "worker_rss_kib": children}
    print(json.dumps(result), file=sys.stderr)


def _peak_rss_kib() -> int:
    """This process's peak RSS. Linux's ru_maxrss survives exec, so a child started by a large process would
    report its parent's size; VmHWM belongs to this program's own memory."""
    try:
        for text in Path("/proc/self/status").read_text().splitlines():
            if text.startswith("VmHWM:"):
                return int(text.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def million(jobs: int, count: int, seed: int) -> dict[str, Any]:
    me = [sys.executable, str(Path(__file__).resolve())]
    with subprocess.Popen([*me, "--generate", str(count), "--seed", str(seed)], stdout=subprocess.PIPE) as gen:
        done = subprocess.run(
            [*me, "--serve", "--jobs", str(jobs)], stdin=gen.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            check=True, text=True,
        )
    result: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="generated VMs (default 10000)")
    parser.add_argument("--edition", default=None, help="edition (default: the newest)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--million", action="store_true", help="also stream 1,000,000 VMs and report the max RSS")
    parser.add_argument("--rounds", type=int, default=3, help="end-to-end rounds per process count (default 3; the median is reported)")
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate is not None:
        _generate(args.generate, args.seed)
        return
    if args.serve:
        _serve_stdin(args.jobs)
        return

    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    documents = random_facts(args.seed, args.count, OBSERVABLE_IN_BOTH_EDITIONS)
    lines = [json.dumps(doc) for doc in documents]
    print(
        f"{time.strftime('%Y-%m-%d')}: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{len(cores)} cores; load average {os.getloadavg()[0]:.1f}; {args.count} generated VMs"
    )

    # -- 2. end to end, on 1 and 2 cores (before pinning this process to one core)
    print("end to end: JSON Lines of facts -> compact JSON rows, in input order (direct backend)")
    print("  (CPU: of every process, per VM; capacity: VMs per second that many cores give at that CPU cost)")
    n = len(lines)
    engine_for(OPTIONS)  # as the command builds its engine before reading (the workers inherit it)
    pipeline_run(lines[:300], 1)  # and once warm: the figures are of a long run
    for jobs in (1, 2):
        ratios = []
        for round_ in range(1, args.rounds + 1):  # the floor and the pipeline by turns, so a busy spell hits both
            base = floor_run(lines, jobs)
            run = pipeline_run(lines, jobs)
            ratios.append((run.cpu / base.cpu, jobs * n / run.cpu, run.cpu / n * US, base.cpu / n * US))
            print(
                f"  {jobs} process{'es' if jobs > 1 else '  '}, round {round_}: wall {n / run.wall:8.0f} VMs/s; "
                f"CPU {run.cpu / n * US:7.1f} us/VM, capacity {jobs * n / run.cpu:8.0f} VMs/s | floor: wall "
                f"{n / base.wall:8.0f} VMs/s; CPU {base.cpu / n * US:6.1f} us/VM, capacity {jobs * n / base.cpu:8.0f} VMs/s"
                f" | {run.cpu / base.cpu:5.2f} x floor"
            )
        ratio, capacity, cpu, floor_cpu = sorted(ratios)[len(ratios) // 2]
        print(
            f"  {jobs} process{'es' if jobs > 1 else '  '}, the median round: CPU {cpu:.1f} us/VM against the floor's "
            f"{floor_cpu:.1f}, {ratio:.2f} x floor; capacity {capacity:.0f} VMs/s"
        )

    # -- 1. per VM, one core
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cores[0]})
    floor_times = _per_item(lambda text: json.dumps(json.loads(text)), lines)
    floor = statistics.median(floor_times)
    facts = [validate_facts(doc, "<generated>") for doc in documents]
    print(f"per VM, one core, engine reused; floor (json.loads + json.dumps of the facts): median {floor * US:.1f} us")
    validation = _per_item(lambda doc: validate_facts(doc, "<generated>"), documents)
    print(_line("validating the facts (validate_facts)", validation, floor))
    print(_line("reading a line (parse_facts_text: JSON, validation)", _per_item(lambda t: parse_facts_text(t, "-"), lines), floor))
    print(_line("the facts by name (Facts.flat)", _per_item(lambda item: item.flat(), facts), floor))
    records = [Record("<benchmark>", number, text.encode()) for number, text in enumerate(lines, 1)]
    print(_line("a line read as the fleet reads it (read_record)", _per_item(read_record, records), floor))
    print(_line("  of which without the model (read_flat)", _per_item(lambda r: read_flat(r.data), records), floor))
    summarizer = Engine(args.edition, backend="direct")
    read = [read_record(record) for record in records]
    print(_line("compiled rules and summary (Engine.summarize_flat)", _per_item(summarizer.summarize_flat, read), floor))
    summaries = [summarizer.summarize_flat(item) for item in read]
    print(_line("a row's JSON (row_json)", _per_item(lambda s: row_json(s, source="<benchmark>", line=1), summaries), floor))
    parts = list(batches(records, 256))
    whole = [t / len(part) for t, part in zip(_per_item(lambda b: run_batch(b, OPTIONS), parts), parts, strict=True)]
    print(_line("a line to its row, batches of 256 (run_batch)", whole, floor))
    for backend in ("experta", "direct"):
        start = time.perf_counter()
        engine = Engine(args.edition, backend=backend)
        engine.run(facts[0])
        build = time.perf_counter() - start
        observed = [engine.observed_entry(item) for item in facts]
        pairs = list(zip(facts, observed, strict=True))
        print(f"[{backend}] {engine.rules.rule_count} rules in {engine.rules.strata} strata; engine built in {build * MS:.1f} ms")
        print(_line("rules only (Engine.run)", _per_item(lambda p: engine.run(*p), pairs), floor))
        wall = time.perf_counter()
        full = _per_item(lambda item: engine.diagnose(item), facts)
        wall = time.perf_counter() - wall
        print(_line("full report (Engine.diagnose)", full, floor) + f"   {len(facts) / wall:8.0f} VMs/s")
        print(_line("summary for a row (Engine.summarize)", _per_item(lambda item: engine.summarize(item), facts), floor))
        reports = [engine.diagnose(item) for item in facts]
        print(_line("report_json (indented, canonical)", _per_item(report_json, reports), floor))
        print(_line("report_json (one line)", _per_item(lambda r: report_json(r, indent=None), reports), floor))
    flats = [item.flat() for item in facts]
    edition = Engine(args.edition, backend="direct").edition
    print(_line("plain evaluator (evaluate_edition)", _per_item(lambda flat: evaluate_edition(edition, flat), flats), floor))

    # -- 3. a million VMs streamed
    if args.million:
        result = million(2, 1_000_000, args.seed)
        print(
            f"{result['vms']:,} VMs streamed with 2 worker processes: wall {result['vms'] / result['seconds']:.0f} VMs/s, "
            f"CPU {result['cpu'] / result['vms'] * US:.1f} us/VM; max RSS {result['rss_kib'] / 1024:.0f} MB (the reading and "
            f"writing process), {result['worker_rss_kib'] / 1024:.0f} MB (the largest worker); at most "
            f"{(result['rss_kib'] + 2 * result['worker_rss_kib']) / 1024:.0f} MB in all"
        )


if __name__ == "__main__":
    main()
