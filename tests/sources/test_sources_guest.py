"""Facts from a guest's files: a fake tree under tmp_path built from WALinuxAgent's real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb_engine.errors import InputError
from kb_engine.facts.guest import collect, collect_with_notes
from kb_engine.facts.load import validate_facts
from kb_engine.knowledge.waagent_conf import parse_waagent_conf

WALA = Path(__file__).resolve().parents[1] / "data" / "realdata" / "WALinuxAgent"
HISTORY = "var/lib/waagent/history/2025-06-10T12:00:00.000000_incarnation_1"
CUSTOM_SCRIPT = "var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.13"
AGENT_CMDLINE = b"/usr/bin/python3\0-u\0/usr/sbin/waagent\0-daemon\0"


def put(root: Path, rel: str, content: str | bytes | Path) -> Path:
    """Write (or copy a real file to) ``root/rel``."""
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Path):
        shutil.copyfile(content, target)
    elif isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    return target


@pytest.fixture
def guest(tmp_path: Path) -> Path:
    """An Ubuntu guest: the real waagent.conf and goal state, the real status file for CustomScript, a running agent."""
    put(tmp_path, "etc/waagent.conf", WALA / "config/ubuntu/waagent.conf")
    put(tmp_path, "etc/os-release", 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n')
    put(tmp_path, f"{HISTORY}/ExtensionsConfig.xml", WALA / "tests/data/hibernate/goal_state_1/ExtensionsConfig.xml")
    put(tmp_path, f"{HISTORY}/GoalState.xml", WALA / "tests/data/hibernate/goal_state_1/GoalState.xml")
    put(tmp_path, f"{CUSTOM_SCRIPT}/status/4.status", WALA / "tests/data/ext/sample-status.json")
    (tmp_path / "var/lib/waagent/WALinuxAgent-2.13.1.1").mkdir(parents=True)
    (tmp_path / "var/lib/waagent/WALinuxAgent-2.9.1.1").mkdir(parents=True)
    put(tmp_path, "proc/123/cmdline", AGENT_CMDLINE)
    put(tmp_path, "proc/456/cmdline", b"/usr/sbin/sshd\0-D\0")
    put(tmp_path, "etc/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0:\n      dhcp4: true\n  version: 2\n")
    return tmp_path


def status_variant(status: str) -> str:
    """The real sample-status.json with status.status replaced."""
    data = json.loads((WALA / "tests/data/ext/sample-status.json").read_text(encoding="utf-8"))
    data[0]["status"]["status"] = status
    return json.dumps(data)


# ---------------------------------------------------------------------------
# waagent.conf, read with the agent's rules


@pytest.mark.parametrize("name", ["config/waagent.conf", "config/ubuntu/waagent.conf", "tests/data/test_waagent.conf"])
def test_real_waagent_conf_files_give_the_three_options(name: str) -> None:
    """The real waagent.conf files set Extensions.Enabled=y, Provisioning.Agent=auto, Logs.Verbose=n."""
    values = parse_waagent_conf((WALA / name).read_text(encoding="utf-8"))
    assert (values["Extensions.Enabled"], values["Provisioning.Agent"], values["Logs.Verbose"]) == ("y", "auto", "n")


def test_odd_forms_of_the_agents_test_config_parse_as_the_agent_does() -> None:
    """test_waagent.conf: '=Value0', spaces kept inside values, '=' in values, end-of-line comments with or without a space."""
    values = parse_waagent_conf((WALA / "tests/data/test_waagent.conf").read_text(encoding="utf-8"))
    assert values[""] == "Value0"
    assert values["FauxKey1"] == "Value1"
    assert values["FauxKey2"] == "Value2 Value2"
    assert values["FauxKey3"] == "delalloc,rw,noatime,nobarrier,users,mode=777"
    assert values["Provisioning.SshHostKeyPairType"] == "rsa"
    assert values["Provisioning.DecodeCustomData"] == "n"
    assert values["OS.EnableFIPS"] == "y"
    assert values["OS.SshClientAliveInterval"] == "42"
    assert values["ResourceDisk.MountOptions"] == "None"
    assert "HttpProxy.Host" not in values and "#HttpProxy.Host" not in values and "DetectScvmmEnv" not in values


def test_extensions_enabled_no_stays_raw(guest: Path) -> None:
    """Variant: the real config with Extensions.Enabled=no: the fact is the raw 'no' (the knowledge base decides it means the default)."""
    conf = guest / "etc/waagent.conf"
    conf.write_text(conf.read_text(encoding="utf-8").replace("Extensions.Enabled=y", "Extensions.Enabled=no"), encoding="utf-8")
    assert collect(guest)["agent"]["waagent_conf"]["Extensions.Enabled"] == "no"


def test_missing_option_stays_unknown_with_a_note(guest: Path) -> None:
    """Variant: the Logs.Verbose line removed from the real config -> that option is absent, and a note says the default applies."""
    conf = guest / "etc/waagent.conf"
    conf.write_text(conf.read_text(encoding="utf-8").replace("Logs.Verbose=n", ""), encoding="utf-8")
    found = collect_with_notes(guest)
    assert "Logs.Verbose" not in found.facts["agent"]["waagent_conf"]
    assert any("Logs.Verbose is not set" in note for note in found.notes)


# ---------------------------------------------------------------------------
# The whole tree


def test_guest_tree_gives_os_distro_agent_and_network(guest: Path) -> None:
    """The fake Ubuntu guest: linux/ubuntu, agent 2.13.1.1 running, the real config's options, DHCP on eth0."""
    facts = collect(guest)
    assert facts["vm"] == {"os": "linux", "distro": "ubuntu"}
    assert facts["agent"]["version"] == "2.13.1.1"
    assert facts["agent"]["service_running"] is True
    assert facts["agent"]["installed"] is True
    assert facts["agent"]["waagent_conf"] == {"Extensions.Enabled": "y", "Provisioning.Agent": "auto", "Logs.Verbose": "n"}
    assert facts["network"] == {"dhcp_enabled": True}
    validate_facts(facts, "guest")


