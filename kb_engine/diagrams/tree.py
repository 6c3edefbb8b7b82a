"""The decision tree of one error code: the model every tree view draws.

A trainee goes through the code's causes in the article's order. For each
cause, its ``applies`` condition is asked first (no: the cause does not apply,
next cause), then its ``when`` condition, one yes/no question per finding:
``any`` becomes a chain where yes leads to the cause and no to the next
question, ``all`` a chain where no leads to the next cause. A sub-cause that
confirms its parent (E1, E2) is expanded inline. A cause leaf names the cause
and its numbered remedy steps; "still failing" goes on to the next cause, and
after the last one comes the escalation leaf with the logs to collect.

When some of the code's causes concern only one operating system (their
``applies`` is "the VM runs Windows/Linux"), the OS is asked once, at the top
(a choice node), and those causes are not asked about it again: the Windows
and Linux lanes go through the causes that concern them. An arrow that a
cause's exit takes for one OS only is marked with it (``no (Linux)``).

Likewise a finding that the ``applies`` of several causes in a row need (in
2025-11, "does the backup use the VM agent?") is asked once, before the first
of them, as a question of no cause (``Q0.1``): yes goes through those causes,
which do not ask it again; no (does not apply) goes on after the last of them.

The DOT, Mermaid, text and HTML views all render this one model, so they say
the same thing. :func:`trace` lays one VM's diagnosis over it (the overlay).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kb_engine.knowledge.conditions import All, AnyOf, CauseRef, Condition, FindingRef, Not, Test, describe, facts_of
from kb_engine.knowledge.phrases import phrase
from kb_engine.knowledge.model import Cause, CodeEntry, Edition, Step, Text
from kb_engine.knowledge.questions import QuestionBank, default_questions
from kb_engine.knowledge.vocabulary import fact_catalog

from .labels import word

__all__ = [
    "CAUSE_STATUSES",
    "OS_FACT",
    "Edge",
    "EdgeKind",
    "Group",
    "Node",
    "NodeKind",
    "StepText",
    "Trace",
    "Tree",
    "build_tree",
    "edition_line",
    "trace",
]

NodeKind = Literal["start", "choice", "question", "cause", "escalate"]
EdgeKind = Literal["start", "choice", "yes", "no", "not_applicable", "still_failing"]
CAUSE_STATUSES = ("confirmed", "ruled_out", "undetermined", "not_applicable")
_EDGE_RANK = {"start": 0, "choice": 1, "yes": 1, "no": 2, "not_applicable": 3, "still_failing": 4}

OS_FACT = "vm.os"
"""The fact asked once at the top of a tree whose causes depend on the operating system."""


@dataclass(frozen=True)
class StepText:
    """One numbered remedy step, in one language.

    Attributes:
        number: 1-based, within its cause.
        text: what to do.
        command: the command or setting to use, set apart from the text.
        variants: (label, command) pairs when the command depends on the VM (the last is the fallback).
        link: a download or documentation link.
        heading: the shared procedure this step starts (``[K] Clean up ...``), else None.
    """

    number: int
    text: str
    command: str | None = None
    variants: tuple[tuple[str, str], ...] = ()
    link: str | None = None
    heading: str | None = None


@dataclass(frozen=True)
class Node:
    """One node of a decision tree.

    Attributes:
        id: stable id, usable as-is in DOT and Mermaid (letters, digits, underscores).
        kind: start (the error code), question, cause (a leaf) or escalate (the last leaf).
        label: the short reference the text twin and the diagram share (``Q1.2``, ``1``, ``3.1``).
        title: the question, the cause's title, the code names or the escalation title.
        group: the cause whose part of the tree the node belongs to (None for start and escalate).
        finding: the finding a question asks about.
        fact: the fact(s) that answer a question.
        test: the question's test: the knowledge base's notation in English (``agent.status = not_ready``),
            words and limits' values in Japanese.
        lines: further text (the code's message and advice, the escalation text).
        steps: a cause leaf's remedy.
        logs: the escalation leaf's logs to collect.
        help: where to find the answer to a question, one text per fact it asks about.
        options: a choice node's answers: (value, the finding that is true for it, or None).
        covers: a question asked once for several causes (no group of its own): those causes' ids, which
            its "no" passes by and which stay undetermined when its answer is not known.
    """

    id: str
    kind: NodeKind
    label: str
    title: str
    group: str | None = None
    finding: str | None = None
    fact: str | None = None
    test: str | None = None
    lines: tuple[str, ...] = ()
    steps: tuple[StepText, ...] = ()
    logs: tuple[str, ...] = ()
    help: tuple[str, ...] = ()
    options: tuple[tuple[str, str | None], ...] = ()
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    """A labelled arrow of a decision tree.

    Attributes:
        source, target: node ids.
        kind: what answer (or step) the arrow stands for.
        label: its words.
        os: the operating systems for which the arrow is taken, when the same answer leads
            elsewhere for another OS (the answer given at the top); empty: for every VM.
            A choice node's arrows name the values that take them: one arrow per target,
            so no two arrows share a source, target and kind (the drawings' ids).
    """

    source: str
    target: str
    kind: EdgeKind
    label: str
    os: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """One cause's part of the tree (a cluster): its number, letter and title.

    Attributes:
        id: the cause id.
        number: ``1``, ``2``, ... in the article's order; ``3.1`` for a sub-cause of cause 3.
        ref: the cause's letter in the article (``A``, ``E1``), when it has one.
        title: the cause's title.
        parent: the enclosing group (for a sub-cause expanded inline).
    """

    id: str
    number: str
    ref: str | None
    title: str
    parent: str | None = None

    @property
    def heading(self) -> str:
        """``1. [A] The VM agent ...``."""
        ref = f"[{self.ref}] " if self.ref else ""
        dot = "" if "." in self.number else "."
        return f"{self.number}{dot} {ref}{self.title}"


@dataclass(frozen=True)
class Tree:
    """The decision tree of one error-code entry of one edition, in one language.

    Attributes:
        edition: the edition id.
        code: the entry's id (its first code name).
        names: every code name of the entry.
        aliases: other spellings.
        lang: ``en`` or ``ja``.
        title: the title line (code names).
        subtitle: the edition line.
        groups: the causes, in the article's order (sub-causes after their parent).
        nodes: every node, in reading order.
        edges: every edge, in reading order.
    """

    edition: str
    code: str
    names: tuple[str, ...]
    aliases: tuple[str, ...]
    lang: str
    title: str
    subtitle: str
    groups: tuple[Group, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        """The node with that id.

        Raises:
            KeyError: no such node.
        """
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def out_edges(self, node_id: str) -> list[Edge]:
        """The edges leaving a node, in order."""
        return [e for e in self.edges if e.source == node_id]

    def group(self, group_id: str) -> Group:
        """The group with that id.

        Raises:
            KeyError: no such group.
        """
        for group in self.groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)


def edition_line(edition: Edition, lang: str) -> str:
    """``Edition 2019-12: <the article's title>`` (``2019-12 版: ...`` in Japanese)."""
    if lang == "ja":
        return f"{edition.id} {word('edition', lang)}: {edition.title.get(lang)}"
    return f"{word('edition', lang)} {edition.id}: {edition.title.get(lang)}"


# A pending arrow: from a node, of a kind, for the VMs of these operating systems, to whatever comes next.
_Exit = tuple[str, EdgeKind, frozenset[str]]


def os_gate(edition: Edition, cause: Cause) -> str | None:
    """The operating system a cause concerns, when its ``applies`` is "the VM runs <OS>" (alone, or as one part
    of an ``all``)."""
    for part in _applies_parts(cause):
        value = _os_of(edition, part)
        if value is not None:
            return value
    return None


def applies_left(edition: Edition, cause: Cause, *, os_gated: bool, shared: frozenset[str] = frozenset()) -> Condition | None:
    """What a cause's ``applies`` still asks in its own part of the tree: without the OS when ``os_gated`` (asked at
    the top) and without the ``shared`` findings (asked once before it); None when nothing is left."""
    cond = cause.applies
    parts = _applies_parts(cause)
    if cond is None:
        return None
    rest = tuple(part for part in parts if not (os_gated and _os_of(edition, part) is not None)
                 and not (isinstance(part, FindingRef) and part.finding in shared))
    if len(rest) == len(parts):
        return cond
    return None if not rest else rest[0] if len(rest) == 1 else All(rest)


def _applies_findings(edition: Edition, cause: Cause) -> list[str]:
    """The findings, other than the OS, that a cause's ``applies`` needs as a whole part (alone or in an ``all``)."""
    return [p.finding for p in _applies_parts(cause) if isinstance(p, FindingRef) and _os_of(edition, p) is None]


def _applies_parts(cause: Cause) -> tuple[Condition, ...]:
    """The parts a cause's ``applies`` needs, each as a whole: the parts of an ``all``, or the condition itself."""
    cond = cause.applies
    if cond is None:
        return ()
    return cond.parts if isinstance(cond, All) else (cond,)


def shared_runs(edition: Edition, entry: CodeEntry) -> list[tuple[int, int, str]]:
    """Where one question stands for several causes: (first, last) positions in the entry's causes and the finding
    that the ``applies`` of each of those causes, one after the other, needs. Runs of two causes or more, none
    overlapping another (the first found is kept)."""
    needs = [_applies_findings(edition, edition.causes[cid]) for cid in entry.causes]
    runs: list[tuple[int, int, str]] = []
    for finding in dict.fromkeys(f for found in needs for f in found):
        start: int | None = None
        for index in range(len(needs) + 1):
            inside = index < len(needs) and finding in needs[index]
            if inside and start is None:
                start = index
            elif not inside and start is not None:
                if index - start >= 2 and all(index - 1 < a or start > b for a, b, _ in runs):
                    runs.append((start, index - 1, finding))
                start = None
    return sorted(runs)


def _os_of(edition: Edition, cond: Condition | None) -> str | None:
    if isinstance(cond, FindingRef):
        when = edition.findings[cond.finding].when
        if isinstance(when, Test) and when.fact == OS_FACT and when.op == "eq" and isinstance(when.arg, str):
            return when.arg
    return None


def _os_finding(edition: Edition, value: str) -> str | None:
    for fid, finding in edition.findings.items():
        when = finding.when
        if isinstance(when, Test) and when.fact == OS_FACT and when.op == "eq" and when.arg == value:
            return fid
    return None


def os_name(value: str) -> str:
    """How an OS value reads on an arrow (``linux`` -> ``Linux``)."""
    return value[:1].upper() + value[1:]


@dataclass
class _Builder:
    edition: Edition
    lang: str
    questions: QuestionBank
    lane: frozenset[str]
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    used_ids: set[str] = field(default_factory=set)
    question_count: dict[str, int] = field(default_factory=dict)

    def text(self, text: Text) -> str:
        return self.edition.fill(text, self.lang)

    def new_id(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.used_ids:
            n += 1
            candidate = f"{base}_{n}"
        self.used_ids.add(candidate)
        return candidate

    def exits(self, node_id: str, kind: EdgeKind) -> list[_Exit]:
        return [(node_id, kind, self.lane)]

    def wire(self, exits: list[_Exit], target: str, *, only: frozenset[str] | None = None,
             last: bool = False) -> list[_Exit]:
        """Point pending arrows at ``target``, for the VMs of ``only`` (None: all); return what is left.

        ``last``: the target is the escalation leaf, not a next cause.
        """
        left: list[_Exit] = []
        for source, kind, oses in exits:
            taken = oses if only is None else oses & only
            if taken:
                key = f"{kind}_end" if last and kind in ("not_applicable", "still_failing") else kind
                label = os_name(next(iter(taken))) if kind == "choice" else word(key, self.lang)
                self.edges.append(Edge(source, target, kind, label, tuple(sorted(taken))))
            if oses - taken:
                left.append((source, kind, oses - taken))
        return left

    def condition(self, cond: Condition) -> str:
        """A condition as a reader of this tree reads it: the compact form in English, words and limits'
        values in Japanese."""
        return describe(cond) if self.lang == "en" else phrase(cond, self.edition, self.lang)

    def help(self, facts: list[str]) -> tuple[str, ...]:
        out: list[str] = []
        for name in facts:
            question = self.questions.get(name)
            if question is not None:
                out.append(self.text(question.help))
        return tuple(out)

    def question(self, group: Group | None, role: str, cond: FindingRef | Test, *, label: str = "",
                 covers: tuple[str, ...] = ()) -> str:
        """A question node in ``group``'s part; with no group, one asked once for the causes it ``covers``."""
        owner = "shared" if group is None else group.id
        if group is not None:
            count = self.question_count.get(group.id, 0) + 1
            self.question_count[group.id] = count
            label = f"Q{group.number}.{count}"
        if isinstance(cond, FindingRef):
            finding = self.edition.findings[cond.finding]
            tests = [finding.when]
            node_id = self.new_id(f"q__{owner}__{role}__{cond.finding}")
            title = self.text(finding.question)
            finding_id: str | None = cond.finding
        else:
            tests = [cond]
            node_id = self.new_id(f"q__{owner}__{role}__{cond.fact.replace('.', '_')}")
            title = self.condition(cond) + "?"
            finding_id = None
        facts: list[str] = []
        for test in tests:
            for name in test.facts() if isinstance(test, Test) else sorted(facts_of(test)):
                if name not in facts:
                    facts.append(name)
        self.nodes.append(
            Node(
                id=node_id,
                kind="question",
                label=label,
                title=title,
                group=None if group is None else group.id,
                finding=finding_id,
                fact=", ".join(facts) or None,
                test="; ".join(self.condition(t) for t in tests),
                help=self.help(facts),
                covers=covers,
            )
        )
        return node_id

    def compile(self, cond: Condition, group: Group, role: str, leaf_ok: bool) -> tuple[str, list[_Exit], list[_Exit]]:
        """Questions for a condition: (entry node, exits when true, exits when false)."""
        if isinstance(cond, FindingRef | Test):
            node_id = self.question(group, role, cond)
            return node_id, self.exits(node_id, "yes"), self.exits(node_id, "no")
        if isinstance(cond, Not):
            entry, true_exits, false_exits = self.compile(cond.part, group, role, False)
            return entry, false_exits, true_exits
        if isinstance(cond, AnyOf | All):
            entry = ""
            true_all: list[_Exit] = []
            false_all: list[_Exit] = []
            carry: list[_Exit] = []
            for part in cond.parts:
                part_entry, part_true, part_false = self.compile(part, group, role, leaf_ok and isinstance(cond, AnyOf))
                if not entry:
                    entry = part_entry
                self.wire(carry, part_entry)
                if isinstance(cond, AnyOf):
                    true_all += part_true
                    carry = part_false
                else:
                    false_all += part_false
                    carry = part_true
            if isinstance(cond, AnyOf):
                return entry, true_all, carry
            return entry, carry, false_all
        assert isinstance(cond, CauseRef)
        sub = self.edition.causes[cond.cause]
        sub_group = Group(
            sub.id, f"{group.number}.{len([g for g in self.groups if g.parent == group.id]) + 1}",
            sub.ref, self.text(sub.title), group.id,
        )
        self.groups.append(sub_group)
        entry, true_exits, false_exits = self.cause(sub, sub_group, os_gated=False)
        if leaf_ok:
            leaf = self.leaf(sub, sub_group)
            self.wire(true_exits, leaf)
            return entry, [], false_exits + self.exits(leaf, "still_failing")
        return entry, true_exits, false_exits

    def cause(self, cause: Cause, group: Group, *, os_gated: bool,
              shared: frozenset[str] = frozenset()) -> tuple[str, list[_Exit], list[_Exit]]:
        """A cause's questions: applies first (its no: does not apply), then when.

        ``os_gated``: its applies names the OS, asked at the top; ``shared``: findings of its applies asked once
        before it; only the rest of its applies is asked here.
        """
        when_entry, when_true, when_false = self.compile(cause.when, group, "when", True)
        applies = applies_left(self.edition, cause, os_gated=os_gated, shared=shared)
        if applies is None:
            return when_entry, when_true, when_false
        # Build the applies questions first so they are numbered first, then move them ahead.
        mark = len(self.nodes)
        applies_entry, applies_true, applies_false = self.compile(applies, group, "applies", False)
        moved = self.nodes[mark:]
        del self.nodes[mark:]
        first = next(i for i, n in enumerate(self.nodes) if n.id == when_entry)
        self.nodes[first:first] = moved
        # Renumber the group's questions in their new reading order.
        count = 0
        for i, node in enumerate(self.nodes):
            if node.kind == "question" and node.group == group.id:
                count += 1
                self.nodes[i] = Node(**{**node.__dict__, "label": f"Q{group.number}.{count}"})
        self.wire(applies_true, when_entry)
        not_applicable: list[_Exit] = [(n, "not_applicable" if k == "no" else k, o) for n, k, o in applies_false]
        return applies_entry, when_true, when_false + not_applicable

    def leaf(self, cause: Cause, group: Group) -> str:
        node_id = self.new_id(f"cause__{cause.id}")
        self.nodes.append(
            Node(id=node_id, kind="cause", label=group.number, title=group.heading, group=group.id,
                 steps=self.steps(cause.steps))
        )
        return node_id

    def steps(self, steps: tuple[Step, ...]) -> tuple[StepText, ...]:
        out: list[StepText] = []
        previous: str | None = None
        for number, step in enumerate(steps, start=1):
            heading = None
            if step.procedure is not None and step.procedure != previous:
                proc = self.edition.procedures[step.procedure]
                ref = f"[{proc.ref}] " if proc.ref else ""
                heading = f"{ref}{self.text(proc.title)}"
            previous = step.procedure
            out.append(
                StepText(
                    number=number,
                    text=self.text(step.text),
                    command=step.command,
                    variants=tuple((self.text(v.label), v.command) for v in step.variants),
                    link=step.link,
                    heading=heading,
                )
            )
        return tuple(out)


def _cause_logs(edition: Edition, entry: CodeEntry) -> tuple[str, ...]:
    logs: list[str] = []
    for cid in entry.causes:
        for one in (cid, *edition.causes[cid].children):
            for log in edition.causes[one].logs:
                if log not in logs:
                    logs.append(log)
    return tuple(logs)


def _choice_node(b: _Builder, values: tuple[str, ...]) -> Node:
    question = b.questions.get(OS_FACT)
    title = b.text(question.question) if question is not None else f"{OS_FACT}?"
    return Node(
        id="os",
        kind="choice",
        label="Q0",
        title=title,
        fact=OS_FACT,
        test=f"{OS_FACT} in {', '.join(values)}" if b.lang == "en" else phrase(Test(OS_FACT, "in", values), b.edition, b.lang),
        help=b.help([OS_FACT]),
        options=tuple((v, _os_finding(b.edition, v)) for v in values),
    )


def _mark_splits(edges: list[Edge]) -> list[Edge]:
    """Keep an arrow's OS only where the same answer leads elsewhere for another OS, and say so in its label.

    Choices that lead to the same node are one arrow naming them all (``Windows / Linux``).
    """
    count: dict[tuple[str, str], int] = {}
    for edge in edges:
        count[(edge.source, edge.kind)] = count.get((edge.source, edge.kind), 0) + 1
    out: list[Edge] = []
    choices: dict[tuple[str, str], int] = {}
    for edge in edges:
        if edge.kind == "choice":
            at = choices.setdefault((edge.source, edge.target), len(out))
            if at == len(out):
                out.append(edge)
            else:
                first = out[at]
                out[at] = Edge(first.source, first.target, "choice", f"{first.label} / {edge.label}", first.os + edge.os)
        elif count[(edge.source, edge.kind)] > 1:
            names = ", ".join(os_name(v) for v in edge.os)
            out.append(Edge(edge.source, edge.target, edge.kind, f"{edge.label} ({names})", edge.os))
        else:
            out.append(Edge(edge.source, edge.target, edge.kind, edge.label))
    return out


def _cause_part(b: _Builder, edition: Edition, cid: str, index: int, gate: str | None, shared: frozenset[str],
                pending: list[_Exit]) -> list[_Exit]:
    """One cause's part of the tree, entered by the pending arrows of the lanes it concerns; the arrows left."""
    cause = edition.causes[cid]
    group = Group(cid, str(index + 1), cause.ref, b.text(cause.title))
    b.groups.append(group)
    only = None if gate is None else frozenset({gate})
    lanes: frozenset[str] = frozenset().union(*(o for _, _, o in pending))
    b.lane = lanes if only is None else lanes & only
    if not b.lane:
        return pending  # no VM reaches it (the lanes that would went elsewhere); cannot happen with one gate per cause
    entry_node, true_exits, false_exits = b.cause(cause, group, os_gated=gate is not None, shared=shared)
    pending = b.wire(pending, entry_node, only=only)
    if true_exits:
        leaf = b.leaf(cause, group)
        b.wire(true_exits, leaf)
        false_exits = false_exits + b.exits(leaf, "still_failing")
    return pending + false_exits


def build_tree(edition: Edition, entry: CodeEntry, lang: str, questions: QuestionBank | None = None) -> Tree:
    """The decision tree of one error-code entry, in ``lang``.

    Args:
        edition: the edition.
        entry: one of its error-code entries.
        lang: ``en`` or ``ja``.
        questions: where each question's help text comes from; the shipped question bank when None.

    Raises:
        KeyError: the entry names a cause the edition does not have (the loader prevents this).
    """
    os_values = tuple(fact_catalog()[OS_FACT].values)
    gates = {cid: os_gate(edition, edition.causes[cid]) for cid in entry.causes}
    b = _Builder(edition, lang, questions if questions is not None else default_questions(), frozenset(os_values))
    names = " / ".join(entry.names)
    lines = [f"\u201c{b.text(entry.message)}\u201d" if lang == "en" else f"「{b.text(entry.message)}」"]
    if entry.aliases:
        lines.append(f"({word('also_spelt', lang)} {', '.join(entry.aliases)})")
    if entry.advice is not None:
        lines.append(b.text(entry.advice))
    lines.append(word("go_through", lang))
    b.used_ids.update({"start", "os", "escalate"})
    b.nodes.append(Node(id="start", kind="start", label="", title=names, lines=tuple(lines)))
    pending: list[_Exit] = b.exits("start", "start")
    if any(gates.values()):
        choice = _choice_node(b, os_values)
        b.nodes.append(choice)
        b.wire(pending, choice.id)
        pending = [(choice.id, "choice", frozenset({v})) for v in os_values]
    runs = shared_runs(edition, entry)
    held: dict[int, list[_Exit]] = {}  # a shared question's "no", waiting after the last cause it stands for
    shared_of: dict[str, frozenset[str]] = {}
    for index, cid in enumerate(entry.causes):
        for number, (first, last, finding) in enumerate(runs, start=1):
            if first <= index <= last:
                shared_of[cid] = shared_of.get(cid, frozenset()) | {finding}
            if index != first:
                continue
            members = entry.causes[first:last + 1]
            lanes = frozenset().union(*(o for _, _, o in pending))
            need = frozenset().union(*(lanes if gates[m] is None else lanes & {gates[m]} for m in members))
            if not need:
                continue
            b.lane = need
            covers = tuple(g for m in members for g in (m, *edition.causes[m].children))
            ask = b.question(None, "applies", FindingRef(finding), label=f"Q0.{number}", covers=covers)
            pending = b.wire(pending, ask, only=need) + b.exits(ask, "yes")
            held.setdefault(last, []).extend((n, "not_applicable", o) for n, _, o in b.exits(ask, "no"))
        pending = _cause_part(b, edition, cid, index, gates[cid], shared_of.get(cid, frozenset()), pending)
        pending += held.pop(index, [])
    logs = _cause_logs(edition, entry)
    escalate = Node(
        id="escalate",
        kind="escalate",
        label="",
        title=edition.fill(edition.escalation_title, lang),
        lines=(edition.fill(edition.escalation(logs), lang),),
        logs=logs,
    )
    b.nodes.append(escalate)
    b.wire(pending, "escalate", last=True)
    # Groups in reading order: each parent followed by its sub-causes.
    ordered: list[Group] = []
    for group in b.groups:
        if group.parent is None:
            ordered.append(group)
            ordered.extend(g for g in b.groups if g.parent == group.id)
    position = {n.id: i for i, n in enumerate(b.nodes)}
    edges = sorted(_mark_splits(b.edges), key=lambda e: (position[e.source], _EDGE_RANK[e.kind], position[e.target]))
    return Tree(
        edition=edition.id,
        code=entry.id,
        names=entry.names,
        aliases=entry.aliases,
        lang=lang,
        title=names,
        subtitle=edition_line(edition, lang),
        groups=tuple(ordered),
        nodes=tuple(b.nodes),
        edges=tuple(edges),
    )


# ---------------------------------------------------------------------------
# One VM's diagnosis over the tree

NodeState = Literal["path", "off"]
EdgeState = Literal["taken", "maybe", "off"]


@dataclass(frozen=True)
class Trace:
    """Where one VM's diagnosis goes through a tree.

    Attributes:
        os: the VM's operating system as the choice node reads it (None: not known, or no choice node).
        nodes: node id -> ``path`` (reached) or ``off`` (not reached: ruled out).
        edges: (source, target, kind) -> ``taken`` (the VM's known answer), ``maybe`` (a branch of
            a question whose answer is not known) or ``off`` (not taken).
        answers: question node id -> the finding's truth (None: not known).
        status: cause id -> status (``confirmed``, ``ruled_out``, ``undetermined``, ``not_applicable``).
    """

    nodes: Mapping[str, NodeState]
    edges: Mapping[tuple[str, str, str], EdgeState]
    answers: Mapping[str, bool | None]
    status: Mapping[str, str]
    os: str | None = None


def check_status(cause_status: Mapping[str, str]) -> None:
    """Refuse a status that is not one of :data:`CAUSE_STATUSES`.

    Raises:
        ValueError: a status value is unknown.
    """
    for cid, status in sorted(cause_status.items()):
        if status not in CAUSE_STATUSES:
            raise ValueError(f"cause {cid!r}: unknown status {status!r}; expected one of {', '.join(CAUSE_STATUSES)}")


def trace(tree: Tree, cause_status: Mapping[str, str], finding_truth: Mapping[str, bool | None]) -> Trace:
    """Follow one VM's answers through a tree.

    From every node reached, a question whose finding is true takes its yes
    arrow and false its no arrow; an unknown finding takes both, as ``maybe``
    (the engine goes on checking the other findings too). A confirmed cause's
    leaf is on the path, and "still failing" arrows lead on from every leaf
    reached, so every cause the engine checked is on the path or marked.

    Raises:
        ValueError: a cause status is not one of :data:`CAUSE_STATUSES`.
    """
    check_status(cause_status)
    answers: dict[str, bool | None] = {}
    vm_os: str | None = None
    for node in tree.nodes:
        if node.kind == "question":
            answers[node.id] = finding_truth.get(node.finding) if node.finding is not None else None
        elif node.kind == "choice":
            for value, fid in node.options:
                if fid is not None and finding_truth.get(fid) is True:
                    vm_os = value
    node_state: dict[str, NodeState] = {n.id: "off" for n in tree.nodes}
    node_state["start"] = "path"
    for node in tree.nodes:
        if node.kind == "cause" and node.group is not None and cause_status.get(node.group) == "confirmed":
            node_state[node.id] = "path"
    edge_state: dict[tuple[str, str, str], EdgeState] = {}
    # Edges always run forward in reading order, so one pass in that order settles every node.
    position = {n.id: i for i, n in enumerate(tree.nodes)}
    for edge in sorted(tree.edges, key=lambda e: (position[e.source], position[e.target])):
        state: EdgeState = "off"
        if node_state[edge.source] == "path":
            if edge.source in answers and edge.kind in ("yes", "no", "not_applicable"):
                answer = answers[edge.source]
                if answer is None:
                    state = "maybe"
                elif answer is (edge.kind == "yes"):
                    state = "taken"
            else:
                state = "taken"
            if state != "off" and edge.os:
                # An arrow for some operating systems only (the answer at the top).
                if vm_os is None:
                    state = "maybe"
                elif vm_os not in edge.os:
                    state = "off"
        edge_state[(edge.source, edge.target, edge.kind)] = state
        if state != "off":
            node_state[edge.target] = "path"
    return Trace(node_state, edge_state, answers, dict(cause_status), vm_os)
