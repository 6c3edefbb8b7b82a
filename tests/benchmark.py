"""Benchmark of the diagnosis engine, run on demand (not collected by pytest).

    .venv/bin/python tests/benchmark.py            # 10,000 generated VMs
    .venv/bin/python tests/benchmark.py --count 500

For each backend (``experta``, forward chaining; ``direct``, the same compiled
rules step by step) it reports the time to build the engine, the median and p95
time of one diagnosis with the engine reused (``Engine.diagnose``: validation,
rules and report), of the rules alone (``Engine.run``), and the throughput over
all VMs; then the plain evaluator of the same knowledge base for comparison. On
one core of this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from factsgen import random_facts  # noqa: E402

from kb_engine.diagnosis import Engine
from kb_engine.engine.evaluate import evaluate_edition
from kb_engine.facts.load import validate_facts


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="generated VMs (default 10000)")
    parser.add_argument("--edition", default=None, help="edition (default: the newest)")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    documents = random_facts(args.seed, args.count)
    facts = [validate_facts(doc, "<generated>") for doc in documents]

    ms = 1000.0
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores (1 used)")
    for backend in ("experta", "direct"):
        start = time.perf_counter()
        engine = Engine(args.edition, backend=backend)
        engine.run(facts[0])  # the first run builds the thread's experta instance
        build = time.perf_counter() - start
        if backend == "experta":
            print(f"edition {engine.edition.id}: {engine.rules.rule_count} rules in {engine.rules.strata} strata; {args.count} generated VMs")

        rules: list[float] = []
        for item in facts:
            t0 = time.perf_counter()
            engine.run(item)
            rules.append(time.perf_counter() - t0)

        full: list[float] = []
        wall0 = time.perf_counter()
        for item in facts:
            t0 = time.perf_counter()
            engine.diagnose(item)
            full.append(time.perf_counter() - t0)
        wall = time.perf_counter() - wall0

        print(f"[{backend}] build engine (compile rules + first run): {build * ms:.1f} ms")
        for label, values in (("diagnose (engine reused)", full), ("rules only (Engine.run)", rules)):
            print(f"[{backend}] {label:<26} median {statistics.median(values) * ms:7.2f} ms   p95 {_percentile(values, 0.95) * ms:7.2f} ms")
        print(f"[{backend}] throughput (diagnose): {args.count / wall:.1f} VMs/s over {wall:.1f} s")

    plain: list[float] = []
    for item in facts:
        flat = item.flat()
        t0 = time.perf_counter()
        evaluate_edition(engine.edition, flat)
        plain.append(time.perf_counter() - t0)
    print(f"plain evaluator (evaluate_edition)     median {statistics.median(plain) * ms:7.2f} ms   p95 {_percentile(plain, 0.95) * ms:7.2f} ms")


if __name__ == "__main__":
    main()