def test_extensions_come_from_the_goal_state_with_their_status(guest: Path) -> None:
    """The real goal state's three plugins are the extensions; CustomScript has the real status file: success -> succeeded."""
    assert collect(guest)["extensions"] == [
        {"name": "ConfigurationforLinux"},
        {"name": "CustomScript", "state": "succeeded"},
        {"name": "LinuxHibernateExtension"},
    ]


@pytest.mark.parametrize(("status", "state"), [("error", "failed"), ("transitioning", "transitioning"), ("warning", None)])
def test_extension_status_values_map_to_states(guest: Path, status: str, state: str | None) -> None:
    """Variant: the real status file's status.status replaced; the newest status file (5 over 4) counts."""
    put(guest, f"{CUSTOM_SCRIPT}/status/5.status", status_variant(status))
    (custom,) = [e for e in collect(guest)["extensions"] if e["name"] == "CustomScript"]
    assert custom.get("state") == state


def test_backup_extension_status_without_goal_state(tmp_path: Path) -> None:
    """No goal state: the real VMSnapshotLinux status dir (sample-status.json, success) gives the extension and its state."""
    put(tmp_path, "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9150.0/status/0.status", WALA / "tests/data/ext/sample-status.json")
    assert collect(tmp_path)["extensions"] == [{"name": "VMSnapshotLinux", "state": "succeeded"}]


def test_extension_files_not_in_the_goal_state_are_left_out_with_a_note(guest: Path) -> None:
    """A leftover VMSnapshotLinux status dir that the real goal state does not list is left out, and noted."""
    put(guest, "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9150.0/status/0.status", WALA / "tests/data/ext/sample-status.json")
    found = collect_with_notes(guest)
    assert "VMSnapshotLinux" not in [e["name"] for e in found.facts["extensions"]]
    assert any("VMSnapshotLinux" in note for note in found.notes)


def test_agent_version_from_the_reported_status_wins_over_directories(guest: Path) -> None:
    """A waagent_status.json in the shape the agent reports (aggregateStatus.guestAgentStatus.version) gives 2.9.1.1."""
    status = {"__status__": {"version": "1.1", "aggregateStatus": {"guestAgentStatus": {"version": "2.9.1.1", "status": "Ready"}}}}
    put(guest, f"{HISTORY}/waagent_status.json", json.dumps(status))
    assert collect(guest)["agent"]["version"] == "2.9.1.1"


@pytest.mark.parametrize(
    ("cmdline", "running"),
    [
        (b"python3\0-u\0bin/WALinuxAgent-2.13.1.1-py3.12.egg\0-run-exthandlers\0", True),
        (b"/usr/sbin/waagent\0-daemon\0", True),
        (b"grep\0waagent\0", False),
        (b"vim\0/etc/waagent.conf\0", False),
    ],
)
def test_agent_process_is_recognised_by_its_command_line(guest: Path, cmdline: bytes, running: bool) -> None:
    """Only the agent itself (or Python running it) counts, not a process that merely mentions it."""
    put(guest, "proc/123/cmdline", cmdline)
    assert collect(guest)["agent"]["service_running"] is running


