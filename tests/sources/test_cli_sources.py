"""`kb-engine facts from-azure` and `kb-engine collect` as a user runs them (the installed console script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kb_engine.facts.load import validate_facts

KB_ENGINE = Path(sys.executable).parent / "kb-engine"
REALDATA = Path(__file__).resolve().parents[1] / "data" / "realdata"
AZURE = REALDATA / "azure-rest-api-specs"
WALA = REALDATA / "WALinuxAgent"


def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KB_ENGINE), *map(str, args)], input=stdin, capture_output=True, text=True, timeout=120)


def test_from_azure_prints_one_deterministic_facts_document() -> None:
    """Real instance view + VM model + job list: sorted 2-space JSON with a trailing newline, a summary per file on stderr."""
    files = [AZURE / "VirtualMachine_Get_InstanceView.json", AZURE / "VirtualMachine_Get_WithVMSizeProperties.json", AZURE / "GetJobDetails.json"]
    first, second = run("facts", "from-azure", *files), run("facts", "from-azure", *files)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    facts = json.loads(first.stdout)
    assert first.stdout == json.dumps(facts, sort_keys=True, indent=2) + "\n"
    assert facts["agent"]["version"] == "2.7.41491.949"
    assert "$schema" not in facts
    validate_facts(facts, "stdout")
    assert "VirtualMachine_Get_InstanceView.json: 7 facts" in first.stderr


def test_from_azure_output_pipes_into_diagnose() -> None:
    """`kb-engine facts from-azure ... | kb-engine diagnose -` runs a diagnosis (exit 0, 1 or 5, never a usage error)."""
    facts = run("facts", "from-azure", AZURE / "VirtualMachine_Get_InstanceView.json", AZURE / "Disk_ListByResourceGroup.json")
    diagnosis = run("diagnose", "-", stdin=facts.stdout)
    assert diagnosis.returncode in (0, 1, 5), diagnosis.stderr


def test_from_azure_reads_standard_input() -> None:
    """`-` reads the document from standard input, named <stdin> in the summary."""
    result = run("facts", "from-azure", "-", stdin=(AZURE / "Disk_Get.json").read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["vm"]["disks"][0]["size_gib"] == 10
    assert "<stdin>" in result.stderr


def test_unknown_document_kind_exits_2_naming_the_file() -> None:
    """A real NSG document is not understood: exit 2, the file named, nothing on stdout."""
    result = run("facts", "from-azure", AZURE / "Disk_Get.json", AZURE / "NetworkSecurityGroupGet.json")
    assert result.returncode == 2
    assert "NetworkSecurityGroupGet.json" in result.stderr and "az lock list" in result.stderr
    assert result.stdout == ""


def newer_agent_view(tmp_path: Path) -> Path:
    """Variant: the real instance view with vmAgentVersion set to 2.7.41491.1010, written to a file."""
    doc = json.loads((AZURE / "VirtualMachine_Get_InstanceView.json").read_text(encoding="utf-8"))
    doc["responses"]["200"]["body"]["vmAgent"]["vmAgentVersion"] = "2.7.41491.1010"
    path = tmp_path / "later-view.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_conflict_is_a_warning_with_exit_0(tmp_path: Path) -> None:
    """Two instance views of the VM that disagree on the agent version: a conflict warning on stderr, exit 0, version left out."""
    result = run("facts", "from-azure", AZURE / "VirtualMachine_Get_InstanceView.json", newer_agent_view(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "warning: conflict: agent.version" in result.stderr
    assert "version" not in json.loads(result.stdout)["agent"]


def test_documents_of_two_vms_exit_2_naming_both_files() -> None:
    """The real VM model (myVM) and protected item (iaasvm-1) are two VMs: exit 2, both files and --fleet named, nothing on stdout."""
    vm, item = AZURE / "VirtualMachine_Get_WithVMSizeProperties.json", AZURE / "Compute_ProtectedItem_Get.json"
    result = run("facts", "from-azure", vm, item)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{item}: describes another VM than {vm}" in result.stderr
    assert "--fleet" in result.stderr
    assert "Traceback" not in result.stderr


def test_provenance_option_wraps_facts_with_sources_and_conflicts(tmp_path: Path) -> None:
    """--provenance writes facts, provenance, conflicts and notes."""
    later = newer_agent_view(tmp_path)
    result = run("facts", "from-azure", "--provenance", AZURE / "VirtualMachine_Get_WithVMSizeProperties.json", later)
    data = json.loads(result.stdout)
    assert sorted(data) == ["conflicts", "facts", "notes", "provenance"]
    assert data["provenance"]["vm.os"] == [str(AZURE / "VirtualMachine_Get_WithVMSizeProperties.json"), str(later)]
    both = run("facts", "from-azure", "--provenance", AZURE / "VirtualMachine_Get_InstanceView.json", later)
    assert json.loads(both.stdout)["conflicts"][0]["fact"] == "agent.version"


def test_yaml_output_and_output_file(tmp_path: Path) -> None:
    """--format yaml -o FILE writes the same facts as JSON, as YAML, into the file."""
    out = tmp_path / "facts.yaml"
    result = run("facts", "from-azure", "--format", "yaml", "-o", out, AZURE / "Disk_ListByResourceGroup.json")
    assert result.returncode == 0, result.stderr
    as_json = json.loads(run("facts", "from-azure", AZURE / "Disk_ListByResourceGroup.json").stdout)
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == as_json


def test_collect_reads_a_guest_tree(tmp_path: Path) -> None:
    """collect --root on a tree with the real waagent.conf and a running agent prints valid facts."""
    (tmp_path / "etc").mkdir()
    shutil.copyfile(WALA / "config/waagent.conf", tmp_path / "etc/waagent.conf")
    (tmp_path / "etc/os-release").write_text("ID=rhel\n", encoding="utf-8")
    (tmp_path / "proc/77").mkdir(parents=True)
    (tmp_path / "proc/77/cmdline").write_bytes(b"/usr/bin/python3\0-u\0/usr/sbin/waagent\0-daemon\0")
    result = run("collect", "--root", tmp_path)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    validate_facts(facts, "stdout")
    assert facts["vm"] == {"os": "linux", "distro": "rhel"}
    assert facts["agent"]["service_running"] is True


def test_collect_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    """--root that does not exist: exit 2."""
    assert run("collect", "--root", tmp_path / "nope").returncode == 2


def test_help_shows_examples() -> None:
    """Each command's --help carries an example."""
    for args in (("facts", "from-azure", "--help"), ("collect", "--help"), ("facts", "--help")):
        result = run(*args)
        assert result.returncode == 0 and "kb-engine " in result.stdout.split("Example", 1)[1]


