"""Graphviz DOT views: a decision tree per error code, the whole cause graph, diagnosis overlays.

Every function returns DOT text and runs nothing: :mod:`kb_engine.render`
turns the text into SVG, PNG or PDF. Output is deterministic (stable ids,
nodes and edges in a fixed order), so DOT files can be compared and
golden-tested.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from html import escape as _escape

import networkx as nx

from kb_engine.knowledge.model import CodeEntry, Edition

from .graph import cause_graph
from .labels import mark, word, wrap
from .style import FONT, GREY, GREY_FILL, GREY_TEXT, MONO, OKABE_ITO, TINT
from .tree import CAUSE_STATUSES, Node, StepText, Trace, Tree, build_tree, check_status, edition_line, os_name, trace

__all__ = ["graph_dot", "tree_dot", "tree_legend", "tree_overlay_dot"]

Attrs = Mapping[str, str | int | float]



class HtmlLabel(str):
    """An HTML-like label built by this module's label builders (:func:`_html`): the only text left unquoted.

    Any other value, whatever it looks like (a knowledge-base text such as
    ``<B>x</B>``), is written as a quoted string, so text from data can never
    become markup, nor close a label and add nodes.
    """

    __slots__ = ()


def _q(text: str) -> str:
    """A DOT double-quoted string (control characters, which ``dot`` rejects, shown as U+FFFD)."""
    text = text.translate(_CONTROL)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(attrs: Attrs) -> str:
    parts = []
    for key in sorted(attrs):
        value = attrs[key]
        if isinstance(value, HtmlLabel):
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{key}={_q(str(value))}")
    return "[" + ", ".join(parts) + "]"


_CONTROL = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029], "\ufffd")
_CONTROL[ord("\n")] = "\n"  # kept: white space in an HTML-like label, and \n in a quoted string


def _h(text: str) -> str:
    """Text escaped for an HTML-like label (control characters, which ``dot`` rejects, shown as U+FFFD)."""
    return _escape(text.translate(_CONTROL), quote=True)


def _html(inner: str) -> HtmlLabel:
    """An HTML-like label from markup whose texts went through :func:`_h`."""
    return HtmlLabel("<" + inner + ">")


_LEFT = '<BR ALIGN="LEFT"/>'
_INDENT = "&#160;" * 4


def _lines(text: str, *, columns: int = 40) -> list[str]:
    return [_h(line) for line in wrap(text, columns)]


def _small(text: str, colour: str = "#444444") -> str:
    return f'<FONT POINT-SIZE="10" COLOR="{colour}">{text}</FONT>'


def _mono(text: str) -> str:
    return f'<FONT FACE="{MONO}">{_h(text)}</FONT>'


# ---------------------------------------------------------------------------
# Decision trees

_EDGE_STYLE: dict[str, dict[str, str | float]] = {
    "start": {"color": OKABE_ITO["black"], "style": "solid", "penwidth": 1.2},
    "choice": {"color": OKABE_ITO["black"], "style": "solid", "penwidth": 1.6},
    "yes": {"color": OKABE_ITO["blue"], "style": "solid", "penwidth": 1.6},
    "no": {"color": OKABE_ITO["vermillion"], "style": "solid", "penwidth": 1.2},
    "not_applicable": {"color": OKABE_ITO["vermillion"], "style": "solid", "penwidth": 1.2},
    "still_failing": {"color": OKABE_ITO["black"], "style": "dotted", "penwidth": 1.2},
}


def _step_lines(step: StepText) -> list[str]:
    out: list[str] = []
    if step.heading:
        out += [f"<I>{line}</I>" for line in _lines(step.heading, columns=52)]
    first, *rest = wrap(f"{step.number}. {step.text}", 52)
    out.append(_h(first))
    out += [_INDENT + _h(line) for line in rest]
    if step.command:
        out.append(_INDENT + _mono(step.command))
    for label, command in step.variants:
        out.append(_INDENT + _h(label) + ": " + _mono(command))
    if step.link:
        out.append(_INDENT + _small(_h(step.link)))
    return out


def _node_label(node: Node, lang: str, mark: str | None) -> HtmlLabel:
    """The HTML-like label of a tree node; ``mark`` is an overlay's status line."""
    head = [f"<B>{_h(mark)}</B>"] if mark else []
    if node.kind in ("question", "choice"):
        lines = head + [f"<B>{_h(node.label)}</B>"] + _lines(node.title, columns=32)
        if node.fact:
            lines.append(_small(_h(f"{word('fact', lang)}: {node.fact}")))
        return _html("<BR/>".join(lines))
    if node.kind == "start":
        lines = head + [f'<B><FONT POINT-SIZE="15">{_h(node.title)}</FONT></B>']
        for extra in node.lines:
            lines += _lines(extra, columns=56)
        return _html("<BR/>".join(lines))
    if node.kind == "cause":
        lines = head + [f"<B>{line}</B>" for line in _lines(node.title, columns=52)]
        lines.append(f"<U>{_h(word('remedy', lang))}</U>")
        for step in node.steps:
            lines += _step_lines(step)
        return _html(_LEFT.join(lines) + _LEFT)
    lines = head + [f"<B>{line}</B>" for line in _lines(node.title, columns=52)]
    for extra in node.lines:
        lines += _lines(extra, columns=52)
    if node.logs:
        lines.append(f"<U>{_h(word('logs', lang))}</U>")
        lines += [_INDENT + _mono(log) for log in node.logs]
    return _html(_LEFT.join(lines) + _LEFT)


