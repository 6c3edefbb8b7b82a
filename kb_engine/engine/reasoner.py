"""The rules of one edition, compiled once and run for any number of VMs.

A :class:`Reasoner` compiles an edition's rules once. Per-VM data enters
experta only through ``declare()`` after ``reset()``. experta engines are not
safe to share between threads, so each thread gets its own instance of the
compiled engine class.

The ``direct`` backend evaluates the same compiled rules step by step, without
experta's RETE network, for programs that diagnose many VMs; it derives the
same working memory, so the reports are identical.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Literal, get_args

from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import CodeEntry, Edition, KnowledgeBase
from kb_engine.knowledge.vocabulary import Facts

from .compile import VM, Cause, Conclusion, compile_edition
from .codegen import CompiledRules, CompiledSummary, compile_plan, compile_summary
from .plan import Derived, WorkingMemory, cause_node

__all__ = ["Backend", "Reasoner", "WorkingMemory"]

Backend = Literal["experta", "direct"]
"""How the rules run: ``experta`` (forward chaining, the default) or ``direct`` (the same steps in order)."""


class Reasoner:
    """The compiled rules of one edition, run for one VM at a time; reusable across VMs and threads.

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
        self.edition_asked = edition is not None
        """True when the caller named the edition; False when it is the default (the newest)."""
        self.rules = compile_edition(self.edition)
        self.backend: Backend = backend
        self._local = threading.local()
        self._compiled: CompiledRules | None = None
        self._source = ""
        self._summarizer: CompiledSummary | None = None
        self._entries: dict[str, CodeEntry] = {}  # error codes as given -> their entries (a fleet repeats a few)
        self._summary_source = ""
        if backend == "direct":
            self._compile()
            self.compiled_summary()

    def _compile(self) -> CompiledRules:
        if self._compiled is None:
            title = f"the rules of edition {self.edition.id}, knowledge base {self.kb.kb_version}, as one Python function"
            self._compiled, self._source = compile_plan(self.rules.plan, self.edition.limits, title)
        return self._compiled

    def compiled_summary(self) -> CompiledSummary:
        """``summarize(facts, observed)`` of the ``direct`` backend: the rules and what a fleet row needs of their
        conclusions, compiled into one more Python function (once per engine)."""
        if self._summarizer is None:
            title = f"what a fleet row shows of the rules of edition {self.edition.id}, knowledge base {self.kb.kb_version}"
            self._summarizer, self._summary_source = compile_summary(self.rules.plan, self.edition, self.rules.node_ids, title)
        return self._summarizer

    @property
    def compiled_source(self) -> str:
        """The Python source the ``direct`` backend runs, generated from this edition's compiled rules: the rules,
        then the summary of their conclusions for fleet rows."""
        self._compile()
        self.compiled_summary()
        return self._source + "\n" + self._summary_source

    def __repr__(self) -> str:
        return f"{type(self).__name__}(edition={self.edition.id!r}, backend={self.backend!r}, kb_version={self.kb.kb_version!r})"

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
        return self.entry_of(facts.observed_error, source=source)

    def entry_of(self, code: str, *, source: str = "<input>") -> CodeEntry:
        """The edition's entry for an error code or alias as given (any letter case).

        Raises:
            UnknownErrorCodeError: the code is unknown, or not in this edition.
        """
        found = self._entries.get(code)
        if found is None:
            found = self.kb.resolve_code(code, self.edition, source=source)
            if len(self._entries) >= 1024:
                self._entries.clear()
            self._entries[code] = found
        return found

    def run(self, facts: Facts, observed: CodeEntry | None = None) -> WorkingMemory:
        """Run the rules for one VM and return what they derived."""
        return self.run_flat(facts.flat(), observed)

    def run_flat(self, flat: Mapping[str, object], observed: CodeEntry | None = None) -> WorkingMemory:
        """Run the rules for one VM's facts by name (``Facts.flat()``) and return what they derived."""
        if self.backend == "direct":
            return self._compile()(flat, None if observed is None else observed.id)
        engine = self._experta()
        engine.reset()
        engine.declare(VM(observed=None if observed is None else observed.id, **flat))
        engine.run()
        truths: dict[str, Derived] = {}
        statuses: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        conclusion: Any = None
        for fact in engine.facts.values():
            if isinstance(fact, Cause):
                for node, value, rule, premises in fact["derived"]:
                    truths[node] = (value, rule, tuple(premises))
                statuses[fact["id"]] = (fact["status"], *truths[cause_node(fact["id"])][1:])
            elif isinstance(fact, Conclusion):
                conclusion = fact
        if conclusion is None:  # pragma: no cover (the conclusions rule always fires once every cause has a status)
            raise RuntimeError("the rules drew no conclusion")
        return WorkingMemory(
            truths,
            statuses,
            {code: tuple(causes) for code, causes in conclusion["expected"]},
            dict(conclusion["remedies"]),
            frozenset(conclusion["escalate"]),
            conclusion["verdict"],
        )
