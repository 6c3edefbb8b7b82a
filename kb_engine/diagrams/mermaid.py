"""Mermaid views of the decision trees (``flowchart TD``), for pages that render Mermaid inline.

Labels are escaped with Mermaid's entity codes (``#quot;``, ``#35;``...), so a
quote, ``<`` or ``#`` in the knowledge base cannot break the diagram. Lines are
broken only between the parts of a label (title, each step, each command):
Mermaid wraps each part itself at :data:`WRAPPING_WIDTH` pixels (set in the
front matter), so words are never broken twice; Japanese parts carry ``<wbr>``
between their phrases (BudouX's) and a style sheet (:data:`JA_CSS`) that breaks
them only there; cause leaves and the
escalation leaf are left-aligned. Each tree
stays well under Mermaid's default limits (50,000 characters of text, 500
edges); :data:`MAX_TEXT_SIZE` and :data:`MAX_EDGES` name them for the tests.
"""

from __future__ import annotations

import json

from .labels import mark, phrases, word
from .style import OKABE_ITO, TINT
from .tree import Node, StepText, Tree

__all__ = ["JA_CSS", "MAX_EDGES", "MAX_TEXT_SIZE", "WRAPPING_WIDTH", "escape", "tree_mermaid"]

MAX_TEXT_SIZE = 50_000
"""Mermaid's default ``maxTextSize``: longer diagram text is refused."""
MAX_EDGES = 500
"""Mermaid's default ``maxEdges``."""
WRAPPING_WIDTH = 360
"""Where Mermaid wraps a label line, in pixels (its default, 200, makes remedies long and narrow)."""

JA_CSS = ".nodeLabel, .cluster-label span { word-break: keep-all; overflow-wrap: anywhere; }"
"""Japanese labels break only where a ``<wbr>`` (between two phrases) or a space is, unless a phrase is wider than a line."""

_ENTITIES = {"#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;", "|": "#124;"}


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for ``# " & < > ` |``)."""
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def _join(lines: list[str]) -> str:
    return '"' + "<br/>".join(lines) + '"'


def _wrapped(text: str, lang: str) -> list[str]:
    """The lines of a text; in Japanese, ``<wbr>`` between its phrases where no space is: where Mermaid may break
    a line (see JA_CSS); never after an opening bracket nor before a closing one (the browser keeps those rules
    at spaces itself)."""
    if lang != "ja":
        return [escape(line) for line in text.split("\n")]
    out: list[str] = []
    for line in text.split("\n"):
        pieces = phrases(line)
        joined = escape(pieces[0])
        for piece in pieces[1:]:  # a space is a break already
            joined += ("" if joined.endswith(" ") or piece.startswith(" ") else "<wbr>") + escape(piece)
        out.append(joined)
    return out


def _step(step: StepText, lang: str) -> list[str]:
    out: list[str] = []
    if step.heading:
        out += _wrapped(f"-- {step.heading}", lang)
    out += _wrapped(f"{step.number}. {step.text}", lang)
    if step.command:
        out.append(escape(f"`{step.command}`"))
    for label, command in step.variants:
        out.append(escape(f"{label}: `{command}`"))
    if step.link:
        out.append(escape(step.link))
    return out


def _node(node: Node, lang: str) -> str:
    if node.kind in ("question", "choice"):
        lines = [escape(node.label)] + _wrapped(node.title, lang)
        if node.fact:
            lines.append(escape(f"({word('fact', lang)}: {node.fact})"))
        return f"{node.id}{{{{{_join(lines)}}}}}"
    if node.kind == "start":
        lines = [escape(f"{word('error_code', lang)}: {node.title}")]
        for extra in node.lines:
            lines += _wrapped(extra, lang)
        return f"{node.id}([{_join(lines)}])"
    if node.kind == "cause":
        lines = _wrapped(node.title, lang) + [escape(f"{word('remedy', lang)}:")]
        for step in node.steps:
            lines += _step(step, lang)
        return f"{node.id}[{_join(lines)}]"
    lines = _wrapped(node.title, lang)
    for extra in node.lines:
        lines += _wrapped(extra, lang)
    if node.logs:
        lines.append(escape(f"{word('logs', lang)}:"))
        lines += [escape(f"`{log}`") for log in node.logs]
    return f"{node.id}[[{_join(lines)}]]"


