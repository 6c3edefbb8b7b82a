"""Where -o and --diagram write: files replaced whole, and nothing else ever replaced.

An administrator runs kb-engine as root in scripts: ``-o /dev/null``, a FIFO, a
symbolic link or ``/dev/stdout`` must be written to, never swapped for a
regular file. Each case runs as root and, dropping privileges, as ``nobody``
(as whoever runs the tests, when that is not root).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

LINUX_OUTDATED = """\
name: ubuntu-web-01
vm: {os: linux, distro: ubuntu}
agent: {status: Not Ready, version: 2.2.9, latest_version: 2.2.10}
backup: {policy_type: standard}
observed_error: GuestAgentSnapshotTaskStatusError
"""

NOBODY = 65534
USERS = ["root", "nobody"] if os.geteuid() == 0 else ["self"]

# Runs the command line in this interpreter as another user. The interpreter may live in a home
# folder that user cannot read, so the command is run once first (as root, into a scratch folder)
# to load every module it needs, then privileges are dropped and the real command runs.
_AS_USER = r"""
import json, os, sys
from kb_engine.cli.main import main
uid = int(os.environ["KB_TEST_UID"])
if uid != os.geteuid():
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1); os.dup2(null, 2)
    for warm in json.loads(os.environ["KB_TEST_WARM"]):
        main(warm)
    sys.stdout.flush(); sys.stderr.flush()
    os.dup2(saved[0], 1); os.dup2(saved[1], 2)
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder every user may write in (pytest's own are private to the user running it)."""
    path = Path(tempfile.mkdtemp(prefix="kb-outputs-"))
    path.chmod(0o777)
    (path / "vm.yaml").write_text(LINUX_OUTDATED, encoding="utf-8")
    (path / "vm.yaml").chmod(0o644)
    (path / "scratch").mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_as(user: str, shared: Path, *args: str, env: dict[str, str] | None = None,
           stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    uid = NOBODY if user == "nobody" else os.geteuid()
    scratch = shared / "scratch"
    if not (scratch / "fifo").exists():  # never the machine's own /dev/null, whatever the build under test does
        os.mkfifo(scratch / "fifo")
    reader = os.open(scratch / "fifo", os.O_RDONLY | os.O_NONBLOCK)  # so opening it to write does not wait
    warm = [
        ["diagnose", str(shared / "vm.yaml"), "-o", str(scratch / "w.txt"), "--diagram", str(scratch / "w.svg")],
        ["diagnose", str(shared / "vm.yaml"), "-o", str(scratch / "w.txt"), "--diagram", str(scratch / "w.txt")],
        ["diagnose", str(shared / "vm.yaml"), "-o", str(scratch / "fifo")],
        ["diagnose", str(shared / "missing.yaml"), "-o", str(scratch / "w.txt")],
    ]
    try:
        return subprocess.run(
            [sys.executable, "-c", _AS_USER, *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300,
            cwd=shared, env={**os.environ, **(env or {}), "KB_TEST_UID": str(uid), "KB_TEST_WARM": json.dumps(warm)},
        )
    finally:
        os.close(reader)


@pytest.mark.parametrize("user", USERS)
def test_a_device_is_written_to_not_replaced(user: str, shared: Path) -> None:
    """-o on a character device (root: a private null device; others: /dev/null) writes into it."""
    if user == "root":  # a private node: a build that replaces it must not break the machine's /dev/null
        device = shared / "null"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    else:  # not allowed to replace anything in /dev
        device = Path(os.devnull)
    result = run_as(user, shared, "diagnose", "vm.yaml", "-o", str(device))
    assert result.returncode == 1, result.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode)
    assert [p.name for p in shared.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("user", USERS)
def test_a_fifo_is_written_to_not_replaced(user: str, shared: Path) -> None:
    """The reader of a FIFO gets the report; the FIFO is still a FIFO."""
    fifo = shared / "reports.fifo"
    os.mkfifo(fifo, 0o666)
    fifo.chmod(0o666)
    # The reader's end, opened first (without waiting for a writer): the report fits in the pipe's buffer.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = run_as(user, shared, "diagnose", "vm.yaml", "-o", str(fifo))
        received = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert result.returncode == 1, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert b"CONFIRMED (B)" in received


@pytest.mark.parametrize("user", USERS)
def test_a_symbolic_link_is_followed_and_stays(user: str, shared: Path) -> None:
    """-o through a link rewrites the file it points to, keeping its mode; the link stays a link."""
    real = shared / "real.txt"
    real.write_text("old\n")
    real.chmod(0o662)
    link = shared / "report.txt"
    link.symlink_to("real.txt")
    result = run_as(user, shared, "diagnose", "vm.yaml", "-o", str(link))
    assert result.returncode == 1, result.stderr
    assert link.is_symlink() and os.readlink(link) == "real.txt"
    assert "CONFIRMED (B)" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o662


@pytest.mark.parametrize("user", USERS)
def test_a_dangling_link_gets_its_file_created(user: str, shared: Path) -> None:
    (shared / "report.txt").symlink_to("out/new.txt")
    (shared / "out").mkdir(mode=0o777)
    (shared / "out").chmod(0o777)
    result = run_as(user, shared, "diagnose", "vm.yaml", "-o", "report.txt")
    assert result.returncode == 1, result.stderr
    assert (shared / "report.txt").is_symlink()
    assert "CONFIRMED (B)" in (shared / "out" / "new.txt").read_text()


# /dev/stdout itself only as a user who may not replace it: a faulty build run as root would break the
# machine's /dev/stdout (root's case is the private link to /proc/self/fd/1).
STDOUT_NAMES = [(user, target) for user in USERS for target in ("-", "/dev/stdout", "/proc/self/fd/1", "link-to-stdout")
                if not (user == "root" and target == "/dev/stdout")]


@pytest.mark.parametrize(("user", "target"), STDOUT_NAMES)
def test_standard_output_by_any_name_is_written_not_replaced(user: str, target: str, shared: Path) -> None:
    """-, /dev/stdout, /proc/self/fd/1 and a link to it: the report comes on stdout, whatever stdout is."""
    if target == "link-to-stdout":
        (shared / target).symlink_to("/proc/self/fd/1")
    # stdout a regular file opened for appending: the report goes after what is there, nothing is renamed.
    log = shared / "log.txt"
    log.write_text("earlier line\n")
    log.chmod(0o666)
    with open(log, "a") as out:
        result = run_as(user, shared, "diagnose", "vm.yaml", "-o", target, stdout=out.fileno())
    assert result.returncode == 1, result.stderr
    text = log.read_text()
    assert text.startswith("earlier line\n") and "CONFIRMED (B)" in text
    if target == "link-to-stdout":
        assert (shared / target).is_symlink()
    # ...and stdout a pipe.
    result = run_as(user, shared, "diagnose", "vm.yaml", "-o", target)
    assert result.returncode == 1, result.stderr
    assert "CONFIRMED (B)" in result.stdout


@pytest.mark.parametrize("user", USERS)
def test_rewriting_a_report_keeps_its_mode(user: str, shared: Path) -> None:
    report = shared / "report.txt"
    report.write_text("old\n")
    report.chmod(0o600)
    if user == "nobody":
        os.chown(report, NOBODY, NOBODY)
    result = run_as(user, shared, "diagnose", "vm.yaml", "-o", str(report))
    assert result.returncode == 1, result.stderr
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert "CONFIRMED (B)" in report.read_text()


def test_root_rewriting_another_users_report_keeps_its_owner(shared: Path) -> None:
    report = shared / "report.txt"
    report.write_text("old\n")
    if os.geteuid() == 0:
        os.chown(report, NOBODY, NOBODY)
    owner = report.stat().st_uid
    result = run_as(USERS[0], shared, "diagnose", "vm.yaml", "-o", str(report))
    assert result.returncode == 1, result.stderr
    assert report.stat().st_uid == owner


@pytest.mark.parametrize("user", USERS)
def test_report_and_diagram_are_written_both_or_neither(user: str, shared: Path) -> None:
    """A diagram that cannot be written: the report is not written either (exit 2)."""
    blocked = shared / "blocked"
    blocked.write_text("a file, where a folder is needed\n")
    for diagram in ("blocked/x.txt", "blocked/x.dot"):
        result = run_as(user, shared, "diagnose", "vm.yaml", "-o", "out.txt", "--diagram", diagram)
        assert result.returncode == 2, result.stderr
        assert "blocked/x." in result.stderr
        assert not (shared / "out.txt").exists()
    if user == "nobody":
        readonly = shared / "readonly"
        readonly.mkdir(mode=0o555)
        readonly.chmod(0o555)
        result = run_as(user, shared, "diagnose", "vm.yaml", "-o", "out.txt", "--diagram", "readonly/x.dot")
        assert result.returncode == 2, result.stderr
        assert not (shared / "out.txt").exists()


@pytest.mark.parametrize("garbage", ["not an image at all\n", ""])
def test_a_dot_that_prints_garbage_is_not_saved(garbage: str, shared: Path) -> None:
    """dot exits 0 but prints something that is not SVG: exit 3, neither file written."""
    fake = shared / "bin"
    fake.mkdir()
    (fake / "dot").write_text(f"#!/bin/sh\ncat >/dev/null\nprintf '{garbage}'\nexit 0\n")
    (fake / "dot").chmod(0o755)
    env = {"PATH": f"{fake}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = run_as(USERS[0], shared, "diagnose", "vm.yaml", "-o", "out.txt", "--diagram", "x.svg", env=env)
    assert result.returncode == 3, result.stderr
    assert "dot" in result.stderr
    assert not (shared / "x.svg").exists() and not (shared / "out.txt").exists()


def test_diagram_as_text_outline(shared: Path) -> None:
    """--diagram x.txt, as the README lists: the tree's outline with each cause's status and each answer."""
    result = run_as(USERS[0], shared, "diagnose", "vm.yaml", "--diagram", "x.txt", "--lang", "en")
    assert result.returncode == 1, result.stderr
    outline = " ".join((shared / "x.txt").read_text(encoding="utf-8").split())
    assert "ubuntu-web-01" in outline
    assert "GuestAgentSnapshotTaskStatusError" in outline
    assert "[confirmed]" in outline and "[not applicable]" in outline
    assert "Is the agent status Not Ready? [yes]" in outline
