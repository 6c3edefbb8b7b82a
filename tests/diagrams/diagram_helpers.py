"""Reading back the DOT the views write (one statement per line), for the tests' own checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|<.*?>(?=, \w+=|\]$))')
_EDGE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\w+) -> ("(?:[^"\\]|\\.)*"|\w+) \[(.*)\];$')
_NODE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\w+) \[(.*)\];$')


def attrs(text: str) -> dict[str, str]:
    """The attributes of one ``[...]`` list, quotes removed."""
    out: dict[str, str] = {}
    for key, value in _ATTR.findall(text + "]"):
        out[key] = value[1:-1].replace('\\"', '"') if value.startswith('"') else value
    return out


@dataclass
class Dot:
    nodes: dict[str, dict[str, str]]
    edges: list[tuple[str, str, dict[str, str]]]
    clusters: list[str]
    text: str


def parse(text: str) -> Dot:
    """Nodes, edges and cluster names (in order) of DOT text as kb_engine writes it."""
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []
    clusters: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("subgraph cluster_"):
            clusters.append(stripped.split()[1][len("cluster_"):])
            continue
        if stripped.startswith(("graph ", "node ", "edge ", "//", "{rank")):
            continue
        match = _EDGE.match(line)
        if match:
            edges.append((match.group(1).strip('"'), match.group(2).strip('"'), attrs(match.group(3))))
            continue
        match = _NODE.match(line)
        if match:
            nodes[match.group(1).strip('"')] = attrs(match.group(2))
    return Dot(nodes, edges, clusters, text)
