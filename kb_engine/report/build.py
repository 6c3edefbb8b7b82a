"""Turn what the forward chain derived into a :class:`~kb_engine.report.Report`.

Statuses, findings, expected codes, remedy ranks, escalation and the verdict all
come from the engine's working memory; this module only orders them, fills in
the knowledge base's texts and tailors remedy steps to the VM's facts.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kb_engine.engine.compile import truth_node
from kb_engine.engine.plan import AliasStep, CombineStep, TestStep
from kb_engine.engine.evaluate import cause_truth, cause_walk, unknown_facts_order
from kb_engine.knowledge.conditions import (
    All,
    AnyOf,
    CauseRef,
    Condition,
    Context,
    FindingRef,
    Not,
    Test,
    evaluate,
    facts_of,
    unknown_item_fields,
    walk,
)
from kb_engine.errors import KnowledgeBaseError
from kb_engine.knowledge.model import Cause, CodeEntry, Edition, Step, facts_used
from kb_engine.knowledge.phrases import phrase, value_text
from kb_engine.knowledge.questions import questions_for
from kb_engine.knowledge.vocabulary import FactInfo, Facts, fact_catalog

from .model import (
    CauseResult,
    Command,
    Derivation,
    Escalation,
    ExpectedCode,
    FindingResult,
    ObservedError,
    Remedy,
    RemedyStep,
    Report,
    UnknownFact,
)

if TYPE_CHECKING:
    from kb_engine.engine.plan import WorkingMemory
    from kb_engine.engine.reasoner import Reasoner

__all__ = ["build_report", "cause_needs_of"]

_UI = {
    "en": {
        "confirmed": "Confirmed: {}.",
        "ruled_out": "Ruled out: {}.",
        "not_applicable": "Does not apply to this VM: {}.",
        "undetermined": "Undetermined: would be decided by {}.",
        "undetermined_plain": "Undetermined.",
        "is_false": "not “{}”",
        "and": "; ",
        "sub": "its sub-causes",
        "finding": "finding {id}: {text}",
        "cause": "cause {id}",
        "unknown_fact": "{name} is unknown",
        "observed": "observed error {name}",
        "input_note": "{field}: “{given}” was read as {read_as}",
        "only_if": "only if: {}",
        "edition_asked": "edition {id} ({published}), as asked",
        "edition_default": "edition {id} ({published}), the newest: the article as it stands today; ask for another with --edition",
    },
    "ja": {
        "confirmed": "確定: {}。",
        "ruled_out": "除外: {}。",
        "not_applicable": "この VM には該当しない: {}。",
        "undetermined": "未確定: {} が分かれば判断できます。",
        "undetermined_plain": "未確定。",
        "is_false": "「{}」ではない",
        "and": "、",
        "sub": "サブ原因",
        "finding": "所見 {id}: {text}",
        "cause": "原因 {id}",
        "unknown_fact": "{name} は不明",
        "observed": "発生したエラー {name}",
        "input_note": "{field}: 「{given}」を {read_as} として読みました",
        "only_if": "該当する場合のみ: {}",
        "edition_asked": "指定された版 {id} ({published})",
        "edition_default": "最新の版 {id} ({published}): 現在の記事の内容です。別の版は --edition で指定できます",
    },
}


_MEMO_LIMIT = 20_000
"""Parts of reports kept per engine and language for reuse; the memo starts afresh when it holds more."""


class _Tables:
    """What every report of one engine in one language shares: labels, the compiled node of each condition,
    the facts each remedy reads, and a memo of the report's immutable parts.

    Every part of a report is a function of what it is built from, and is kept under exactly that: a
    derivation under its premise and the values of every fact below its node (which decide every truth below
    it); a cause's result under its derivation's identity (the result keeps the derivation alive); a remedy
    under its cause, its rank and the facts its steps and texts read. So the same facts give the same
    objects, and reports of many VMs share most of their parts.
    """

    def __init__(self, engine: Reasoner, lang: str) -> None:
        edition = engine.edition
        ui = _UI[lang]
        self.labels: dict[str, str] = {}
        for node, cond in engine.rules.node_conditions.items():
            self.labels[node] = phrase(cond, edition, lang)
        for fid, finding in edition.findings.items():
            self.labels[f"finding:{fid}"] = ui["finding"].format(id=fid, text=edition.fill(finding.text, lang))
        for cid in edition.causes:
            self.labels[f"cause:{cid}"] = ui["cause"].format(id=cid)
        self.fact_texts = _fact_texts(engine, lang)
        self.nodes: dict[int, str | None] = {}
        self.facts_under: dict[str, tuple[str, ...]] = {}
        for step in engine.rules.plan.steps:
            if isinstance(step, TestStep):
                self.facts_under[step.node] = tuple(sorted(set(step.facts)))
                continue
            if isinstance(step, CombineStep):
                node, below = step.node, step.children
            elif isinstance(step, AliasStep):
                node, below = step.node, step.sources
            else:
                node, below = f"cause:{step.cause}", step.sources
            self.facts_under[node] = tuple(sorted({name for child in below for name in self.facts_under[child]}))
        self.remedy_facts: dict[str, tuple[str, ...]] = {}
        param_facts = sorted({p.fact for p in edition.params.values() if p.fact is not None})
        for cid, cause in edition.causes.items():
            used: set[str] = set(param_facts)
            for step in cause.steps:
                for cond in (step.when, *(v.when for v in step.variants)):
                    if cond is not None:
                        used |= facts_used(cond, edition)
            self.remedy_facts[cid] = tuple(sorted(used))
        self.param_facts = tuple(param_facts)
        self.memo: dict[Hashable, Any] = {}

    def recall(self, key: Hashable) -> Any:
        return self.memo.get(key)

    def keep(self, key: Hashable, value: Any) -> Any:
        if len(self.memo) >= _MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = value
        return value


_TABLES: weakref.WeakKeyDictionary[Reasoner, dict[str, _Tables]] = weakref.WeakKeyDictionary()


def _tables(engine: Reasoner, lang: str) -> _Tables:
    per_lang = _TABLES.get(engine)
    if per_lang is None:
        per_lang = _TABLES.setdefault(engine, {})
    tables = per_lang.get(lang)
    if tables is None:
        tables = per_lang[lang] = _Tables(engine, lang)
    return tables


class _Builder:
    def __init__(
        self,
        engine: Reasoner,
        facts: Facts | None,
        memory: WorkingMemory,
        lang: str,
        flat: Mapping[str, object] | None = None,
    ) -> None:
        self.edition: Edition = engine.edition
        self.kb_version = engine.kb.kb_version
        self.edition_asked = getattr(engine, "edition_asked", True)
        self.node_ids: Mapping[str, str] = engine.rules.node_ids
        self.node_conditions: Mapping[str, Condition] = engine.rules.node_conditions
        self.facts = facts
        if flat is None:
            assert facts is not None, "the facts, or their values by name"
            flat = facts.flat()
        self.flat = flat
        self.memory = memory
        self.lang = lang
        self.ui = _UI[lang]
        self.derivations: dict[str, Derivation] = {}
        self.tables = _tables(engine, lang)

    # -- derivations ---------------------------------------------------------

    def derivation(self, premise: str) -> Derivation:
        """The derivation of a premise; shared premises are built once (the models are immutable)."""
        done = self.derivations.get(premise)
        if done is None:
            done = self.derivations[premise] = self._derivation(premise)
        return done

    def _derivation(self, premise: str) -> Derivation:
        kind, _, name = premise.partition(":")
        if kind == "input":
            value = self.flat.get(name)
            key: Hashable = (premise, value)  # a fact's values are all of one type (never both 1 and true)
            found = self.tables.recall(key)
            if found is None:
                found = self.tables.keep(key, Derivation(conclusion=f"{name} = {value_text(value)}", value=_json(value), rule="input"))
            return found  # type: ignore[no-any-return]
        if kind in ("unknown", "observed"):
            found = self.tables.recall(premise)
            if found is None:
                if kind == "unknown":
                    made = Derivation(conclusion=self.ui["unknown_fact"].format(name=name), value=None, rule="unknown")
                else:
                    made = Derivation(conclusion=self.ui["observed"].format(name=name), value=name, rule="input")
                found = self.tables.keep(premise, made)
            return found  # type: ignore[no-any-return]
        node = name if kind == "node" else premise
        key = (premise, *map(self.flat.get, self.tables.facts_under[node]))
        found = self.tables.memo.get(key)
        if found is None:
            if kind == "cause" and name in self.memory.statuses:
                value, rule, premises = self.memory.statuses[name]
            else:
                value, rule, premises = self.memory.truths[node]
            below = [self.derivation(p) for p in premises]
            found = self.tables.keep(
                key, Derivation(conclusion=self.tables.labels[node], value=value, rule=rule, premises=below)
            )
        return found  # type: ignore[no-any-return]

    def cause_derivation(self, cid: str) -> Derivation:
        return self.derivation(f"cause:{cid}")

    # -- causes --------------------------------------------------------------

    def value(self, cond: Condition) -> Any:
        nodes = self.tables.nodes
        key = id(cond)  # conditions belong to the edition, which outlives the tables
        if key in nodes:
            node = nodes[key]
        else:
            node = nodes[key] = truth_node(cond, self.node_ids)
        return self.memory.truths[node][0] if node is not None and node in self.memory.truths else None

    def deciding_findings(self, cond: Condition, wanted: bool) -> list[str]:
        """The findings whose value (``wanted``) decided a condition."""
        out: list[str] = []
        value = self.value(cond)
        if value is not wanted:
            return out
        if isinstance(cond, FindingRef):
            return [cond.finding]
        if isinstance(cond, CauseRef):
            cause = self.edition.causes[cond.cause]
            return self.deciding_findings(cause.when, wanted)
        if isinstance(cond, Not):
            return self.deciding_findings(cond.part, not wanted)
        if isinstance(cond, All | AnyOf):
            for part in cond.parts:
                if self.value(part) is wanted:
                    out.extend(self.deciding_findings(part, wanted))
        return out

    def needed_facts(self, cond: Condition) -> list[str]:
        """Unknown facts that could still decide an unknown condition."""
        if self.value(cond) is not None:
            return []
        if isinstance(cond, Test):
            unknown = [name for name in cond.facts() if self.flat.get(name) is None]
            if not unknown and cond.op == "any_item":
                return self.needed_item_fields(cond)
            return unknown
        if isinstance(cond, FindingRef):
            finding = self.edition.findings[cond.finding]
            if finding.unknown_when is not None and self.value(finding.unknown_when) is True:
                # Known facts that cannot show the finding now; they decide it once the guard no longer holds.
                return sorted(facts_of(finding.when))
            return self.needed_facts(finding.when)
        if isinstance(cond, CauseRef):
            return self.cause_needs(self.edition.causes[cond.cause])
        parts = cond.parts if isinstance(cond, All | AnyOf) else (cond.part,)
        out: list[str] = []
        for part in parts:
            for name in self.needed_facts(part):
                if name not in out:
                    out.append(name)
        return out

    def needed_item_fields(self, test: Test) -> list[str]:
        """The fields (``vm.disks[].encrypted``) unknown in the items that leave a known list's test unknown."""
        return unknown_item_fields(test, self.flat, self.edition.limits)

    def cause_needs(self, cause: Cause) -> list[str]:
        out: list[str] = []
        for cond in (cause.applies, cause.when):
            if cond is not None:
                for name in self.needed_facts(cond):
                    if name not in out:
                        out.append(name)
        return out

    def finding_text(self, fid: str) -> str:
        return self.edition.fill(self.edition.findings[fid].text, self.lang)

    def cause_result(self, cid: str) -> CauseResult:
        """The cause's result, a function of the cause and its derivation (every truth and input value below it)."""
        derivation = self.cause_derivation(cid)
        key = ("result", cid, id(derivation))
        found = self.tables.recall(key)
        if found is None:
            found = self.tables.keep(key, self._cause_result(cid, derivation))
        return found  # type: ignore[no-any-return]

    def _cause_result(self, cid: str, derivation: Derivation) -> CauseResult:
        cause = self.edition.causes[cid]
        status = self.memory.statuses[cid][0]
        evidence: list[str] = []
        needs: list[str] = []
        joiner = self.ui["and"]
        if status == "confirmed":
            evidence = _unique(self.deciding_findings(cause.when, True))
            reason = self.ui["confirmed"].format(joiner.join(self.finding_text(f) for f in evidence) or self.ui["sub"])
        elif status == "not_applicable":
            evidence = _unique(self.deciding_findings(cause.applies, False)) if cause.applies is not None else []
            reason = self.ui["not_applicable"].format(
                joiner.join(self.ui["is_false"].format(self.finding_text(f)) for f in evidence)
            )
        elif status == "ruled_out":
            evidence = _unique(self.deciding_findings(cause.when, False))
            reason = self.ui["ruled_out"].format(
                joiner.join(self.ui["is_false"].format(self.finding_text(f)) for f in evidence) or self.ui["sub"]
            )
        else:
            needs = self.cause_needs(cause)
            reason = self.ui["undetermined"].format(", ".join(needs)) if needs else self.ui["undetermined_plain"]
        return CauseResult(
            id=cid,
            ref=cause.ref,
            title=self.edition.fill(cause.title, self.lang),
            status=status,
            parent=cause.parent,
            reason=reason,
            evidence=evidence,
            needs=needs,
            derivation=derivation,
        )

    # -- remedies ------------------------------------------------------------

    def step_context(self) -> Context:
        """What step and variant conditions see: the facts, and the findings and causes as derived."""
        base = Context(self.flat, self.edition.limits)
        findings = {
            fid: (self.memory.truths[f"finding:{fid}"][0] if f"finding:{fid}" in self.memory.truths else f.truth(base))
            for fid, f in self.edition.findings.items()
        }
        causes = {cid: cause_truth(status) for cid, (status, _, _) in self.memory.statuses.items()}
        return Context(self.flat, self.edition.limits, findings, causes)

    def steps(self, steps: tuple[Step, ...]) -> list[RemedyStep]:
        ctx = self.step_context()
        out: list[RemedyStep] = []
        for step in steps:
            if step.when is not None and evaluate(step.when, ctx) is False:
                continue
            commands: list[Command] = []
            if step.command:
                commands.append(Command(command=step.command))
            if step.variants:
                chosen = None
                for variant in step.variants:
                    verdict = True if variant.when is None else evaluate(variant.when, ctx)
                    if verdict is None:
                        break
                    if verdict:
                        chosen = variant
                        break
                shown = [chosen] if chosen is not None else list(step.variants)
                for variant in shown:
                    commands.append(Command(command=variant.command, label=variant.label.get(self.lang)))
            out.append(
                RemedyStep(
                    number=len(out) + 1,
                    text=self.edition.fill(step.text, self.lang, self.flat),
                    commands=commands,
                    link=step.link,
                    procedure=step.procedure,
                )
            )
        return out

    def shared(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The memo's value for ``key``, made (and kept) when missing."""
        found = self.tables.recall(key)
        return found if found is not None else self.tables.keep(key, make())

    def only_if(self, cid: str) -> str | None:
        """For a cause not known to apply to this VM (its OS unknown, say), what its notes and logs are for."""
        cause = self.edition.causes[cid]
        if cause.applies is None or self.value(cause.applies) is not None:
            return None
        return self.ui["only_if"].format(self.open_condition_text(cause.applies))

    def open_condition_text(self, cond: Condition) -> str:
        """An unknown condition in words: findings by their text; of an `all`, only the parts still unknown."""
        if isinstance(cond, FindingRef):
            return self.finding_text(cond.finding)
        if isinstance(cond, All):
            return self.ui["and"].join(self.open_condition_text(p) for p in cond.parts if self.value(p) is None)
        return phrase(cond, self.edition, self.lang)

    def concerns(self, cid: str) -> bool:
        """Whether a cause's notes and logs may concern this VM: not when the cause does not apply to it."""
        return self.memory.statuses[cid][0] != "not_applicable"

    def labelled_notes(self, cid: str) -> list[str]:
        """The cause's notes, each labelled with what it is for when it is unknown whether the cause applies."""
        label = self.only_if(cid)
        notes = self.notes(self.edition.causes[cid])
        return notes if label is None else [f"({label}) {note}" for note in notes]

    def notes(self, cause: Cause) -> list[str]:
        key = ("notes", cause.id, *(self.flat.get(name) for name in self.tables.param_facts))
        return list(self.shared(key, lambda: tuple(self._notes(cause))))

    def _notes(self, cause: Cause) -> list[str]:
        texts = [self.edition.fill(n, self.lang, self.flat) for n in cause.notes]
        for step in cause.steps:
            if step.procedure is not None:
                for note in self.edition.procedures[step.procedure].notes:
                    text = self.edition.fill(note, self.lang, self.flat)
                    if text not in texts:
                        texts.append(text)
        return texts

    def remedy(self, rank: int, cid: str) -> Remedy:
        """The cause's remedy, a function of the cause, its rank and the facts its steps and texts read."""
        key = ("remedy", cid, rank, *(self.flat.get(name) for name in self.tables.remedy_facts[cid]))
        found = self.tables.recall(key)
        if found is None:
            found = self.tables.keep(key, self._remedy(rank, cid))
        return found  # type: ignore[no-any-return]

    def _remedy(self, rank: int, cid: str) -> Remedy:
        cause = self.edition.causes[cid]
        return Remedy(
            rank=rank,
            cause=cid,
            title=self.edition.fill(cause.title, self.lang),
            why=self.edition.fill(cause.summary, self.lang, self.flat),
            steps=self.steps(cause.steps),
            logs=list(cause.logs),
            notes=self.notes(cause),
        )

    # -- the report ----------------------------------------------------------

    def needs_of(self, cid: str) -> tuple[str, ...]:
        """The unknown facts that could decide the cause (kept under the values of the facts below it)."""
        key = ("needs", cid, *map(self.flat.get, self.tables.facts_under[f"cause:{cid}"]))
        return self.shared(key, lambda: tuple(self.cause_needs(self.edition.causes[cid])))  # type: ignore[no-any-return]

    def build(self, observed: CodeEntry | None) -> Report:
        assert self.facts is not None, "a report needs the facts themselves"
        edition = self.edition
        causes = {cid: self.cause_result(cid) for cid in edition.causes}
        order = list(edition.causes)
        findings = [
            self.shared(
                ("finding", fid, id(derivation)),
                lambda: FindingResult(id=fid, text=self.finding_text(fid), derivation=derivation),  # noqa: B023 (called at once)
            )
            for fid in edition.findings
            if self.memory.truths.get(f"finding:{fid}", (None,))[0] is True
            for derivation in (self.derivation(f"finding:{fid}"),)
        ]
        observed_out = None
        escalation = None
        walk_ids: list[str] = []
        input_notes = [
            self.ui["input_note"].format(field=n.field, given=n.given, read_as=n.read_as) for n in self.facts.input_notes
        ]
        if observed is not None:
            walk_ids = cause_walk(edition, observed)
            escalate = observed.id in self.memory.escalate
            given = self.facts.observed_error or observed.id
            spelt = edition.code_spelling(given) or given
            if spelt != given:
                input_notes.append(self.ui["input_note"].format(field="observed_error", given=given, read_as=spelt))
            observed_out = ObservedError(
                code=spelt,
                entry=observed.id,
                names=list(observed.names),
                message=observed.message.get(self.lang),
                advice=edition.fill(observed.advice, self.lang, self.flat) if observed.advice else None,
                causes=[causes[cid] for cid in walk_ids],
                escalate=escalate,
            )
            if escalate:
                # The logs of the causes that may concern this VM; one kept only for some VMs says which.
                sources = [(log, self.only_if(cid)) for cid in walk_ids if self.concerns(cid) for log in edition.causes[cid].logs]
                logs = _unique([log for log, _ in sources])
                always = {log for log, label in sources if label is None}
                only_if = {log: label for log, label in reversed(sources) if label is not None and log not in always}
                escalation = self.shared(
                    ("escalation", observed.id, *logs, *sorted(only_if.items())),
                    lambda: Escalation(
                        title=edition.escalation_title.get(self.lang),
                        text=edition.escalation(logs).get(self.lang),
                        logs=logs,
                        only_if=only_if,
                    ),
                )
        ranked = sorted(self.memory.remedies.items(), key=lambda item: (item[1], order.index(item[0])))
        # A sub-cause's remedy is part of its parent's walk: list the parent's own steps once.
        remedies = [self.remedy(i + 1, cid) for i, (cid, _) in enumerate(ranked)]
        expected = [
            self.shared(
                ("expected", entry.id, *self.memory.expected[entry.id]),
                lambda: ExpectedCode(
                    entry=entry.id,  # noqa: B023 (called at once)
                    names=list(entry.names),  # noqa: B023
                    message=entry.message.get(self.lang),  # noqa: B023
                    causes=sorted(self.memory.expected[entry.id], key=order.index),  # noqa: B023
                ),
            )
            for entry in edition.codes
            if entry.id in self.memory.expected
        ]
        unknown = self.unknown_facts(causes, unknown_facts_order(edition, observed))
        shown = _unique([cid for cid in walk_ids] + [cid for cid, _ in ranked])
        notes = _unique([n for cid in shown if self.concerns(cid) for n in self.labelled_notes(cid)])
        return Report(
            kb_version=self.kb_version,
            edition=edition.id,
            edition_reason=self.ui["edition_asked" if self.edition_asked else "edition_default"].format(
                id=edition.id, published=edition.published
            ),
            lang=self.lang,
            vm=self.facts.name,
            verdict=self.memory.verdict,
            observed=observed_out,
            findings=findings,
            causes=[causes[cid] for cid in order],
            expected_codes=expected,
            remedies=remedies,
            unknown=unknown,
            escalation=escalation,
            notes=notes,
            input_notes=input_notes,
        )

    def unknown_facts(self, causes: Mapping[str, CauseResult], priority: Sequence[str]) -> list[UnknownFact]:
        catalog = fact_catalog()
        needed: dict[str, list[str]] = {}
        for cid in priority:
            for name in causes[cid].needs:
                needed.setdefault(name, []).append(cid)
        # First the facts the observed error's earliest undetermined causes need, in the article's order.
        ordered = list(needed)
        return [
            self.shared(
                ("unknown", name, *needed[name]),
                lambda: UnknownFact(
                    fact=name,  # noqa: B023 (called at once)
                    description=_text_of(self.tables.fact_texts, catalog, name),  # noqa: B023
                    needed_by=needed[name],  # noqa: B023
                ),
            )
            for name in ordered
        ]


def build_report(
    engine: Reasoner,
    facts: Facts,
    observed: CodeEntry | None,
    memory: WorkingMemory,
    lang: str,
    *,
    flat: Mapping[str, object] | None = None,
) -> Report:
    """Assemble the report of one diagnosis from the engine's working memory (``flat``: ``facts.flat()`` if known)."""
    return _Builder(engine, facts, memory, lang, flat).build(observed)


def cause_needs_of(
    engine: Reasoner, flat: Mapping[str, object], memory: WorkingMemory, lang: str
) -> Callable[[str], tuple[str, ...]]:
    """For a cause id, the unknown facts that could decide it, as the report's ``needs`` of that cause."""
    tables = _tables(engine, lang)
    memo, under = tables.memo, tables.facts_under
    builder: _Builder | None = None

    def needs(cid: str) -> tuple[str, ...]:
        nonlocal builder
        found = memo.get(("needs", cid, *map(flat.get, under[f"cause:{cid}"])))
        if found is None:  # the same key as needs_of's, which computes and keeps it
            if builder is None:
                builder = _Builder(engine, None, memory, lang, flat)
            found = builder.needs_of(cid)
        return found

    return needs


def _fact_texts(engine: Reasoner, lang: str) -> dict[str, str]:
    """What each fact is, in ``lang``: the consultation's question for it (Japanese reports), or nothing
    (English reports use the facts model's own descriptions, which are English)."""
    if lang == "en":
        return {}
    try:
        bank = questions_for(engine.kb)
    except KnowledgeBaseError:  # a knowledge base without usable questions: the model's descriptions
        return {}
    return {fact: engine.edition.fill(bank.get(fact).question, lang) for fact in bank if bank.get(fact) is not None}  # type: ignore[union-attr]


def _text_of(texts: Mapping[str, str], catalog: Mapping[str, FactInfo], name: str) -> str:
    """What a fact is in the report's language: its question, or for a field of a list fact's items
    the list's question and which field of each item; else the facts model's (English) description."""
    if name in texts:
        return texts[name]
    base, _, field = name.partition("[].")
    if field and base in texts:
        return f"{texts[base]} ({base} の各項目の {field})"
    return _description(catalog, name)


def _description(catalog: Mapping[str, FactInfo], name: str) -> str:
    """A fact's description, or for a field of a list fact's items (``vm.disks[].encrypted``) the field's."""
    info = catalog.get(name)
    if info is not None:
        return info.description
    base, _, field = name.partition("[].")
    item = catalog[base].item_field(field)
    assert item is not None, name
    return f"{item.description} ({base}, each item)"


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


def _json(value: object) -> Any:
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in sorted(value.items())}
    return value


_ = walk
