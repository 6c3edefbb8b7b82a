"""Facts from inside a Linux guest, read from its files (never needs root, never writes).

What is read, every path relative to ``root``:

* ``/etc/waagent.conf``: the raw values of ``Extensions.Enabled``,
  ``Provisioning.Agent`` and ``Logs.Verbose``, parsed with the agent's own rules
  (:mod:`kb_engine.knowledge.waagent_conf`); an option not in the file stays unknown;
* ``/etc/os-release`` (else ``/usr/lib/os-release``): ``ID`` -> ``vm.distro``, and ``vm.os: linux``;
* whether the agent runs: ``proc/*/cmdline`` of the tree (the live ``/proc`` when
  ``root`` is ``/``) holding ``waagent`` or ``WALinuxAgent-<version>`` as the
  program or as the script a Python runs; no ``proc/`` -> unknown;
* the agent's version is the *running* agent's: the extension handler's command line
  (``python -u bin/WALinuxAgent-2.2.45-py2.7.egg -run-exthandlers`` runs 2.2.45; the
  packaged ``waagent -run-exthandlers`` runs the installed package, whose version its
  ``WALinuxAgent-<version>.egg-info`` names). Without a process to read: the version
  the agent last reported (``waagent_status.json``, in ``/var/lib/waagent`` or the
  newest history folder); failing that, what auto-update runs as the agent reads
  ``/etc/waagent.conf``: the newest ``/var/lib/waagent/WALinuxAgent-<version>``
  directory, or the installed package when ``AutoUpdate.Enabled=n`` (a note says which);
* DHCP: :mod:`kb_engine.facts.guest_network`;
* extensions: the plugins of the extensions goal state the agent runs, whichever its
  kind: ``ExtensionsConfig.xml`` (WireServer) or ``VmSettings.json`` (Fast Track, the
  only file of recent agents' history folders). Of all goal states in
  ``/var/lib/waagent/history/*/`` (and the older ``ExtensionsConfig.<n>.xml``), the one
  created last counts (``createdOnTicks``, ``extensionsLastModifiedTickCount``), as the
  agent decides; vmSettings whose source is ``Fabric`` are ignored, as the agent
  ignores them. Each extension gets the state of its newest status file
  (``/var/lib/waagent/<Publisher.Type>-<version>/status/<n>.status``: ``success`` ->
  succeeded, ``error`` -> failed, ``transitioning``); without a goal state, the
  extensions that have status directories.

A file that is missing leaves its facts unknown; one that cannot be read does too,
with a note. Nothing here concludes "false" from silence.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_engine.errors import InputError, Problem
from kb_engine.io.read import input_limits, parse_json
from kb_engine.knowledge.vocabulary import ExtensionState, parse_version

from .guest_network import dhcp_evidence
from .guest_tree import GuestTree
from kb_engine.knowledge.waagent_conf import WAAGENT_CONF_KEYS, parse_waagent_conf

__all__ = ["GuestFacts", "collect", "collect_with_notes"]

_LIB = "var/lib/waagent"
_AGENT_DIR_RE = re.compile(r"^WALinuxAgent-(\d+(?:\.\d+){0,3})$")
_EXT_DIR_RE = re.compile(r"^(?P<name>.+)-(?P<version>\d+(?:\.\d+)*)$")
_EXT_CONFIG_RE = re.compile(r"^ExtensionsConfig\.(\d+)\.xml$")
_STATUS_RE = re.compile(r"^(\d+)\.status$")
_DISTRO_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_AGENT_PROGRAM_RE = re.compile(r"^(waagent|WALinuxAgent-(\d+(?:\.\d+)*)(?:-py[\d.]+\.egg)?)$")
_PACKAGE_META_RE = re.compile(r"^WALinuxAgent-(\d+(?:\.\d+){0,3})(?:-py[\d.]+)?\.(?:egg|dist)-info$")
_PACKAGE_DIRS = ("usr/lib", "usr/lib64", "usr/local/lib", "usr/share")
# History folders: 2018-04-06T08-21-37__N-M (current agents), 2018-04-06T08:21:37.142697_incarnation_N (older).
_HISTORY_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}[:-]\d{2}[:-]\d{2})(\.\d+)?(?:_|$)")
_VM_SETTINGS_RE = re.compile(r"^VmSettings\.(\d+)\.json$")
_STATUS_STATES = {
    "success": ExtensionState.succeeded.value,
    "error": ExtensionState.failed.value,
    "transitioning": ExtensionState.transitioning.value,
}
_MAX_VALUE = 64


@dataclass(frozen=True, slots=True)
class GuestFacts:
    """What :func:`collect_with_notes` found.

    Attributes:
        facts: the partial facts document (valid for ``validate_facts``).
        notes: what could not be read or decided, and which files gave which facts.
    """

    facts: dict[str, Any]
    notes: list[str]


def collect(root: Path | str = "/") -> dict[str, Any]:
    """The facts a Linux guest's files give.

    Args:
        root: the guest's ``/``: the running system, or a mounted disk or copied tree.

    Returns:
        A partial facts document; facts the files do not give are absent.

    Raises:
        InputError: ``root`` is not a directory.
    """
    return collect_with_notes(root).facts


def collect_with_notes(root: Path | str = "/") -> GuestFacts:
    """Like :func:`collect`, also saying what could not be read or decided.

    Raises:
        InputError: ``root`` is not a directory.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError([Problem(str(base), "", "is not a directory (give the guest's / with --root)")])
    tree = GuestTree(base)
    vm: dict[str, Any] = {}
    agent: dict[str, Any] = {}
    conf = _waagent_conf(tree)
    if conf is not None:
        agent["waagent_conf"] = conf
    distro = _distro(tree)
    if distro is not False:
        vm["os"] = "linux"
        if distro is not None:
            vm["distro"] = distro
    processes = _agent_processes(tree)
    agent["service_running"] = None if processes is None else bool(processes)
    agent["version"] = _agent_version(tree, processes or [], _raw_conf(tree))
    if agent["service_running"] or tree.exists("usr/sbin/waagent") or tree.exists("usr/bin/waagent"):
        agent["installed"] = True
    dhcp = dhcp_evidence(tree)
    if dhcp.dhcp or dhcp.static:
        tree.notes.append(f"DHCP: {', '.join(dhcp.dhcp) or 'none'}; static: {', '.join(dhcp.static) or 'none'}")
    facts: dict[str, Any] = {
        "vm": vm,
        "agent": {k: v for k, v in agent.items() if v is not None},
        "network": {"dhcp_enabled": dhcp.enabled} if dhcp.enabled is not None else {},
        "extensions": _extensions(tree),
    }
    return GuestFacts({k: v for k, v in facts.items() if v not in (None, {})}, tree.notes)