_NODE_STYLE: dict[str, dict[str, str | int | float]] = {
    "start": {"shape": "box", "style": "rounded,filled", "fillcolor": TINT["orange"], "color": OKABE_ITO["black"], "penwidth": 1.4},
    "question": {"shape": "hexagon", "style": "filled", "fillcolor": TINT["sky"], "color": OKABE_ITO["blue"], "penwidth": 1.2},
    "choice": {"shape": "hexagon", "style": "filled", "fillcolor": TINT["sky"], "color": OKABE_ITO["blue"], "penwidth": 2.4},
    "cause": {"shape": "box", "style": "filled", "fillcolor": TINT["green"], "color": OKABE_ITO["green"], "penwidth": 1.4},
    "escalate": {"shape": "box", "style": "filled", "fillcolor": TINT["vermillion"], "color": OKABE_ITO["vermillion"],
                 "penwidth": 1.4, "peripheries": 2},
}

_STATUS_WORD = {s: f"status_{s}" for s in CAUSE_STATUSES}


def _graph_head(name: str, title_lines: Iterable[str], lang: str, rankdir: str) -> list[str]:
    title = _LEFT.join(title_lines) + _LEFT
    return [
        f"// {mark(lang)}",
        f"// Language: {lang}",
        f"digraph {_q(name)} {{",
        "  " + "graph " + _attrs({
            "rankdir": rankdir, "label": _html(title), "labelloc": "t", "labeljust": "l", "fontname": FONT,
            "fontsize": 14, "nodesep": 0.35, "ranksep": 0.4, "newrank": "true", "pad": 0.3,
            "charset": "UTF-8", "comment": mark(lang),
        }) + ";",
        "  node " + _attrs({"fontname": FONT, "fontsize": 12, "margin": "0.14,0.07"}) + ";",
        "  edge " + _attrs({"fontname": FONT, "fontsize": 11, "arrowsize": 0.8}) + ";",
    ]


def _tree_title(tree: Tree, extra: str | None = None, *, compact: bool = False) -> list[str]:
    """The title lines; ``compact`` (a printed page): smaller, and wrapped so the title never widens the page."""
    big, small, columns = (16, 12, 64) if compact else (20, 14, 400)
    lines = [f'<B><FONT POINT-SIZE="{big}">{_h(word("error_code", tree.lang))}: {_h(tree.title)}</FONT></B>']
    lines += [f'<FONT POINT-SIZE="{small}">{line}</FONT>' for line in _lines(tree.subtitle, columns=columns + 10)]
    if extra:
        lines += [f'<FONT POINT-SIZE="{small + 1}"><B>{line}</B></FONT>' for line in _lines(extra, columns=columns)]
    return lines


