"""Facts from inside a Linux guest, read from its files (never needs root, never writes).

What is read, every path relative to ``root``:

* ``/etc/waagent.conf``: the raw values of ``Extensions.Enabled``,
  ``Provisioning.Agent`` and ``Logs.Verbose``, parsed with the agent's own rules
  (:mod:`kb_engine.sources.waagent_conf`); an option not in the file stays unknown;
* ``/etc/os-release`` (else ``/usr/lib/os-release``): ``ID`` -> ``vm.distro``, and ``vm.os: linux``;
* the agent's version: ``guestAgentStatus.version`` of the status the agent last
  reported (``/var/lib/waagent/waagent_status.json``, else the newest
  ``/var/lib/waagent/history/*/waagent_status.json``); failing that, the newest
  ``/var/lib/waagent/WALinuxAgent-<version>`` directory (an agent downloaded by
  auto-update, usually the one running; a note says so);
* whether the agent runs: ``proc/*/cmdline`` of the tree (the live ``/proc`` when
  ``root`` is ``/``) holding ``waagent`` or ``WALinuxAgent-<version>`` as the
  program or as the script a Python runs; no ``proc/`` -> unknown;
* DHCP: :mod:`kb_engine.sources.guest_network`;
* extensions: the plugins of the newest goal state
  (``/var/lib/waagent/history/*/ExtensionsConfig.xml``, else the highest
  ``/var/lib/waagent/ExtensionsConfig.<n>.xml``), each with the state of its
  newest status file (``/var/lib/waagent/<Publisher.Type>-<version>/status/<n>.status``:
  ``success`` -> succeeded, ``error`` -> failed, ``transitioning``); without a goal
  state, the extensions that have status directories.

A file that is missing leaves its facts unknown; one that cannot be read does too,
with a note. Nothing here concludes "false" from silence.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_engine.errors import InputError, Problem
from kb_engine.knowledge.vocabulary import ExtensionState, parse_version

from .guest_network import dhcp_evidence
from .guest_tree import GuestTree
from .waagent_conf import WAAGENT_CONF_KEYS, parse_waagent_conf

__all__ = ["GuestFacts", "collect", "collect_with_notes"]

_LIB = "var/lib/waagent"
_AGENT_DIR_RE = re.compile(r"^WALinuxAgent-(\d+(?:\.\d+){0,3})$")
_EXT_DIR_RE = re.compile(r"^(?P<name>.+)-(?P<version>\d+(?:\.\d+)*)$")
_EXT_CONFIG_RE = re.compile(r"^ExtensionsConfig\.(\d+)\.xml$")
_STATUS_RE = re.compile(r"^(\d+)\.status$")
_DISTRO_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_AGENT_PROGRAM_RE = re.compile(r"^(waagent|WALinuxAgent-\d+(?:\.\d+)*(?:-py[\d.]+\.egg)?)$")
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
    agent["version"] = _agent_version(tree)
    agent["service_running"] = _agent_running(tree)
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


def _agent_version(tree: GuestTree) -> str | None:
    candidates = [f"{_LIB}/waagent_status.json"]
    candidates += [f"{_LIB}/history/{n}/waagent_status.json" for n in reversed(tree.listdir(f"{_LIB}/history"))]
    for rel in candidates:
        text = tree.read_text(rel)
        if text is None:
            continue
        version = _reported_version(text)
        if version is not None:
            return version
        tree.notes.append(f"/{rel}: no agent version in it")
    versions = [m.group(1) for n in tree.listdir(_LIB) if (m := _AGENT_DIR_RE.match(n))]
    if not versions:
        return None
    newest = max(versions, key=parse_version)
    tree.notes.append(
        f"agent version {newest} is the newest /{_LIB}/WALinuxAgent-* directory (no status file): "
        "the agent runs it unless auto-update is off"
    )
    return newest


def _reported_version(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
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


def _agent_running(tree: GuestTree) -> bool | None:
    if not tree.is_dir("proc"):
        tree.notes.append("no proc/ directory: whether the agent runs is unknown")
        return None
    if tree.is_host and not tree.exists("proc/1"):
        tree.notes.append("/proc hides other users' processes (hidepid): whether the agent runs is unknown")
        return None
    own = str(os.getpid()) if tree.is_host else None
    seen = 0
    for pid in tree.listdir("proc"):
        if not pid.isdigit() or pid == own:
            continue
        data = tree.read_bytes(f"proc/{pid}/cmdline", quiet=True)
        if data is None:
            continue
        seen += 1
        if _is_agent([a.decode("utf-8", errors="replace") for a in data.split(b"\0") if a]):
            return True
    if seen == 0:
        tree.notes.append("no process command line could be read under proc/: whether the agent runs is unknown")
        return None
    return False


def _is_agent(argv: list[str]) -> bool:
    """The agent as the program itself, or as the script a Python interpreter runs."""
    if not argv:
        return False
    if _AGENT_PROGRAM_RE.match(os.path.basename(argv[0])):
        return True
    if os.path.basename(argv[0]).startswith("python"):
        script = next((a for a in argv[1:] if not a.startswith("-")), None)
        return script is not None and bool(_AGENT_PROGRAM_RE.match(os.path.basename(script)))
    return False


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


def _goal_state_plugins(tree: GuestTree) -> list[str] | None:
    """Extension names of the newest goal state (``state="uninstall"`` ones left out), or None."""
    candidates = [f"{_LIB}/history/{n}/ExtensionsConfig.xml" for n in reversed(tree.listdir(f"{_LIB}/history"))]
    numbered = sorted((int(m.group(1)), n) for n in tree.listdir(_LIB) if (m := _EXT_CONFIG_RE.match(n)))
    candidates += [f"{_LIB}/{n}" for _, n in reversed(numbered)]
    for rel in candidates:
        text = tree.read_text(rel)
        if text is None:
            continue
        try:
            document = ET.fromstring(text)
        except ET.ParseError:
            tree.notes.append(f"/{rel}: not valid XML; ignored")
            continue
        plugins = document.find("Plugins")
        names: list[str] = []
        for plugin in plugins.findall("Plugin") if plugins is not None else []:
            name = (plugin.get("name") or "").strip()
            if name and plugin.get("state", "").lower() != "uninstall" and name not in names:
                names.append(name)
        return names
    return None


def _extension_state(tree: GuestTree, status_dir: str) -> str | None:
    numbered = sorted((int(m.group(1)), n) for n in tree.listdir(status_dir) if (m := _STATUS_RE.match(n)))
    if not numbered:
        return None
    rel = f"{status_dir}/{numbered[-1][1]}"
    text = tree.read_text(rel)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        tree.notes.append(f"/{rel}: not valid JSON; the extension's state is unknown")
        return None
    entry = data[0] if isinstance(data, list) and data else data
    status = entry.get("status") if isinstance(entry, dict) else None
    value = status.get("status") if isinstance(status, dict) else None
    return _STATUS_STATES.get(value.lower()) if isinstance(value, str) else None
