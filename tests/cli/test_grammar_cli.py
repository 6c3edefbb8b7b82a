"""One command-line grammar: -o/--output, --format, --kb and the global options mean the same in every command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pexpect
import pytest

import kb_engine
from kb_engine.cli.main import cli
from kb_engine.knowledge.load import default_kb

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "facts" / "linux-agent-outdated.yaml"
SHIPPED_KB = Path(kb_engine.__file__).parent / "knowledge" / "data"


def run(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    return subprocess.run(
        [KB_ENGINE, *map(str, args)], input=stdin, capture_output=True, text=True, env={**base, **(env or {})},
        cwd=cwd, timeout=300,
    )


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _leaves(command, (*prefix, name))
        else:
            found.append(((*prefix, name), command))
    return found


LEAVES = _leaves(cli)


def _opts(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", ())}


def _help(*path: str) -> str:
    result = run(*path, "--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A modified knowledge base: another version number, and cause B renamed."""
    target = tmp_path / "kb"
    shutil.copytree(SHIPPED_KB, target)
    editions = target / "editions.yaml"
    editions.write_text(re.sub(r'kb_version: "[^"]+"', 'kb_version: "2099.1.1"', editions.read_text(encoding="utf-8")), encoding="utf-8")
    causes = target / "causes.yaml"
    text = causes.read_text(encoding="utf-8")
    assert text.count("The VM agent is out of date, stopped or missing (Linux)") == 1
    causes.write_text(text.replace("The VM agent is out of date, stopped or missing (Linux)", "Renamed outdated agent cause"), encoding="utf-8")
    return target


# ---------------------------------------------------------------------------
# -o/--output


