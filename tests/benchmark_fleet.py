"""Fleet streaming benchmark, run on demand (not collected by pytest): throughput per --jobs and memory.

    .venv/bin/python tests/benchmark_fleet.py                    # 100,000 VMs, --jobs 1 and 2
    .venv/bin/python tests/benchmark_fleet.py --count 1000000 --jobs 2 --format rows

It writes generated VMs as JSON Lines to a temporary file, then runs
``kb-engine diagnose FILE --format rows --backend direct --jobs N -q`` with its
output going to /dev/null (through the shell, never ``-o /dev/null``), and
samples the resident memory of the whole process tree (the command and its
workers) from /proc every 20 ms: the command's RSS, the sum of the tree's RSS
(which counts the pages the forked workers share with the command once per
process) and the sum of their PSS (shared pages counted once), and the CPU time of the command and its
workers (so the VMs per second the cores give at that cost, whatever else the machine runs). The floor,
measured in the same run, is ``json.loads`` + ``json.dumps`` of every line on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from factsgen import random_facts  # noqa: E402

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    """Proportional set size: pages shared by the forked workers are counted once across the tree."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class _Sampler(threading.Thread):
    """Peak RSS of a process alone and of its whole tree, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_main = 0
        self.peak_tree = 0
        self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids = _tree(self.pid)
            sizes = [_rss(p) for p in pids]
            self.peak_main = max(self.peak_main, sizes[0] if sizes else 0)
            self.peak_tree = max(self.peak_tree, sum(sizes))
            self.peak_pss = max(self.peak_pss, sum(_pss(p) for p in pids))
            time.sleep(0.02)


def _generate(path: Path, count: int, seed: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        done = 0
        while done < count:
            step = min(10_000, count - done)
            for doc in random_facts(seed + done, step):
                handle.write(json.dumps(doc) + "\n")
            done += step


def _floor(path: Path) -> tuple[float, float]:
    """The floor's VMs per second (wall clock) and CPU seconds per VM, on one core."""
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            json.dumps(json.loads(line))
            count += 1
    return count / (time.perf_counter() - started), (time.process_time() - cpu) / count


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(path: Path, jobs: int, fmt: str, backend: str) -> tuple[float, float, int, int, int, int]:
    """Wall seconds, CPU seconds of the command and its workers, peak memory (command, tree RSS, tree PSS), exit code."""
    args = [KB_ENGINE, "diagnose", str(path), "--format", fmt, "--backend", backend, "--jobs", str(jobs), "-q"]
    cpu = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = _Sampler(process.pid)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if process.returncode not in (0, 1, 5):
        raise SystemExit(f"kb-engine exited {process.returncode}: {err.decode()}")
    cpu = _children_cpu() - cpu
    return elapsed, cpu, sampler.peak_main, sampler.peak_tree, sampler.peak_pss, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="generated VMs (default 100000)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="--jobs values to run (default: 1 2)")
    parser.add_argument("--format", default="rows", choices=["rows", "csv", "json", "text"])
    parser.add_argument("--backend", default="direct", choices=["direct", "experta"])
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fleet.jsonl"
        _generate(path, args.count, args.seed)
        size = path.stat().st_size
        print(f"{args.count:,} VMs, {size / 2**20:.1f} MiB of JSON Lines; {platform.machine()}, "
              f"CPython {platform.python_version()}, {os.cpu_count()} cores; --format {args.format} --backend {args.backend}")
        floor, floor_cpu = _floor(path)
        print(f"floor (json.loads + json.dumps per line, one core): {floor:,.0f} VMs/s, {floor_cpu * 1e6:.1f} us CPU per VM")
        for jobs in args.jobs:
            elapsed, cpu, main_rss, tree_rss, tree_pss, code = _run(path, jobs, args.format, args.backend)
            rate = args.count / elapsed
            per_vm = cpu / args.count
            print(f"--jobs {jobs}: {elapsed:.1f} s, {rate:,.0f} VMs/s ({floor / rate:.0f}x the floor); CPU {per_vm * 1e6:.1f} us "
                  f"per VM over the command and its workers ({per_vm / floor_cpu:.1f}x the floor's), so {jobs} "
                  f"{'cores give' if jobs > 1 else 'core gives'} {jobs / per_vm:,.0f} VMs/s at that cost; peak memory: "
                  f"command {main_rss / 2**20:.0f} MiB RSS, with its workers {tree_rss / 2**20:.0f} MiB RSS summed "
                  f"({tree_pss / 2**20:.0f} MiB PSS, shared pages counted once); exit {code}")


if __name__ == "__main__":
    main()