def tree_legend(lang: str, with_overlay: bool, *, anchor: str | None = None) -> list[str]:
    """A compact legend: one row of sample shapes and arrows, with the line styles explained beside it.

    ``anchor``: a node the legend is drawn below (an invisible arrow keeps it at the bottom).
    """
    def sample(nid: str, kind: str, text: str) -> str:
        style = dict(_NODE_STYLE[kind])
        return f"    {nid} " + _attrs({**style, "label": _html(_h(text)), "fontsize": 10, "margin": "0.06,0.03"}) + ";"

    out = [
        "  subgraph cluster_legend {",
        "    " + "graph " + _attrs({"label": _html(f"<B>{_h(word('legend', lang))}</B>"), "style": "rounded", "color": GREY,
                                    "fontsize": 11, "labeljust": "l", "margin": 6}) + ";",
        sample("legend_start", "start", word("legend_start", lang)),
        sample("legend_question", "question", word("legend_question", lang)),
        sample("legend_cause", "cause", word("legend_leaf", lang)),
        sample("legend_escalate", "escalate", word("legend_escalate", lang)),
    ]
    for source, target, kind in (("legend_start", "legend_question", "start"), ("legend_question", "legend_cause", "yes"),
                                 ("legend_cause", "legend_escalate", "still_failing")):
        label = word("still_failing_end" if kind == "still_failing" else kind, lang)
        out.append(f"    {source} -> {target} " + _attrs({**_EDGE_STYLE[kind], "label": label, "fontsize": 10, "minlen": 1}) + ";")
    notes = [word("legend_edges", lang)]
    if with_overlay:
        notes += [word("legend_path", lang), word("legend_ruled_out", lang), word("legend_unknown", lang)]
    text = _LEFT.join(_h(n) for n in notes) + _LEFT
    out.append("    legend_notes " + _attrs({"shape": "plaintext", "label": _html(text), "fontsize": 10}) + ";")
    out.append("    legend_escalate -> legend_notes " + _attrs({"style": "invis", "minlen": 1}) + ";")
    out.append("    {rank=same; legend_start; legend_question; legend_cause; legend_escalate; legend_notes;}")
    out.append("  }")
    if anchor is not None:
        out.append(f"  {anchor} -> legend_start " + _attrs({"style": "invis", "weight": 0}) + ";")
    return out


def _node_overlay(node: Node, base: dict[str, str | int | float], tr: Trace, lang: str) -> tuple[dict[str, str | int | float], str | None]:
    """Style and status line of a node in an overlay."""
    style = dict(base)
    state = tr.nodes[node.id]
    mark: str | None = None
    if node.kind == "question" and state == "path":
        answer = tr.answers.get(node.id)
        mark = word("truth_unknown" if answer is None else "truth_true" if answer else "truth_false", lang)
    if node.kind == "choice":
        mark = word("truth_unknown", lang) if tr.os is None else f"[{os_name(tr.os)}]"
    status = None
    if node.kind == "cause" and node.group is not None:
        status = tr.status.get(node.group, "undetermined")
        mark = word(_STATUS_WORD[status], lang)
        if status in ("ruled_out", "not_applicable"):
            state = "off"
    unknown = (node.kind == "question" and tr.answers.get(node.id) is None) or status == "undetermined" or \
        (node.kind == "choice" and tr.os is None)
    if state == "off":
        style.update({"color": GREY, "fontcolor": GREY_TEXT, "fillcolor": GREY_FILL, "style": f"{style['style']},dashed", "penwidth": 1})
    elif unknown:
        style.update({"color": OKABE_ITO["orange"], "penwidth": 3, "style": f"{style['style']},dashed"})
    else:
        style.update({"color": OKABE_ITO["black"], "penwidth": 3.5})
    return style, mark


def _group_title(tree: Tree, group_id: str, tr: Trace | None) -> str:
    group = tree.group(group_id)
    heading = group.heading
    if tr is not None:
        heading += " " + word(_STATUS_WORD[tr.status.get(group.id, "undetermined")], tree.lang)
    return _html(_LEFT.join(f"<B>{line}</B>" for line in _lines(heading, columns=48)) + _LEFT)


