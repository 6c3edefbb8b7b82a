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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .conditions import All, AnyOf, FactRef, ItemTest, LimitRef, Not, Test, walk
from .errors import InputError, Problem
from .evaluate import CauseStatus, cause_walk, evaluate_edition
from .facts import Facts, FactKind, fact_catalog, parse_version
from .facts_input import validate_facts
from .knowledge import CodeEntry, Edition, KnowledgeBase, default_kb, facts_used, iter_conditions, suggest
from .questions import QuestionBank, QuestionDef, questions_for
from .report import Report, report_json

__all__ = [
    "Question",
    "candidate_answers",
    "answer_format",
    "cause_walk",
    "facts_document",
    "get_fact",
    "next_step",
    "outcome",
    "parse_answer",
    "report_now",
    "set_fact",
    "step_json",
    "unset_fact",
]

Outcome = Literal["confirmed", "escalation", "undetermined"]

_EXCLUDED = ("ruled_out", "not_applicable")
_YES = {"yes", "y", "true", "はい"}
_NO = {"no", "n", "false", "いいえ"}
_ABSENT = {"absent", "なし"}
_NONE = {"none", "なし"}


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
# Facts documents


def _doc_path(fact: str) -> list[str]:
    """The keys of a fact in a facts document (aliases such as ``Extensions.Enabled`` where the model has them)."""
    model: type[BaseModel] | None = Facts
    keys: list[str] = []
    for part in fact.split("."):
        if model is None or part not in model.model_fields:
            raise KeyError(fact)
        field = model.model_fields[part]
        keys.append(field.alias or part)
        model = _model_in(field.annotation)
    return keys


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None and getattr(annotation, "__origin__", None) is not list:
            return found
    return None


def facts_document(facts: Facts | Mapping[str, Any] | None, source: str = "<facts>") -> dict[str, Any]:
    """A facts document as plain data: validated, unknown facts left out, keys as facts files write them.

    Raises:
        InputError: the facts are invalid.
    """
    model = facts if isinstance(facts, Facts) else validate_facts(dict(facts or {}), source)
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return _prune(data)


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key != "expect":
            value = _prune(value)
            if not value:
                continue
        out[key] = value
    return out


def set_fact(doc: Mapping[str, Any], fact: str, value: Any) -> dict[str, Any]:
    """A copy of a facts document with one fact set (None removes it)."""
    keys = _doc_path(fact)
    out = dict(doc)
    node = out
    for key in keys[:-1]:
        child = node.get(key)
        child = dict(child) if isinstance(child, Mapping) else {}
        node[key] = child
        node = child
    if value is None:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = value
    return _prune(out)


def get_fact(doc: Mapping[str, Any], fact: str) -> Any:
    """The value of one fact in a facts document, None when unknown."""
    node: Any = doc
    for key in _doc_path(fact):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def unset_fact(doc: Mapping[str, Any], fact: str) -> dict[str, Any]:
    """A copy of a facts document with one fact made unknown again."""
    return set_fact(doc, fact, None)


# ---------------------------------------------------------------------------
# Answers

_TEXTS = {
    "en": {
        "bool": "yes or no",
        "enum": "one of: {}",
        "int": "a whole number",
        "version": "a version such as 2.2.53",
        "text": "the value as written",
        "list": "a list",
        "bad": "not an answer to this question",
        "empty": "no answer given",
        "unknown_fact": "unknown fact",
        "too_long": "longer than 64 characters",
        "disk": "not a disk size in GiB (a whole number, e after an encrypted disk)",
        "extension": "not an extension state",
    },
    "ja": {
        "bool": "はい または いいえ (yes / no)",
        "enum": "次のいずれか: {}",
        "int": "整数",
        "version": "2.2.53 のようなバージョン",
        "text": "書かれているとおりの値",
        "list": "リスト",
        "bad": "この質問の回答として使えません",
        "empty": "回答がありません",
        "unknown_fact": "不明な情報名",
        "too_long": "64 文字を超えています",
        "disk": "GiB 単位のディスク サイズではありません (整数。暗号化ディスクには e を付ける)",
        "extension": "拡張機能の状態ではありません",
    },
}