@pytest.mark.parametrize(
    ("path", "old"),
    [(("diagnose",), None), (("facts", "from-azure"), None), (("collect",), None),
     (("diagrams",), "--out"), (("kb", "handbook"), "--out"), (("consult",), "--save")],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_every_command_that_writes_a_file_takes_dash_o_output(path: tuple[str, ...], old: str | None) -> None:
    """-o/--output is in every writing command's help; an older spelling still works but is not shown."""
    command = dict(LEAVES)[path]
    assert {"-o", "--output"} <= _opts(command)
    text = _help(*path)
    assert re.search(r"^\s+-o, --output ", text, re.MULTILINE), text
    if old is not None:
        assert old in _opts(command)
        assert not re.search(rf"{old}\b", text)


def test_old_output_spellings_still_write(tmp_path: Path) -> None:
    """Scripts written with diagrams --out and kb handbook --out keep working."""
    diagrams = run("diagrams", "--edition", "2019-07", "--lang", "en", "-t", "txt", "--out", tmp_path / "d", "-q")
    assert diagrams.returncode == 0, diagrams.stderr
    assert (tmp_path / "d" / "2019-07" / "en" / "tree-BackUpOperationFailed.txt").is_file()
    handbook = run("kb", "handbook", "--edition", "2019-07", "--lang", "en", "--out", tmp_path / "h")
    assert handbook.returncode == 0 and (tmp_path / "h" / "handbook-2019-07-en.md").is_file()


def test_an_output_named_like_a_format_is_warned_about_and_still_written(tmp_path: Path) -> None:
    """`-o json` (what az users type for a format) writes a file named json, and says so on stderr."""
    result = run("diagnose", EXAMPLE, "-o", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "warning" in result.stderr and "'json'" in result.stderr and "--format json" in result.stderr
    assert (tmp_path / "json").read_text(encoding="utf-8").startswith("Diagnosis: ubuntu-web-01")
    plain = run("diagnose", EXAMPLE, "-o", "report.json", cwd=tmp_path)
    assert "warning" not in plain.stderr
    folder = run("diagrams", "-o", "svg", "-t", "txt", "--edition", "2019-07", "--lang", "en", "-q", cwd=tmp_path)
    assert folder.returncode == 0 and "folder named 'svg'" in folder.stderr and "--type svg" in folder.stderr


@pytest.mark.parametrize(
    ("args", "says", "never"),
    [
        (["diagnose", str(EXAMPLE), "-o", "md"], "use --format markdown", None),
        (["diagnose", str(EXAMPLE), "-o", "yaml"], "is that the file you meant?", "--format"),
        (["diagnose", str(EXAMPLE), "-o", "out.txt", "--summary", "json"], "--summary names where to write", "-o/--output"),
        (["diagnose", str(EXAMPLE), "-o", "out.txt", "--summary", "json"], "use --summary-format json", "use --format"),
        (["kb", "handbook", "--edition", "2019-07", "--lang", "en", "-o", "md"], "is that the folder you meant?", "--format"),
        (["consult", "GuestAgentSnapshotTaskStatusError", "--format", "json", "-o", "json"], "is that the file you meant?", "use --format"),
        (["diagrams", "-t", "txt", "--edition", "2019-07", "--lang", "en", "-o", "txt"], "use --type txt", "--format"),
    ],
    ids=["format-alias", "not-a-choice", "summary-named", "summary-format", "no-chooser", "consult-saves-facts", "diagrams-type"],
)
def test_the_format_name_warning_names_the_option_that_chooses_what_is_written(
    args: list[str], says: str, never: str | None, tmp_path: Path
) -> None:
    """The warning suggests only an option and value that exist for what that path receives."""
    result = run(*args, "-q", cwd=tmp_path)
    assert result.returncode in (0, 1, 5), result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "warning" in line]
    assert says in warning
    if never is not None:
        assert never not in warning


# ---------------------------------------------------------------------------
# --format is a report style; diagrams' file types are --type


def test_diagrams_file_types_are_type_not_format(tmp_path: Path) -> None:
    """diagrams shows -t/--type (repeatable, comma-separated), no --format; the old --format works with a warning."""
    text = _help("diagrams")
    assert "-t, --type" in text and "--format" not in text
    result = run("diagrams", "--edition", "2019-12", "--lang", "ja", "-t", "txt,mmd", "--type", "txt", "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    written = {Path(line).suffix for line in result.stdout.splitlines()}
    assert written == {".txt", ".mmd", ".md"}
    legacy = run("diagrams", "--edition", "2019-12", "--lang", "ja", "--format", "txt", "-o", tmp_path / "old")
    assert legacy.returncode == 0 and "--type" in legacy.stderr and "warning" in legacy.stderr
    bad = run("diagrams", "-t", "svg,jpeg")
    assert bad.returncode == 2 and "jpeg" in bad.stderr and "graphml" in bad.stderr


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_format_always_names_a_report_style(path: tuple[str, ...], command: click.Command) -> None:
    """Where --format exists it picks one style of what the command prints, never a repeatable file type."""
    for param in command.params:
        if "--format" in getattr(param, "opts", ()) and not getattr(param, "hidden", False):
            assert isinstance(param, click.Option) and not param.multiple, path
            assert isinstance(param.type, click.Choice), path


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_edition_help_names_every_shipped_edition_and_the_default(path: tuple[str, ...], command: click.Command) -> None:
    """--edition's help lists the editions there are (today's included) and which one is used without it."""
    ids = default_kb().edition_ids
    for param in command.params:
        if "--edition" in getattr(param, "opts", ()):
            record = param.get_help_record(click.Context(command))
            assert record is not None
            help_text = record[1]
            if "default: every edition" in help_text:
                continue
            assert all(edition in help_text for edition in ids), (path, help_text)
            assert f"the newest, {ids[-1]}" in help_text, (path, help_text)


# ---------------------------------------------------------------------------
# --kb


@pytest.mark.parametrize("path", [("diagnose",), ("diagrams",), ("consult",), ("lint",), ("kb", "list"), ("kb", "show"), ("kb", "handbook")], ids=" ".join)
def test_every_command_that_reads_knowledge_takes_kb(path: tuple[str, ...]) -> None:
    assert "--kb" in _opts(dict(LEAVES)[path])


def test_diagnose_and_diagrams_use_a_modified_knowledge_base(kb_copy: Path, tmp_path: Path) -> None:
    """A copy of the knowledge base that lints clean is what diagnose and diagrams read with --kb."""
    assert run("lint", "--kb", kb_copy).returncode == 0
    report = run("diagnose", EXAMPLE, "--kb", kb_copy)
    assert report.returncode == 1, report.stderr
    assert "knowledge base 2099.1.1" in report.stdout and "Renamed outdated agent cause" in report.stdout
    drawn = run("diagrams", "--kb", kb_copy, "--edition", "2019-12", "--lang", "en", "-t", "txt", "-o", tmp_path / "d")
    assert drawn.returncode == 0, drawn.stderr
    tree = (tmp_path / "d" / "2019-12" / "en" / "tree-GuestAgentSnapshotTaskStatusError.txt").read_text(encoding="utf-8")
    assert "Renamed outdated agent cause" in tree
    broken = kb_copy / "causes.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\n- : [\n", encoding="utf-8")
    assert run("diagnose", EXAMPLE, "--kb", kb_copy).returncode == 4
    assert run("diagrams", "--kb", kb_copy, "-o", tmp_path / "x").returncode == 4


# ---------------------------------------------------------------------------
# Global options: anywhere on the line


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_accepts_the_global_options(path: tuple[str, ...], command: click.Command) -> None:
    assert {"--debug", "-q", "--quiet", "--color"} <= _opts(command), path


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_works_before_or_after_the_command(where: str, tmp_path: Path) -> None:
    """`kb-engine -q diagrams ...` and `kb-engine diagrams ... -q` print nothing at all; the files are written."""
    args = ["diagrams", "--edition", "2019-07", "--lang", "en", "-t", "txt", "-o", str(tmp_path)]
    result = run(*(["-q", *args] if where == "before" else [*args, "--quiet"]))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "README.md").is_file()


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always", "diagnose", str(EXAMPLE)], {}, True),
        (["diagnose", str(EXAMPLE), "--color=always"], {"NO_COLOR": "1"}, True),
        (["diagnose", str(EXAMPLE)], {"FORCE_COLOR": "1"}, True),
        (["diagnose", str(EXAMPLE)], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["diagnose", str(EXAMPLE), "--color", "never"], {"FORCE_COLOR": "1"}, False),
        (["diagnose", str(EXAMPLE)], {}, False),
    ],
    ids=["always-before", "always-beats-NO_COLOR", "FORCE_COLOR", "NO_COLOR-beats-FORCE_COLOR", "never", "pipe"],
)
def test_colour_follows_color_then_the_environment(args: list[str], env: dict[str, str], coloured: bool) -> None:
    """--color always|never wins; then NO_COLOR, then FORCE_COLOR; a pipe is plain by default."""
    result = run(*args, env=env)
    assert result.returncode == 1, result.stderr
    assert ("\x1b[" in result.stdout) is coloured