def _waagent_conf(tree: GuestTree) -> dict[str, str] | None:
    text = tree.read_text("etc/waagent.conf")
    if text is None:
        return None
    values = parse_waagent_conf(text)
    conf: dict[str, str] = {}
    for key in WAAGENT_CONF_KEYS:
        value = values.get(key)
        if value is None:
            tree.notes.append(f"/etc/waagent.conf: {key} is not set; the agent uses its default")
        elif len(value) > _MAX_VALUE:
            tree.notes.append(f"/etc/waagent.conf: {key} is longer than {_MAX_VALUE} characters; left unknown")
        else:
            conf[key] = value
            if value == "None":
                tree.notes.append(f"/etc/waagent.conf: {key}=None; the agent reads it as not set (its default)")
    return conf or None


def _distro(tree: GuestTree) -> str | None | bool:
    """The os-release ID; None if the file has no usable ID; False if there is no os-release."""
    text = tree.read_text("etc/os-release")
    if text is None:
        text = tree.read_text("usr/lib/os-release")
    if text is None:
        return False
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key == "ID":
            distro = value.strip().strip("'\"").lower()
            if _DISTRO_RE.match(distro):
                return distro
            tree.notes.append(f"/etc/os-release: ID {value!r} is not a distribution name; left unknown")
    return None


@dataclass(frozen=True, slots=True)
class _AgentProcess:
    """One running agent process: which agent (an auto-updated version, or the package) and its role."""

    pid: str
    version: str | None  # from WALinuxAgent-<version>; None for the packaged ``waagent``
    handles_extensions: bool  # -run-exthandlers (the daemon only starts it)