def _t(lang: str) -> dict[str, str]:
    return _TEXTS["ja" if lang == "ja" else "en"]


def answer_format(fact: str, lang: str = "en", questions: QuestionBank | None = None) -> str:
    """How to answer the question for a fact, in words."""
    info = fact_catalog()[fact]
    t = _t(lang)
    if info.kind == "bool":
        return t["bool"]
    if info.kind == "enum":
        return t["enum"].format(", ".join(info.values))
    bank = questions if questions is not None else questions_for(None)
    entry = bank.get(fact)
    if entry is not None and entry.answer is not None:
        return entry.answer.get(lang)
    return t[info.kind]


def _bad(fact: str, text: str, lang: str, message: str | None = None, questions: QuestionBank | None = None) -> InputError:
    t = _t(lang)
    problem = Problem("answer", fact, message or t["bad"], json.dumps(text, ensure_ascii=False), answer_format(fact, lang, questions))
    return InputError([problem], summary=f"{'回答が正しくありません' if lang == 'ja' else 'invalid answer'}")


def _token(text: str) -> str:
    # The same normalisation as the facts model: "Not Ready" -> not_ready, "ProvisioningState/failed" -> failed.
    token = text.strip()
    if "/" in token:
        token = token.split("/", 1)[1]
    return token.lower().replace(" ", "_").replace("-", "_")


def parse_answer(
    fact: str,
    text: str,
    lang: str = "en",
    facts: Mapping[str, object] | None = None,
    *,
    questions: QuestionBank | None = None,
) -> Any:
    """The value of a fact, as a facts document holds it, from a typed answer.

    Accepted answers by kind: bool: yes/no, y/n, true/false, はい/いいえ (any case);
    enum: one of the values (any case, portal spellings such as ``Not Ready`` too);
    int: a whole number; version: a dotted version; text (waagent.conf switches):
    the value as written, ``absent`` when the line is missing (read as the default);
    ``vm.disks``: sizes in GiB separated by commas, ``e`` after an encrypted disk
    (``128, 5000e``); ``extensions``: the backup extension's state (``none`` when it is
    not installed), then one state per other extension (``failed, succeeded``).

    Args:
        fact: the fact's dotted name.
        text: what the user typed.
        lang: language of the error message.
        facts: the facts known so far (``Facts.flat()``); the VM's OS names the backup extension.
        questions: the question bank (for the answer format in error messages).

    Raises:
        InputError: the answer does not fit the fact; the message says what would.
    """
    info = fact_catalog().get(fact)
    if info is None:
        close = suggest(fact, list(fact_catalog()))
        raise InputError([Problem("answer", fact, _t(lang)["unknown_fact"], None, ", ".join(close) or None)])
    raw = text.strip()
    if not raw:
        raise _bad(fact, text, lang, _t(lang)["empty"], questions)
    folded = raw.casefold()
    if info.kind == "bool":
        if folded in _YES:
            return True
        if folded in _NO:
            return False
        raise _bad(fact, raw, lang, questions=questions)
    if info.kind == "enum":
        token = _token(raw)
        if token in info.values:
            return token
        raise _bad(fact, raw, lang, questions=questions)
    if info.kind == "int":
        if re.fullmatch(r"\d{1,9}", raw):
            return int(raw)
        raise _bad(fact, raw, lang, questions=questions)
    if info.kind == "version":
        try:
            parse_version(raw)
        except ValueError:
            raise _bad(fact, raw, lang, questions=questions) from None
        return raw
    if info.kind == "text":
        if folded in _ABSENT:
            return ""
        value = raw.strip("\"'").strip()
        if len(value) > 64:
            raise _bad(fact, raw, lang, _t(lang)["too_long"], questions)
        return value
    if fact == "vm.disks":
        return _parse_disks(fact, raw, lang, questions)
    if fact == "extensions":
        return _parse_extensions(fact, raw, lang, facts, questions)
    raise _bad(fact, raw, lang, questions=questions)


def _items(raw: str) -> list[str]:
    return [item for item in re.split(r"[,、\s]+", raw) if item]