def tree_dot(tree: Tree, tr: Trace | None = None, *, vm: str | None = None, legend: bool = True,
             keep: Collection[str] | None = None, elsewhere: Mapping[str, str] | None = None,
             heading: str | None = None, titles: bool = True) -> str:
    """The DOT text of a decision tree; with ``tr``, one VM's diagnosis drawn over it.

    Causes are drawn as clusters in the article's order, numbered, with their
    letter; each cluster's title is a node of its own at the top of the cluster,
    so arrows go around it instead of through it. Every edge carries its label;
    a compact legend below the tree explains shapes and lines.

    Args:
        tree: the tree.
        tr: one VM's diagnosis over it, or None.
        vm: the VM's name, for an overlay's title.
        legend: draw the legend (a poster puts its own in a corner).
        keep: draw only these nodes (one page of a poster); an arrow to a node not drawn ends at a
            small note naming it and, from ``elsewhere``, where it is (``page 3``).
        elsewhere: node id -> where to find it.
        heading: a line under the title (a poster page's part).
        titles: draw each cause's title beside its part (a poster page of one cause names it in its heading
            instead).
    """
    lang = tree.lang
    extra = heading
    if tr is not None:
        extra = word("diagnosis", lang) + (f": {vm}" if vm else "")
    lines = _graph_head(f"tree-{tree.code}", _tree_title(tree, extra, compact=keep is not None), lang, "TB")
    shown = {n.id for n in tree.nodes} if keep is None else set(keep)
    members: dict[str | None, list[Node]] = {}
    for node in tree.nodes:
        if node.id in shown:
            members.setdefault(node.group, []).append(node)

    def node_line(node: Node, indent: str) -> str:
        style = dict(_NODE_STYLE[node.kind])
        mark = None
        if tr is not None:
            style, mark = _node_overlay(node, style, tr, lang)
        attrs: dict[str, str | int | float] = {**style, "label": _node_label(node, lang, mark), "id": node.id}
        if node.kind != "cause":
            # One group for the questions: dot keeps the main line of questions straight.
            attrs["group"] = "questions"
        if node.kind in ("question", "choice"):
            attrs["tooltip"] = f"{word('fact', lang)}: {node.fact} ({node.test})"
        else:
            attrs["tooltip"] = node.title
        return f"{indent}{node.id} " + _attrs(attrs) + ";"

    def first_node(group_id: str) -> str:
        own = members.get(group_id, [])
        subs = [g for g in tree.groups if g.parent == group_id and members.get(g.id)]
        if own and (not subs or tree.nodes.index(own[0]) < tree.nodes.index(members[subs[0].id][0])):
            return own[0].id
        return first_node(subs[0].id)

    def cluster(group_id: str, indent: str) -> list[str]:
        group = tree.group(group_id)
        off = tr is not None and tr.status.get(group.id) in ("ruled_out", "not_applicable")
        out = [f"{indent}subgraph cluster_{group.id} {{",
               f"{indent}  graph " + _attrs({"style": "rounded,dashed" if off else "rounded", "color": GREY if off else GREY_TEXT,
                                             "label": "", "id": f"cluster_{group.id}"}) + ";"]
        title = "" if not titles else f"title_{group.id}"
        if title:
            out.append(f"{indent}  {title} " + _attrs({
                "shape": "plaintext", "label": _group_title(tree, group.id, tr), "fontsize": 13, "margin": "0.02,0.02",
                "fontcolor": GREY_TEXT if off else OKABE_ITO["black"], "id": title,
            }) + ";")
            # Beside the cluster's first node, on its left: arrows coming down into the cluster miss it.
            first = first_node(group.id)
            out.append(f"{indent}  {title} -> {first} " + _attrs({"style": "invis"}) + ";")
            out.append(f"{indent}  {{rank=same; {title}; {first};}}")
        own = members.get(group.id, [])
        for node in own:
            out.append(node_line(node, indent + "  "))
        questions = [n.id for n in own if n.kind == "question"]
        leaves = [n.id for n in own if n.kind == "cause"]
        if questions and leaves:
            # The leaf beside the cause's last question: questions stay in one straight column.
            out.append(f"{indent}  {{rank=same; {questions[-1]}; {leaves[0]};}}")
        for sub in tree.groups:
            if sub.parent == group.id and has_members(sub.id):
                out += cluster(sub.id, indent + "  ")
        out.append(f"{indent}}}")
        return out

    def has_members(group_id: str) -> bool:
        return bool(members.get(group_id)) or any(has_members(g.id) for g in tree.groups if g.parent == group_id)

    body: list[str] = []
    for node in tree.nodes:
        if node.group is None and node.kind != "escalate" and node.id in shown:
            body.append(node_line(node, "  "))
    for group in tree.groups:
        if group.parent is None and has_members(group.id):
            body += cluster(group.id, "  ")
    if "escalate" in shown:
        body.append(node_line(tree.node("escalate"), "  "))
    stubs: list[str] = []
    for edge in tree.edges:
        if edge.source not in shown:
            continue
        if edge.target not in shown:
            # An arrow to another page: it ends at a note saying where to go on.
            target = tree.node(edge.target)
            name = target.label or target.title
            where = (elsewhere or {}).get(edge.target)
            stub = f"stub__{edge.target}"  # one note per place the page's arrows go on to
            note = f"\u2192 {name}" + (f" ({where})" if where else "")
            line = f"  {stub} " + _attrs({"shape": "note", "label": note, "fontsize": 11, "style": "dashed",
                                          "color": GREY_TEXT, "margin": "0.08,0.04"}) + ";"
            if line not in stubs:
                stubs.append(line)
            body.append(f"  {edge.source} -> {stub} " + _attrs({**_EDGE_STYLE[edge.kind], "label": edge.label}) + ";")
            continue
        attrs: dict[str, str | int | float] = {**_EDGE_STYLE[edge.kind], "label": edge.label,
                                               "id": f"edge__{edge.source}__{edge.target}__{edge.kind}"}
        if edge.kind in ("no", "yes", "start") and tree.node(edge.target).kind != "cause":
            attrs["weight"] = 10  # the main line: straight down
        if tr is not None:
            state = tr.edges[(edge.source, edge.target, edge.kind)]
            if state == "taken":
                attrs.update({"penwidth": 3.5, "style": "bold", "color": OKABE_ITO["black"]})
            elif state == "maybe":
                attrs.update({"penwidth": 2.5, "style": "dotted", "color": OKABE_ITO["orange"], "label": f"{edge.label} (?)"})
            else:
                attrs.update({"penwidth": 1, "style": "dashed", "color": GREY, "fontcolor": GREY_TEXT})
        body.append(f"  {edge.source} -> {edge.target} " + _attrs(attrs) + ";")
    if legend:
        body += tree_legend(lang, tr is not None, anchor="escalate" if "escalate" in shown else None)
    return "\n".join(lines + stubs + body + ["}", ""])


