"""`kb-engine lint` and `kb-engine kb list|show|handbook`, run as a user runs them (the installed console script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kb_engine

CONSOLE_SCRIPT = Path(sys.executable).parent / "kb-engine"
SHIPPED = Path(kb_engine.__file__).parent / "knowledge" / "data"
COMMITTED = Path(__file__).resolve().parents[2] / "diagrams" / "handbook"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONSOLE_SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120)


def _broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(SHIPPED, target)
    text = (target / file).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (target / file).write_text(text.replace(old, new), encoding="utf-8")
    return target


def test_lint_on_the_shipped_knowledge_base_exits_0() -> None:
    """`kb-engine lint` prints no finding, says the knowledge base is clean on stderr and exits 0."""
    result = run("lint")
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr
    assert "clean" in result.stderr


def test_lint_on_a_kb_with_an_unreachable_cause_exits_1(tmp_path: Path) -> None:
    """`kb-engine lint --kb DIR` prints each finding on stdout, a summary on stderr, and exits 1."""
    path = _broken(tmp_path, "codes.yaml", "causes: [rp_group_locked, several_backups_a_day]", "causes: [rp_group_locked]")
    result = run("lint", "--kb", path)
    assert result.returncode == 1, result.stderr
    assert "unreachable-cause [2019-12] cause several_backups_a_day: no error code of the edition leads to this cause" in result.stdout.splitlines()
    assert result.stderr.startswith("lint: ")
    assert "unreachable-cause" in result.stderr


def test_lint_json_is_a_sorted_list_of_findings(tmp_path: Path) -> None:
    """`kb-engine lint --format json` prints a list of {check, edition, where, message} with sorted keys."""
    path = _broken(tmp_path, "codes.yaml", "causes: [rp_group_locked, several_backups_a_day]", "causes: [rp_group_locked]")
    result = run("lint", "--kb", path, "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert {"check": "unreachable-cause", "edition": "2019-07", "where": "cause several_backups_a_day",
            "message": "no error code of the edition leads to this cause"} in data
    assert result.stdout == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def test_lint_on_a_kb_that_does_not_load_exits_4(tmp_path: Path) -> None:
    """A knowledge base with invalid YAML gives `load` findings on stdout, no traceback, and exit 4."""
    path = _broken(tmp_path, "codes.yaml", "    causes: [backup_in_progress]", "    causes: [backup_in_progress")
    result = run("lint", "--kb", path)
    assert result.returncode == 4
    assert result.stdout.startswith("load [all editions] codes.yaml: line ")
    assert "Traceback" not in result.stderr


def test_kb_list_2019_07_lists_its_codes_then_causes() -> None:
    """`kb-engine kb list --edition 2019-07` shows the 2019-07 spelling, cause counts, then the causes by letter."""
    result = run("kb", "list", "--edition", "2019-07")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ExtentionOperationFailedForManagedDisks" in out
    assert "UserErrorVmProvisioningStateFailed" not in out
    assert "agent_config_options" not in out
    assert out.index("Error codes (9):") < out.index("Causes (12):")
    (line,) = [ln for ln in out.splitlines() if ln.strip().startswith("UserErrorGuestAgentStatusUnavailable")]
    assert "5 causes" in line and "VM agent unable to communicate with Azure Backup" in line
    assert any(ln.split()[:2] == ["E1", "shutdown_over_rdp"] for ln in out.splitlines())


def test_kb_list_json_is_deterministic() -> None:
    """`kb-engine kb list --format json` prints the same sorted JSON every time, with Japanese as is."""
    first = run("kb", "list", "--format", "json", "--lang", "ja", "--edition", "2019-12")
    second = run("kb", "list", "--format", "json", "--lang", "ja", "--edition", "2019-12")
    assert first.returncode == 0 and first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert first.stdout == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert data["edition"] == "2019-12"
    assert [c["cause_count"] for c in data["codes"]][:2] == [3, 5]
    assert "エージェント" in first.stdout


def test_kb_list_markdown_is_a_table() -> None:
    """`kb-engine kb list --format markdown` gives tables of codes and causes."""
    result = run("kb", "list", "--format", "markdown")
    assert result.returncode == 0
    assert "| `UserErrorGuestAgentStatusUnavailable` | VM agent unable to communicate with Azure Backup | 3 |" in result.stdout


def test_kb_show_accepts_the_old_spelling_in_2019_12_in_japanese() -> None:
    """`kb show ExtentionOperationFailedForManagedDisks --edition 2019-12 --lang ja` shows the renamed entry in Japanese."""
    result = run("kb", "show", "ExtentionOperationFailedForManagedDisks", "--edition", "2019-12", "--lang", "ja")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ExtensionOperationFailedForManagedDisks (版 2019-12)"
    assert "- 別の綴り: `ExtentionOperationFailedForManagedDisks`" in lines
    assert "- メッセージ: VMSnapshot 拡張機能の操作に失敗した" in lines
    assert any(ln.startswith("1. E ") for ln in lines)


def test_kb_show_cause_by_letter() -> None:
    """`kb-engine kb show B` shows the Linux agent cause with its start commands and logs."""
    result = run("kb", "show", "B", "--edition", "2019-12")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("B. The VM agent is out of date, stopped or missing (Linux) (edition 2019-12)\n")
    assert "   - Ubuntu: `service walinuxagent start`" in out
    assert "   - other distributions: `service waagent start`" in out
    assert "- `/var/log/waagent.log`" in out


def test_kb_show_today_restarts_the_linux_agent_with_systemctl() -> None:
    """Today's article (the default edition) restarts the agent with systemctl instead of `service ... start`."""
    out = run("kb", "show", "B").stdout
    assert out.startswith("B. The VM agent is out of date, stopped or missing (Linux) (edition 2025-11)\n")
    assert "   - Ubuntu, Debian: `sudo systemctl restart walinuxagent`" in out
    assert "   - other distributions: `sudo systemctl restart waagent`" in out
    assert "service waagent start" not in out


