"""Compile one edition of the knowledge base into an experta rule engine.

The rules are generated from the data; nothing here names an error code or a
cause. Working memory holds a few wide facts:

* ``VM``: every fact of the VM by its dotted name, ``None`` where unknown (the
  fact was not given), and ``observed``, the error entry the user saw (or None);
* ``Cause(id, status, value, derived)``: a cause's status (confirmed,
  ruled_out, undetermined or not_applicable), its truth as a condition, and
  every condition node and finding derived on the way (``derived``: node,
  value, rule and premises), for the explanations;
* ``Conclusion(expected, remedies, escalate, verdict)``: the expected error
  codes, the ranked remedies, escalation and the verdict.

There is one rule per cause and one for the conclusions. A cause's rule binds
the VM facts its conditions test (through its findings) and the causes they
refer to; the conclusions rule binds every cause's status and the observed
error. Each action derives its conclusion through the steps of the edition's
:class:`~kb_engine.plan.Plan` (``compile_edition(...).plan``), the same steps
:func:`~kb_engine.plan.run_plan` runs in order and the ``direct`` backend runs
compiled.

An unknown fact is a field set to None, never a missing fact, so no rule tests
for the absence of anything, and no conclusion depends on the order in which
rules fire. Rules still carry a salience by stratum (a cause after the causes
it refers to, the conclusions last), so that each fires once, after what it
reads exists.

This encoding keeps the network small: one wide input fact instead of one per
VM fact, one fact per cause instead of one per condition node, 16 rules for an
edition instead of 168. experta's RETE network passes every fact through the
tests of every pattern of its type, so the work per VM grows with
the number of facts times the number of patterns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kb_engine.knowledge.conditions import All, AnyOf, CauseRef, Condition, FindingRef, Test, refs_of, to_data
from kb_engine.knowledge.model import Edition
from kb_engine.knowledge.vocabulary import fact_catalog

from ._experta import MATCH, Fact, KnowledgeEngine, Rule
from .agenda import SalienceStrategy
from .evaluate import cause_order, cause_walk
from .plan import (
    AliasStep,
    CauseStep,
    CombineStep,
    Conclusions,
    Derived,
    Plan,
    Step,
    TestStep,
    cause_node,
    finding_node,
    run_steps,
)

__all__ = [
    "VM",
    "Cause",
    "Conclusion",
    "compile_edition",
    "finding_node",
    "cause_node",
    "truth_node",
]


class VM(Fact):  # type: ignore[misc]
    """Every fact of the VM by name (None: unknown), and ``observed``: the error entry the user saw, or None."""


class Cause(Fact):  # type: ignore[misc]
    """A cause's status and its truth as a condition, with every condition node derived on the way."""


class Conclusion(Fact):  # type: ignore[misc]
    """Expected error codes, ranked remedies, escalation and the verdict."""


_TOP = 10_000
"""Salience of the first stratum; each later stratum is one lower."""

_DerivedNodes = tuple[tuple[str, Any, str, tuple[str, ...]], ...]
"""(node, value, rule, premises) of every node a rule derived."""


@dataclass
class _Unit:
    """What one rule reads and runs: the VM facts its steps test, the causes it refers to, its steps."""

    facts: tuple[str, ...]
    refs: tuple[str, ...]
    steps: tuple[Step, ...]
    fact_variables: tuple[tuple[str, str], ...] = ()
    ref_variables: tuple[tuple[str, str], ...] = ()


