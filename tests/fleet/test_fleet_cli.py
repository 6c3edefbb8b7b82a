"""kb-engine diagnose on a fleet, run as a user runs it: JSON Lines in, rows or reports out, in order, streamed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import jsonschema
import pexpect
import pytest
from factsgen import random_facts

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
REPO = Path(__file__).resolve().parents[2]
OUTDATED = {
    "name": "ubuntu-web-01", "vm": {"os": "linux", "distro": "ubuntu"},
    "agent": {"status": "not_ready", "version": "2.2.9", "latest_version": "2.2.10"},
    "observed_error": "GuestAgentSnapshotTaskStatusError",
}
BAD = {"vm": {"os": "mac"}}


def run(*args: str | Path, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    return subprocess.run(
        [KB_ENGINE, *map(str, args)], input=stdin, capture_output=True, text=True, env={**base, **(env or {})}, timeout=600,
    )


def jsonl(path: Path, documents: list[object]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,200 generated VMs as JSON Lines (more than one batch for each worker)."""
    return jsonl(tmp_path_factory.mktemp("fleet") / "fleet.jsonl", random_facts(20261205, 1200))


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


# ---------------------------------------------------------------------------
# Shapes


def test_rows_come_out_one_per_vm_in_input_order(fleet: Path) -> None:
    result = run("diagnose", fleet, "--format", "rows", "--backend", "direct", "-q")
    assert result.returncode in (0, 1, 5), result.stderr
    rows = _lines(result.stdout)
    assert [r["line"] for r in rows] == list(range(1, 1201))
    assert {r["source"] for r in rows} == {str(fleet)}
    names = [json.loads(line).get("name") for line in fleet.read_text(encoding="utf-8").splitlines()]
    assert [r["vm"] for r in rows] == names


@pytest.mark.parametrize("fmt", ["rows", "json", "text", "csv"])
def test_any_number_of_jobs_gives_the_same_bytes(fleet: Path, fmt: str) -> None:
    """--jobs 1 and --jobs 3 (more workers than cores, so batches finish out of order) write identical output."""
    one = run("diagnose", fleet, "--format", fmt, "--backend", "direct", "--jobs", "1", "-q")
    three = run("diagnose", fleet, "--format", fmt, "--backend", "direct", "--jobs", "3", "-q")
    assert one.returncode == three.returncode and one.stdout == three.stdout and one.stdout


def test_the_shape_does_not_depend_on_how_many_inputs(tmp_path: Path) -> None:
    """--format json: one file gives one line, two files two lines; each line a full report that fits the schema."""
    first = tmp_path / "a.json"
    first.write_text(json.dumps(OUTDATED, indent=2), encoding="utf-8")
    second = tmp_path / "b.yaml"
    second.write_text("name: b\nvm: {os: windows}\n", encoding="utf-8")
    schema = json.loads(run("schema", "report").stdout)
    one = run("diagnose", first, "--format", "json")
    two = run("diagnose", first, second, "--format", "json")
    assert len(one.stdout.splitlines()) == 1 and len(two.stdout.splitlines()) == 2
    assert two.stdout.splitlines()[0] == one.stdout.splitlines()[0]
    for line in two.stdout.splitlines():
        jsonschema.validate(json.loads(line), schema)


def test_derivations_only_with_explain(tmp_path: Path) -> None:
    """JSON reports leave out every conclusion's derivation unless --explain asks for them."""
    source = jsonl(tmp_path / "vm.jsonl", [OUTDATED])
    plain = run("diagnose", source, "--format", "json").stdout
    explained = run("diagnose", source, "--format", "json", "--explain").stdout
    assert '"derivation"' not in plain and '"derivation"' in explained
    assert len(plain) * 2 < len(explained)
    schema = json.loads(run("schema", "report").stdout)
    jsonschema.validate(json.loads(plain), schema)
    jsonschema.validate(json.loads(explained), schema)


