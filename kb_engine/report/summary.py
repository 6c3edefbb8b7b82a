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
from typing import TYPE_CHECKING, NamedTuple

from kb_engine.engine.evaluate import unknown_facts_order
from kb_engine.knowledge.model import CodeEntry, Edition

from .build import cause_needs_of

if TYPE_CHECKING:
    from kb_engine.engine.plan import WorkingMemory
    from kb_engine.engine.reasoner import Reasoner

__all__ = ["Summary", "summarize"]

_PRIORITIES: dict[tuple[int, str | None], tuple[Edition, tuple[str, ...]]] = {}


def _priority(edition: Edition, observed: CodeEntry | None) -> tuple[str, ...]:
    """The causes in the order the report lists unknown facts: the observed error's walk first, then the rest."""
    key = (id(edition), None if observed is None else observed.id)
    found = _PRIORITIES.get(key)
    if found is not None and found[0] is edition:  # the entry keeps its edition alive, so the id is still its own
        return found[1]
    order = unknown_facts_order(edition, observed)
    if len(_PRIORITIES) > 1000:
        _PRIORITIES.clear()
    _PRIORITIES[key] = (edition, order)
    return order


class Summary(NamedTuple):
    """The conclusions of one diagnosis, as a report would show them (immutable; a named tuple, made in a
    fraction of the time of a frozen dataclass, once per VM of a fleet).

    Attributes:
        vm: the VM's name from the facts.
        edition: the edition diagnosed with.
        verdict: problems, unexplained, incomplete or clean (as in the report).
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
    unknown: dict[str, None] = {}
    if any(status == "undetermined" for status, _, _ in statuses.values()):
        needs = cause_needs_of(engine, flat, memory, "en")
        for cid in _priority(edition, observed):
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
