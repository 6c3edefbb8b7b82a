"""The conflict-resolution strategy kb_engine runs experta with.

experta's own ``DepthStrategy`` keeps the agenda sorted by (salience, fact ids)
and, to withdraw an activation whose conditions stopped holding, looks only at
the three neighbours of its bisection point. When many activations share a key
(every rule that tests that a fact is *absent* matches only the initial fact),
the withdrawn activation is often not found and fires anyway: a rule saying a
fact is unknown fires after the fact was given. It also memoises keys in an
``lru_cache`` whose look-ups compare whole activations, which dominates the
run time.

This strategy orders activations the same way (highest salience first, then the
most recent facts) and withdraws them by identity: the rule and the ids of the
facts it matched.
"""

from __future__ import annotations

import bisect
from typing import Any

from ._experta import Strategy

__all__ = ["SalienceStrategy"]


def _identity(activation: Any) -> tuple[int, frozenset[int]]:
    return id(activation.rule), frozenset(fact["__factid__"] for fact in activation.facts)


class SalienceStrategy(Strategy):  # type: ignore[misc]
    """Depth-first by salience, with exact withdrawal of activations."""

    def _update_agenda(self, agenda: Any, added: Any, removed: Any) -> None:
        activations = agenda.activations
        if removed:
            gone = {_identity(act) for act in removed}
            activations[:] = [act for act in activations if _identity(act) not in gone]
        for act in added:
            act.key = (act.rule.salience, sorted((fact["__factid__"] for fact in act.facts), reverse=True))
            bisect.insort(activations, act)
