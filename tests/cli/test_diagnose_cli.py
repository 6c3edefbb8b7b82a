"""The diagnose and schema commands, run as a user runs them: the installed console script."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pexpect
import pytest

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
REPO = Path(__file__).resolve().parents[2]

LINUX_OUTDATED = """\
name: ubuntu-web-01
vm: {os: linux, distro: ubuntu}
agent: {status: Not Ready, version: 2.2.9, latest_version: 2.2.10}
backup: {policy_type: standard}
observed_error: GuestAgentSnapshotTaskStatusError
"""

HEALTHY_WINDOWS = """\
vm: {os: windows, power_state: running, provisioning_state: succeeded, shutdown_in_guest: false,
     encrypted: false, disks: [{size_gib: 128, encrypted: false}]}
agent: {installed: true, status: ready, service_running: true, version: 2.7.41491.1102,
        latest_version: 2.7.41491.1102, dotnet_version: "4.8"}
extensions: [{name: VMSnapshot, state: succeeded}]
network: {azure_outbound: true, dhcp_enabled: true}
backup: {backups_per_day: 1, job_in_progress: false, old_vault_job_running: false,
         restore_point_group: {name: AzureBackupRG_westeurope_1, locked: false}}
"""


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KB_ENGINE, *args], input=stdin, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120
    )


@pytest.fixture
def outdated(tmp_path: Path) -> Path:
    path = tmp_path / "outdated.yaml"
    path.write_text(LINUX_OUTDATED, encoding="utf-8")
    return path


def test_problems_found_exit_1_and_report_reads_in_order(outdated: Path) -> None:
    """A confirmed cause exits 1; the report shows the code, its causes in order, steps, then unknowns."""
    result = run("diagnose", str(outdated), "--edition", "2019-12")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Observed error: GuestAgentSnapshotTaskStatusError" in out
    positions = [out.index(s) for s in ("(A)", "(B)", "(E)", "(F)", "(D)")]
    assert positions == sorted(positions)
    assert "CONFIRMED (B)" in out
    assert "service walinuxagent start" in out and "service waagent start" not in out
    assert out.index("What to do") < out.index("Still unknown")
    assert "\x1b[" not in out  # not a terminal: no colour


def test_clean_vm_exits_0(tmp_path: Path) -> None:
    """A healthy VM with every needed fact known gets a clean report and exit 0."""
    path = tmp_path / "healthy.yaml"
    path.write_text(HEALTHY_WINDOWS, encoding="utf-8")
    result = run("diagnose", str(path), "--format", "json", "--edition", "2019-12")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "clean"
    assert report["remedies"] == []


def test_json_report_is_deterministic_and_matches_the_published_schema(outdated: Path) -> None:
    """--format json gives the same bytes twice, and validates against kb-engine schema report."""
    first = run("diagnose", str(outdated), "--format", "json").stdout
    second = run("diagnose", str(outdated), "--format", "json").stdout
    assert first == second
    schema = json.loads(run("schema", "report").stdout)
    jsonschema.validate(json.loads(first), schema)


def test_several_files_give_json_lines(outdated: Path, tmp_path: Path) -> None:
    """Several files with --format json give one compact JSON report per line, in order."""
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"name": "second", "vm": {"os": "windows"}}), encoding="utf-8")
    result = run("diagnose", str(outdated), str(other), "--format", "json")
    lines = result.stdout.splitlines()
    assert [json.loads(line)["vm"] for line in lines] == ["ubuntu-web-01", "second"]


def test_the_direct_backend_prints_the_same_reports_and_exit_code() -> None:
    """Every example in facts/, diagnosed in one call, gives byte-identical JSON Lines and the same exit code with
    --backend direct as with forward chaining; an unknown backend is a usage error naming the allowed ones."""
    files = sorted(str(p) for p in (REPO / "facts").glob("*.yaml"))
    chained = run("diagnose", *files, "--format", "json", "--lang", "ja")
    direct = run("diagnose", *files, "--format", "json", "--lang", "ja", "--backend", "direct")
    assert chained.returncode == direct.returncode == 1, chained.stderr + direct.stderr
    assert len(direct.stdout.splitlines()) == len(files)
    assert direct.stdout == chained.stdout
    bad = run("diagnose", files[0], "--backend", "rete")
    assert bad.returncode == 2 and "'experta', 'direct'" in bad.stderr and "Traceback" not in bad.stderr


def test_standard_input_is_read_with_dash() -> None:
    """`-` reads the facts from standard input."""
    result = run("diagnose", "-", "--format", "json", stdin=LINUX_OUTDATED)
    assert result.returncode == 1
    assert json.loads(result.stdout)["observed"]["entry"] == "GuestAgentSnapshotTaskStatusError"


def test_bad_facts_file_is_one_clear_message_exit_2(tmp_path: Path) -> None:
    """An invalid facts file names the file, each bad field, the value and what is allowed; no traceback."""
    path = tmp_path / "bad.yaml"
    path.write_text("vm: {os: mac}\nagent: {versoin: 1}\n", encoding="utf-8")
    result = run("diagnose", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{path}: vm.os" in result.stderr and '"mac"' in result.stderr and "linux" in result.stderr
    assert "agent.versoin" in result.stderr and "did you mean version" in result.stderr
    assert result.stdout == ""


def test_missing_file_exit_2(tmp_path: Path) -> None:
    """A missing file is named."""
    result = run("diagnose", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "nope.yaml: no such file" in result.stderr


def test_unknown_edition_lists_the_editions(outdated: Path) -> None:
    """An unknown edition exits 2 and lists the editions that exist."""
    result = run("diagnose", str(outdated), "--edition", "2020-01")
    assert result.returncode == 2
    assert "2019-07" in result.stderr and "2019-12" in result.stderr


def test_unknown_error_code_suggests_the_closest(tmp_path: Path) -> None:
    """A misspelt error code exits 2 and suggests the closest known codes."""
    path = tmp_path / "typo.yaml"
    path.write_text("observed_error: UserErrorGuestAgentStatusUnavailible\n", encoding="utf-8")
    result = run("diagnose", str(path))
    assert result.returncode == 2
    assert "did you mean UserErrorGuestAgentStatusUnavailable" in result.stderr


def test_code_of_another_edition_is_named(tmp_path: Path) -> None:
    """A code that exists only in another edition says which edition has it."""
    path = tmp_path / "prov.yaml"
    path.write_text("observed_error: UserErrorVmProvisioningStateFailed\n", encoding="utf-8")
    result = run("diagnose", str(path), "--edition", "2019-07")
    assert result.returncode == 2
    assert "2019-12" in result.stderr


def test_old_spelling_is_accepted_as_alias(tmp_path: Path) -> None:
    """The 2019-07 spelling ExtentionOperationFailedForManagedDisks is accepted by the 2019-12 edition."""
    path = tmp_path / "alias.yaml"
    path.write_text("observed_error: ExtentionOperationFailedForManagedDisks\n", encoding="utf-8")
    report = json.loads(run("diagnose", str(path), "--format", "json").stdout)
    assert report["observed"]["entry"] == "ExtensionOperationFailedForManagedDisks"
    assert report["observed"]["code"] == "ExtentionOperationFailedForManagedDisks"


def test_output_file_keeps_the_good_reports_when_a_later_input_is_bad(outdated: Path, tmp_path: Path) -> None:
    """With --output, the good inputs are written whole (exit 6, the bad one named); no temporary file is left."""
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    target = tmp_path / "out.json"
    result = run("diagnose", str(outdated), str(bad), "--format", "json", "--output", str(target))
    assert result.returncode == 6 and f"{bad}: " in result.stderr
    assert [json.loads(line)["vm"] for line in target.read_text(encoding="utf-8").splitlines()] == ["ubuntu-web-01"]
    assert list(tmp_path.glob(".out.json*")) == []
    alone = run("diagnose", str(bad), "--format", "json", "--output", str(tmp_path / "none.json"))
    assert alone.returncode == 2 and not (tmp_path / "none.json").exists()


def test_japanese_report(outdated: Path) -> None:
    """--lang ja writes the report in Japanese, commands unchanged."""
    out = run("diagnose", str(outdated), "--lang", "ja", "--edition", "2019-12").stdout
    assert "発生したエラー" in out and "確定" in out
    assert "service walinuxagent start" in out


def test_markdown_for_tickets(outdated: Path) -> None:
    """--format markdown gives a causes table and numbered steps with commands in backticks."""
    out = run("diagnose", str(outdated), "--format", "markdown", "--edition", "2019-12").stdout
    assert "| # | cause | status | why |" in out
    assert "`service walinuxagent start`" in out


def test_explain_prints_the_derivation_down_to_input_facts(outdated: Path) -> None:
    """--explain shows the confirmed cause's derivation tree down to the facts given."""
    out = run("diagnose", str(outdated), "--explain").stdout
    tree = out[out.index("Explanation") :]
    assert "cause agent_outdated_linux → confirmed" in tree
    assert "agent.version = 2.2.9" in tree and "agent.latest_version = 2.2.10" in tree
    assert "└─" in tree