def _parse_disks(fact: str, raw: str, lang: str, questions: QuestionBank | None) -> list[dict[str, Any]]:
    disks: list[dict[str, Any]] = []
    for item in _items(raw):
        match = re.fullmatch(r"(\d{1,9})(e?)", item, flags=re.IGNORECASE)
        if match is None or int(match.group(1)) < 1:
            raise _bad(fact, item, lang, _t(lang)["disk"], questions)
        disks.append({"size_gib": int(match.group(1)), "encrypted": bool(match.group(2))})
    if not disks:
        raise _bad(fact, raw, lang, questions=questions)
    return disks


def _parse_extensions(
    fact: str, raw: str, lang: str, facts: Mapping[str, object] | None, questions: QuestionBank | None
) -> list[dict[str, Any]]:
    states = fact_catalog()["extensions"].item_field("state")
    values = states.values if states is not None else ()
    items: list[str] = []
    for chunk in re.split(r"[,、]", raw):
        # The portal shows "Provisioning succeeded"; the API "ProvisioningState/succeeded".
        chunk = re.sub(r"provisioning\s*(state)?\s*/?\s*", "", chunk.strip().casefold())
        items.extend(chunk.split())
    out: list[dict[str, Any]] = []
    linux = facts is not None and facts.get("vm.os") == "linux"
    for i, item in enumerate(items):
        if i == 0 and item in _NONE:
            continue
        if item not in values:
            raise _bad(fact, item, lang, _t(lang)["extension"], questions)
        if i == 0:
            out.append({"name": "VMSnapshotLinux" if linux else "VMSnapshot", "state": item})
        else:
            out.append({"name": f"OtherExtension{i}", "state": item})
    if not items:
        raise _bad(fact, raw, lang, questions=questions)
    return out


# ---------------------------------------------------------------------------
# Candidate answers: the values that could make a difference


def _item_tests(cond: Any) -> Iterable[ItemTest]:
    if isinstance(cond, ItemTest):
        yield cond
    elif isinstance(cond, All | AnyOf):
        for part in cond.parts:
            yield from _item_tests(part)
    elif isinstance(cond, Not):
        yield from _item_tests(cond.part)


@dataclass(frozen=True)
class _Use:
    """One test that reads a fact: ``field`` for an item test of a list fact; ``partner`` when compared with another fact."""

    op: str
    arg: Any
    field: str | None = None
    reversed: bool = False


def _uses(edition: Edition, fact: str) -> list[_Use]:
    uses: list[_Use] = []
    for _, cond in iter_conditions(edition):
        for node in walk(cond):
            if not isinstance(node, Test):
                continue
            if node.fact == fact:
                if node.op == "any_item":
                    uses.extend(_Use(t.op, t.arg, t.field) for t in _item_tests(node.arg))
                else:
                    uses.append(_Use(node.op, node.arg))
            elif isinstance(node.arg, FactRef) and node.arg.fact == fact:
                uses.append(_Use(node.op, FactRef(node.fact), reversed=True))
    return uses


def _resolve(arg: Any, edition: Edition, flat: Mapping[str, object]) -> Any:
    if isinstance(arg, LimitRef):
        return edition.limits.get(arg.limit)
    if isinstance(arg, FactRef):
        return flat.get(arg.fact)
    return arg


def _numbers(uses: Iterable[_Use], edition: Edition, flat: Mapping[str, object]) -> list[int]:
    out: list[int] = []
    for use in uses:
        value = _resolve(use.arg, edition, flat)
        if use.op in {"gt", "ge", "lt", "le"} and isinstance(value, int | float) and not isinstance(value, bool):
            t = int(value)
            out += [t, t + 1, t - 1]
        elif use.op in {"eq", "ne"} and isinstance(value, int) and not isinstance(value, bool):
            out += [value, value + 1]
        elif use.op in {"in", "not_in"} and isinstance(value, tuple):
            out += [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return _unique([n for n in out if n >= 0])


def _below(version: str) -> str | None:
    parts = list(parse_version(version))
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] > 0:
            parts[i] -= 1
            return ".".join(str(p) for p in parts[: i + 1]) if i > 0 else str(parts[0])
    return None


def _above(version: str) -> str:
    parts = list(parse_version(version))
    parts[-1] += 1
    return ".".join(str(p) for p in parts)