def test_an_unknown_color_is_a_usage_error() -> None:
    result = run("diagnose", str(EXAMPLE), "--color", "sometimes")
    assert result.returncode == 2 and "auto" in result.stderr and "never" in result.stderr


def test_debug_after_the_command_shows_the_traceback() -> None:
    """--debug typed after the subcommand shows the traceback of an error, as before it."""
    for args in (["--debug", "diagnose", str(EXAMPLE), "--edition", "2020-01"], ["diagnose", str(EXAMPLE), "--edition", "2020-01", "--debug"]):
        result = run(*args)
        assert result.returncode == 2 and "Traceback" in result.stderr and "unknown edition '2020-01'" in result.stderr
    assert "Traceback" not in run("diagnose", str(EXAMPLE), "--edition", "2020-01").stderr


# ---------------------------------------------------------------------------
# --version, completion, standard input on a terminal


def test_version_names_the_knowledge_base_and_its_editions() -> None:
    result = run("--version")
    kb = kb_engine.default_kb()
    assert result.returncode == 0
    first, second = result.stdout.splitlines()
    assert first == f"kb-engine {kb_engine.__version__}"
    assert kb.kb_version in second and all(e in second for e in kb.edition_ids)


def test_shell_completion_works_as_the_readme_says() -> None:
    """The README's completion line gives a bash script, and completing `kb-engine diag` offers both commands."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert '_KB_ENGINE_COMPLETE=bash_source kb-engine' in readme
    script = run(env={"_KB_ENGINE_COMPLETE": "bash_source"})
    assert script.returncode == 0 and "complete " in script.stdout and "kb-engine" in script.stdout
    offered = run(env={"_KB_ENGINE_COMPLETE": "bash_complete", "COMP_WORDS": "kb-engine diag", "COMP_CWORD": "1"})
    assert {"plain,diagnose", "plain,diagrams"} <= set(offered.stdout.splitlines())
    options = run(env={"_KB_ENGINE_COMPLETE": "bash_complete", "COMP_WORDS": "kb-engine diagrams --ty", "COMP_CWORD": "2"})
    assert "plain,--type" in options.stdout.splitlines()


def test_diagnose_dash_on_a_terminal_says_it_reads_standard_input() -> None:
    """`kb-engine diagnose -` typed at a terminal says what it waits for, then diagnoses what is typed."""
    child = pexpect.spawn(KB_ENGINE, ["diagnose", "-"], env={**os.environ, "NO_COLOR": "1"}, encoding="utf-8", timeout=60)
    child.expect("reading facts from standard input")
    child.sendline("vm: {os: linux, distro: ubuntu}")
    child.sendline("agent: {status: not_ready, version: 2.2.9, latest_version: 2.2.10}")
    child.sendline("backup: {policy_type: standard}")
    child.sendeof()
    child.expect("CONFIRMED")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    piped = run("diagnose", "-", stdin="vm: {os: linux}\n")
    assert piped.returncode in (0, 1, 5) and "reading facts" not in piped.stderr


# ---------------------------------------------------------------------------
# On a terminal (a pseudo-terminal: stdin, stdout and stderr all a tty)


def on_terminal(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str]:
    """Run kb-engine on a pseudo-terminal; its exit status and everything it showed there."""
    base = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    child = pexpect.spawn(KB_ENGINE, [str(a) for a in args], env={**base, "TERM": "xterm", **(env or {})},
                          cwd=cwd, encoding="utf-8", timeout=120, dimensions=(40, 120))
    shown = child.read()
    child.close()
    assert child.exitstatus is not None, shown
    return child.exitstatus, shown


@pytest.mark.parametrize(
    ("extra", "env", "coloured"),
    [([], {}, True), ([], {"NO_COLOR": "1"}, False), (["--color", "never"], {}, False), (["-q", "--color=never"], {}, False)],
    ids=["auto", "NO_COLOR", "never", "never-after-quiet"],
)
def test_a_terminal_gets_colour_unless_told_otherwise(extra: list[str], env: dict[str, str], coloured: bool) -> None:
    """--color auto colours reports and error labels on a terminal; NO_COLOR and --color never keep it plain."""
    status, shown = on_terminal("diagnose", EXAMPLE, *extra, env=env)
    assert status == 1 and "Diagnosis: ubuntu-web-01" in shown
    assert ("\x1b[" in shown) is coloured
    status, shown = on_terminal("diagnose", EXAMPLE, "--edition", "1999-01", *extra, env=env)
    assert status == 2 and "unknown edition '1999-01'" in shown
    assert ("\x1b[31m" in shown.split("unknown edition")[0]) is coloured  # the red "error:" label


def test_a_terminal_sees_progress_and_a_summary_unless_quiet(tmp_path: Path) -> None:
    """Writing a batch to a file from a terminal shows progress and a summary; -q (anywhere) shows nothing."""
    inputs = [EXAMPLE, REPO / "facts" / "healthy-linux-vm.yaml"]
    status, shown = on_terminal("diagnose", *inputs, "--format", "rows", "-o", tmp_path / "rows.jsonl")
    assert status == 1
    assert "diagnosing" in shown and "2 VMs diagnosed" in shown and "verdicts:" in shown
    for quiet in (["-q", "diagnose", *inputs], ["diagnose", *inputs, "--quiet"]):
        status, shown = on_terminal(*quiet, "--format", "rows", "-o", tmp_path / "quiet.jsonl")
        assert (status, shown) == (1, "")
    assert (tmp_path / "quiet.jsonl").read_text(encoding="utf-8") == (tmp_path / "rows.jsonl").read_text(encoding="utf-8")


def test_diagrams_on_a_terminal_lists_its_files_unless_quiet(tmp_path: Path) -> None:
    args = ["diagrams", "--edition", "2019-07", "--lang", "en", "-t", "txt"]
    status, shown = on_terminal(*args, "-o", tmp_path / "loud")
    assert status == 0 and "tree-BackUpOperationFailed.txt" in shown and "wrote " in shown
    status, shown = on_terminal(*args, "-o", tmp_path / "quiet", "-q")
    assert (status, shown) == (0, "")
    assert (tmp_path / "quiet" / "2019-07" / "en" / "tree-BackUpOperationFailed.txt").is_file()
