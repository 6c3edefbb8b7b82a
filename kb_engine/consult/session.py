"""Consultation: ask for one fact at a time until the observed error's cause is found.

The API is stateless: :func:`next_step` takes the observed error code and
whatever is known about the VM (a facts document, plus the facts the user could
not answer) and returns either the next :class:`Question` or the final
:class:`~kb_engine.report.Report`. A terminal, a chat bot or a web form drives a
consultation by adding each answer (:func:`parse_answer`, :func:`set_fact`) to
the facts and calling again.

How the next question is chosen:

* the code's causes are walked in the article's order, sub-causes after their
  parent; the consultation stops as soon as one is confirmed, or when every one
  is ruled out or does not apply (the report then carries the escalation), or
  when no question is left that could decide anything;
* the question asks for an unknown fact that *decides* the earliest
  undetermined cause: some answer to it would change that cause's status
  (checked by substituting candidate answers, derived from the thresholds in
  the conditions, and re-evaluating with :func:`~kb_engine.evaluate.evaluate_edition`;
  answers that contradict what is known do not count); ties go to the fact
  that decides more of the code's pending causes, then to the earlier entry of
  questions.yaml;
* a fact already known, or answered ``unknown`` (``skipped``), is never asked;
* a version compared with another unknown version (the installed agent against
  the latest) decides nothing alone: it is asked with that fact as its
  ``follow_up``, which comes next.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kb_engine.diagnosis import diagnose
from kb_engine.engine.evaluate import CauseStatus, cause_walk, evaluate_edition
from kb_engine.errors import InputError, Problem, show_value
from kb_engine.facts.documents import facts_document, set_fact
from kb_engine.facts.load import validate_facts
from kb_engine.knowledge.conditions import FactRef
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import CodeEntry, Edition, KnowledgeBase, facts_used, suggest
from kb_engine.knowledge.questions import QuestionBank, QuestionDef, questions_for
from kb_engine.knowledge.vocabulary import FactKind, Facts, fact_catalog
from kb_engine.report.model import Report, report_json

from .answers import answer_format, parse_answer
from .candidates import candidate_answers, fact_uses

__all__ = ["Outcome", "Question", "next_step", "outcome", "report_now", "step_json"]


Outcome = Literal["confirmed", "escalation", "undetermined"]

_EXCLUDED = ("ruled_out", "not_applicable")


class Question(BaseModel):
    """The next question of a consultation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["question"] = "question"
    code: str = Field(description="The observed error code, as given.")
    entry: str = Field(description="The knowledge base's entry id for the code.")
    edition: str
    lang: Literal["en", "ja"]
    fact: str = Field(description="The fact the question asks for; add the answer under this name.")
    kind: FactKind = Field(description="bool, enum, int, version, text or list.")
    text: str = Field(description="The question.")
    help: str = Field(description="Where to find the answer.")
    format: str = Field(description="How to answer, in words.")
    allowed: list[str] = Field(
        description="bool and enum facts: every accepted answer. Other facts (free_form): example answers, one per outcome they lead to."
    )
    free_form: bool = Field(description="Any answer in the format is accepted, not only those listed.")
    asked_for: str = Field(description="The cause the answer would decide: the earliest undetermined cause of the code.")
    asked_for_ref: str | None = Field(None, description="The cause's letter in the article digest (A..K, E1, E2).")
    asked_for_title: str
    decides: list[str] = Field(description="Every undetermined cause of the code that some answer would decide.")
    follow_up: list[str] = Field(
        default_factory=list, description="Facts this one is compared with; they are asked next, and only together do they decide."
    )


# ---------------------------------------------------------------------------
# Choosing the next question


@dataclass(frozen=True)
class _Probe:
    """What the answers to one question would do: each possible candidate's cause statuses."""

    fact: str
    outcomes: tuple[tuple[str, Mapping[str, CauseStatus]], ...]
    follow_up: tuple[str, ...] = ()

    def useful(self, walk_ids: Sequence[str], current: Mapping[str, CauseStatus]) -> bool:
        """Some answer changes the status of one of the code's causes."""
        return any(statuses[c] != current[c] for _, statuses in self.outcomes for c in walk_ids)

    def decides(self, cid: str) -> bool:
        """Some answer takes the cause out of undetermined."""
        return any(statuses[cid] != "undetermined" for _, statuses in self.outcomes)

    def examples(self, walk_ids: Sequence[str], candidates: Sequence[str]) -> list[str]:
        """One answer per distinct outcome for the code, in candidate order; at least two when there are two."""
        seen: set[tuple[str, ...]] = set()
        out: list[str] = []
        for answer, statuses in self.outcomes:
            key = tuple(statuses[c] for c in walk_ids)
            if key not in seen:
                seen.add(key)
                out.append(answer)
        for answer in candidates:
            if len(out) >= 2:
                break
            if answer not in out:
                out.append(answer)
        return out