_CLASSES = {
    "start": f"fill:{TINT['orange']},stroke:{OKABE_ITO['black']},color:#000",
    "question": f"fill:{TINT['sky']},stroke:{OKABE_ITO['blue']},color:#000",
    "choice": f"fill:{TINT['sky']},stroke:{OKABE_ITO['blue']},stroke-width:3px,color:#000",
    "cause": f"fill:{TINT['green']},stroke:{OKABE_ITO['green']},color:#000,text-align:left",
    "escalate": f"fill:{TINT['vermillion']},stroke:{OKABE_ITO['vermillion']},stroke-width:3px,color:#000,text-align:left",
}
_LINK_COLOUR = {"yes": OKABE_ITO["blue"], "no": OKABE_ITO["vermillion"], "not_applicable": OKABE_ITO["vermillion"]}


def tree_mermaid(tree: Tree) -> str:
    """The Mermaid flowchart of a decision tree: same content as the DOT tree, with a legend."""
    lang = tree.lang
    title = f"{word('error_code', lang)}: {tree.title} — {tree.subtitle}"
    out = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        "config:",
        "  flowchart:",
        "    htmlLabels: true",
        f"    wrappingWidth: {WRAPPING_WIDTH}",
        *([f"  themeCSS: {json.dumps(JA_CSS)}"] if lang == "ja" else []),
        "---",
        "flowchart TD",
        f"  %% {mark(lang)}",
    ]
    members: dict[str | None, list[Node]] = {}
    for node in tree.nodes:
        members.setdefault(node.group, []).append(node)

    def cluster(group_id: str, heading: str) -> list[str]:
        lines = [f"  subgraph g_{group_id} [{_join(_wrapped(heading, lang))}]", "    direction TB"]
        for node in members.get(group_id, []):
            lines.append(f"    {_node(node, lang)}")
        lines.append("  end")
        return lines

    for node in tree.nodes:
        if node.group is None and node.kind != "escalate":
            out.append("  " + _node(node, lang))
    for group in tree.groups:
        # Sub-causes are drawn beside their parent, not inside it: Mermaid lays a nested
        # subgraph's title over its parent's.
        parent = tree.group(group.parent).heading + " › " if group.parent else ""
        if members.get(group.id):
            out += cluster(group.id, parent + group.heading)
    out.append("  " + _node(tree.node("escalate"), lang))
    link_colours: dict[str, list[int]] = {}
    for index, edge in enumerate(tree.edges):
        arrow = "-.->" if edge.kind == "still_failing" else "-->"
        out.append(f"  {edge.source} {arrow}|{_join([escape(edge.label)])}| {edge.target}")
        if edge.kind in _LINK_COLOUR:
            link_colours.setdefault(_LINK_COLOUR[edge.kind], []).append(index)
    # The legend: one sample of each node shape and arrow.
    legend = [
        f"  subgraph legend [{_join([escape(word('legend', lang))])}]",
        "    direction TB",
        f"    legend_start([{_join([escape(word('legend_start', lang))])}])",
        f"    legend_question{{{{{_join([escape(word('legend_question', lang))])}}}}}",
        f"    legend_cause[{_join([escape(word('legend_leaf', lang))])}]",
        f"    legend_escalate[[{_join([escape(word('legend_escalate', lang))])}]]",
        f"    legend_start -->|{_join([escape(word('start', lang))])}| legend_question",
        f"    legend_question -->|{_join([escape(word('yes', lang))])}| legend_cause",
        f"    legend_question -->|{_join([escape(word('no', lang))])}| legend_escalate",
        f"    legend_cause -.->|{_join([escape(word('still_failing_end', lang))])}| legend_escalate",
        "  end",
    ]
    out += legend
    n = len(tree.edges)
    link_colours.setdefault(_LINK_COLOUR["yes"], []).append(n + 1)
    link_colours.setdefault(_LINK_COLOUR["no"], []).append(n + 2)
    for kind, style in _CLASSES.items():
        out.append(f"  classDef {kind} {style}")
    for kind in _CLASSES:
        ids = [node.id for node in tree.nodes if node.kind == kind] + ([f"legend_{kind}"] if kind != "choice" else [])
        if ids:
            out.append(f"  class {','.join(ids)} {kind}")
    for colour, indices in sorted(link_colours.items()):
        out.append(f"  linkStyle {','.join(str(i) for i in indices)} stroke:{colour},stroke-width:2px")
    return "\n".join(out) + "\n"