def _raw_conf(tree: GuestTree) -> dict[str, str]:
    text = tree.read_text("etc/waagent.conf", quiet=True)
    return parse_waagent_conf(text) if text is not None else {}


def _agent_version(tree: GuestTree, processes: list[_AgentProcess], conf: dict[str, str]) -> str | None:
    """The running agent's version (see the module's docstring for the order of evidence)."""
    handlers = [p for p in processes if p.handles_extensions]
    running = {p.version for p in handlers}
    if len(running) > 1:
        tree.notes.append(f"several agents handle extensions ({', '.join(sorted(str(v or 'package') for v in running))}); the agent version is unknown")
        return None
    reported = _last_reported_version(tree)
    if running:
        (version,) = running
        pid = handlers[0].pid
        if version is None:
            version = _package_version(tree)
            if version is None:
                tree.notes.append(f"/proc/{pid}: the installed agent package handles extensions, but its version is not on disk; unknown")
                return None
            tree.notes.append(f"agent version {version}: the installed package runs (/proc/{pid}), {_package_where(tree)}")
        else:
            tree.notes.append(f"agent version {version}: the running extension handler's command line (/proc/{pid}/cmdline)")
        if reported is not None and reported != version:
            tree.notes.append(f"the agent last reported version {reported}; the one running now is {version}")
        return version
    if reported is not None:
        return reported
    return _version_from_auto_update(tree, conf)


def _version_from_auto_update(tree: GuestTree, conf: dict[str, str]) -> str | None:
    """Without a process or a report: the agent auto-update would run, as the agent reads waagent.conf."""
    versions = [m.group(1) for n in tree.listdir(_LIB) if (m := _AGENT_DIR_RE.match(n))]
    newest = max(versions, key=parse_version) if versions else None
    if _switch(conf.get("AutoUpdate.UpdateToLatestVersion")) is None and _switch(conf.get("AutoUpdate.Enabled")) is False:
        package = _package_version(tree)
        if package is not None:
            tree.notes.append(f"agent version {package}: AutoUpdate.Enabled=n, so the installed package runs ({_package_where(tree)})")
        else:
            shown = f" (the newest on disk, {newest}, does not run)" if newest else ""
            tree.notes.append(f"AutoUpdate.Enabled=n: the installed package runs, but its version is not on disk{shown}; unknown")
        return package
    if newest is None:
        return None
    tree.notes.append(
        f"agent version {newest} is the newest /{_LIB}/WALinuxAgent-* directory (no process or status file shows the running "
        "agent): auto-update runs the newest agent on disk"
    )
    return newest


def _switch(raw: str | None) -> bool | None:
    """A waagent.conf switch as the agent reads it: y on, n off (any case); None when not set or anything else."""
    if raw is None:
        return None
    return {"y": True, "n": False}.get(raw.strip().lower())


def _package_version(tree: GuestTree) -> str | None:
    found = _package_versions(tree)
    return found[0][0] if len({v for v, _ in found}) == 1 else None


def _package_where(tree: GuestTree) -> str:
    found = _package_versions(tree)
    return f"as /{found[0][1]} says" if found else "as its package says"


def _package_versions(tree: GuestTree) -> list[tuple[str, str]]:
    """``(version, path)`` of every installed WALinuxAgent package's metadata (``*.egg-info``, ``*.dist-info``)."""
    found: list[tuple[str, str]] = []
    for base in _PACKAGE_DIRS:
        for python in tree.listdir(base):
            if not python.startswith("python"):
                continue
            for packages in ("dist-packages", "site-packages"):
                folder = f"{base}/{python}/{packages}"
                found += [(m.group(1), f"{folder}/{n}") for n in tree.listdir(folder) if (m := _PACKAGE_META_RE.match(n))]
    return found


def _last_reported_version(tree: GuestTree) -> str | None:
    candidates = [f"{_LIB}/waagent_status.json"]
    candidates += [f"{_LIB}/history/{n}/waagent_status.json" for n in reversed(_history(tree))]
    for rel in candidates:
        text = tree.read_text(rel)
        if text is None:
            continue
        version = _reported_version(text)
        if version is not None:
            return version
        tree.notes.append(f"/{rel}: no agent version in it")
    return None