@dataclass
class _Chooser:
    edition: Edition
    entry: CodeEntry
    doc: dict[str, Any]
    flat: Mapping[str, object]
    statuses: Mapping[str, CauseStatus]
    skipped: frozenset[str]
    bank: QuestionBank
    walk_ids: list[str]

    def askable(self, fact: str) -> bool:
        return fact in self.bank and fact not in self.skipped and self.flat.get(fact) is None

    def evaluate(self, changes: Sequence[tuple[str, Any]]) -> Mapping[str, CauseStatus] | None:
        doc = self.doc
        for fact, value in changes:
            doc = set_fact(doc, fact, value)
        try:
            model = validate_facts(doc, "<candidate>")
        except InputError:
            return None  # contradicts what is known: not a possible answer
        return evaluate_edition(self.edition, model.flat()).causes

    def probe(self, fact: str) -> _Probe:
        outcomes: list[tuple[str, Mapping[str, CauseStatus]]] = []
        for answer in candidate_answers(fact, self.edition, self.flat):
            try:
                value = parse_answer(fact, answer, "en", self.flat, questions=self.bank)
            except InputError:
                continue
            statuses = self.evaluate([(fact, value)])
            if statuses is not None:
                outcomes.append((answer, statuses))
        single = _Probe(fact, tuple(outcomes))
        if single.useful(self.walk_ids, self.statuses):
            return single
        return self.joint_probe(fact) or single

    def joint_probe(self, fact: str) -> _Probe | None:
        """A version compared with another unknown version: both answers together decide."""
        for use in fact_uses(self.edition, fact):
            if not isinstance(use.arg, FactRef) or use.op not in {"version_lt", "version_ge"}:
                continue
            partner = use.arg.fact
            if not self.askable(partner):
                continue
            left, right = (partner, fact) if use.reversed else (fact, partner)
            outcomes: list[tuple[str, Mapping[str, CauseStatus]]] = []
            for low in ("1.0", "2.0"):
                statuses = self.evaluate([(left, low), (right, "2.0")])
                if statuses is not None:
                    outcomes.append((low if left == fact else "2.0", statuses))
            probe = _Probe(fact, tuple(outcomes), (partner,))
            if probe.useful(self.walk_ids, self.statuses):
                return probe
        return None

    def choose(self) -> tuple[_Probe, str, list[str]] | None:
        walk_ids = self.walk_ids
        pending = [cid for cid in walk_ids if self.statuses[cid] == "undetermined"]
        probes: dict[str, _Probe] = {}
        for cid in pending:
            cause = self.edition.causes[cid]
            needs = facts_used(cause.when, self.edition)
            if cause.applies is not None:
                needs |= facts_used(cause.applies, self.edition)
            options: list[_Probe] = []
            for fact in self.bank:
                if fact not in needs or not self.askable(fact):
                    continue
                if fact not in probes:
                    probes[fact] = self.probe(fact)
                probe = probes[fact]
                if probe.useful(walk_ids, self.statuses) and probe.decides(cid):
                    options.append(probe)
            if not options and cause.applies is not None:
                # Whether the cause applies at all may take a setting asked last (the policy): no single answer
                # decides the cause, but without it nothing else can.
                settings = facts_used(cause.applies, self.edition)
                for fact in self.bank:
                    if fact in settings and self._last(fact) and self.askable(fact):
                        options.append(probes.setdefault(fact, self.probe(fact)))
            if options:
                usual = [p for p in options if not self._last(p.fact)]
                best = min(
                    usual or options,
                    key=lambda p: (-sum(p.decides(c) for c in pending), bool(p.follow_up), self._order(p.fact)),
                )
                return best, cid, [c for c in pending if best.decides(c)]
        return None

    def _last(self, fact: str) -> bool:
        entry: QuestionDef | None = self.bank.get(fact)
        return entry is not None and entry.ask_last

    def _order(self, fact: str) -> int:
        entry: QuestionDef | None = self.bank.get(fact)
        return entry.order if entry is not None else len(self.bank)


