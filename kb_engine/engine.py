"""The diagnosis engine: facts in, a :class:`~kb_engine.report.Report` out.

An :class:`Engine` compiles the rules of one edition once and is reused for
any number of VMs. Per-VM data enters experta only through ``declare()``
after ``reset()``. experta engines are not safe to share between threads, so
each thread gets its own instance of the compiled engine class.

The ``direct`` backend evaluates the same compiled rules step by step, without
experta's RETE network, for programs that diagnose many VMs; it derives the
same working memory, so the reports are identical.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal, get_args

from .facts import Facts
from .facts_input import FactsSource, load_facts
from .knowledge import CodeEntry, Edition, KnowledgeBase, default_kb
from .plan import Derived, WorkingMemory, run_plan
from .report import Report
from .rules import Escalate, Expected, Input, Observed, Remedy, Status, Truth, Verdict, compile_edition

__all__ = ["Backend", "Engine", "WorkingMemory", "diagnose"]

Backend = Literal["experta", "direct"]
"""How the rules run: ``experta`` (forward chaining, the default) or ``direct`` (the same steps in order)."""


class Engine:
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

    def __init__(self, edition: str | None = None, *, kb: KnowledgeBase | None = None, backend: Backend = "experta") -> None:
        if backend not in get_args(Backend):
            raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(get_args(Backend))}")
        self.kb = kb if kb is not None else default_kb()
        self.edition: Edition = self.kb.edition(edition)
        self.rules = compile_edition(self.edition)
        self.backend: Backend = backend
        self._local = threading.local()

    def _experta(self) -> Any:
        engine = getattr(self._local, "engine", None)
        if engine is None:
            engine = self.rules()
            self._local.engine = engine
        return engine

    def observed_entry(self, facts: Facts, *, source: str = "<input>") -> CodeEntry | None:
        """The edition's entry for the error code in the facts, if any.

        Raises:
            UnknownErrorCodeError: the code is unknown, or not in this edition.
        """
        if facts.observed_error is None:
            return None
        return self.kb.resolve_code(facts.observed_error, self.edition, source=source)

    def run(self, facts: Facts, observed: CodeEntry | None = None) -> WorkingMemory:
        """Run the rules for one VM and return what they derived."""
        if self.backend == "direct":
            return run_plan(self.rules.plan, facts.flat(), None if observed is None else observed.id)
        engine = self._experta()
        engine.reset()
        for name, value in facts.flat().items():
            if value is not None:
                engine.declare(Input(name=name, value=value))
        if observed is not None:
            engine.declare(Observed(code=observed.id))
        engine.run()
        truths: dict[str, Derived] = {}
        statuses: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        expected: dict[str, list[str]] = {}
        remedies: dict[str, int] = {}
        escalate: set[str] = set()
        verdict = "incomplete"
        for fact in engine.facts.values():
            if isinstance(fact, Truth):
                truths[fact["node"]] = (fact["value"], fact["rule"], tuple(fact["premises"]))
            elif isinstance(fact, Status):
                statuses[fact["cause"]] = (fact["status"], fact["rule"], tuple(fact["premises"]))
            elif isinstance(fact, Expected):
                expected.setdefault(fact["code"], []).append(fact["cause"])
            elif isinstance(fact, Remedy):
                remedies[fact["cause"]] = fact["rank"]
            elif isinstance(fact, Escalate):
                escalate.add(fact["code"])
            elif isinstance(fact, Verdict):
                verdict = fact["value"]
        trees = self.rules.plan.conclusions.trees
        in_order = {code: tuple(sorted(causes, key=trees[code].index)) for code, causes in expected.items()}
        return WorkingMemory(truths, statuses, in_order, remedies, frozenset(escalate), verdict)

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
        from .diagnosis import build_report

        loaded = load_facts(facts)
        label = source or (str(facts) if isinstance(facts, str | Path) else "<input>")
        observed = self.observed_entry(loaded, source=label)
        memory = self.run(loaded, observed)
        return build_report(self, loaded, observed, memory, "ja" if lang == "ja" else "en")


_ENGINES: dict[tuple[int, str, str], Engine] = {}
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
    key = (id(base), base.edition(edition).id, backend)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = Engine(edition, kb=base, backend=backend)
            _ENGINES[key] = engine
    return engine.diagnose(facts, lang=lang)
