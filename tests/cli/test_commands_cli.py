"""Every command of the installed console script: help with an example and exit codes, and the commands
other test files drive in-process (diagrams, lint, --version) run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from kb_engine import __version__
from kb_engine.cli.main import cli

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([KB_ENGINE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


LEAF_COMMANDS = _commands(cli)


def test_every_command_is_reachable() -> None:
    """The console script offers every feature: diagnose, consult, diagrams, facts, collect, kb, lint, schema, serve."""
    assert {path[0] for path in LEAF_COMMANDS} == {
        "collect", "consult", "diagnose", "diagrams", "facts", "kb", "lint", "schema", "serve",
    }


@pytest.mark.parametrize("path", LEAF_COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example_and_its_exit_codes(path: tuple[str, ...]) -> None:
    """`kb-engine CMD --help` exits 0 on stdout, shows an example of the command and lists its exit codes."""
    result = run(*path, "--help")
    assert result.returncode == 0 and result.stderr == ""
    assert "Example" in result.stdout
    assert f"kb-engine {' '.join(path)}" in result.stdout
    assert "Exit codes:" in result.stdout and "  0 " in result.stdout


def test_version_is_the_installed_package_version() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout.splitlines()[0]) == (0, f"kb-engine {__version__}")


def test_an_unknown_command_is_a_usage_error_exit_2() -> None:
    result = run("diagnos")
    assert result.returncode == 2 and result.stdout == ""
    assert "No such command 'diagnos'" in result.stderr and "diagnose" in result.stderr


def test_diagrams_check_passes_on_the_committed_folder() -> None:
    """The committed diagrams/ is what the knowledge base draws today."""
    result = run("diagrams", "--check", "-o", str(REPO / "diagrams"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_diagrams_writes_text_twins_and_prints_their_paths(tmp_path: Path) -> None:
    """Paths on stdout (one per line), the summary on stderr; every path printed exists."""
    result = run("diagrams", "--edition", "2019-07", "--lang", "ja", "--type", "txt", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert paths and all(path.is_file() for path in paths)
    tree = tmp_path / "2019-07" / "ja" / "tree-UserErrorGuestAgentStatusUnavailable.txt"
    assert tree in paths and "エラー コード" in tree.read_text(encoding="utf-8")
    assert "wrote" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("diagrams", "--edition", "2020-01"), "2020-01"),
        (("diagrams", "--type", "jpeg"), "jpeg"),
        (("diagnose", "--edition", "2020-01", "-"), "2020-01"),
        (("kb", "show", "UserErrorGuestAgentStatusUnavailabel"), "UserErrorGuestAgentStatusUnavailable"),
        (("consult", "NoSuchCode", "--format", "json"), "NoSuchCode"),
        (("lint", "--kb", "/nonexistent/kb"), "/nonexistent/kb"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value),
)
def test_bad_arguments_get_one_clear_message_and_no_traceback(args: tuple[str, ...], says: str) -> None:
    """A wrong edition, format, code or path: exit 2, the value named on stderr, nothing on stdout."""
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert says in result.stderr and "Traceback" not in result.stderr


def test_lint_of_the_shipped_knowledge_base_is_clean() -> None:
    result = run("lint")
    assert (result.returncode, result.stdout) == (0, "")
    assert "clean" in result.stderr
