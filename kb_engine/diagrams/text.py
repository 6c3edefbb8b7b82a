"""The text twin of a decision tree: an indented outline for terminals, tickets and screen readers.

It says what the drawn tree says, in reading order: every question with its
yes and no branches (``-> Q2.1`` names where a branch goes), every cause leaf
with its numbered steps, and the escalation leaf with the logs to collect.
Lines stay within 80 columns (a Japanese character counts two); commands are
set in backticks, with no shell prompt (some are Windows tools such as
``services.msc``).
"""

from __future__ import annotations

from .labels import mark, width, word, wrap
from .tree import CAUSE_STATUSES, Node, Trace, Tree

__all__ = ["WIDTH", "tree_text"]

_TRUTH = {True: "truth_true", False: "truth_false", None: "truth_unknown"}

WIDTH = 80
"""Longest line, in terminal columns."""


def _target(tree: Tree, node_id: str) -> str:
    node = tree.node(node_id)
    if node.kind in ("question", "choice"):
        return node.label
    if node.kind == "cause":
        return f"{word('cause', tree.lang)} {node.label}"
    return node.title


def _top(tree: Tree, group_id: str) -> str:
    group = tree.group(group_id)
    return group.id if group.parent is None else _top(tree, group.parent)


def _para(text: str, indent: str, first: str | None = None) -> list[str]:
    """Wrap ``text`` at the page width; ``first`` prefixes the first line (later lines align under it)."""
    lead = indent if first is None else first
    lines = wrap(text, WIDTH - width(lead))
    return [lead + lines[0]] + [" " * len(lead) + line for line in lines[1:]]


def _leaf(tree: Tree, node: Node, indent: str) -> list[str]:
    lang = tree.lang
    out = _para(node.title, indent)
    out.append(f"{indent}  {word('remedy', lang)}:")
    for step in node.steps:
        pad = indent + "    "
        if step.heading:
            out += _para(step.heading, pad, pad + "-- ")
        out += _para(step.text, pad, f"{pad}{step.number}. ")
        inner = pad + " " * (len(str(step.number)) + 2)
        if step.command:
            out.append(f"{inner}`{step.command}`")
        for label, command in step.variants:
            out += _para(f"{label}: `{command}`", inner)
        if step.link:
            out.append(f"{inner}{step.link}")
    return out


def tree_text(tree: Tree, tr: Trace | None = None) -> str:
    """The outline of a decision tree: same questions, branches, leaves and steps as the diagram.

    With a trace (one VM's diagnosis), each cause's heading carries its status
    and each question its answer, as the drawn overlay marks them.
    """
    lang = tree.lang
    out = [*_para(f"{word('error_code', lang)}: {tree.title}", ""), *_para(tree.subtitle, ""), ""]
    start = tree.node("start")
    for line in start.lines:
        out += _para(line, "")
    first = tree.out_edges("start")[0]
    out.append(f"{word('start', lang)} -> {_target(tree, first.target)}")
    for node in tree.nodes:
        if node.kind == "choice":
            out += [""] + _para(node.title, "", f"{node.label} ")
            out.append(f"     ({word('fact', lang)}: {node.fact})")
            for edge in tree.out_edges(node.id):
                out.append(f"     {edge.label} -> {_target(tree, edge.target)}")
    # A question asked once for several causes comes just before the first of them.
    shared: dict[str, list[Node]] = {}
    for index, node in enumerate(tree.nodes):
        if node.kind == "question" and node.group is None:
            following = next(n.group for n in tree.nodes[index:] if n.group is not None)
            shared.setdefault(_top(tree, following), []).append(node)
    for group in tree.groups:
        for node in shared.get(group.id, []):
            title = node.title if tr is None else f"{node.title} {word(_TRUTH[tr.answers.get(node.id)], lang)}"
            out += [""] + _para(title, "", f"{node.label} ")
            out += _para(f"({word('fact', lang)}: {node.test})", "     ")
            for edge in tree.out_edges(node.id):
                out.append(f"     {edge.label} -> {_target(tree, edge.target)}")
        depth = "  " if group.parent else ""
        heading = group.heading
        if tr is not None:
            status = tr.status.get(group.id, "undetermined")
            heading += " " + word(f"status_{status if status in CAUSE_STATUSES else 'undetermined'}", lang)
        out += ["", *_para(heading, depth)]
        for node in tree.nodes:
            if node.group != group.id:
                continue
            indent = depth + "  "
            if node.kind == "question":
                title = node.title if tr is None else f"{node.title} {word(_TRUTH[tr.answers.get(node.id)], lang)}"
                out += _para(title, indent, f"{indent}{node.label} ")
                out += _para(f"({word('fact', lang)}: {node.test})", indent + "     ")
                branch = indent + "     "
            else:
                out += _leaf(tree, node, indent)
                branch = indent + "  "
            for edge in tree.out_edges(node.id):
                out.append(f"{branch}{edge.label} -> {_target(tree, edge.target)}")
    escalate = tree.node("escalate")
    out += ["", escalate.title]
    for line in escalate.lines:
        out += _para(line, "  ")
    if escalate.logs:
        out.append(f"  {word('logs', lang)}:")
        out += [f"    {log}" for log in escalate.logs]
    if tr is None:  # a VM's overlay is not one of the generated files
        out += ["", *_para(f"-- {mark(lang)}", "")]
    return "\n".join(out) + "\n"