def test_without_proc_whether_the_agent_runs_is_unknown(guest: Path) -> None:
    """A tree without proc/ (a copied or mounted disk) leaves service_running unknown, with a note."""
    shutil.rmtree(guest / "proc")
    found = collect_with_notes(guest)
    assert "service_running" not in found.facts["agent"]
    assert any("proc/" in note for note in found.notes)


@pytest.mark.parametrize(
    ("rel", "content", "dhcp"),
    [
        ("etc/sysconfig/network-scripts/ifcfg-eth0", 'DEVICE=eth0\nBOOTPROTO="dhcp"\nONBOOT=yes\n', True),
        ("etc/network/interfaces", "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet dhcp\n", True),
        ("etc/network/interfaces", "auto eth0\niface eth0 inet static\n  address 10.0.0.4/24\n", False),
        ("etc/NetworkManager/system-connections/eth0.nmconnection", "[connection]\ninterface-name=eth0\n[ipv4]\nmethod=manual\n", False),
        ("etc/systemd/network/10-eth0.network", "[Match]\nName=eth0\n[Network]\nDHCP=ipv4\n", True),
    ],
)
def test_dhcp_heuristic(tmp_path: Path, rel: str, content: str, dhcp: bool) -> None:
    """DHCP from ifcfg, ifupdown, NetworkManager and systemd-networkd files; a static eth0 means no DHCP."""
    put(tmp_path, rel, content)
    assert collect(tmp_path)["network"] == {"dhcp_enabled": dhcp}


def test_empty_tree_gives_no_facts(tmp_path: Path) -> None:
    """An empty directory gives no facts at all: silence is never turned into false."""
    assert collect(tmp_path) == {}


def test_unreadable_file_leaves_its_facts_unknown_with_a_note(guest: Path) -> None:
    """etc/waagent.conf that cannot be read (a directory here, as root can read any file) -> no waagent_conf, a note, no crash."""
    (guest / "etc/waagent.conf").unlink()
    (guest / "etc/waagent.conf").mkdir()
    found = collect_with_notes(guest)
    assert "waagent_conf" not in found.facts["agent"]
    assert any("/etc/waagent.conf: cannot be read" in note for note in found.notes)


def test_absolute_symlink_stays_inside_the_tree(tmp_path: Path) -> None:
    """etc/os-release -> /usr/lib/os-release resolves in the tree (SLES), not on the machine running the tests."""
    put(tmp_path, "usr/lib/os-release", 'ID="sles"\n')
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").symlink_to("/usr/lib/os-release")
    assert collect(tmp_path)["vm"] == {"os": "linux", "distro": "sles"}


def test_root_that_is_not_a_directory_is_an_input_error(tmp_path: Path) -> None:
    """--root pointing at a file is bad input."""
    with pytest.raises(InputError):
        collect(put(tmp_path, "file", "x"))


def test_collecting_writes_nothing(guest: Path) -> None:
    """Collecting leaves every file of the tree as it was."""
    before = {p: p.stat().st_mtime_ns for p in guest.rglob("*")}
    collect(guest)
    assert {p: p.stat().st_mtime_ns for p in guest.rglob("*")} == before


# ---------------------------------------------------------------------------
# Fast Track: the goal state the agent runs, whichever its kind

OLDER = "var/lib/waagent/history/2025-06-10T12-00-00__1"
NEWER = "var/lib/waagent/history/2025-06-11T08-30-00__1-6f3ae2"
GOAL_STATE_3 = WALA / "tests/data/hibernate/goal_state_3/VmSettings.json"
EXT_CONF_2021 = WALA / "tests/data/hostgaplugin/ext_conf.xml"


def names_of(root: Path) -> list[str]:
    return [e["name"] for e in collect(root)["extensions"]]


def test_a_history_folder_holding_only_vm_settings_is_the_newest_goal_state(tmp_path: Path) -> None:
    """An older folder with the real ext_conf.xml (five plugins, 2021) and a newer one with only the real Fast Track
    goal_state_3/VmSettings.json (three extensions, 2025): the extensions are the Fast Track ones, and a note says so."""
    put(tmp_path, f"{OLDER}/ExtensionsConfig.xml", EXT_CONF_2021)
    put(tmp_path, f"{NEWER}/VmSettings.json", GOAL_STATE_3)
    found = collect_with_notes(tmp_path)
    assert [e["name"] for e in found.facts["extensions"]] == ["ConfigurationforLinux", "CustomScript", "LinuxHibernateExtension"]
    assert any("VmSettings.json" in note and "Fast Track" in note for note in found.notes)


