"""Quiz scenarios for the trainer: facts files told as the customer's answers, with the engine's diagnosis.

A scenario is one facts file whose observed error code is the tree's code (or
that names none, when the engine confirms one of the code's causes for it).
The trainee reads the customer's answers, in words from the question bank, and
walks the tree; the page then compares each answer with the finding the engine
derived and the leaf reached with the engine's first confirmed cause, and draws
the engine's path over the tree (the same trace as an overlay).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kb_engine.engine.reasoner import Reasoner
from kb_engine.errors import UnknownErrorCodeError
from kb_engine.facts.load import load_facts
from kb_engine.knowledge.model import CodeEntry
from kb_engine.knowledge.questions import QuestionBank, default_questions
from kb_engine.knowledge.vocabulary import Facts, Record

from .labels import word
from .overlay import conclusions
from .tree import OS_FACT, Tree, trace

__all__ = ["case_notes", "scenario_data", "scenarios_for"]


def _value_words(value: object, lang: str) -> str:
    if isinstance(value, bool):
        return word("ui_yes" if value else "ui_no", lang)
    if isinstance(value, tuple | list):
        items = []
        for item in value:
            if isinstance(item, Record | Mapping):
                items.append(", ".join(f"{k}: {_value_words(v, lang)}" for k, v in item.items()
                                       if v is not None and k != "is_backup"))
            else:
                items.append(_value_words(item, lang))
        return "; ".join(items) if items else "—"
    return str(value)


def case_notes(facts: Facts, lang: str, questions: QuestionBank) -> list[tuple[str, str]]:
    """What the customer told the engineer: (question, answer) for every known fact, in the question bank's order."""
    flat = facts.flat()
    notes: list[tuple[str, str]] = []
    for name in questions:
        if flat.get(name) is not None:
            notes.append((questions.questions[name].question.get(lang), _value_words(flat[name], lang)))
    return notes


def scenario_data(engine: Reasoner, tree: Tree, entry: CodeEntry, facts: Facts, scenario_id: str,
                  questions: QuestionBank) -> dict[str, Any]:
    """One scenario as the page needs it: notes, the true answer per question, the engine's leaf and trace."""
    statuses, truths = conclusions(engine, facts, entry)
    tr = trace(tree, statuses, truths)
    leaf = "escalate"
    for node in tree.nodes:
        if node.kind == "cause" and node.group is not None and statuses.get(node.group) == "confirmed":
            leaf = node.id
            break
    return {
        "id": scenario_id,
        "notes": [list(note) for note in case_notes(facts, tree.lang, questions)],
        "answers": {node_id: truth for node_id, truth in tr.answers.items()},
        "os": facts.flat().get(OS_FACT),
        "leaf": leaf,
        "statuses": {g.id: statuses.get(g.id, "undetermined") for g in tree.groups},
        "status_words": {g.id: word(f"status_{statuses.get(g.id, 'undetermined')}", tree.lang) for g in tree.groups},
        "trace": {
            "nodes": dict(sorted(tr.nodes.items())),
            "edges": [[s, t, k, state] for (s, t, k), state in tr.edges.items()],
        },
        "description": facts.description or "",
    }


def scenarios_for(engine: Reasoner, tree: Tree, entry: CodeEntry, facts_files: Iterable[Path],
                  questions: QuestionBank | None = None, load: Callable[[Path], Facts] = load_facts) -> list[dict[str, Any]]:
    """The quiz scenarios of one tree, from facts files (sorted by name; ids ``s1``, ``s2``... in that order).

    A file is used when its observed error code is the tree's, or when it names
    none and the engine confirms one of the code's causes for it.

    Args:
        engine: the edition's engine.
        tree: the tree (its language is the notes').
        entry: its error-code entry.
        facts_files: candidate facts files.
        questions: the question bank (the shipped one when None).
        load: reads one facts file (a caller making many pages passes one that remembers).

    Raises:
        InputError: a facts file is invalid.
    """
    questions = questions if questions is not None else default_questions()
    out: list[dict[str, Any]] = []
    for path in sorted(facts_files):
        facts = load(path)
        if facts.observed_error is not None:
            try:
                observed = engine.kb.resolve_code(facts.observed_error, engine.edition, source=str(path))
            except UnknownErrorCodeError:  # a code of another edition: not a scenario of this one
                continue
            if observed.id != entry.id:
                continue
        else:
            statuses, _ = conclusions(engine, facts, entry)
            if not any(statuses.get(g.id) == "confirmed" for g in tree.groups):
                continue
        out.append(scenario_data(engine, tree, entry, facts, f"s{len(out) + 1}", questions))
    return out