def _reported_version(text: str) -> str | None:
    try:
        data = parse_json(text, "status file", input_limits())
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("__status__"), dict):
        data = data["__status__"]
    status = data.get("aggregateStatus") if isinstance(data, dict) else None
    agent = status.get("guestAgentStatus") if isinstance(status, dict) else None
    version = agent.get("version") if isinstance(agent, dict) else None
    if not isinstance(version, str):
        return None
    try:
        parse_version(version)
    except ValueError:
        return None
    return version


def _agent_processes(tree: GuestTree) -> list[_AgentProcess] | None:
    """The agent's processes in ``proc/``; None when the process table cannot be read."""
    if not tree.is_dir("proc"):
        tree.notes.append("no proc/ directory: whether the agent runs is unknown")
        return None
    if tree.is_host and not tree.exists("proc/1"):
        tree.notes.append("/proc hides other users' processes (hidepid): whether the agent runs is unknown")
        return None
    own = str(os.getpid()) if tree.is_host else None
    seen = 0
    found: list[_AgentProcess] = []
    for pid in tree.listdir("proc"):
        if not pid.isdigit() or pid == own:
            continue
        data = tree.read_bytes(f"proc/{pid}/cmdline", quiet=True)
        if data is None:
            continue
        seen += 1
        argv = [a.decode("utf-8", errors="replace") for a in data.split(b"\0") if a]
        program = _agent_program(argv)
        if program is not None:
            found.append(_AgentProcess(pid, program.group(2), "-run-exthandlers" in argv))
    if seen == 0:
        tree.notes.append("no process command line could be read under proc/: whether the agent runs is unknown")
        return None
    return found


def _agent_program(argv: list[str]) -> re.Match[str] | None:
    """The agent as the program itself, or as the script a Python interpreter runs."""
    if not argv:
        return None
    if (match := _AGENT_PROGRAM_RE.match(os.path.basename(argv[0]))) is not None:
        return match
    if os.path.basename(argv[0]).startswith("python"):
        script = next((a for a in argv[1:] if not a.startswith("-")), None)
        return _AGENT_PROGRAM_RE.match(os.path.basename(script)) if script is not None else None
    return None


def _extensions(tree: GuestTree) -> list[dict[str, Any]] | None:
    if not tree.is_dir(_LIB):
        return None
    dirs: dict[str, tuple[tuple[int, ...], str]] = {}
    for name in tree.listdir(_LIB):
        match = _EXT_DIR_RE.match(name)
        if match is None or name.startswith("WALinuxAgent-") or not tree.is_dir(f"{_LIB}/{name}/status"):
            continue
        version = tuple(int(p) for p in match.group("version").split("."))
        full = match.group("name").casefold()
        if full not in dirs or version > dirs[full][0]:
            dirs[full] = (version, name)
    plugins = _goal_state_plugins(tree)
    if plugins is None:
        names = [name.rsplit("-", 1)[0] for _, name in dirs.values()]
    else:
        names = plugins
        for full, (_, name) in dirs.items():
            if full not in {p.casefold() for p in plugins}:
                tree.notes.append(f"/{_LIB}/{name}: extension files, but the goal state does not list it; left out")
    if plugins is None and not names:
        return None
    extensions = []
    for full_name in names:
        short = full_name.rsplit(".", 1)[-1]
        found = dirs.get(full_name.casefold())
        state = _extension_state(tree, f"{_LIB}/{found[1]}/status") if found else None
        extensions.append({"name": short, "state": state} if state else {"name": short})
    return extensions


def _history(tree: GuestTree) -> list[str]:
    """The agent's goal state history folders, oldest first (by the time in their names)."""
    dated = []
    for name in tree.listdir(f"{_LIB}/history"):
        match = _HISTORY_RE.match(name)
        if match is not None:
            dated.append((match.group(1).replace(":", "-"), match.group(2) or "", name))
    return [name for *_, name in sorted(dated)]


