"""What a fleet row needs of one diagnosis, without building the full report.

A :class:`Summary` holds the conclusions a compact row shows: the verdict, the
confirmed causes with their letters, the expected error codes, the remedies in
their order, whether to escalate, and the unknown facts that would decide the
undetermined causes. It is read from the engine's working memory with the same
code and the same kept parts the full report uses (:mod:`.build`), so it always
says what the report says (a property test holds them together), at a fraction
of the cost: no derivations, texts or remedy steps are assembled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb_engine.engine.evaluate import cause_walk
from kb_engine.knowledge.model import CodeEntry

from .build import cause_needs_of

if TYPE_CHECKING:
    from kb_engine.engine.plan import WorkingMemory
    from kb_engine.engine.reasoner import Reasoner

__all__ = ["Summary", "summarize"]


@dataclass(frozen=True, slots=True)
class Summary:
    """The conclusions of one diagnosis, as a report would show them.

    Attributes:
        vm: the VM's name from the facts.
        edition: the edition diagnosed with.
        verdict: problems, clean or incomplete.
        observed: the entry id of the observed error, if any.
        confirmed: the confirmed causes in knowledge-base order, each (id, letter or None).
        expected_codes: the entries confirmed causes produce, in knowledge-base order.
        remedies: the confirmed causes in the order of the report's remedies.
        escalate: every cause of the observed error is excluded.
        unknown: the facts that would decide undetermined causes, in the report's order.
    """

    vm: str | None
    edition: str
    verdict: str
    observed: str | None
    confirmed: tuple[tuple[str, str | None], ...]
    expected_codes: tuple[str, ...]
    remedies: tuple[str, ...]
    escalate: bool
    unknown: tuple[str, ...]


def summarize(
    engine: Reasoner, name: str | None, flat: Mapping[str, object], observed: CodeEntry | None, memory: WorkingMemory
) -> Summary:
    """The summary of one diagnosis from the engine's working memory and the VM's facts by name."""
    edition = engine.edition
    causes = edition.causes
    order = list(causes)
    statuses = memory.statuses
    walk_ids = cause_walk(edition, observed) if observed is not None else []
    unknown: dict[str, None] = {}
    undetermined = [cid for cid in order if statuses[cid][0] == "undetermined"]
    if undetermined:
        needs = cause_needs_of(engine, flat, memory, "en")
        for cid in [*walk_ids, *(c for c in order if c not in walk_ids)]:
            if statuses[cid][0] == "undetermined":
                unknown.update(dict.fromkeys(needs(cid)))
    ranked = sorted(memory.remedies.items(), key=lambda item: (item[1], order.index(item[0])))
    return Summary(
        vm=name,
        edition=edition.id,
        verdict=memory.verdict,
        observed=None if observed is None else observed.id,
        confirmed=tuple((cid, causes[cid].ref) for cid in order if statuses[cid][0] == "confirmed"),
        expected_codes=tuple(entry.id for entry in edition.codes if entry.id in memory.expected),
        remedies=tuple(cid for cid, _ in ranked),
        escalate=observed is not None and observed.id in memory.escalate,
        unknown=tuple(unknown),
    )