def test_kb_show_markdown_and_json() -> None:
    """`kb show J --format markdown` is a Markdown section; `--format json` gives the cause's data."""
    markdown = run("kb", "show", "J", "--format", "markdown")
    assert markdown.stdout.startswith("# J. Another backup job is in progress (edition 2025-11)\n")
    data = json.loads(run("kb", "show", "backup_in_progress", "--format", "json").stdout)
    assert (data["kind"], data["id"], data["ref"]) == ("cause", "backup_in_progress", "J")
    assert any(s["command"] == "Stop-AzRecoveryServicesBackupJob" for s in data["steps"])


def test_kb_show_finding_and_procedure() -> None:
    """`kb show finding:rp_group_locked` shows the finding (the cause shares its id); `kb show K` the procedure."""
    finding = json.loads(run("kb", "show", "finding:rp_group_locked", "--format", "json").stdout)
    assert finding["kind"] == "finding"
    assert finding["when"] == {"fact": "backup.restore_point_group.locked", "eq": True}
    cause = json.loads(run("kb", "show", "rp_group_locked", "--format", "json").stdout)
    assert cause["kind"] == "cause"
    procedure = run("kb", "show", "K", "--edition", "2019-07")
    assert procedure.returncode == 0
    assert "ad-hoc backup" in procedure.stdout


def test_kb_show_unknown_code_exits_2_with_a_suggestion() -> None:
    """A misspelt code exits 2 and suggests the right one."""
    result = run("kb", "show", "UserErrorGuestAgentStatusUnavalable")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown error code 'UserErrorGuestAgentStatusUnavalable'" in result.stderr
    assert "did you mean UserErrorGuestAgentStatusUnavailable?" in result.stderr


def test_kb_show_unknown_name_exits_2_with_a_suggestion() -> None:
    """A misspelt cause id exits 2 and suggests close names."""
    result = run("kb", "show", "agent_outdatd_linux")
    assert result.returncode == 2
    assert "did you mean agent_outdated_linux" in result.stderr


def test_kb_show_cause_of_another_edition_exits_2_naming_it() -> None:
    """`kb show D --edition 2019-07` exits 2 and says cause D is in 2019-12."""
    result = run("kb", "show", "D", "--edition", "2019-07")
    assert result.returncode == 2
    assert "it is in edition 2019-12" in result.stderr


@pytest.mark.parametrize("command", [("kb", "list"), ("kb", "show", "A"), ("kb", "handbook")])
def test_unknown_edition_exits_2(command: tuple[str, ...], tmp_path: Path) -> None:
    """`--edition 2020-01` exits 2 and names the editions there are."""
    result = run(*command, "--edition", "2020-01", *(("-o", tmp_path) if "handbook" in command else ()))
    assert result.returncode == 2
    assert "unknown edition '2020-01'" in result.stderr
    assert "2019-07, 2019-12" in result.stderr


def test_kb_list_on_a_broken_kb_exits_4(tmp_path: Path) -> None:
    """`kb list --kb DIR` on a knowledge base that does not load exits 4 and names the file."""
    path = _broken(tmp_path, "codes.yaml", "causes: [keyvault_permissions]", "causes: [keyvault_permission]")
    result = run("kb", "list", "--kb", path)
    assert result.returncode == 4
    assert "codes.yaml: codes[4].causes[0]: unknown cause id 'keyvault_permission'" in result.stderr


def test_kb_handbook_writes_every_edition_and_language(tmp_path: Path) -> None:
    """`kb handbook -o DIR` writes the four handbooks, identical to the committed ones, and names them."""
    result = run("kb", "handbook", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"handbook-{e}-{lang}.md" for e in ("2019-07", "2019-12", "2025-11") for lang in ("en", "ja")]
    assert result.stdout.splitlines() == [str(tmp_path / "out" / n) for n in names]
    for name in names:
        assert (tmp_path / "out" / name).read_text(encoding="utf-8") == (COMMITTED / name).read_text(encoding="utf-8")


def test_kb_handbook_one_edition_one_language(tmp_path: Path) -> None:
    """`kb handbook --edition 2019-07 --lang ja` writes only handbook-2019-07-ja.md."""
    result = run("kb", "handbook", "--edition", "2019-07", "--lang", "ja", "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["handbook-2019-07-ja.md"]


@pytest.mark.parametrize(
    "command", [("lint",), ("kb",), ("kb", "list"), ("kb", "show"), ("kb", "handbook")]
)
def test_every_command_help_has_an_example(command: tuple[str, ...]) -> None:
    """Each command's --help shows at least one example command line."""
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Example" in result.stdout
    assert "kb-engine " + " ".join(command) in result.stdout


def test_kb_show_says_when_a_finding_cannot_be_judged() -> None:
    """`kb show finding:agent_not_ready` gives the power-state guard, in JSON and in text."""
    data = json.loads(run("kb", "show", "finding:agent_not_ready", "--format", "json").stdout)
    assert data["unknown_when"] == {"fact": "vm.power_state", "ne": "running"}
    assert "Unknown while: `vm.power_state ≠ running`" in run("kb", "show", "finding:agent_not_ready").stdout
    assert json.loads(run("kb", "show", "finding:rp_group_locked", "--format", "json").stdout)["unknown_when"] is None