@pytest.mark.parametrize(
    "name",
    ["VirtualMachine_Get_InstanceView.json", "ResourcesFilterQuery.json", "Disk_ListByResourceGroup.json", "ListJobs.json",
     "VirtualMachineExtension_List_MaximumSet_Gen.json"],
)
def test_diagnose_given_azure_output_names_from_azure(name: str) -> None:
    """`kb-engine diagnose` on a real Azure document: exit 2, one message saying it is Azure output and naming
    `kb-engine facts from-azure FILE` -- not a list of unknown fields."""
    result = run("diagnose", AZURE / name)
    assert result.returncode == 2
    assert "looks like Azure output" in result.stderr
    assert f"kb-engine facts from-azure {AZURE / name}" in result.stderr
    assert "unknown field" not in result.stderr


def test_diagnose_given_azure_output_on_stdin_names_dash() -> None:
    """The real instance view piped to `kb-engine diagnose -`: the hint reads `kb-engine facts from-azure -`."""
    result = run("diagnose", "-", stdin=(AZURE / "VirtualMachine_Get_InstanceView.json").read_text(encoding="utf-8"))
    assert result.returncode == 2
    assert "kb-engine facts from-azure -" in result.stderr


def test_from_azure_reads_a_failed_jobs_code_against_the_kb_given(tmp_path: Path) -> None:
    """A job failed with a spelling only a modified knowledge base knows (an alias added there): with --kb it is
    the observed error, and diagnose --kb reads it; without --kb, the shipped knowledge base does not know it, so
    it is left out with a note. A --kb that does not load exits 4."""
    kb = tmp_path / "kb"
    shutil.copytree(Path(__file__).resolve().parents[2] / "kb_engine" / "knowledge" / "data", kb)
    codes = kb / "codes.yaml"
    text = codes.read_text(encoding="utf-8")
    old = "    aliases: [ExtensionOperationFailedForManagedDisks]\n"
    assert text.count(old) == 1
    codes.write_text(text.replace(old, "    aliases: [ExtensionOperationFailedForManagedDisks, SnapshotOfManagedDisksFailed]\n"), encoding="utf-8")
    doc = json.loads((AZURE / "GetJobDetails.json").read_text(encoding="utf-8"))
    job = doc["responses"]["200"]["body"]
    job["properties"].update(status="Failed", errorDetails=[{"errorCode": "SnapshotOfManagedDisksFailed"}])
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job), encoding="utf-8")

    shipped = run("facts", "from-azure", path)
    assert shipped.returncode == 0, shipped.stderr
    assert "observed_error" not in json.loads(shipped.stdout)
    assert "SnapshotOfManagedDisksFailed, a code the knowledge base does not know" in shipped.stderr

    given = run("facts", "from-azure", path, "--kb", kb)
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout)["observed_error"] == "SnapshotOfManagedDisksFailed"
    report = run("diagnose", "-", "--kb", kb, "--edition", "2019-07", "--format", "json", stdin=given.stdout)
    assert json.loads(report.stdout)["observed"]["entry"] == "ExtentionOperationFailedForManagedDisks", report.stderr

    broken = tmp_path / "broken"
    broken.mkdir()
    assert run("facts", "from-azure", path, "--kb", broken).returncode == 4