def _goal_state_plugins(tree: GuestTree) -> list[str] | None:
    """Extension names of the goal state the agent runs (``state="uninstall"`` ones left out), or None.

    Every ExtensionsConfig and VmSettings of the history (and the older numbered files) is
    a candidate; the one created last wins, as the agent decides. A candidate without a
    creation time ranks below every one with it, then by where it was found.
    """
    candidates: list[tuple[int, int, str, list[str]]] = []
    numbered = sorted((int(m.group(1)), n) for n in tree.listdir(_LIB) if (m := _EXT_CONFIG_RE.match(n)))
    settings = sorted((int(m.group(1)), n) for n in tree.listdir(_LIB) if (m := _VM_SETTINGS_RE.match(n)))
    places = [f"{_LIB}/{n}" for _, n in numbered] + [f"{_LIB}/{n}" for _, n in settings]
    for folder in _history(tree):
        places += [f"{_LIB}/history/{folder}/ExtensionsConfig.xml", f"{_LIB}/history/{folder}/VmSettings.json"]
    for rank, rel in enumerate(places):
        text = tree.read_text(rel)
        if text is None:
            continue
        parsed = _vm_settings(tree, rel, text) if rel.endswith(".json") else _extensions_config(tree, rel, text)
        if parsed is not None:
            candidates.append((parsed[0], rank, rel, parsed[1]))
    if not candidates:
        return None
    _, _, rel, names = max(candidates)
    if len(candidates) > 1 or rel.endswith(".json"):
        kind = "Fast Track goal state" if rel.endswith(".json") else "WireServer goal state"
        tree.notes.append(f"extensions from /{rel} (the newest of {len(candidates)} goal states, a {kind})")
    return names


def _extensions_config(tree: GuestTree, rel: str, text: str) -> tuple[int, list[str]] | None:
    """``(createdOnTicks or -1, plugin names)`` of an ExtensionsConfig."""
    try:
        document = ET.fromstring(text)
    except ET.ParseError:
        tree.notes.append(f"/{rel}: not valid XML; ignored")
        return None
    plugins = document.find("Plugins")
    names: list[str] = []
    for plugin in plugins.findall("Plugin") if plugins is not None else []:
        name = (plugin.get("name") or "").strip()
        if name and plugin.get("state", "").lower() != "uninstall" and name not in names:
            names.append(name)
    meta = document.find("InVMGoalStateMetaData")
    ticks = meta.get("createdOnTicks", "") if meta is not None else ""
    return (int(ticks) if ticks.isdigit() else -1), names


def _vm_settings(tree: GuestTree, rel: str, text: str) -> tuple[int, list[str]] | None:
    """``(extensionsLastModifiedTickCount or -1, extension names)`` of a Fast Track VmSettings; None from Fabric."""
    try:
        data = parse_json(text, rel, input_limits())
    except ValueError:
        tree.notes.append(f"/{rel}: not valid JSON; ignored")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("extensionGoalStates", []), list):
        tree.notes.append(f"/{rel}: not a vmSettings document; ignored")
        return None
    if str(data.get("extensionGoalStatesSource", "")).lower() == "fabric":
        tree.notes.append(f"/{rel}: vmSettings from Fabric, which the agent ignores; ignored")
        return None
    names: list[str] = []
    for item in data.get("extensionGoalStates", []):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name.strip() and str(item.get("state", "")).lower() != "uninstall" and name.strip() not in names:
            names.append(name.strip())
    ticks = data.get("extensionsLastModifiedTickCount")
    return (ticks if isinstance(ticks, int) and not isinstance(ticks, bool) else -1), names


def _extension_state(tree: GuestTree, status_dir: str) -> str | None:
    numbered = sorted((int(m.group(1)), n) for n in tree.listdir(status_dir) if (m := _STATUS_RE.match(n)))
    if not numbered:
        return None
    rel = f"{status_dir}/{numbered[-1][1]}"
    text = tree.read_text(rel)
    if text is None:
        return None
    try:
        data = parse_json(text, rel, input_limits())
    except ValueError:
        tree.notes.append(f"/{rel}: not valid JSON; the extension's state is unknown")
        return None
    entry = data[0] if isinstance(data, list) and data else data
    status = entry.get("status") if isinstance(entry, dict) else None
    value = status.get("status") if isinstance(status, dict) else None
    return _STATUS_STATES.get(value.lower()) if isinstance(value, str) else None
