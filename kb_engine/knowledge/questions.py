"""The consultation's questions: data in ``kb/questions.yaml``, one per fact.

Each entry names a fact of the facts model and gives the question that asks
for its value, where to find the answer, and for facts that are not a yes/no
or a choice how to type it. :func:`load_questions` validates the file and
checks it against the knowledge base: every fact that a cause of some edition
depends on (directly, or through findings and other causes) needs a question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kb_engine.errors import KnowledgeBaseError, Problem
from kb_engine.io.read import read_data_file

from .files import TextData
from .load import SHIPPED_LABEL, default_kb, kb_root, load_kb
from .model import Edition, KnowledgeBase, Text, facts_used, suggest
from .vocabulary import FactInfo, fact_catalog

__all__ = ["QUESTIONS_FILE", "QuestionBank", "QuestionDef", "default_questions", "load_questions", "required_facts"]

QUESTIONS_FILE = "questions.yaml"

_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionData(_Model):
    """One entry of questions.yaml, as written."""

    fact: str = Field(min_length=1)
    question: TextData
    help: TextData
    answer: TextData | None = None
    labels: dict[str, str] | None = Field(
        None, description="Choice facts: what a screen shows (the portal's Japanese labels) -> the value it means."
    )
    ask_last: bool = Field(
        False, description="Ask only when no other question can decide the cause (a rare setting that would otherwise come first)."
    )


class QuestionsFile(_Model):
    """questions.yaml, as written."""

    questions: list[QuestionData]


@dataclass(frozen=True)
class QuestionDef:
    """The question for one fact.

    Attributes:
        fact: the fact's dotted name.
        info: the fact's entry in the facts catalogue (kind, allowed values).
        question: the question.
        help: where to find the answer.
        answer: how to type the answer (free-form and list facts), or None.
        order: position in the file; the earlier question wins a tie.
        labels: choice facts: a label a screen shows -> the value it means (accepted as answers).
        ask_last: asked only when no other question can decide the cause.
    """

    fact: str
    info: FactInfo
    question: Text
    help: Text
    answer: Text | None
    order: int
    labels: Mapping[str, str] = field(default_factory=dict)
    ask_last: bool = False


@dataclass(frozen=True)
class QuestionBank:
    """Every question, by fact, in the file's order."""

    source: str
    questions: Mapping[str, QuestionDef]

    def get(self, fact: str) -> QuestionDef | None:
        """The question for a fact, or None."""
        return self.questions.get(fact)

    def __contains__(self, fact: object) -> bool:
        return fact in self.questions

    def __iter__(self) -> Iterator[str]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)


def required_facts(edition: Edition) -> dict[str, list[str]]:
    """Every fact the edition's causes depend on -> the causes that depend on it, in knowledge-base order."""
    needed: dict[str, list[str]] = {}
    for cid, cause in edition.causes.items():
        names: set[str] = set(facts_used(cause.when, edition))
        if cause.applies is not None:
            names |= facts_used(cause.applies, edition)
        for name in sorted(names):
            needed.setdefault(name, []).append(cid)
    return dict(sorted(needed.items()))


def load_questions(path: str | Path | None = None, kb: KnowledgeBase | None = None) -> QuestionBank:
    """Load and validate questions.yaml, and check that it covers the knowledge base.

    Args:
        path: a knowledge-base directory holding questions.yaml; the shipped one when None.
        kb: the knowledge base to check coverage against; loaded from the same place when None.

    Raises:
        KnowledgeBaseError: the file is missing, unreadable or invalid (unknown fact, missing
            translation, duplicate fact, unknown placeholder), or a fact that some cause
            depends on has no question; every problem with the file and element path.
    """
    root = kb_root(path)
    label = f"{SHIPPED_LABEL if path is None else str(path)}/{QUESTIONS_FILE}"
    raw = read_data_file(root / QUESTIONS_FILE, label)
    if kb is None:
        kb = default_kb() if path is None else load_kb(path)
    return build_questions(raw, label, kb)


