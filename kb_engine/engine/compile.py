"""Compile one edition of the knowledge base into an experta rule engine.

The rules are generated from the data; nothing here names an error code or a
cause. Working memory holds these facts:

* ``Input(name, value)``: one per *known* VM fact (absent means unknown);
* ``Truth(node, value, rule, premises)``: a condition node, a finding
  (``finding:ID``) or a cause as a condition (``cause:ID``), true, false or
  unknown, with the rule that derived it and what it was derived from;
* ``Status(cause, status, ...)``: confirmed, ruled_out, undetermined or not_applicable;
* ``Observed(code)``: the error entry the user saw;
* ``Expected(code, cause)``, ``Remedy(cause, rank)``, ``Escalate(code)``,
  ``Verdict(value)``: the conclusions.

The chain runs in strata. A rule's salience is lower the later its stratum, so
every rule of an earlier stratum fires before any rule of a later one. That
matters for the rules that test for the *absence* of a fact (an unknown input,
no confirmed cause, no undetermined cause): they may only fire once nothing
could still derive what they test for.

Every rule's action derives its fact with a step of the edition's
:class:`~kb_engine.plan.Plan` (``compile_edition(...).plan``), which
:func:`~kb_engine.plan.run_plan` can also evaluate directly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from kb_engine.knowledge.conditions import All, AnyOf, CauseRef, Condition, FindingRef, Test, refs_of, to_data
from kb_engine.knowledge.model import Edition

from ._experta import AND, MATCH, NOT, Fact, KnowledgeEngine, Rule
from .agenda import SalienceStrategy
from .evaluate import cause_order, cause_walk
from .plan import AliasStep, CauseStep, CombineStep, Conclusions, Plan, Step, TestStep, cause_node, finding_node

__all__ = [
    "Escalate",
    "Expected",
    "Input",
    "Observed",
    "Remedy",
    "Status",
    "Truth",
    "Verdict",
    "compile_edition",
    "finding_node",
    "cause_node",
    "truth_node",
]


class Input(Fact):  # type: ignore[misc]
    """A known fact about the VM."""


class Truth(Fact):  # type: ignore[misc]
    """The truth of a condition node, a finding or a cause."""


class Status(Fact):  # type: ignore[misc]
    """The status of a cause."""


class Observed(Fact):  # type: ignore[misc]
    """The error entry the user saw."""


class Expected(Fact):  # type: ignore[misc]
    """An error entry the VM is expected to hit, and the confirmed cause that produces it."""


class Remedy(Fact):  # type: ignore[misc]
    """A confirmed cause's remedy, with its rank in the report."""


class Escalate(Fact):  # type: ignore[misc]
    """Every cause of the observed error is excluded: collect logs and escalate."""


class Verdict(Fact):  # type: ignore[misc]
    """clean (nothing confirmed, nothing undetermined), problems, or incomplete."""


_TOP = 10_000
"""Salience of the first stratum; each later stratum is one lower."""