@dataclass
class _Compiler:
    edition: Edition
    rules: dict[str, Any] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    node_ids: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    by_node: dict[str, Step] = field(default_factory=dict)

    def add(self, name: str, level: int, patterns: list[Any], action: Callable[..., None]) -> None:
        """Register one rule; its salience puts it in stratum ``level``."""
        rule = Rule(*patterns, salience=_TOP - level)
        self.rules[name] = rule(action)

    def step(self, node: str, step: Step) -> None:
        self.steps.append(step)
        self.by_node[node] = step

    # -- the plan ------------------------------------------------------------

    def node(self, cond: Condition) -> tuple[str, int]:
        """Compile a condition into steps; return its node id and stratum."""
        if isinstance(cond, FindingRef):
            return finding_node(cond.finding), self.levels[finding_node(cond.finding)]
        if isinstance(cond, CauseRef):
            return cause_node(cond.cause), self.levels[cause_node(cond.cause)]
        key = json.dumps(to_data(cond), sort_keys=True)
        if key in self.node_ids:
            nid = self.node_ids[key]
            return nid, self.levels[nid]
        nid = f"n{len(self.node_ids) + 1}"
        self.node_ids[key] = nid
        self.conditions[nid] = cond
        if isinstance(cond, Test):
            level = 0
            self.step(nid, TestStep(nid, cond, tuple(cond.facts()), self.edition.limits))
        else:
            parts = cond.parts if isinstance(cond, All | AnyOf) else (cond.part,)
            children = [self.node(p) for p in parts]
            level = max(lvl for _, lvl in children)
            self.step(nid, CombineStep(nid, type(cond).__name__.lower(), tuple(c for c, _ in children)))
        self.levels[nid] = level
        return nid, level

    def compile(self) -> tuple[dict[str, Any], int, Plan]:
        edition = self.edition
        units: list[tuple[str, int]] = []  # cause, stratum
        for fid in self.used_findings():
            finding = edition.findings[fid]
            root, level = self.node(finding.when)
            guard = None
            if finding.unknown_when is not None:
                guard, guard_level = self.node(finding.unknown_when)
                level = max(level, guard_level)
            node = finding_node(fid)
            self.step(node, AliasStep(node, root, f"finding {fid}", guard))
            self.levels[node] = level
        for cid in cause_order(edition):
            cause = edition.causes[cid]
            when, level = self.node(cause.when)
            sources = [when]
            if cause.applies is not None:
                applies, applies_level = self.node(cause.applies)
                sources.insert(0, applies)
                level = max(level, applies_level)
            self.step(cause_node(cid), CauseStep(cid, tuple(sources), cause.applies is not None))
            self.levels[cause_node(cid)] = level + 1
            units.append((cid, level + 1))
        plan = Plan(tuple(self.steps), self.conclusions())
        for cid, level in units:
            self.cause_rule(cid, self.unit(cause_node(cid)), level)
        last = 1 + max((level for _, level in units), default=0)
        self.conclusion_rule(plan.conclusions, last)
        return self.rules, last + 1, plan

    def used_findings(self) -> list[str]:
        """The findings some cause of the edition refers to, in knowledge-base order."""
        used: set[str] = set()
        for cause in self.edition.causes.values():
            for cond in (cause.applies, cause.when):
                if cond is not None:
                    used |= refs_of(cond)[0]
        return [fid for fid in self.edition.findings if fid in used]

    def conclusions(self) -> Conclusions:
        edition = self.edition
        ranks: dict[str, dict[str, int]] = {}
        for entry in edition.codes:
            for position, cid in enumerate(entry.causes):
                for member in (cid, *edition.causes[cid].children):
                    ranks.setdefault(member, {})[entry.id] = position
        return Conclusions(
            causes={entry.id: tuple(entry.causes) for entry in edition.codes},
            trees={entry.id: tuple(cause_walk(edition, entry)) for entry in edition.codes},
            ranks=ranks,
            global_ranks={cid: 1000 + i for i, cid in enumerate(edition.causes)},
        )

    # -- the rules -----------------------------------------------------------

    def unit(self, top: str) -> _Unit:
        """The steps that derive ``top`` from the VM facts and from other causes, in plan order."""
        nodes: set[str] = set()
        refs: list[str] = []
        pending = [top]
        while pending:
            node = pending.pop()
            if node in nodes:
                continue
            nodes.add(node)
            step = self.by_node[node]
            below: tuple[str, ...] = ()
            if isinstance(step, CombineStep):
                below = step.children
            elif isinstance(step, AliasStep):
                below = step.sources
            elif isinstance(step, CauseStep):
                below = step.sources
            for child in below:
                if child.startswith("cause:"):
                    if child not in refs:
                        refs.append(child)
                else:
                    pending.append(child)
        steps = tuple(step for step in self.steps if _node_of(step) in nodes)
        facts = tuple(dict.fromkeys(name for step in steps if isinstance(step, TestStep) for name in step.facts))
        return _Unit(
            facts,
            tuple(refs),
            steps,
            tuple((name, self.variable(name)) for name in facts),
            tuple((ref, self.variable(ref)) for ref in refs),
        )

    def patterns(self, unit: _Unit) -> list[Any]:
        """Patterns binding the VM facts the unit tests and the truths of what it refers to.

        A fact or a reference has the same variable in every rule (its position in the plan), so that the
        network tests each field once for all the rules that read it.
        """
        patterns: list[Any] = [VM(**{name: getattr(MATCH, self.variable(name)) for name in unit.facts})]
        for ref in unit.refs:
            patterns.append(Cause(id=ref.partition(":")[2], value=getattr(MATCH, self.variable(ref))))
        return patterns

    def variable(self, name: str) -> str:
        """The pattern variable of a VM fact (``f3``) or of a cause (``r7``)."""
        if name.startswith("cause:"):
            return f"r{list(self.by_node).index(name)}"
        return f"f{list(fact_catalog()).index(name)}"

    def cause_rule(self, cid: str, unit: _Unit, level: int) -> None:
        node = cause_node(cid)

        def action(engine: KnowledgeEngine, **bound: Any) -> None:
            truths, status = _run(unit, bound)
            engine.declare(Cause(id=cid, status=status, value=truths[node][0], derived=_derived(truths, unit)))

        self.add(f"cause_{cid}", level, self.patterns(unit), action)

    def conclusion_rule(self, conclusions: Conclusions, level: int) -> None:
        """Fires once every cause has a status: expected codes, remedies, escalation and verdict."""
        causes = list(self.edition.causes)
        patterns = [VM(observed=MATCH.observed)] + [Cause(id=cid, status=getattr(MATCH, f"s{i}")) for i, cid in enumerate(causes)]

        def action(engine: KnowledgeEngine, observed: str | None, **bound: Any) -> None:
            statuses = {cid: (bound[f"s{i}"], "", ()) for i, cid in enumerate(causes)}
            memory = conclusions.conclude({}, statuses, observed)
            engine.declare(
                Conclusion(
                    expected=tuple(memory.expected.items()),
                    remedies=tuple(memory.remedies.items()),
                    escalate=tuple(sorted(memory.escalate)),
                    verdict=memory.verdict,
                )
            )

        self.add("conclusions", level, patterns, action)