def build_questions(raw: object, label: str, kb: KnowledgeBase) -> QuestionBank:
    """Validate parsed questions.yaml content against the facts model and the knowledge base.

    Raises:
        KnowledgeBaseError: every problem found.
    """
    problems: list[Problem] = []
    try:
        data = QuestionsFile.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            where = _loc(error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            last = where.rsplit(".", 1)[-1]
            if error["type"] == "missing" and last in {"en", "ja"}:
                message = f"missing translation ({last})"
            elif error["type"] == "extra_forbidden":
                message = "unknown field"
            problems.append(Problem(label, where, message))
        raise KnowledgeBaseError(problems) from None
    catalog = fact_catalog()
    params = set(kb.default.params) if kb.editions else set()
    out: dict[str, QuestionDef] = {}
    first: dict[str, int] = {}
    for i, item in enumerate(data.questions):
        where = f"questions[{i}]"
        info = catalog.get(item.fact)
        if info is None:
            close = suggest(item.fact, list(catalog))
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(Problem(label, f"{where}.fact", f"unknown fact {item.fact!r}{hint}"))
            continue
        if item.fact in first:
            problems.append(Problem(label, f"{where}.fact", f"duplicate fact {item.fact!r}: questions[{first[item.fact]}] asks for it"))
            continue
        first[item.fact] = i
        for shown, meant in (item.labels or {}).items():
            if info.kind != "enum" or meant not in info.values:
                allowed = ", ".join(info.values) if info.kind == "enum" else "labels only for a choice fact"
                problems.append(Problem(label, f"{where}.labels.{shown}", f"not a value of {item.fact}: {meant!r}; allowed: {allowed}"))
        if info.kind == "list" and item.answer is None:
            problems.append(Problem(label, f"{where}.answer", f"{item.fact} is a list fact: say how to type the answer"))
        for key in ("question", "help", "answer"):
            value: TextData | None = getattr(item, key)
            if value is None:
                continue
            for lang in ("en", "ja"):
                for name in _PLACEHOLDER_RE.findall(getattr(value, lang)):
                    if name not in params:
                        problems.append(Problem(label, f"{where}.{key}.{lang}", f"unknown placeholder {{{name}}}; params: {', '.join(sorted(params))}"))
        out[item.fact] = QuestionDef(
            fact=item.fact,
            info=info,
            question=Text(item.question.en, item.question.ja),
            help=Text(item.help.en, item.help.ja),
            answer=Text(item.answer.en, item.answer.ja) if item.answer is not None else None,
            order=len(out),
            labels=dict(item.labels or {}),
            ask_last=item.ask_last,
        )
    missing: dict[str, tuple[list[str], list[str]]] = {}
    for edition in kb.editions:
        for name, causes in required_facts(edition).items():
            if name not in out:
                editions, cause_ids = missing.setdefault(name, ([], []))
                editions.append(edition.id)
                cause_ids.extend(c for c in causes if c not in cause_ids)
    for name, (editions, cause_ids) in missing.items():
        problems.append(
            Problem(
                label,
                "questions",
                f"no question for fact {name!r}, which cause {', '.join(cause_ids)} depends on (edition {', '.join(editions)})",
            )
        )
    if problems:
        raise KnowledgeBaseError(_dedupe(problems))
    return QuestionBank(label, out)


_DEFAULT: QuestionBank | None = None


def default_questions() -> QuestionBank:
    """The questions shipped with kb_engine (loaded and checked once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_questions()
    return _DEFAULT


def questions_for(kb: KnowledgeBase | None) -> QuestionBank:
    """The questions that go with a knowledge base: the shipped ones, or its directory's questions.yaml."""
    if kb is None or kb is default_kb():
        return default_questions()
    return load_questions(None if kb.source == SHIPPED_LABEL else kb.source, kb)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    return [p for p in problems if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]