@dataclass
class _Compiler:
    edition: Edition
    rules: dict[str, Any] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    node_ids: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    def add(self, name: str, level: int, patterns: list[Any], action: Callable[..., None]) -> None:
        """Register one rule; its salience puts it in stratum ``level``."""
        rule = Rule(*patterns, salience=_TOP - level)
        self.rules[name] = rule(action)

    # -- condition nodes ---------------------------------------------------

    def node(self, cond: Condition) -> tuple[str, int]:
        """Compile a condition; return its Truth node id and stratum."""
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
            level = 1
            self.test_rules(TestStep(nid, cond, tuple(cond.facts()), self.edition.limits))
        else:
            parts = cond.parts if isinstance(cond, All | AnyOf) else (cond.part,)
            children = [self.node(p) for p in parts]
            level = 1 + max(lvl for _, lvl in children)
            kind = type(cond).__name__.lower()
            self.combinator_rule(CombineStep(nid, kind, tuple(c for c, _ in children)), level)
        self.levels[nid] = level
        return nid, level

    def test_rules(self, step: TestStep) -> None:
        """One rule per known/unknown combination of the facts the test reads."""
        self.steps.append(step)
        facts = step.facts
        for known in product((True, False), repeat=len(facts)):
            patterns: list[Any] = []
            for i, (name, is_known) in enumerate(zip(facts, known, strict=True)):
                if is_known:
                    patterns.append(Input(name=name, value=getattr(MATCH, f"v{i}")))
                else:
                    patterns.append(NOT(Input(name=name)))

            def action(engine: KnowledgeEngine, _known: tuple[bool, ...] = known, **bound: Any) -> None:
                values = {name: (bound[f"v{i}"] if k else None) for i, (name, k) in enumerate(zip(facts, _known, strict=True))}
                value, rule, premises = step.derive(values)
                engine.declare(Truth(node=step.node, value=value, rule=rule, premises=premises))

            suffix = "".join("k" if k else "u" for k in known)
            self.add(f"test_{step.node}_{suffix}", 1, patterns or [AND()], action)

    def combinator_rule(self, step: CombineStep, level: int) -> None:
        """Fires once every child has a truth value; combines them in three-valued logic."""
        self.steps.append(step)
        patterns = [Truth(node=child, value=getattr(MATCH, f"c{i}")) for i, child in enumerate(step.children)]

        def action(engine: KnowledgeEngine, **bound: Any) -> None:
            value, rule, premises = step.derive([bound[f"c{i}"] for i in range(len(step.children))])
            engine.declare(Truth(node=step.node, value=value, rule=rule, premises=premises))

        self.add(f"{step.kind}_{step.node}", level, patterns, action)

    # -- findings, causes, conclusions ------------------------------------

    def compile(self) -> tuple[dict[str, Any], int, Plan]:
        edition = self.edition
        for fid in self.used_findings():
            root, level = self.node(edition.findings[fid].when)
            self.alias_rule(AliasStep(finding_node(fid), root, f"finding {fid}"), level + 1)
        for cid in cause_order(edition):
            self.cause_rules(cid)
        last = 1 + max(self.levels.values(), default=1)
        conclusions = self.conclusions()
        self.conclusion_rules(conclusions, last)
        return self.rules, last + 1, Plan(tuple(self.steps), conclusions)

    def used_findings(self) -> list[str]:
        """The findings some cause of the edition refers to, in knowledge-base order."""
        used: set[str] = set()
        for cause in self.edition.causes.values():
            for cond in (cause.applies, cause.when):
                if cond is not None:
                    used |= refs_of(cond)[0]
        return [fid for fid in self.edition.findings if fid in used]

    def alias_rule(self, step: AliasStep, level: int) -> None:
        self.steps.append(step)
        self.levels[step.node] = level

        def action(engine: KnowledgeEngine, v: Any) -> None:
            value, rule, premises = step.derive(v)
            engine.declare(Truth(node=step.node, value=value, rule=rule, premises=premises))

        self.add(f"alias_{step.node}", level, [Truth(node=step.source, value=MATCH.v)], action)

    def cause_rules(self, cid: str) -> None:
        cause = self.edition.causes[cid]
        when, level = self.node(cause.when)
        sources = [when]
        if cause.applies is not None:
            applies, applies_level = self.node(cause.applies)
            sources.insert(0, applies)
            level = max(level, applies_level)
        level += 1
        self.levels[cause_node(cid)] = level
        step = CauseStep(cid, tuple(sources), cause.applies is not None)
        self.steps.append(step)
        patterns = [Truth(node=src, value=getattr(MATCH, f"s{i}")) for i, src in enumerate(sources)]

        def action(engine: KnowledgeEngine, **bound: Any) -> None:
            status, (value, rule, premises) = step.derive([bound[f"s{i}"] for i in range(len(step.sources))])
            engine.declare(Status(cause=cid, status=status, rule=rule, premises=premises))
            engine.declare(Truth(node=cause_node(cid), value=value, rule=rule, premises=premises))

        self.add(f"cause_{cid}", level, patterns, action)

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

    def conclusion_rules(self, conclusions: Conclusions, level: int) -> None:
        for code, tree in conclusions.trees.items():
            for cid in tree:
                self.add(
                    f"expect_{code}_{cid}",
                    level,
                    [Status(cause=cid, status="confirmed")],
                    _declarer(Expected(code=code, cause=cid, rule=f"expect {code}", premises=(f"cause:{cid}",))),
                )
            # Negation: every top-level cause of the observed code is excluded.
            causes = conclusions.causes[code]
            absent = [NOT(Status(cause=cid, status=s)) for cid in causes for s in ("confirmed", "undetermined")]
            self.add(
                f"escalate_{code}",
                level,
                [Observed(code=code), *absent],
                _declarer(Escalate(code=code, rule=f"escalate {code}", premises=tuple(f"cause:{cid}" for cid in causes))),
            )
        for cid in conclusions.global_ranks:

            def observed_action(engine: KnowledgeEngine, code: str, _cid: str = cid) -> None:
                rank = conclusions.remedy_rank(_cid, code)
                engine.declare(Remedy(cause=_cid, rank=rank, rule=f"remedy {_cid}", premises=(f"cause:{_cid}", f"observed:{code}")))

            self.add(
                f"remedy_{cid}_observed",
                level,
                [Status(cause=cid, status="confirmed"), Observed(code=MATCH.code)],
                observed_action,
            )
            rank = conclusions.remedy_rank(cid, None)
            self.add(
                f"remedy_{cid}",
                level,
                [Status(cause=cid, status="confirmed"), NOT(Observed())],
                _declarer(Remedy(cause=cid, rank=rank, rule=f"remedy {cid}", premises=(f"cause:{cid}",))),
            )
        self.add("verdict_problems", level, [Status(status="confirmed")], _declarer(Verdict(value="problems")))
        self.add(
            "verdict_incomplete",
            level,
            [Status(status="undetermined"), NOT(Status(status="confirmed"))],
            _declarer(Verdict(value="incomplete")),
        )
        self.add(
            "verdict_clean",
            level,
            [NOT(Status(status="confirmed")), NOT(Status(status="undetermined"))],
            _declarer(Verdict(value="clean")),
        )


def _declarer(fact: Fact) -> Callable[..., None]:
    def action(engine: KnowledgeEngine, **_: Any) -> None:
        engine.declare(fact.copy())

    return action


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
            gives every rule the same salience; that engine is wrong for some
            VMs and exists only so that tests can show why strata are needed.
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