def candidate_answers(fact: str, edition: Edition, flat: Mapping[str, object]) -> list[str]:
    """Answers to the question for ``fact`` that could make a difference, as a user would type them.

    bool and enum facts: every value. Numbers: each threshold of the conditions and its
    neighbours. Versions: each threshold (or the known value of the version it is compared
    with) and the version just below (or above). waagent.conf switches: y, n and absent.
    Disks: one disk at and around each size limit, plain and encrypted. Extensions: the
    backup extension and one other, each absent or in each state the conditions mention
    plus one they do not.
    """
    info = fact_catalog()[fact]
    if info.kind == "bool":
        return ["yes", "no"]
    if info.kind == "enum":
        return list(info.values)
    uses = _uses(edition, fact)
    if info.kind == "int":
        return [str(n) for n in _numbers(uses, edition, flat)] or ["0", "1"]
    if info.kind == "version":
        versions: list[str] = []
        for use in uses:
            value = _resolve(use.arg, edition, flat)
            if use.op not in {"version_lt", "version_ge"} or value is None:
                continue
            text = str(value)
            versions += [text, _above(text)] if use.reversed else [text, _below(text) or text]
        return _unique(versions)
    if info.kind == "text":
        texts: list[str] = []
        for use in uses:
            if use.op == "switch":
                texts += ["y", "n", "absent"]
            elif use.op in {"eq", "ne"} and isinstance(use.arg, str):
                texts.append(use.arg)
            elif use.op in {"in", "not_in"} and isinstance(use.arg, tuple):
                texts += [str(v) for v in use.arg]
        return _unique(texts)
    if fact == "vm.disks":
        sizes = _numbers([u for u in uses if u.field == "size_gib"], edition, flat) or [128]
        flags = [""] + (["e"] if any(u.field == "encrypted" for u in uses) else [])
        return [f"{size}{flag}" for flag in flags for size in sizes if size >= 1]
    if fact == "extensions":
        state_info = info.item_field("state")
        values = state_info.values if state_info is not None else ()
        mentioned: list[str] = []
        for use in uses:
            if use.field == "state":
                mentioned += [use.arg] if isinstance(use.arg, str) else [str(v) for v in use.arg or ()]
        other = [v for v in values if v not in mentioned][:1]
        states = _unique([v for v in mentioned if v in values] + other)
        answers: list[str] = []
        for backup in ["none", *states]:
            answers.append(backup)
            answers += [f"{backup}, {state}" for state in states]
        return answers
    return []


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
        for use in _uses(self.edition, fact):
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
            if options:
                best = min(
                    options,
                    key=lambda p: (-sum(p.decides(c) for c in pending), bool(p.follow_up), self._order(p.fact)),
                )
                return best, cid, [c for c in pending if best.decides(c)]
        return None

    def _order(self, fact: str) -> int:
        entry: QuestionDef | None = self.bank.get(fact)
        return entry.order if entry is not None else len(self.bank)


def _unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


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
    state = _prepare(code, facts, edition, lang, skipped, kb, questions, source)
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

    def report(self) -> Report:
        from .engine import diagnose

        return diagnose(self.model, self.edition.id, self.lang, kb=self.kb)


def _prepare(
    code: str,
    facts: Facts | Mapping[str, Any] | None,
    edition: str | None,
    lang: str,
    skipped: Iterable[str],
    kb: KnowledgeBase | None,
    questions: QuestionBank | None,
    source: str,
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
                [Problem(source, "observed_error", f"differs from the code being consulted ({code})", json.dumps(given))],
                summary="the facts name another error code",
            )
    skipped_set = frozenset(skipped)
    unknown = sorted(name for name in skipped_set if name not in fact_catalog())
    if unknown:
        problems = []
        for name in unknown:
            close = suggest(name, list(fact_catalog()))
            problems.append(Problem("--skip", name, "unknown fact" + (f"; did you mean {', '.join(close)}?" if close else "")))
        raise InputError(problems)
    doc = {"observed_error": code, **{k: v for k, v in doc.items() if k != "observed_error"}}
    model = validate_facts(doc, source)
    return _State(base, selected, entry, bank, doc, model, model.flat(), skipped_set, language)


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