def test_csv_has_its_header_even_for_no_vm(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    result = run("diagnose", empty, "--format", "csv")
    assert result.returncode == 0 and result.stdout.startswith("source,line,vm,edition,verdict")
    assert len(result.stdout.splitlines()) == 1


def test_standard_input_takes_json_lines() -> None:
    stdin = json.dumps(OUTDATED) + "\n" + json.dumps({"name": "second"}) + "\n"
    rows = _lines(run("diagnose", "-", "--format", "rows", stdin=stdin).stdout)
    assert [(r["source"], r["line"], r["vm"]) for r in rows] == [("<stdin>", 1, "ubuntu-web-01"), ("<stdin>", 2, "second")]


# ---------------------------------------------------------------------------
# Bad records


def test_a_bad_line_is_reported_and_the_others_are_written(tmp_path: Path) -> None:
    """Line 2 is bad: stderr names fleet.jsonl:2 and its problem, the other rows are written, exit 6."""
    source = jsonl(tmp_path / "fleet.jsonl", [OUTDATED, BAD, {"name": "third"}])
    result = run("diagnose", source, "--format", "rows")
    assert result.returncode == 6, result.stderr
    assert [r["line"] for r in _lines(result.stdout)] == [1, 3]
    assert f"{source}:2: vm.os: not an allowed value" in result.stderr and '"mac"' in result.stderr
    assert "2 VMs diagnosed, 1 bad record" in result.stderr


def test_a_batch_of_files_with_one_bad_file_reports_the_good_ones(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: good\nvm: {os: linux}\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("vm: {os: mac}\n", encoding="utf-8")
    result = run("diagnose", good, bad, tmp_path / "missing.yaml", "--format", "rows")
    assert result.returncode == 6
    assert [r["vm"] for r in _lines(result.stdout)] == ["good"]
    assert f"{bad}: vm.os" in result.stderr and "missing.yaml: no such file" in result.stderr
    assert "bad records: " in result.stderr and str(bad) in result.stderr.split("bad records: ")[1]


def test_nothing_readable_is_exit_2_and_no_output_file(tmp_path: Path) -> None:
    source = jsonl(tmp_path / "fleet.jsonl", [BAD, BAD])
    target = tmp_path / "rows.jsonl"
    result = run("diagnose", source, "--format", "rows", "-o", target)
    assert result.returncode == 2 and not target.exists()
    assert list(tmp_path.glob(".rows.jsonl*")) == []


def test_fail_fast_stops_at_the_first_bad_record(tmp_path: Path) -> None:
    """With --fail-fast the rows before the bad line are streamed, nothing after it, exit 2; an -o file is not written."""
    source = jsonl(tmp_path / "fleet.jsonl", [OUTDATED, OUTDATED, BAD, OUTDATED])
    result = run("diagnose", source, "--format", "rows", "--fail-fast")
    assert result.returncode == 2
    assert [r["line"] for r in _lines(result.stdout)] == [1, 2]
    assert f"{source}:3" in result.stderr and "fail-fast" in result.stderr
    target = tmp_path / "rows.jsonl"
    assert run("diagnose", source, "--format", "rows", "--fail-fast", "-o", target).returncode == 2
    assert not target.exists()


def test_an_output_file_has_the_good_rows_when_some_are_bad(tmp_path: Path) -> None:
    source = jsonl(tmp_path / "fleet.jsonl", [OUTDATED, BAD])
    target = tmp_path / "rows.jsonl"
    result = run("diagnose", source, "--format", "rows", "-o", target)
    assert result.returncode == 6 and result.stdout == ""
    assert [r["line"] for r in _lines(target.read_text(encoding="utf-8"))] == [1]


def test_an_interrupted_run_leaves_no_output_file(tmp_path: Path) -> None:
    """Ctrl-C in the middle of a stream: exit 130, and neither the -o file nor a temporary file is left."""
    target = tmp_path / "rows.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    process = subprocess.Popen(
        [KB_ENGINE, "diagnose", "-", "--format", "rows", "--backend", "direct", "-o", str(target)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    assert process.stdin is not None
    line = (json.dumps(OUTDATED) + "\n").encode()
    process.stdin.write(line * 2000)
    process.stdin.flush()
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert not target.exists() and list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Streaming


def test_rows_come_out_before_the_input_ends() -> None:
    """Rows are written as VMs are done: the first ones arrive while standard input is still open."""
    release = threading.Event()
    with subprocess.Popen(
        [KB_ENGINE, "diagnose", "-", "--format", "rows", "--backend", "direct", "-j", "2", "--edition", "2019-12"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    ) as process:
        assert process.stdin is not None and process.stdout is not None

        def feed() -> None:
            assert process.stdin is not None
            process.stdin.write((json.dumps(OUTDATED) + "\n").encode() * 4000)
            process.stdin.flush()
            release.wait(timeout=300)
            process.stdin.close()

        feeder = threading.Thread(target=feed)
        feeder.start()
        try:
            first = json.loads(process.stdout.readline())
            assert first["line"] == 1 and not release.is_set() and process.poll() is None  # stdin is still open
        finally:
            release.set()
        rest = process.stdout.read().splitlines()
        feeder.join()
        assert process.wait(timeout=120) == 1 and len(rest) == 3999


# ---------------------------------------------------------------------------
# Summary and exit codes


def test_the_summary_file_counts_what_was_written(fleet: Path, tmp_path: Path) -> None:
    """--summary s.json: counts per verdict, cause and unknown fact agree with the rows written; Markdown by extension."""
    rows_file = tmp_path / "rows.jsonl"
    result = run("diagnose", fleet, "--format", "rows", "--backend", "direct", "-o", rows_file, "--summary", tmp_path / "s.json")
    rows = _lines(rows_file.read_text(encoding="utf-8"))
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert summary["vms"] == len(rows) == 1200 and summary["exit_code"] == result.returncode
    assert {v["verdict"]: v["vms"] for v in summary["verdicts"]} == Counter(r["verdict"] for r in rows)
    assert {c["id"]: c["vms"] for c in summary["confirmed_causes"]} == Counter(c["id"] for r in rows for c in r["confirmed"])  # type: ignore[attr-defined]
    assert {f["fact"]: f["vms"] for f in summary["unknown_facts"]} == Counter(f for r in rows for f in r["unknown"])  # type: ignore[attr-defined]
    assert "1,200 VMs diagnosed" in result.stderr and "VMs/s" in result.stderr
    run("diagnose", fleet, "--format", "rows", "--backend", "direct", "-o", rows_file, "--summary", tmp_path / "s.md", "-q")
    assert (tmp_path / "s.md").read_text(encoding="utf-8").startswith("## Fleet summary")


def test_no_summary_for_one_vm_and_none_with_quiet(fleet: Path) -> None:
    one = run("diagnose", REPO / "facts" / "linux-agent-outdated.yaml")
    assert "diagnosed" not in one.stderr
    quiet = run("diagnose", fleet, "--format", "rows", "--backend", "direct", "-q")
    assert quiet.stderr == ""


def test_summary_to_stdout_needs_an_output_file(fleet: Path, tmp_path: Path) -> None:
    refused = run("diagnose", fleet, "--summary", "-")
    assert refused.returncode == 2 and "-o" in refused.stderr
    result = run("diagnose", fleet, "--backend", "direct", "-o", tmp_path / "r.txt", "--summary", "-", "--summary-format", "json", "-q")
    assert json.loads(result.stdout)["vms"] == 1200


@pytest.mark.parametrize(
    ("documents", "code"),
    [
        ([{"name": "nothing known"}], 5),
        ([OUTDATED, {"name": "nothing known"}], 1),
    ],
    ids=["incomplete", "problems-beat-incomplete"],
)
def test_exit_codes_of_a_batch(documents: list[object], code: int, tmp_path: Path) -> None:
    assert run("diagnose", jsonl(tmp_path / "f.jsonl", documents), "--format", "rows", "--edition", "2019-12").returncode == code


# ---------------------------------------------------------------------------
# Progress, as a person sees it


def _spawn(args: list[str], env: dict[str, str] | None = None) -> tuple[str, int]:
    child = pexpect.spawn(KB_ENGINE, args, env={**os.environ, "TERM": "xterm", **(env or {})}, encoding="utf-8", timeout=300,
                          dimensions=(24, 120))
    output = child.read()
    child.close()
    return output, child.exitstatus


@pytest.fixture(scope="module")
def big_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough VMs (forward chaining, one worker) for the display to refresh a few times."""
    return jsonl(tmp_path_factory.mktemp("big") / "fleet.jsonl", random_facts(5, 400))


def test_progress_on_a_terminal_shows_vms_per_second(big_fleet: Path, tmp_path: Path) -> None:
    """On a terminal, writing to a file: a transient progress line with VMs and VMs/s, then the summary."""
    screen, status = _spawn(["diagnose", str(big_fleet), "--format", "rows", "-j", "1", "-o", str(tmp_path / "r.jsonl")])
    assert status in (0, 1, 5), screen
    assert "VMs/s" in screen and "diagnosing" in screen
    assert "400 VMs diagnosed" in screen


def test_no_progress_with_quiet_or_when_the_data_goes_to_the_terminal(big_fleet: Path, tmp_path: Path) -> None:
    quiet, _ = _spawn(["diagnose", str(big_fleet), "--format", "rows", "-j", "1", "-q", "-o", str(tmp_path / "r.jsonl")])
    assert quiet.strip() == ""
    shown, _ = _spawn(["diagnose", str(big_fleet), "--format", "rows", "--backend", "direct"])
    assert "diagnosing" not in shown and shown.count('"verdict"') == 400


def test_no_progress_when_stderr_is_not_a_terminal(big_fleet: Path, tmp_path: Path) -> None:
    result = run("diagnose", big_fleet, "--format", "rows", "--backend", "direct", "-o", tmp_path / "r.jsonl")
    assert "diagnosing" not in result.stderr and "\x1b[" not in result.stderr


@pytest.mark.parametrize("fmt", ["rows", "csv", "json"])
def test_a_file_name_that_is_not_utf8_is_shown_with_its_bytes_escaped(tmp_path: Path, fmt: str) -> None:
    """A file system may hold names that are not UTF-8 (here the byte 0xff): every output names such a
    file readably (vm\\xff.jsonl), as valid UTF-8, instead of failing; its errors name it the same way."""
    good = tmp_path / os.fsdecode(b"vm\xff.jsonl")
    bad = tmp_path / os.fsdecode(b"bad\xfe.jsonl")
    jsonl(good, [OUTDATED])
    jsonl(bad, [BAD])
    done = subprocess.run(
        [KB_ENGINE, "diagnose", "-q", "--format", fmt, os.fsencode(good), os.fsencode(bad)],
        capture_output=True, timeout=600,
    )
    assert done.returncode == 6, done.stderr  # some records were bad: the good one is still diagnosed
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    assert "bad\\xfe.jsonl:1" in err and "vm.os" in err
    if fmt == "json":
        (report,) = _lines(out)
        assert report["vm"] == "ubuntu-web-01"
    elif fmt == "rows":
        (row,) = _lines(out)
        assert row["source"] == str(tmp_path / "vm\\xff.jsonl") and row["vm"] == "ubuntu-web-01"
    else:
        assert f"{tmp_path}/vm\\xff.jsonl,1,ubuntu-web-01," in out
