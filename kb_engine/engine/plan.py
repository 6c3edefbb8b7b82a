"""The compiled rules of one edition as steps, and their direct evaluation.

:mod:`kb_engine.rules` compiles an edition into a :class:`Plan`: one step per
condition node, finding and cause, recorded so that every step comes after the
steps it reads, plus what the conclusions need (which causes produce which
error code, remedy ranks). Each step derives its conclusion (value, rule,
premises) with one function, whoever runs it: the experta rules call it from
their actions, and :func:`run_plan` calls it in order without a rule engine.
Both therefore give the same :class:`WorkingMemory`, and a property test holds
them to identical reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from kb_engine.knowledge.conditions import Test, Truth, and3, evaluate_test, not3, or3

from .evaluate import cause_status, cause_truth

__all__ = [
    "AliasStep",
    "CauseStep",
    "CombineStep",
    "Conclusions",
    "Derived",
    "Plan",
    "Step",
    "TestStep",
    "WorkingMemory",
    "cause_node",
    "finding_node",
    "run_plan",
    "run_steps",
]

Derived = tuple[Any, str, tuple[str, ...]]
"""A derived truth: its value, the rule that derived it and its premises."""


def finding_node(finding_id: str) -> str:
    """The Truth node id of a finding."""
    return f"finding:{finding_id}"


def cause_node(cause_id: str) -> str:
    """The Truth node id of a cause used as a condition."""
    return f"cause:{cause_id}"


@dataclass(frozen=True)
class WorkingMemory:
    """What the forward chain derived for one VM.

    Attributes:
        truths: node id -> (value, rule, premises) for conditions, findings (``finding:ID``) and causes (``cause:ID``).
        statuses: cause id -> (status, rule, premises).
        expected: entry id -> confirmed causes producing it, in the article's order.
        remedies: cause id -> rank.
        escalate: entry ids whose causes are all excluded.
        verdict: problems (a cause confirmed), unexplained (every cause of the observed error excluded),
            incomplete (some cause undetermined) or clean.
    """

    truths: Mapping[str, Derived]
    statuses: Mapping[str, tuple[str, str, tuple[str, ...]]]
    expected: Mapping[str, tuple[str, ...]]
    remedies: Mapping[str, int]
    escalate: frozenset[str]
    verdict: str


@dataclass(frozen=True)
class TestStep:
    """A test of input facts; a fact absent or None is unknown."""

    node: str
    test: Test
    facts: tuple[str, ...]
    limits: Mapping[str, object]

    @property
    def rule(self) -> str:
        return f"test {self.node}"

    def premises(self, known: Sequence[bool]) -> tuple[str, ...]:
        """The premises when each fact (in ``facts`` order) is known or not."""
        return tuple(f"input:{n}" if k else f"unknown:{n}" for n, k in zip(self.facts, known, strict=True))

    def derive(self, values: Mapping[str, object]) -> Derived:
        known = {name: values.get(name) for name in self.facts}
        premises = self.premises([known[n] is not None for n in self.facts])
        return evaluate_test(self.test, known, self.limits), self.rule, premises


@dataclass(frozen=True)
class CombineStep:
    """``all``, ``anyof`` or ``not`` of other nodes, in three-valued logic."""

    node: str
    kind: str
    children: tuple[str, ...]

    @property
    def rule(self) -> str:
        return f"{self.kind} {self.node}"

    @property
    def premises(self) -> tuple[str, ...]:
        return tuple(f"node:{child}" for child in self.children)

    def derive(self, values: Sequence[Truth]) -> Derived:
        if self.kind == "not":
            value = not3(values[0])
        else:
            value = and3(values) if self.kind == "all" else or3(values)
        return value, self.rule, self.premises


@dataclass(frozen=True)
class AliasStep:
    """A finding: the value of its condition's node, unknown while its guard's node (``unknown_when``) is true."""

    node: str
    source: str
    rule: str
    guard: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """The nodes it reads: its condition, then its guard if any."""
        return (self.source,) if self.guard is None else (self.source, self.guard)

    @property
    def premises(self) -> tuple[str, ...]:
        return tuple(f"node:{src}" for src in self.sources)

    def derive(self, value: Truth, guard: Truth = None) -> Derived:
        return (None if guard is True else value), self.rule, self.premises


@dataclass(frozen=True)
class CauseStep:
    """A cause's status from its ``applies`` (if any) and ``when`` nodes, in that order in ``sources``."""

    cause: str
    sources: tuple[str, ...]
    has_applies: bool

    @property
    def rule(self) -> str:
        return f"cause {self.cause}"

    @property
    def premises(self) -> tuple[str, ...]:
        return tuple(f"node:{src}" for src in self.sources)

    def derive(self, values: Sequence[Truth]) -> tuple[str, Derived]:
        """The status, and the cause's truth as a condition."""
        status = cause_status(values[0] if self.has_applies else True, values[-1])
        return status, (cause_truth(status), self.rule, self.premises)