# ---------------------------------------------------------------------------
# The whole cause graph (reference poster)

_KIND_STYLE: dict[str, dict[str, str | int | float]] = {
    "error_code": {"shape": "box", "style": "rounded,filled", "fillcolor": TINT["orange"], "color": OKABE_ITO["black"]},
    "cause": {"shape": "box", "style": "filled", "fillcolor": TINT["green"], "color": OKABE_ITO["green"], "penwidth": 1.4},
    "sub_cause": {"shape": "box", "style": "rounded,filled", "fillcolor": TINT["green"], "color": OKABE_ITO["green"]},
    "finding": {"shape": "hexagon", "style": "filled", "fillcolor": TINT["sky"], "color": OKABE_ITO["blue"]},
    "condition": {"shape": "ellipse", "style": "filled", "fillcolor": TINT["yellow"], "color": OKABE_ITO["black"]},
    "procedure": {"shape": "tab", "style": "filled", "fillcolor": TINT["purple"], "color": OKABE_ITO["purple"]},
}


def _graph_label(g: nx.DiGraph, node: str, lang: str, mark: str | None) -> HtmlLabel:
    data = g.nodes[node]
    kind = data["kind"]
    head = [f"<B>{_h(mark)}</B>"] if mark else []
    if kind == "error_code":
        lines = head + [f"<B>{_h(name)}</B>" for name in data["names"].split(",")]
        lines += [_small(line) for line in _lines(data[f"text_{lang}"], columns=40)]
        # The causes' order numbers are cells on the right edge, each the port its arrow leaves from:
        # a number can then only belong to its own arrow.
        count = sum(1 for _, _, k in g.out_edges(node, data="kind") if k == "code_cause")
        cells = "".join(
            ("<TR>" if n > 1 else "") + f'<TD PORT="p{n}" BORDER="1" SIDES="L" COLOR="{GREY}"><B>{n}.</B></TD></TR>'
            for n in range(1, count + 1)
        )
        body = "<BR/>".join(lines)
        return _html(f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3"><TR>'
                     f'<TD ROWSPAN="{max(count, 1)}">{body}</TD>{cells or "</TR>"}</TABLE>')
    elif kind in ("cause", "sub_cause"):
        ref = f"[{data['ref']}] " if "ref" in data else ""
        lines = head + [f"<B>{line}</B>" for line in _lines(ref + data[f"text_{lang}"], columns=36)]
        steps = sum(1 for _, v, k in g.out_edges(node, data="kind") if k == "remedy")
        lines.append(_small(_h(f"{steps} {word('steps_count', lang)}")))
    elif kind == "finding":
        lines = head + _lines(data[f"question_{lang}"], columns=32)
    elif kind == "procedure":
        ref = f"[{data['ref']}] " if "ref" in data else ""
        lines = head + _lines(ref + data[f"text_{lang}"], columns=32)
    else:
        lines = head + _lines(data[f"text_{lang}"], columns=36)
    return _html("<BR/>".join(lines))


