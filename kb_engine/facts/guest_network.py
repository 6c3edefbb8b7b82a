"""Whether the guest uses DHCP, from its network configuration files.

The heuristic, in the order the files are read:

* netplan (``/etc/netplan/*.yaml``): an interface with ``dhcp4: true``;
* NetworkManager key files (``/etc/NetworkManager/system-connections/*.nmconnection``):
  ``[ipv4] method=auto``;
* ifcfg files (``/etc/sysconfig/network-scripts/ifcfg-*`` on Red Hat,
  ``/etc/sysconfig/network/ifcfg-*`` on SUSE): ``BOOTPROTO=dhcp``;
* ifupdown (``/etc/network/interfaces`` and ``interfaces.d/*``): ``iface X inet dhcp``;
* systemd-networkd (``/etc/systemd/network/*.network``): ``DHCP=yes|ipv4|true|both``.

Any DHCP interface (other than ``lo``) means DHCP is enabled. It is disabled only
when ``eth0``, the primary NIC on Azure, is configured statically somewhere and no
file shows DHCP. Anything else -- no files, unreadable files -- leaves it unknown.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field

from kb_engine.errors import InputError
from kb_engine.io.read import input_limits, parse_yaml

from .guest_tree import GuestTree

__all__ = ["DhcpEvidence", "dhcp_evidence"]

_PRIMARY = "eth0"
_TRUE = {"true", "yes", "on", "y"}
_NETWORKD_DHCP = {"yes", "true", "ipv4", "both", "on", "1"}


@dataclass(slots=True)
class DhcpEvidence:
    """What the network files say.

    Attributes:
        dhcp: where DHCP is configured (``file: interface``).
        static: interfaces configured with a fixed address (``file: interface``).
    """

    dhcp: list[str] = field(default_factory=list)
    static: list[str] = field(default_factory=list)

    @property
    def enabled(self) -> bool | None:
        """True with any DHCP interface; False when eth0 is static and nothing uses DHCP; else unknown."""
        if self.dhcp:
            return True
        if any(entry.endswith(f": {_PRIMARY}") for entry in self.static):
            return False
        return None


def dhcp_evidence(tree: GuestTree) -> DhcpEvidence:
    """Read every network configuration file the heuristic knows.

    Args:
        tree: the guest's files.

    Returns:
        The interfaces configured for DHCP and with static addresses, by file.
    """
    found = DhcpEvidence()
    _netplan(tree, found)
    _network_manager(tree, found)
    for folder in ("etc/sysconfig/network-scripts", "etc/sysconfig/network"):
        for name in tree.listdir(folder):
            if name.startswith("ifcfg-") and name != "ifcfg-lo":
                _ifcfg(tree, f"{folder}/{name}", name.removeprefix("ifcfg-"), found)
    interfaces = ["etc/network/interfaces"] + [f"etc/network/interfaces.d/{n}" for n in tree.listdir("etc/network/interfaces.d")]
    for rel in interfaces:
        _ifupdown(tree, rel, found)
    for name in tree.listdir("etc/systemd/network"):
        if name.endswith(".network"):
            _networkd(tree, f"etc/systemd/network/{name}", found)
    return found


def _netplan(tree: GuestTree, found: DhcpEvidence) -> None:
    for name in tree.listdir("etc/netplan"):
        if not name.endswith((".yaml", ".yml")):
            continue
        rel = f"etc/netplan/{name}"
        text = tree.read_text(rel)
        if text is None:
            continue
        try:
            doc = parse_yaml(text, rel, input_limits())
        except InputError as exc:
            tree.notes.append(f"/{rel}: {exc.problems[0].message}; ignored")
            continue
        network = doc.get("network") if isinstance(doc, dict) else None
        for section in ("ethernets", "bonds", "bridges", "vlans"):
            devices = network.get(section) if isinstance(network, dict) else None
            for device, config in (devices.items() if isinstance(devices, dict) else ()):
                if not isinstance(config, dict):
                    continue
                dhcp = config.get("dhcp4")
                if dhcp is True or (isinstance(dhcp, str) and dhcp.lower() in _TRUE):
                    found.dhcp.append(f"/{rel}: {device}")
                elif config.get("addresses"):
                    found.static.append(f"/{rel}: {device}")


def _network_manager(tree: GuestTree, found: DhcpEvidence) -> None:
    folder = "etc/NetworkManager/system-connections"
    for name in tree.listdir(folder):
        rel = f"{folder}/{name}"
        text = tree.read_text(rel) if name.endswith(".nmconnection") else None
        if text is None:
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(text)
        except configparser.Error:
            tree.notes.append(f"/{rel}: not a valid key file; ignored")
            continue
        device = parser.get("connection", "interface-name", fallback=name.removesuffix(".nmconnection"))
        method = parser.get("ipv4", "method", fallback="").strip().lower()
        if method == "auto":
            found.dhcp.append(f"/{rel}: {device}")
        elif method == "manual":
            found.static.append(f"/{rel}: {device}")


def _assignments(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip().upper()] = value.split("#")[0].strip().strip("'\"").lower()
    return values


def _ifcfg(tree: GuestTree, rel: str, device: str, found: DhcpEvidence) -> None:
    text = tree.read_text(rel)
    if text is None:
        return
    values = _assignments(text)
    device = values.get("DEVICE", device) or device
    proto = values.get("BOOTPROTO", "")
    if proto.startswith("dhcp"):
        found.dhcp.append(f"/{rel}: {device}")
    elif proto in {"static", "none"} and values.get("IPADDR"):
        found.static.append(f"/{rel}: {device}")


_IFACE_RE = re.compile(r"^\s*iface\s+(\S+)\s+inet\s+(\S+)")


def _ifupdown(tree: GuestTree, rel: str, found: DhcpEvidence) -> None:
    text = tree.read_text(rel)
    if text is None:
        return
    for line in text.splitlines():
        match = _IFACE_RE.match(line)
        if match is None or match.group(1) == "lo":
            continue
        if match.group(2) == "dhcp":
            found.dhcp.append(f"/{rel}: {match.group(1)}")
        elif match.group(2) == "static":
            found.static.append(f"/{rel}: {match.group(1)}")


def _networkd(tree: GuestTree, rel: str, found: DhcpEvidence) -> None:
    text = tree.read_text(rel)
    if text is None:
        return
    device = "?"
    dhcp = False
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == "Name" and value.strip():
            device = value.strip().split()[0]
        elif key.strip() == "DHCP" and value.strip().lower() in _NETWORKD_DHCP:
            dhcp = True
    if dhcp:
        found.dhcp.append(f"/{rel}: {device}")