Step = Union[TestStep, CombineStep, AliasStep, CauseStep]


@dataclass(frozen=True)
class Conclusions:
    """What the last stratum needs: codes, their causes, and remedy ranks.

    Attributes:
        causes: entry id -> its top-level causes in the article's order.
        trees: entry id -> its causes with their sub-causes, in the article's order.
        ranks: cause id -> entry id -> the cause's position in that entry.
        global_ranks: cause id -> its rank when the observed code does not list it.
    """

    causes: Mapping[str, tuple[str, ...]]
    trees: Mapping[str, tuple[str, ...]]
    ranks: Mapping[str, Mapping[str, int]]
    global_ranks: Mapping[str, int]

    def remedy_rank(self, cause: str, observed: str | None) -> int:
        default = self.global_ranks[cause]
        return default if observed is None else self.ranks.get(cause, {}).get(observed, default)

    def conclude(
        self, truths: Mapping[str, Derived], statuses: Mapping[str, tuple[str, str, tuple[str, ...]]], observed: str | None
    ) -> WorkingMemory:
        """Expected codes, remedies, escalation and verdict from the cause statuses."""
        confirmed = {cid for cid, (status, _, _) in statuses.items() if status == "confirmed"}
        undetermined = any(status == "undetermined" for status, _, _ in statuses.values())
        expected = {
            entry: tuple(cid for cid in tree if cid in confirmed)
            for entry, tree in self.trees.items()
            if confirmed.intersection(tree)
        }
        remedies = {cid: self.remedy_rank(cid, observed) for cid in confirmed}
        escalate = frozenset(
            entry
            for entry in ([observed] if observed is not None else [])
            if all(statuses[cid][0] not in ("confirmed", "undetermined") for cid in self.causes[entry])
        )
        verdict = "problems" if confirmed else "unexplained" if escalate else "incomplete" if undetermined else "clean"
        return WorkingMemory(dict(truths), dict(statuses), expected, remedies, escalate, verdict)


@dataclass(frozen=True)
class Plan:
    """The steps of an edition, each after the steps it reads, and its conclusions."""

    steps: tuple[Step, ...]
    conclusions: Conclusions


def run_steps(
    steps: Sequence[Step],
    facts: Mapping[str, object],
    truths: dict[str, Derived],
    statuses: dict[str, tuple[str, str, tuple[str, ...]]],
) -> None:
    """Derive ``steps`` in order from the facts and the truths already known, adding to ``truths`` and ``statuses``."""
    for step in steps:
        if isinstance(step, TestStep):
            truths[step.node] = step.derive(facts)
        elif isinstance(step, CombineStep):
            truths[step.node] = step.derive([truths[child][0] for child in step.children])
        elif isinstance(step, AliasStep):
            truths[step.node] = step.derive(*(truths[src][0] for src in step.sources))
        else:
            status, derived = step.derive([truths[src][0] for src in step.sources])
            statuses[step.cause] = (status, derived[1], derived[2])
            truths[cause_node(step.cause)] = derived


def run_plan(plan: Plan, facts: Mapping[str, object], observed: str | None = None) -> WorkingMemory:
    """Evaluate the plan for one VM's facts (``Facts.flat()``), step by step, without a rule engine.

    Args:
        plan: the compiled plan of an edition.
        facts: fact name -> value; None or absent is unknown.
        observed: the id of the error entry the user saw, if any.
    """
    truths: dict[str, Derived] = {}
    statuses: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    run_steps(plan.steps, facts, truths, statuses)
    return plan.conclusions.conclude(truths, statuses, observed)
