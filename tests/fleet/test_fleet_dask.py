"""Fleet diagnosis on Dask (the dask extra, installed by the test set-up) gives what the command line gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dask
from factsgen import random_facts

from kb_engine.fleet.dask import diagnose_partition, is_error, rows_bag
from kb_engine.fleet.run import FleetOptions

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")


def _jsonl(path: Path, documents: list[object], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents) + extra, encoding="utf-8")
    return path


def test_a_bag_of_json_lines_files_gives_the_cli_rows(tmp_path: Path) -> None:
    """Two files on Dask's local scheduler (processes): the rows `kb-engine diagnose --format rows` writes, in order."""
    first = _jsonl(tmp_path / "a.jsonl", random_facts(1, 150))
    second = _jsonl(tmp_path / "b.jsonl", random_facts(2, 120), extra='{"vm": {"os": "mac"}}\n')
    bag = rows_bag([first, second], edition="2019-07", backend="direct")
    with dask.config.set(scheduler="processes", num_workers=2):
        outcomes = bag.compute()
    rows = [o for o in outcomes if not is_error(o)]
    errors = [o for o in outcomes if is_error(o)]
    cli = subprocess.run(
        [KB_ENGINE, "diagnose", str(first), str(second), "--format", "rows", "--edition", "2019-07", "--backend", "direct", "-q"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "NO_COLOR": "1"},
    )
    assert cli.returncode == 6
    assert rows == [json.loads(line) for line in cli.stdout.splitlines()]
    assert len(rows) == 270
    assert [(e["source"], e["line"]) for e in errors] == [(str(second), 121)]
    assert errors[0]["problems"][0]["path"] == "vm.os"


def test_the_partition_function_is_plain_python(tmp_path: Path) -> None:
    """diagnose_partition needs no Dask: lines in, row and error dicts out, blank lines counted."""
    lines = [json.dumps({"name": "a"}) + "\n", "\n", "{broken\n", json.dumps({"name": "b"}) + "\n"]
    out = diagnose_partition(lines, FleetOptions(backend="direct"), source="part-0")
    assert [(o["line"], is_error(o)) for o in out] == [(1, False), (3, True), (4, False)]
    assert out[0]["vm"] == "a" and out[2]["source"] == "part-0"