def _node_of(step: Step) -> str:
    return cause_node(step.cause) if isinstance(step, CauseStep) else step.node


def _run(unit: _Unit, bound: Mapping[str, Any]) -> tuple[dict[str, Derived], str]:
    """Derive the unit's steps from the bound facts and truths; returns the truths and a cause's status ("" if none)."""
    facts = {name: bound[variable] for name, variable in unit.fact_variables}
    truths: dict[str, Derived] = {ref: (bound[variable], "", ()) for ref, variable in unit.ref_variables}
    statuses: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    run_steps(unit.steps, facts, truths, statuses)
    return truths, next((status for status, _, _ in statuses.values()), "")


def _derived(truths: Mapping[str, Derived], unit: _Unit) -> _DerivedNodes:
    return tuple((node, *truths[node]) for node in map(_node_of, unit.steps))


def truth_node(cond: Condition, node_ids: Mapping[str, str]) -> str | None:
    """The Truth node id a compiled engine uses for a condition (None if it was not compiled)."""
    if isinstance(cond, FindingRef):
        return finding_node(cond.finding)
    if isinstance(cond, CauseRef):
        return cause_node(cond.cause)
    return node_ids.get(json.dumps(to_data(cond), sort_keys=True))


def compile_edition(edition: Edition, *, stratify: bool = True) -> type[KnowledgeEngine]:
    """Build the experta engine class for one edition.

    Args:
        edition: the resolved edition.
        stratify: give each stratum its own salience (the default). ``False``
            gives every rule the same salience; since no rule tests for the
            absence of a fact, that engine concludes the same (tests show it).
    """
    compiler = _Compiler(edition)
    rules, strata, plan = compiler.compile()
    if not stratify:
        for rule in rules.values():
            rule.salience = 0
    namespace: dict[str, Any] = dict(rules)
    namespace["__doc__"] = f"Rules of edition {edition.id} ({len(rules)} rules in {strata} strata)."
    namespace["__strategy__"] = SalienceStrategy
    namespace["node_conditions"] = dict(compiler.conditions)
    namespace["node_ids"] = dict(compiler.node_ids)
    namespace["plan"] = plan
    namespace["rule_count"] = len(rules)
    namespace["strata"] = strata
    return type(f"Edition_{edition.id.replace('-', '_')}", (KnowledgeEngine,), namespace)