def test_the_goal_state_created_last_wins_even_from_an_older_folder(tmp_path: Path) -> None:
    """The real Fast Track VmSettings (created 2025) in the older folder, the real ext_conf.xml (created 2021) in the newer one,
    as after a certificate rotation: the agent runs the one created last, so do the facts."""
    put(tmp_path, f"{OLDER}/VmSettings.json", GOAL_STATE_3)
    put(tmp_path, f"{NEWER}/ExtensionsConfig.xml", EXT_CONF_2021)
    assert names_of(tmp_path) == ["ConfigurationforLinux", "CustomScript", "LinuxHibernateExtension"]


def test_vm_settings_from_fabric_are_ignored_as_the_agent_ignores_them(tmp_path: Path) -> None:
    """The real goal_state_2 folder: VmSettings.json from Fabric (ignored, noted) beside its ExtensionsConfig.xml; and the
    real vm_settings-fabric-no_thumbprints.json in a newer folder does not replace the real ext_conf.xml either."""
    put(tmp_path, f"{OLDER}/ExtensionsConfig.xml", WALA / "tests/data/hibernate/goal_state_2/ExtensionsConfig.xml")
    put(tmp_path, f"{OLDER}/VmSettings.json", WALA / "tests/data/hibernate/goal_state_2/VmSettings.json")
    put(tmp_path, f"{NEWER}/VmSettings.json", WALA / "tests/data/hostgaplugin/vm_settings-fabric-no_thumbprints.json")
    found = collect_with_notes(tmp_path)
    assert [e["name"] for e in found.facts["extensions"]] == ["ConfigurationforLinux", "CustomScript", "LinuxHibernateExtension"]
    assert sum("from Fabric" in note for note in found.notes) == 2


# ---------------------------------------------------------------------------
# The running agent's version

PACKAGED_HANDLER = b"/usr/bin/python3\0-u\0/usr/sbin/waagent\0-run-exthandlers\0"
EGG_INFO = "usr/lib/python3/dist-packages/WALinuxAgent-2.2.45.egg-info/PKG-INFO"


def test_the_running_extension_handlers_command_line_gives_the_version(guest: Path) -> None:
    """The real /proc cmdline (python -u bin/WALinuxAgent-2.2.45-py2.7.egg -run-exthandlers) beside newer agent directories
    (2.13.1.1, 2.9.1.1): the running agent, 2.2.45, is the fact."""
    put(guest, "proc/777/cmdline", WALA / "tests/data/cgroups/dummy_proc_cmdline")
    found = collect_with_notes(guest)
    assert found.facts["agent"]["version"] == "2.2.45"
    assert any("/proc/777/cmdline" in note for note in found.notes)


def test_the_packaged_agent_handling_extensions_gives_the_packages_version(guest: Path) -> None:
    """AutoUpdate.Enabled=n (the agent's real test config), the packaged waagent -run-exthandlers running, its egg-info
    2.2.45 installed: 2.2.45, not the newest directory 2.13.1.1."""
    put(guest, "etc/waagent.conf", WALA / "tests/data/config/waagent_auto_update_disabled.conf")
    put(guest, "proc/777/cmdline", PACKAGED_HANDLER)
    put(guest, EGG_INFO, "Metadata-Version: 1.0\nName: WALinuxAgent\nVersion: 2.2.45\n")
    assert collect(guest)["agent"]["version"] == "2.2.45"


def test_auto_update_off_without_a_process_is_the_package_or_unknown(guest: Path) -> None:
    """No proc/, AutoUpdate.Enabled=n (real config): the installed package's version when its metadata is there; otherwise
    unknown with a note -- never the newest directory, which does not run."""
    shutil.rmtree(guest / "proc")
    put(guest, "etc/waagent.conf", WALA / "tests/data/config/waagent_auto_update_disabled.conf")
    found = collect_with_notes(guest)
    assert "version" not in found.facts.get("agent", {})
    assert any("AutoUpdate.Enabled=n" in note and "unknown" in note for note in found.notes)
    put(guest, EGG_INFO, "Metadata-Version: 1.0\nName: WALinuxAgent\nVersion: 2.2.45\n")
    assert collect(guest)["agent"]["version"] == "2.2.45"


def test_update_to_latest_off_runs_the_newest_agent_on_disk(guest: Path) -> None:
    """No proc/, AutoUpdate.UpdateToLatestVersion=n (real config): the agent keeps the newest one already on disk, 2.13.1.1."""
    shutil.rmtree(guest / "proc")
    put(guest, "etc/waagent.conf", WALA / "tests/data/config/waagent_update_to_latest_version_disabled.conf")
    assert collect(guest)["agent"]["version"] == "2.13.1.1"
