"""Fuzzing of facts and knowledge files, run on demand (not collected by pytest, never a timed test).

    .venv/bin/python tests/fuzz_inputs.py                  # 100,000 facts documents, 300 knowledge-base mutants
    .venv/bin/python tests/fuzz_inputs.py --cases 5000 --kb 50 --seed 7

Facts documents are generated (random values under the facts model's own keys, and any other key) and
mutated (the example facts files with hostile snippets spliced in: anchors and aliases, tags, brackets,
huge numbers, control characters, surrogate escapes, bytes that are not UTF-8), written as JSON or YAML
in UTF-8, UTF-8 with a byte-order mark, UTF-16 or Latin-1, and diagnosed through ``load_facts`` and
``Engine.diagnose`` (the ``direct`` backend, and ``experta`` for one case in ten). Knowledge-base
mutants splice the same snippets into a copy of a knowledge file and load it with ``load_kb``.

The only outcomes allowed are a report, an ``InputError`` (facts) or a ``KnowledgeBaseError``
(knowledge files); anything else is a crash, printed with its input. It prints how many of each, and the
slowest cases (wall clock, on a shared machine). Exit status 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb_engine import Engine, InputError, KnowledgeBaseError, load_facts  # noqa: E402
from kb_engine.knowledge.load import load_kb  # noqa: E402

KEYS = ["name", "vm", "agent", "extensions", "network", "backup", "observed_error", "os", "distro", "status",
        "version", "latest_version", "installed", "service_running", "state", "disks", "size_gib", "encrypted",
        "backups_per_day", "restore_point_group", "locked", "lock_name", "power_state", "azure_outbound", "x"]
SCALARS: list[object] = [None, True, False, 0, -1, 1, 24, 4096, 10**20, -(10**30), 1.5, float("inf"), "linux", "windows",
                         "ready", "Not Ready", "2.2.9", "2.10", "VMSnapshot", "failed", "running", "", " ", "\x00",
                         "\ud800", "a\nb", "\x1b[2J", "\u202e", "AzureBackupRG_westeurope_1", "GuestAgentSnapshotTaskStatusError",
                         "x" * 300]
SNIPPETS = ["&a ", "*a", "&b [*a, *a, *a]", "!!set ", "!!binary ", "!!python/object:os.system ", "!!timestamp ",
            "[", "]", "{", "}", ": ", "- ", "\n  - ", "? ", "\"\\0\"", "\"\\ud800\"", "'", "\"", "9" * 5000,
            "1e400", "NaN", ".inf", "\x00", "\t", "\x85", "#", "<<: *a", "%YAML 1.1\n", "---\n", "...\n", "|", ">"]
RAW = [b"\xff", b"\xfe\xff", b"\xc3(", b"\xed\xa0\x80", b"\x00\x00"]


def value(rng: random.Random, depth: int = 0) -> object:
    roll = rng.random()
    if depth > 4 or roll < 0.45:
        return rng.choice(SCALARS)
    if roll < 0.6:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS): value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def encode(text: str, rng: random.Random) -> bytes:
    form = rng.random()
    if form < 0.7:
        return text.encode("utf-8", "surrogatepass")
    if form < 0.8:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if form < 0.9:
        return text.encode("utf-16", "surrogatepass")
    return text.encode("latin-1", "replace")


def generated(rng: random.Random) -> bytes:
    data = value(rng)
    if rng.random() < 0.7:
        data = {rng.choice(KEYS): value(rng, 1) for _ in range(rng.randint(0, 6))}
    try:
        text = json.dumps(data, ensure_ascii=False) if rng.random() < 0.5 else yaml.safe_dump(data, allow_unicode=True)
    except (ValueError, yaml.YAMLError):
        text = str(data)
    return encode(text, rng)


def mutated(rng: random.Random, seeds: list[str]) -> bytes:
    text = rng.choice(seeds)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(text))
        cut = rng.choice([0, 0, 1, 3])
        text = text[:at] + rng.choice(SNIPPETS) + text[at + cut:]
    data = encode(text, rng)
    if rng.random() < 0.1:
        at = rng.randint(0, len(data))
        data = data[:at] + rng.choice(RAW) + data[at:]
    return data


def fuzz_facts(cases: int, rng: random.Random) -> tuple[dict[str, int], list[tuple[float, bytes]], list[str]]:
    engines = {"direct": Engine(backend="direct"), "experta": Engine(backend="experta")}
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "facts").glob("*.yaml"))]
    counts = {"report": 0, "InputError": 0, "crash": 0}
    slowest: list[tuple[float, bytes]] = []
    crashes: list[str] = []
    for n in range(cases):
        data = generated(rng) if n % 2 else mutated(rng, seeds)
        engine = engines["experta" if n % 10 == 0 else "direct"]
        started = time.perf_counter()
        try:
            engine.diagnose(load_facts("-", stdin=io.BytesIO(data)))
            counts["report"] += 1
        except InputError as exc:
            str(exc).encode("utf-8")
            counts["InputError"] += 1
        except Exception:  # noqa: BLE001 (what the fuzzing looks for)
            counts["crash"] += 1
            crashes.append(f"{data[:300]!r}\n{traceback.format_exc()}")
        slowest = sorted([*slowest, (time.perf_counter() - started, data[:120])], reverse=True)[:5]
        if n and n % 10_000 == 0:
            print(f"  {n:,} facts documents: {counts}", file=sys.stderr)
    return counts, slowest, crashes


def fuzz_kb(cases: int, rng: random.Random) -> tuple[dict[str, int], list[tuple[float, bytes]], list[str]]:
    shipped = REPO / "kb_engine" / "knowledge" / "data"
    counts = {"loaded": 0, "KnowledgeBaseError": 0, "crash": 0}
    slowest: list[tuple[float, bytes]] = []
    crashes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(cases):
            copy = Path(tmp) / "kb"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(shipped, copy)
            file = copy / rng.choice(["findings.yaml", "causes.yaml", "codes.yaml", "editions.yaml"])
            text = file.read_text(encoding="utf-8")
            for _ in range(rng.randint(1, 3)):
                at = rng.randint(0, len(text))
                text = text[:at] + rng.choice(SNIPPETS) + text[at + rng.choice([0, 1, 5]):]
            file.write_bytes(text.encode("utf-8", "surrogatepass"))
            started = time.perf_counter()
            try:
                load_kb(copy)
                counts["loaded"] += 1
            except KnowledgeBaseError:
                counts["KnowledgeBaseError"] += 1
            except Exception:  # noqa: BLE001
                counts["crash"] += 1
                crashes.append(f"{file.name}\n{traceback.format_exc()}")
            slowest = sorted([*slowest, (time.perf_counter() - started, file.name.encode())], reverse=True)[:5]
    return counts, slowest, crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="facts documents (default 100,000)")
    parser.add_argument("--kb", type=int, default=300, help="knowledge-base mutants (default 300)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    failed = False
    for label, (counts, slowest, crashes) in (("facts", fuzz_facts(args.cases, rng)), ("knowledge files", fuzz_kb(args.kb, rng))):
        print(f"{label}: {sum(counts.values()):,} cases: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        print(f"  slowest: " + ", ".join(f"{t:.2f} s" for t, _ in slowest))
        for crash in crashes[:5]:
            print(crash)
        failed = failed or bool(crashes)
    print(f"in {time.perf_counter() - started:.0f} s (seed {args.seed})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