def next_step(
    code: str,
    facts: Facts | Mapping[str, Any] | None = None,
    edition: str | None = None,
    lang: str = "en",
    *,
    skipped: Iterable[str] = (),
    kb: KnowledgeBase | None = None,
    questions: QuestionBank | None = None,
    source: str = "<facts>",
    skip_source: str = "--skip",
) -> Question | Report:
    """The next question of a consultation, or its report when nothing is left to ask.

    Args:
        code: the error code the user saw (aliases accepted).
        facts: what is known so far: a facts document (as in a facts file) or a :class:`Facts`.
        edition: the article edition; the newest when None.
        lang: ``en`` or ``ja``.
        skipped: facts the user could not answer (``unknown``); they are not asked again.
        kb: the knowledge base; the shipped one when None.
        questions: the questions; those that go with ``kb`` when None.
        source: how to name the facts in error messages.
        skip_source: how to name ``skipped`` in error messages.

    Returns:
        A :class:`Question`, or the diagnosis :class:`Report` once a cause of the code is
        confirmed, every cause is excluded (the report carries the escalation), or no
        question could decide anything more.

    Raises:
        InputError: invalid facts, an unknown fact in ``skipped``, an ``observed_error`` in the
            facts that differs from ``code``; ``UnknownErrorCodeError`` and
            ``UnknownEditionError`` are InputErrors too.
        KnowledgeBaseError: the questions do not load.
    """
    state = _prepare(code, facts, edition, lang, skipped, kb, questions, source, skip_source)
    selected, entry, bank, flat, language = state.edition, state.entry, state.bank, state.flat, state.lang
    statuses = evaluate_edition(selected, flat).causes
    walk_ids = cause_walk(selected, entry)
    done = any(statuses[cid] == "confirmed" for cid in walk_ids) or all(statuses[cid] in _EXCLUDED for cid in entry.causes)
    if not done:
        chooser = _Chooser(selected, entry, state.doc, flat, statuses, state.skipped, bank, walk_ids)
        chosen = chooser.choose()
        if chosen is not None:
            probe, cid, decided = chosen
            definition = bank.get(probe.fact)
            assert definition is not None  # askable facts have a question
            info = definition.info
            listed = info.kind in {"bool", "enum"}
            candidates = candidate_answers(probe.fact, selected, flat)
            allowed = candidates if listed else ([] if probe.follow_up else probe.examples(walk_ids, candidates))
            return Question(
                code=code,
                entry=entry.id,
                edition=selected.id,
                lang=language,
                fact=probe.fact,
                kind=info.kind,
                text=selected.fill(definition.question, language, flat),
                help=selected.fill(definition.help, language, flat),
                format=answer_format(probe.fact, language, bank),
                allowed=allowed,
                free_form=not listed,
                asked_for=cid,
                asked_for_ref=selected.causes[cid].ref,
                asked_for_title=selected.fill(selected.causes[cid].title, language),
                decides=decided,
                follow_up=list(probe.follow_up),
            )
    return state.report()


@dataclass(frozen=True)
class _State:
    kb: KnowledgeBase
    edition: Edition
    entry: CodeEntry
    bank: QuestionBank
    doc: dict[str, Any]
    model: Facts
    flat: Mapping[str, object]
    skipped: frozenset[str]
    lang: Literal["en", "ja"]
    asked: str | None  # the edition as the user named it; None: the default, and the report says so

    def report(self) -> Report:
        return diagnose(self.model, self.asked, self.lang, kb=self.kb)


def _prepare(
    code: str,
    facts: Facts | Mapping[str, Any] | None,
    edition: str | None,
    lang: str,
    skipped: Iterable[str],
    kb: KnowledgeBase | None,
    questions: QuestionBank | None,
    source: str,
    skip_source: str = "--skip",
) -> _State:
    language: Literal["en", "ja"] = "ja" if lang == "ja" else "en"
    base = kb if kb is not None else default_kb()
    selected = base.edition(edition)
    entry = base.resolve_code(code, selected, source="CODE", path="")
    bank = questions if questions is not None else questions_for(kb)
    doc = facts_document(facts, source)
    given = doc.get("observed_error")
    if given is not None and given != code:
        other = selected.code(given)
        if other is None or other.id != entry.id:
            raise InputError(
                [Problem(source, "observed_error", f"differs from the code being consulted ({code})", show_value(given))],
                summary="the facts name another error code",
            )
    skipped_set = frozenset(skipped)
    unknown = sorted(name for name in skipped_set if name not in fact_catalog())
    if unknown:
        problems = []
        for name in unknown:
            close = suggest(name, list(fact_catalog()))
            problems.append(Problem(skip_source, name, "unknown fact" + (f"; did you mean {', '.join(close)}?" if close else "")))
        raise InputError(problems)
    doc = {"observed_error": code, **{k: v for k, v in doc.items() if k != "observed_error"}}
    model = validate_facts(doc, source)
    return _State(base, selected, entry, bank, doc, model, model.flat(), skipped_set, language, edition)


def report_now(
    code: str,
    facts: Facts | Mapping[str, Any] | None = None,
    edition: str | None = None,
    lang: str = "en",
    *,
    kb: KnowledgeBase | None = None,
    source: str = "<facts>",
) -> Report:
    """The report of a consultation as it stands (when the user stops before the end).

    Raises:
        InputError: as :func:`next_step`.
    """
    return _prepare(code, facts, edition, lang, (), kb, None, source).report()


def outcome(report: Report) -> Outcome:
    """How a consultation ended: a cause of the code confirmed, every cause excluded, or undetermined."""
    if report.observed is not None and any(c.status == "confirmed" for c in report.observed.causes):
        return "confirmed"
    if report.escalation is not None:
        return "escalation"
    return "undetermined"


def step_json(step: Question | Report) -> str:
    """One step as the JSON document ``kb-engine consult --format json`` prints: sorted keys, a trailing newline.

    A question is ``{"type": "question", ...}``; the end is
    ``{"type": "report", "outcome": ..., "report": {...}}``.
    """
    if isinstance(step, Question):
        data: dict[str, Any] = step.model_dump(mode="json")
    else:
        data = {"type": "report", "outcome": outcome(step), "report": json.loads(report_json(step))}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
