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
    """`kb-engine --version` and `python -m kb_engine --version` print the installed version first."""
    result = _run(*command, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"kb-engine {kb_engine.__version__}"


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


REPO = Path(__file__).resolve().parents[1]


def _readme_python_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel a user installs, built from this tree."""
    out = tmp_path_factory.mktemp("wheel")
    result = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, REPO)
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("kb_engine-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_ships_the_licence_the_notice_and_the_data(wheel: Path) -> None:
    """The wheel carries LICENSE and NOTICE (crediting the article), py.typed, the knowledge files and schemas."""
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    notice = next(n for n in names if n.endswith(".dist-info/licenses/NOTICE"))
    text = zipfile.ZipFile(wheel).read(notice).decode("utf-8")
    assert "Troubleshoot Azure Backup failure" in text and "Creative Commons Attribution 4.0" in text
    for needed in ("kb_engine/py.typed", "kb_engine/knowledge/data/causes.yaml", "kb_engine/schemas/report.schema.json"):
        assert needed in names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata


@pytest.mark.slow
def test_the_readme_examples_pass_a_consumers_strict_type_check(wheel: Path, tmp_path: Path) -> None:
    """The README's Python examples, type-checked with mypy --strict against the installed wheel, have no error.

    The wheel goes into a fresh virtualenv (its dependencies are found through a .pth file
    pointing at this environment's site-packages), and mypy runs outside the source tree, so it
    sees the package exactly as a consumer's project does.
    """
    import sysconfig
    import venv

    env = tmp_path / "consumer-venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    assert installed.returncode == 0, installed.stderr
    project = tmp_path / "consumer"
    project.mkdir()
    blocks = _readme_python_blocks()
    assert len(blocks) >= 2, "the README has Python examples"
    files = []
    for i, block in enumerate(blocks):
        path = project / f"example_{i}.py"
        path.write_text("import kb_engine\n\n" + block, encoding="utf-8")
        files.append(path.name)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(python), "--no-incremental", *files],
        capture_output=True, text=True, timeout=300, cwd=project,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    located = subprocess.run(
        [str(python), "-c", "import kb_engine; print(kb_engine.__file__)"], capture_output=True, text=True, cwd=project
    ).stdout
    assert located.startswith(str(site)), f"the consumer venv imports the wheel, not the source tree: {located}"


def test_mypy_finds_the_package_in_the_development_environment(tmp_path: Path) -> None:
    """In the set-up's editable install, a script outside the tree type-checks against kb_engine too."""
    script = tmp_path / "uses_kb_engine.py"
    script.write_text(
        "import kb_engine\n\nreport: kb_engine.Report = kb_engine.diagnose({'vm': {'os': 'linux'}})\n"
        "print(kb_engine.to_markdown(report))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", script.name],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