def test_python_dash_m_runs_the_same_command(outdated: Path) -> None:
    """python -m kb_engine diagnose behaves like the console script."""
    result = subprocess.run(
        [sys.executable, "-m", "kb_engine", "diagnose", str(outdated), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["edition"] == "2025-11"  # the default: today's article


def test_colour_only_on_a_terminal_and_never_with_no_color(outdated: Path) -> None:
    """On a terminal the report is coloured; NO_COLOR turns colour off."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = pexpect.run(f"{KB_ENGINE} diagnose {outdated}", env={**env, "TERM": "xterm"}, timeout=120, encoding="utf-8")
    plain = pexpect.run(f"{KB_ENGINE} diagnose {outdated}", env={**env, "TERM": "xterm", "NO_COLOR": "1"}, timeout=120, encoding="utf-8")
    assert "\x1b[" in coloured
    assert "\x1b[" not in plain
    assert "CONFIRMED" in plain


@pytest.mark.parametrize("which", ["facts", "report", "kb"])
def test_published_schemas_are_current(which: str) -> None:
    """kb-engine schema prints the JSON Schema committed in kb_engine/schemas/."""
    committed = (REPO / "kb_engine" / "schemas" / f"{which}.schema.json").read_text(encoding="utf-8")
    assert run("schema", which).stdout == committed, f"regenerate: kb-engine schema {which} > kb_engine/schemas/{which}.schema.json"


def test_facts_files_validate_against_the_facts_schema() -> None:
    """Every example in facts/ is valid against the published facts schema."""
    import yaml

    schema = json.loads((REPO / "kb_engine" / "schemas" / "facts.schema.json").read_text(encoding="utf-8"))
    files = sorted((REPO / "facts").glob("*.yaml"))
    assert files
    for path in files:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


@pytest.mark.dot
def test_diagram_draws_the_diagnosis_on_the_tree(outdated: Path, tmp_path: Path) -> None:
    """--diagram writes the overlay: an SVG of the code's tree with the confirmed cause marked."""
    target = tmp_path / "vm.svg"
    result = run("diagnose", str(outdated), "--diagram", str(target))
    assert result.returncode == 1, result.stderr
    svg = target.read_text(encoding="utf-8")
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "GuestAgentSnapshotTaskStatusError" in svg
    assert "[confirmed]" in svg


def test_diagram_as_dot_text_needs_no_graphviz(outdated: Path, tmp_path: Path) -> None:
    """--diagram x.dot writes DOT text even where dot is not installed."""
    target = tmp_path / "vm.dot"
    env = {"PATH": str(Path(sys.executable).parent)}
    result = run("diagnose", str(outdated), "--diagram", str(target), env=env)
    assert result.returncode == 1, result.stderr
    assert "digraph" in target.read_text(encoding="utf-8")


def test_diagram_image_without_graphviz_exit_3_and_writes_nothing(outdated: Path, tmp_path: Path) -> None:
    """Without dot, an image diagram exits 3 naming the package, and neither report file nor image is written."""
    target = tmp_path / "vm.svg"
    report = tmp_path / "report.txt"
    env = {"PATH": str(Path(sys.executable).parent)}
    result = run("diagnose", str(outdated), "--diagram", str(target), "--output", str(report), env=env)
    assert result.returncode == 3
    assert "apt-get install graphviz" in result.stderr
    assert not target.exists() and not report.exists()


def test_diagram_with_unknown_extension_is_a_usage_error(outdated: Path, tmp_path: Path) -> None:
    """An unsupported --diagram extension is refused before anything runs."""
    result = run("diagnose", str(outdated), "--diagram", str(tmp_path / "vm.gif"))
    assert result.returncode == 2
    assert ".svg" in result.stderr


def test_explain_shows_list_facts(tmp_path: Path) -> None:
    """--explain prints list facts (extensions, disks) that a conclusion rests on."""
    path = tmp_path / "ext.yaml"
    path.write_text(
        "vm: {os: linux}\nextensions: [{name: VMSnapshotLinux, state: failed}]\n"
        "observed_error: ExtensionOperationFailedForManagedDisks\n",
        encoding="utf-8",
    )
    result = run("diagnose", str(path), "--explain", "--edition", "2019-12")
    assert result.returncode == 1, result.stderr
    assert "extensions = [{" in result.stdout and "state: failed" in result.stdout


def test_explain_speaks_the_readers_language_not_the_compilers(outdated: Path) -> None:
    """--explain names no internal rule ids and shows limits by value; in Japanese the words are Japanese."""
    tree_en = run("diagnose", str(outdated), "--explain").stdout.split("Explanation", 1)[1]
    assert not re.search(r"\[(test|anyof|allof|not|finding|cause) ", tree_en), tree_en
    assert "limit " not in tree_en
    out_ja = run("diagnose", str(outdated), "--explain", "--lang", "ja").stdout
    tree_ja = out_ja.split("説明", 1)[1]
    assert "原因 agent_outdated_linux → 確定" in tree_ja
    assert "agent.version が agent.latest_version より古い → 真" in tree_ja
    for english in (" is unknown", " older than ", "has an item", "finding ", " → true", " → unknown"):
        assert english not in tree_ja, english


def test_the_default_edition_is_todays_article_and_the_report_says_why(outdated: Path) -> None:
    """Without --edition a VM gets today's advice (2025-11, systemctl restart), and the report says which edition and why."""
    data = json.loads(run("diagnose", str(outdated), "--format", "json").stdout)
    assert data["edition"] == "2025-11" and "newest" in data["edition_reason"]
    text = run("diagnose", str(outdated)).stdout
    assert "sudo systemctl restart walinuxagent" in text and "service walinuxagent start" not in text
    assert "the newest" in text.splitlines()[2]
    asked = json.loads(run("diagnose", str(outdated), "--format", "json", "--edition", "2019-12").stdout)
    assert asked["edition"] == "2019-12" and "as asked" in asked["edition_reason"]
