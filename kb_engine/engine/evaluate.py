"""A plain, stage-by-stage evaluation of the knowledge base.

This is the yardstick the forward-chaining engine is held to: findings first,
then causes in dependency order, then the error codes they produce, each
computed directly from the conditions in three-valued logic. It is also what
consultation uses to ask only the questions that matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from kb_engine.knowledge.conditions import Context, Truth, evaluate, refs_of
from kb_engine.knowledge.model import Cause, CodeEntry, Edition

__all__ = [
    "CauseStatus",
    "Evaluation",
    "cause_order",
    "cause_status",
    "cause_truth",
    "cause_walk",
    "evaluate_edition",
    "unknown_facts_order",
]

CauseStatus = Literal["confirmed", "ruled_out", "undetermined", "not_applicable"]


def cause_status(applies: Truth, when: Truth) -> CauseStatus:
    """The status of a cause from its two conditions.

    A cause that does not apply to the VM is ``not_applicable``; one whose
    condition is false is ``ruled_out`` (even when it is unknown whether it
    applies); it is ``confirmed`` only when both are known to be true.
    """
    if applies is False:
        return "not_applicable"
    if when is False:
        return "ruled_out"
    if when is True and applies is True:
        return "confirmed"
    return "undetermined"


def cause_truth(status: str) -> Truth:
    """A cause as a condition: confirmed is true, excluded is false, else unknown."""
    if status == "confirmed":
        return True
    if status in ("ruled_out", "not_applicable"):
        return False
    return None


def cause_order(edition: Edition) -> list[str]:
    """The edition's causes, each after the causes its condition refers to."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(cid: str) -> None:
        if cid in seen:
            return
        seen.add(cid)
        cause = edition.causes[cid]
        for cond in (cause.applies, cause.when):
            if cond is not None:
                for ref in sorted(refs_of(cond)[1]):
                    visit(ref)
        done.append(cid)

    for cid in edition.causes:
        visit(cid)
    return done


@dataclass(frozen=True)
class Evaluation:
    """What the knowledge base concludes about one VM.

    Attributes:
        findings: finding id -> truth.
        causes: cause id -> status.
        expected_codes: the entries (by id) that a confirmed cause produces, in knowledge-base order.
    """

    findings: Mapping[str, Truth]
    causes: Mapping[str, CauseStatus]
    expected_codes: tuple[str, ...]


def evaluate_edition(edition: Edition, facts: Mapping[str, object]) -> Evaluation:
    """Evaluate every finding, cause and code of an edition for one VM's facts (``Facts.flat()``)."""
    limits = edition.limits
    findings = {fid: f.truth(Context(facts, limits)) for fid, f in edition.findings.items()}
    statuses: dict[str, CauseStatus] = {}
    truths: dict[str, Truth] = {}
    for cid in cause_order(edition):
        cause: Cause = edition.causes[cid]
        ctx = Context(facts, limits, findings, truths)
        applies = True if cause.applies is None else evaluate(cause.applies, ctx)
        status = cause_status(applies, evaluate(cause.when, ctx))
        statuses[cid] = status
        truths[cid] = cause_truth(status)
    ordered = {cid: statuses[cid] for cid in edition.causes}
    expected = tuple(
        entry.id
        for entry in edition.codes
        if any(ordered[c] == "confirmed" for c in cause_walk(edition, entry))
    )
    return Evaluation(findings, ordered, expected)


def cause_walk(edition: Edition, entry: CodeEntry) -> list[str]:
    """The code's causes in the article's order, each parent followed by its sub-causes."""
    out: list[str] = []
    for cid in entry.causes:
        for member in (cid, *edition.causes[cid].children):
            if member not in out:
                out.append(member)
    return out


def unknown_facts_order(edition: Edition, entry: CodeEntry | None) -> tuple[str, ...]:
    """The causes in the order a report lists the unknown facts that would decide them: the observed error's
    causes first (:func:`cause_walk`), then every other cause in the edition's order."""
    walk = cause_walk(edition, entry) if entry is not None else []
    return (*walk, *(cid for cid in edition.causes if cid not in walk))
