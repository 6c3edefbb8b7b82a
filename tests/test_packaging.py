"""What a user sees of the installed package: a quiet import, the commands, the type information."""

from __future__ import annotations

import importlib.resources
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kb_engine

CONSOLE_SCRIPT = Path(sys.executable).parent / "kb-engine"

# Run in a fresh interpreter: records the standard library's state, imports the
# module under test, and prints OK or what changed.
_SIDE_EFFECT_PROBE = textwrap.dedent(
    """
    import collections, importlib, logging, sys
    root = logging.getLogger()
    attrs_before = set(vars(collections))
    handlers_before, level_before = list(root.handlers), root.level
    importlib.import_module(sys.argv[1])
    problems = []
    if hasattr(collections, "Mapping"):
        problems.append("collections.Mapping exists")
    if set(vars(collections)) != attrs_before:
        problems.append(f"collections attributes changed: {set(vars(collections)) ^ attrs_before}")
    if root.handlers != handlers_before:
        problems.append(f"root logger handlers changed: {handlers_before} -> {root.handlers}")
    if root.level != level_before:
        problems.append(f"root logger level changed: {level_before} -> {root.level}")
    print("; ".join(problems) or "OK")
    """
)


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)


# kb_engine.engine._experta is where experta gets imported, i.e. where the side effects would come from.
@pytest.mark.parametrize("module", ["kb_engine", "kb_engine.engine._experta"])
def test_import_leaves_collections_and_root_logger_as_found(module: str) -> None:
    """Importing kb_engine changes neither the collections module nor the host's root logger."""
    result = _run(sys.executable, "-c", _SIDE_EFFECT_PROBE, module)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_import_is_silent_even_with_warnings_as_errors() -> None:
    """`python -W error -c "import kb_engine"` succeeds and prints nothing."""
    result = _run(sys.executable, "-W", "error", "-c", "import kb_engine")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "command",
    [pytest.param([CONSOLE_SCRIPT], id="kb-engine"), pytest.param([sys.executable, "-m", "kb_engine"], id="python-m")],
)
def test_version_option_prints_the_package_version(command: list[str | Path]) -> None:
    """`kb-engine --version` and `python -m kb_engine --version` print the installed version."""
    result = _run(*command, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"kb-engine {kb_engine.__version__}"


def test_help_lists_the_exit_codes() -> None:
    """`kb-engine --help` explains every exit code."""
    result = _run(CONSOLE_SCRIPT, "--help")
    assert result.returncode == 0, result.stderr
    assert "Exit codes:" in result.stdout
    for code, meaning in [
        ("0", "no problem found"),
        ("1", "problems found"),
        ("2", "bad usage or input"),
        ("3", "a needed system tool is missing"),
        ("4", "the knowledge base is invalid"),
        ("70", "internal error (rerun with --debug)"),
    ]:
        assert re.search(rf"^\s*{code}\s+{re.escape(meaning)}", result.stdout, re.MULTILINE), f"exit code {code}"


def test_package_ships_type_information() -> None:
    """The installed package carries a py.typed marker, so type checkers use its annotations."""
    assert (importlib.resources.files("kb_engine") / "py.typed").is_file()
