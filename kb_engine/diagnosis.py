"""Diagnosis in one call: facts in, a :class:`~kb_engine.report.model.Report` out.

An :class:`Engine` is a :class:`~kb_engine.engine.reasoner.Reasoner` (the
compiled rules of one edition) that also builds the report, so it joins the
engine and the report rooms; everything above (consultation, diagrams, the
command line, the service) diagnoses through it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from kb_engine.engine.reasoner import Backend, Reasoner
from kb_engine.facts.load import FactsSource, load_facts
from kb_engine.facts.quick import FlatFacts
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import CodeEntry, KnowledgeBase
from kb_engine.report.build import build_report
from kb_engine.report.model import Report
from kb_engine.report.summary import Summary, summarize

__all__ = ["Engine", "diagnose"]


class Engine(Reasoner):
    """A compiled rule base for one edition, reusable across VMs and threads.

    Args:
        edition: edition name (``2019-07``, ``2019-12``); the newest when None.
        kb: the knowledge base; the shipped one when None.
        backend: ``experta`` runs the rules by forward chaining in experta;
            ``direct`` evaluates the same compiled rules step by step, without
            a rule engine, much faster, with identical reports.

    Raises:
        UnknownEditionError: the edition does not exist.
        ValueError: the backend is neither ``experta`` nor ``direct``.
    """

    def diagnose(self, facts: FactsSource, *, lang: str = "en", source: str | None = None) -> Report:
        """Diagnose one VM.

        Args:
            facts: a :class:`Facts`, a dict, a path to a JSON/YAML file, or ``"-"`` for standard input.
            lang: ``en`` or ``ja``.
            source: how to name the input in error messages (defaults to the path).

        Raises:
            InputError: the facts are invalid, or the observed error code is unknown
                (``UnknownErrorCodeError``, with the closest codes suggested).
        """
        loaded = load_facts(facts)
        label = source or (str(facts) if isinstance(facts, str | Path) else "<input>")
        observed = self.observed_entry(loaded, source=label)
        flat = loaded.flat()
        memory = self.run_flat(flat, observed)
        return build_report(self, loaded, observed, memory, "ja" if lang == "ja" else "en", flat=flat)


    def summarize(self, facts: FactsSource, *, source: str | None = None) -> Summary:
        """Diagnose one VM down to what a fleet row shows: verdict, confirmed causes, expected codes, the order of
        the remedies, escalation and the unknown facts that matter; the same as the full report says, without
        building it.

        Raises:
            InputError: the facts are invalid, or the observed error code is unknown.
        """
        loaded = load_facts(facts)
        label = source or (str(facts) if isinstance(facts, str | Path) else "<input>")
        observed = self.observed_entry(loaded, source=label)
        return self._summary(loaded.name, loaded.flat(), observed)

    def summarize_flat(self, facts: FlatFacts, *, source: str = "<input>") -> Summary:
        """:meth:`summarize` for facts already read by name (:func:`~kb_engine.fleet.records.read_record`).

        Raises:
            UnknownErrorCodeError: the observed error code is unknown.
        """
        code = facts.observed_error
        observed = None if code is None else self.entry_of(code, source=source)
        return self._summary(facts.name, facts.flat, observed)

    def _summary(self, name: str | None, flat: Mapping[str, object], observed: CodeEntry | None) -> Summary:
        if self.backend != "direct":
            return summarize(self, name, flat, observed, self.run_flat(flat, observed))
        entry = None if observed is None else observed.id
        verdict, confirmed, codes, remedies, escalate, unknown = (self._summarizer or self.compiled_summary())(flat, entry)
        fields = (name, self.edition.id, verdict, entry, confirmed, codes, remedies, escalate, unknown)
        return _new_summary(Summary, fields)


_new_summary = tuple.__new__
"""Makes a :class:`Summary` of its fields in order: what the named tuple's own ``__new__`` does, without its
Python-level call (once per VM of a fleet)."""

_ENGINES: dict[tuple[int, str, str, bool], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def diagnose(
    facts: FactsSource,
    edition: str | None = None,
    lang: str = "en",
    *,
    kb: KnowledgeBase | None = None,
    backend: Backend = "experta",
) -> Report:
    """Diagnose one VM with a shared, lazily built engine per edition and backend.

    Raises:
        UnknownEditionError: the edition does not exist.
        InputError: the facts are invalid or the observed error code is unknown.
        ValueError: the backend is neither ``experta`` nor ``direct``.
    """
    base = kb if kb is not None else default_kb()
    key = (id(base), base.edition(edition).id, backend, edition is None)  # the default's reports say so
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = Engine(edition, kb=base, backend=backend)
            _ENGINES[key] = engine
    return engine.diagnose(facts, lang=lang)