def _poster_legend(lang: str, with_overlay: bool) -> list[str]:
    out = [
        "  subgraph cluster_legend {",
        "    graph " + _attrs({"label": _html(f"<B>{_h(word('legend', lang))}</B>"), "style": "rounded", "color": GREY,
                                "fontsize": 12, "labeljust": "l"}) + ";",
    ]
    previous = None
    for kind, key in (("error_code", "legend_code"), ("cause", "legend_cause"), ("sub_cause", "legend_sub_cause"),
                      ("finding", "legend_finding"), ("condition", "legend_condition"), ("procedure", "legend_procedure")):
        nid = f"legend_{kind}"
        out.append(f"    {nid} " + _attrs({**_KIND_STYLE[kind], "label": _html(_h(word(key, lang))), "fontsize": 11}) + ";")
        if previous is not None:
            out.append(f"    {previous} -> {nid} " + _attrs({"style": "invis"}) + ";")
        previous = nid
    if with_overlay:
        notes = [word("legend_path", lang), word("legend_ruled_out", lang), word("legend_unknown", lang)]
        text = _LEFT.join(_h(n) for n in notes) + _LEFT
        out.append("    legend_notes " + _attrs({"shape": "plaintext", "label": _html(text), "fontsize": 11}) + ";")
        out.append(f"    {previous} -> legend_notes " + _attrs({"style": "invis"}) + ";")
    out.append("  }")
    return out


def _dot_id(node: str) -> str:
    return _q(node)


