"""Standard input and output as scripts use them: closed, full, cut short, or carrying bytes that are not UTF-8.

A closed or full stream is the caller's problem: one line saying which, exit
74 (EX_IOERR), never a traceback. A reader that goes away (``| head``) ends the
run quietly with 141, as for any program killed by SIGPIPE. Standard input is
read as bytes and decoded as a file is, whatever ``PYTHONIOENCODING`` says.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_engine import errors
from kb_engine.cli.main import cli

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
README = Path(__file__).resolve().parents[2] / "README.md"
CODE = "UserErrorGuestAgentStatusUnavailable"

LINUX_OUTDATED = """\
name: ubuntu-web-01
vm: {os: linux, distro: ubuntu}
agent: {status: Not Ready, version: 2.2.9, latest_version: 2.2.10}
backup: {policy_type: standard}
observed_error: GuestAgentSnapshotTaskStatusError
"""


def shell(script: str, tmp_path: Path, env: dict[str, str] | None = None,
          stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a bash script with $K the console script and vm.yaml in the current folder."""
    (tmp_path / "vm.yaml").write_text(LINUX_OUTDATED, encoding="utf-8")
    return subprocess.run(
        ["bash", "-c", f"K={shlex.quote(KB_ENGINE)}; {script}"], cwd=tmp_path, input=stdin,
        capture_output=True, timeout=180, env={**os.environ, **(env or {})},
    )


def one_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8").splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0] and "internal error" not in lines[0]
    return lines[0]


@pytest.mark.parametrize(("script", "says"), [
    ('"$K" diagnose - <&-', "cannot read standard input: it is closed"),
    ('"$K" consult ' + CODE + " --facts - --format json <&-", "cannot read standard input: it is closed"),
    ('"$K" facts from-azure - <&-', "cannot read standard input: it is closed"),
    ('"$K" diagnose vm.yaml >&-', "cannot write standard output: it is closed"),
    ('"$K" kb list >&-', "cannot write standard output: it is closed"),
    ('"$K" diagnose vm.yaml > /dev/full', "cannot write standard output: No space left on device"),
    ('"$K" diagnose vm.yaml --format json > /dev/full', "cannot write standard output: No space left on device"),
    ('"$K" schema facts > /dev/full', "cannot write standard output: No space left on device"),
])
def test_a_closed_or_full_stream_is_one_line_and_exit_74(script: str, says: str, tmp_path: Path) -> None:
    result = shell(script, tmp_path)
    assert result.returncode == errors.EXIT_IO == 74
    assert one_line(result.stderr) == f"kb-engine: error: {says}"


def test_a_command_that_does_not_need_stdout_runs_with_it_closed(tmp_path: Path) -> None:
    """-o FILE with stdout closed: the report is written to the file, and only there."""
    result = shell('"$K" diagnose vm.yaml -o out.txt >&-', tmp_path)
    assert result.returncode == 1, result.stderr
    assert "CONFIRMED (B)" in (tmp_path / "out.txt").read_text(encoding="utf-8")


def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(tmp_path: Path) -> None:
    lines = "".join(f'{{"name": "vm-{i}", "vm": {{"os": "linux"}}}}\n' for i in range(5000))
    result = shell('"$K" diagnose - --format rows --backend direct -q | head -n 1; echo "status ${PIPESTATUS[0]}" >&2',
                   tmp_path, stdin=lines.encode())
    assert result.stderr.decode().strip() == "status 141"
    assert result.stdout.count(b"\n") == 1


BAD_BYTES = {
    "latin-1": "name: café\n".encode("latin-1"),
    "utf-16": "name: vm\n".encode("utf-16"),
    "binary": bytes(range(256)),
}


@pytest.mark.parametrize("kind", sorted(BAD_BYTES))
@pytest.mark.parametrize("command", [
    "diagnose {src}",
    f"consult {CODE} --facts {{src}} --format json",
    "facts from-azure {src}",
])
def test_stdin_is_decoded_as_a_file_is(kind: str, command: str, tmp_path: Path) -> None:
    """Bytes that are not UTF-8 on stdin: exit 2 and the same problem as from a file, under PYTHONIOENCODING=utf-8."""
    data = BAD_BYTES[kind]
    (tmp_path / "bad.yaml").write_bytes(data)
    env = {"PYTHONIOENCODING": "utf-8"}
    piped = shell(f'"$K" {command.format(src="-")}', tmp_path, env=env, stdin=data)
    from_file = shell(f'"$K" {command.format(src="bad.yaml")}', tmp_path, env=env)
    assert piped.returncode == from_file.returncode == 2, (piped.stderr, from_file.stderr)
    assert piped.stderr.decode().replace("<stdin>", "bad.yaml") == from_file.stderr.decode()


def test_an_answer_that_is_not_utf8_is_asked_again(tmp_path: Path) -> None:
    """An interactive answer in bytes that are not UTF-8 is refused like any wrong answer; the session goes on."""
    result = shell(f'"$K" consult {CODE}', tmp_path, env={"PYTHONIOENCODING": "utf-8"}, stdin=b"\xff\xfe\n")
    assert result.returncode != 70, result.stderr
    assert b"internal error" not in result.stderr


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_any_bytes_on_stdin_give_a_report_or_a_problem_list(data: bytes) -> None:
    """Whatever bytes come on stdin (in process, through the API's reader), the outcome is a report or InputError."""
    import io

    from kb_engine import InputError, load_facts

    try:
        load_facts("-", stdin=io.BytesIO(data))
    except InputError as exc:
        assert str(exc)


def test_every_exit_code_is_documented_in_the_readme_and_in_help() -> None:
    """Each EXIT_* code of the errors module is in the README's table and in `kb-engine --help`, and nothing else."""
    codes = {str(getattr(errors, name)) for name in errors.__all__ if name.startswith("EXIT_")}
    text = README.read_text(encoding="utf-8")
    table = set(re.findall(r"^\| (\d+) \| .+? \|$", text, flags=re.MULTILINE))
    help_text = CliRunner().invoke(cli, ["--help"]).output
    listed = set(re.findall(r"^\s+(\d+)\s+\S.*$", help_text.split("Exit codes:")[1], flags=re.MULTILINE))
    assert codes == table == listed