def graph_dot(
    edition: Edition,
    lang: str,
    cause_status: Mapping[str, str] | None = None,
    finding_truth: Mapping[str, bool | None] | None = None,
    *,
    vm: str | None = None,
) -> str:
    """The DOT text of an edition's whole cause graph (the reference poster).

    Columns from left to right: error codes, their causes (edges numbered in
    the article's order), the findings that confirm a cause or say whether it
    applies, and the fact test behind each finding. Remedy steps are counted,
    not drawn (the decision trees show them). With ``cause_status`` and
    ``finding_truth``, one VM's diagnosis is drawn over it.

    Raises:
        ValueError: a cause status is not one of ``confirmed``, ``ruled_out``, ``undetermined``, ``not_applicable``.
    """
    overlaid = cause_status is not None or finding_truth is not None
    statuses = dict(cause_status or {})
    check_status(statuses)
    truths = dict(finding_truth or {})
    g = cause_graph(edition)
    name = f": {vm}" if vm else ""
    extra = f"<BR/><B>{_h(word('diagnosis', lang) + name)}</B>" if overlaid else ""
    title = [f'<B><FONT POINT-SIZE="20">{_h(word("cause_graph", lang))}</FONT></B>',
             f'<FONT POINT-SIZE="14">{_h(edition_line(edition, lang))}{extra}</FONT>']
    out = _graph_head(f"graph-{edition.id}", title, lang, "LR")
    out.append("  graph " + _attrs({"ranksep": 1.2, "nodesep": 0.15}) + ";")
    shown = [n for n, k in g.nodes(data="kind") if k != "remedy_step"]
    off_nodes: set[str] = set()
    for node in shown:
        data = g.nodes[node]
        style = dict(_KIND_STYLE[data["kind"]])
        mark = None
        if overlaid and data["kind"] in ("cause", "sub_cause"):
            status = statuses.get(data["id"], "undetermined")
            mark = word(_STATUS_WORD[status], lang)
            if status == "confirmed":
                style.update({"penwidth": 3.5, "color": OKABE_ITO["black"]})
            elif status == "undetermined":
                style.update({"penwidth": 2.5, "color": OKABE_ITO["orange"], "style": f"{style['style']},dashed"})
            else:
                off_nodes.add(node)
        elif overlaid and data["kind"] == "finding":
            answer = truths.get(data["id"])
            mark = word("truth_unknown" if answer is None else "truth_true" if answer else "truth_false", lang)
            if answer is True:
                style.update({"penwidth": 3.5, "color": OKABE_ITO["black"]})
            elif answer is None:
                style.update({"penwidth": 2.5, "color": OKABE_ITO["orange"], "style": f"{style['style']},dashed"})
            else:
                off_nodes.add(node)
        if node in off_nodes:
            style.update({"color": GREY, "fontcolor": GREY_TEXT, "fillcolor": GREY_FILL, "style": f"{style['style']},dashed", "penwidth": 1})
        attrs = {**style, "label": _graph_label(g, node, lang, mark), "tooltip": node}
        out.append(f"  {_dot_id(node)} " + _attrs(attrs) + ";")
    edges: list[tuple[str, str, dict[str, str | int | float]]] = []
    for u, v, data in g.edges(data=True):
        kind = data["kind"]
        if kind == "code_cause":
            # decorate: a line ties the order number to its own arrow among the crossing ones.
            edges.append((u, v, {"tailport": f"p{data['order']}:e", "color": OKABE_ITO["black"]}))
        elif kind in ("evidence", "test") and g.nodes[v]["kind"] in ("cause", "sub_cause"):
            key = "edge_not" if data.get("negated") else "edge_applies" if data.get("role") == "applies" else "edge_when"
            line = "dashed" if data.get("role") == "applies" else "solid"
            # Drawn from the cause to what confirms it, arrow back: causes stay left of findings.
            edges.append((v, u, {"label": word(key, lang), "dir": "back", "style": line, "color": OKABE_ITO["blue"]}))
        elif kind == "test":
            edges.append((v, u, {"label": word("edge_test", lang), "dir": "back", "color": OKABE_ITO["black"]}))
        elif kind in ("sub_cause", "cause_ref"):
            edges.append((v, u, {"label": word("edge_sub_cause", lang), "dir": "back", "color": OKABE_ITO["green"]}))
        elif kind == "procedure_step":
            cause = g.nodes[v]["cause"]
            edge: tuple[str, str, dict[str, str | int | float]] = (
                f"cause:{cause}", u, {"label": word("edge_procedure", lang), "color": OKABE_ITO["purple"], "style": "dotted"})
            if edge not in edges:
                edges.append(edge)
    for u, v, attrs in sorted(edges, key=lambda e: (e[0], e[1])):
        if overlaid:
            if u in off_nodes or v in off_nodes:
                attrs = {**attrs, "color": GREY, "fontcolor": GREY_TEXT, "style": "dashed"}
            elif g.nodes[u]["kind"] in ("cause", "sub_cause") and statuses.get(g.nodes[u]["id"]) == "confirmed" and \
                    (g.nodes[v]["kind"] != "finding" or truths.get(g.nodes[v]["id"]) is True):
                attrs = {**attrs, "penwidth": 3.5, "style": "bold"}
        out.append(f"  {_dot_id(u)} -> {_dot_id(v)} " + _attrs(attrs) + ";")
    out += _poster_legend(lang, overlaid)
    return "\n".join(out + ["}", ""])


# ---------------------------------------------------------------------------
# Overlays


def tree_overlay_dot(
    edition: Edition,
    code_entry: CodeEntry | None,
    cause_status: Mapping[str, str],
    finding_truth: Mapping[str, bool | None],
    lang: str,
    vm: str | None = None,
) -> str:
    """One VM's diagnosis drawn on its error code's decision tree, as DOT text.

    The path the VM's answers take is bold; branches its answers rule out are
    grey and dashed; a question whose finding is not known is marked ``[?]``
    and both its branches stay open (dotted). Each cause leaf is marked with
    its status. Without an observed error code (``code_entry`` None), the
    diagnosis is drawn on the whole cause graph instead.

    Args:
        edition: the edition the diagnosis used.
        code_entry: the observed error code's entry, or None.
        cause_status: cause id -> ``confirmed``, ``ruled_out``, ``undetermined`` or ``not_applicable``
            (a cause missing from it is drawn as undetermined).
        finding_truth: finding id -> True, False or None (not known; also for a missing finding).
        lang: ``en`` or ``ja``.
        vm: the VM's name, shown in the title.

    Raises:
        ValueError: a cause status is not one of the four above.
    """
    if code_entry is None:
        return graph_dot(edition, lang, cause_status, finding_truth, vm=vm)
    tree = build_tree(edition, code_entry, lang)
    return tree_dot(tree, trace(tree, cause_status, finding_truth), vm=vm)
