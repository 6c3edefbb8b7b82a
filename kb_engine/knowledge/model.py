"""The knowledge base resolved per edition: texts, steps, causes, codes, findings, and queries over them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from kb_engine.errors import Problem, UnknownEditionError, UnknownErrorCodeError

from .conditions import Condition, Context, LimitRef, Test, Truth, evaluate, walk
from .files import LimitDef

__all__ = [
    "Cause",
    "CodeEntry",
    "Edition",
    "Finding",
    "KnowledgeBase",
    "Param",
    "Procedure",
    "Step",
    "Text",
    "Variant",
    "facts_used",
    "iter_conditions",
    "limits_used",
    "suggest",
    "all_conditions",
]


_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


# ---------------------------------------------------------------------------
# The resolved, per-edition view


@dataclass(frozen=True)
class Text:
    """A text in both languages."""

    en: str
    ja: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``en`` or ``ja``)."""
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True)
class Variant:
    """One alternative command of a step, chosen by the VM's facts."""

    label: Text
    command: str
    when: Condition | None


@dataclass(frozen=True)
class Step:
    """One remedy step (a procedure's steps are already expanded in place)."""

    text: Text
    command: str | None = None
    link: str | None = None
    variants: tuple[Variant, ...] = ()
    when: Condition | None = None
    procedure: str | None = None


@dataclass(frozen=True, repr=False)
class Procedure:
    """Steps several causes share (the restore-point clean-up)."""

    id: str
    ref: str | None
    title: Text
    steps: tuple[Step, ...]
    notes: tuple[Text, ...]

    def __repr__(self) -> str:
        return f"Procedure({self.id!r}, ref={self.ref!r}, steps={len(self.steps)})"


@dataclass(frozen=True, repr=False)
class Finding:
    """Something the facts show; true, false or unknown for a VM.

    ``unknown_when``: while this condition holds the facts cannot show the finding (an agent's status says
    nothing about a VM that is not running), so it is unknown whatever ``when`` gives.
    """

    id: str
    text: Text
    question: Text
    when: Condition
    unknown_when: Condition | None = None

    def __repr__(self) -> str:
        return f"Finding({self.id!r})"

    def conditions(self) -> tuple[Condition, ...]:
        """Its condition, then its guard if it has one."""
        return (self.when,) if self.unknown_when is None else (self.when, self.unknown_when)

    def truth(self, ctx: Context) -> Truth:
        """The finding for a VM: unknown while ``unknown_when`` holds, else its condition's truth."""
        if self.unknown_when is not None and evaluate(self.unknown_when, ctx) is True:
            return None
        return evaluate(self.when, ctx)


@dataclass(frozen=True, repr=False)
class Cause:
    """A cause of backup failures, with its conditions and remedy."""

    id: str
    ref: str | None
    title: Text
    summary: Text
    applies: Condition | None
    when: Condition
    steps: tuple[Step, ...]
    logs: tuple[str, ...]
    notes: tuple[Text, ...]
    parent: str | None
    children: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Cause({self.id!r}, ref={self.ref!r}, steps={len(self.steps)})"


@dataclass(frozen=True, repr=False)
class CodeEntry:
    """An error-code entry: one or more codes that share causes and text.

    ``key`` names the entry the same way in every edition (its first code as
    written in the knowledge base); ``id`` is its first code in this edition.
    """

    id: str
    names: tuple[str, ...]
    aliases: tuple[str, ...]
    message: Text
    summary: Text
    advice: Text | None
    causes: tuple[str, ...]
    key: str = ""

    def __repr__(self) -> str:
        return f"CodeEntry({self.id!r}, causes={self.causes!r})"


@dataclass(frozen=True)
class Param:
    """A placeholder texts may use: a fact of the VM or a limit."""

    name: str
    fact: str | None
    limit: str | None
    default: Text | None


@dataclass(frozen=True, repr=False)
class Edition:
    """Everything one edition of the article says, resolved."""

    id: str
    published: str
    title: Text
    kb_version: str
    limits: Mapping[str, object]
    limit_text: Mapping[str, str]
    limit_defs: Mapping[str, LimitDef]
    codes: tuple[CodeEntry, ...]
    causes: Mapping[str, Cause]
    findings: Mapping[str, Finding]
    procedures: Mapping[str, Procedure]
    params: Mapping[str, Param]
    escalation_title: Text
    escalation_text: Text
    escalation_text_without_logs: Text

    def escalation(self, logs: Sequence[str]) -> Text:
        """The escalation advice: the text that points at the logs, or the one for when there are none."""
        return self.escalation_text if logs else self.escalation_text_without_logs

    def code(self, name: str) -> CodeEntry | None:
        """The entry for a code name or alias of this edition, or None; letter case does not matter
        (``usererrorguestagentstatusunavailable`` is ``UserErrorGuestAgentStatusUnavailable``)."""
        found = self._spelt(name)
        return found[0] if found is not None else None

    def code_spelling(self, name: str) -> str | None:
        """A code name or alias of this edition as the knowledge base spells it, or None."""
        found = self._spelt(name)
        return found[1] if found is not None else None

    def _spelt(self, name: str) -> tuple[CodeEntry, str] | None:
        folded = name.strip().casefold()
        for entry in self.codes:
            for known in (*entry.names, *entry.aliases):
                if known.casefold() == folded:
                    return entry, known
        return None

    def code_names(self) -> list[str]:
        """Every code name of this edition (not aliases), in entry order."""
        return [name for entry in self.codes for name in entry.names]

    def cause_order(self) -> list[str]:
        """All causes in the order of the knowledge base."""
        return list(self.causes)

    def fill(self, text: Text, lang: str, facts: Mapping[str, object] | None = None) -> str:
        """The text in ``lang`` with its ``{placeholders}`` filled.

        A fact placeholder takes the VM's value when known, else its default
        (``AzureBackupRG_<Geo>_<number>``); a limit placeholder takes the
        edition's limit as the article states it (``32 TB (32768 GiB)``).
        """

        def one(match: re.Match[str]) -> str:
            param = self.params.get(match.group(1))
            if param is None:
                return match.group(0)
            if param.limit is not None:
                return self.limit_label(param.limit)
            value = facts.get(param.fact) if facts is not None and param.fact is not None else None
            if value is not None:
                return str(value)
            return param.default.get(lang) if param.default is not None else match.group(0)

        return _PLACEHOLDER_RE.sub(one, text.get(lang))

    def limit_value(self, name: str) -> str:
        """A limit's value with its unit (``32768 GiB``, ``4.5``), or ``-`` when the edition has none."""
        value = self.limits.get(name)
        if value is None:
            return "-"
        plain = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{plain} {self.limit_defs[name].unit}".strip()

    def limit_label(self, name: str) -> str:
        """A limit as the article states it, with the GiB reading (``32 TB (32768 GiB)``)."""
        own = self.limit_value(name)
        if own == "-":
            return own
        stated = self.limit_text.get(name)
        return f"{stated} ({own})" if stated and stated != own else own

    def __repr__(self) -> str:
        return f"Edition({self.id!r}, published={self.published!r}, codes={len(self.codes)}, causes={len(self.causes)})"


@dataclass(frozen=True, repr=False)
class KnowledgeBase:
    """Every edition of the knowledge base, oldest first; the newest is the default."""

    kb_version: str
    editions: tuple[Edition, ...]
    source: str
    informational: Mapping[str, Text] = field(default_factory=dict)
    """Facts no rule reads, on purpose: fact name -> why (shown for context, documented in the README)."""

    @property
    def edition_ids(self) -> tuple[str, ...]:
        """The edition names, oldest first."""
        return tuple(e.id for e in self.editions)

    @property
    def default(self) -> Edition:
        """The newest edition."""
        return self.editions[-1]

    def edition(self, name: str | None = None) -> Edition:
        """One edition by name; the newest when ``name`` is None.

        Raises:
            UnknownEditionError: no edition has that name.
        """
        if name is None:
            return self.default
        for edition in self.editions:
            if edition.id == name:
                return edition
        raise UnknownEditionError(name, self.edition_ids)

    def all_code_names(self) -> list[str]:
        """Every code name and alias of every edition, sorted."""
        names = {n for e in self.editions for entry in e.codes for n in (*entry.names, *entry.aliases)}
        return sorted(names)

    def resolve_code(self, code: str, edition: Edition, *, source: str = "<input>", path: str = "observed_error") -> CodeEntry:
        """The entry of ``edition`` for a code or alias.

        Raises:
            UnknownErrorCodeError: no edition knows the code (closest codes suggested), or
                the code exists only in other editions (those are named).
        """
        entry = edition.code(code)
        if entry is not None:
            return entry
        elsewhere = [e.id for e in self.editions if e.code(code) is not None]
        if elsewhere:
            error = UnknownErrorCodeError(code, [], source, path)
            error.problems = (
                Problem(source, path, f"error code not in edition {edition.id}; it is in {', '.join(elsewhere)}", repr(code), ", ".join(edition.code_names())),
            )
            error.args = (f"error code {code!r} is not in edition {edition.id}; it is in edition {', '.join(elsewhere)}",)
            raise error
        raise UnknownErrorCodeError(code, suggest(code, self.all_code_names()), source, path)

    def __repr__(self) -> str:
        return f"KnowledgeBase(kb_version={self.kb_version!r}, editions={self.edition_ids!r}, source={self.source!r})"


def suggest(word: str, choices: Sequence[str]) -> list[str]:
    """The closest choices to a misspelt word, best first (case-insensitive)."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]


def iter_conditions(edition: Edition) -> Iterator[tuple[str, Condition]]:
    """Every top-level condition of an edition with a label saying where it is."""
    for fid, finding in edition.findings.items():
        yield f"finding {fid}", finding.when
        if finding.unknown_when is not None:
            yield f"finding {fid} unknown_when", finding.unknown_when
    for cid, cause in edition.causes.items():
        if cause.applies is not None:
            yield f"cause {cid} applies", cause.applies
        yield f"cause {cid}", cause.when


def facts_used(cond: Condition, edition: Edition) -> set[str]:
    """Every fact a condition depends on, through findings and causes."""
    out: set[str] = set()
    for node in walk(cond):
        if isinstance(node, Test):
            out.update(node.facts())
        elif hasattr(node, "finding"):
            for part in edition.findings[node.finding].conditions():
                out |= facts_used(part, edition)
        elif hasattr(node, "cause"):
            cause = edition.causes[node.cause]
            out |= facts_used(cause.when, edition)
            if cause.applies is not None:
                out |= facts_used(cause.applies, edition)
    return out


def limits_used(edition: Edition) -> set[str]:
    """Every limit the edition's conditions use."""
    used: set[str] = set()
    for _, cond in iter_conditions(edition):
        for node in walk(cond):
            if isinstance(node, Test) and isinstance(node.arg, LimitRef):
                used.add(node.arg.limit)
    return used


def all_conditions(edition: Edition) -> Iterator[tuple[str, Condition]]:
    """Every condition of the edition: findings, causes, steps and variants."""
    for fid, finding in edition.findings.items():
        yield f"finding {fid}", finding.when
        if finding.unknown_when is not None:
            yield f"finding {fid} (unknown_when)", finding.unknown_when
    for cid, cause in edition.causes.items():
        if cause.applies is not None:
            yield f"cause {cid} (applies)", cause.applies
        yield f"cause {cid}", cause.when
        for where, cond in _step_conditions(cause.steps):
            yield f"cause {cid} {where}", cond
    for pid, procedure in edition.procedures.items():
        for where, cond in _step_conditions(procedure.steps):
            yield f"procedure {pid} {where}", cond


def _step_conditions(steps: tuple[Step, ...]) -> Iterator[tuple[str, Condition]]:
    for n, step in enumerate(steps, 1):
        if step.when is not None:
            yield f"step {n}", step.when
        for k, variant in enumerate(step.variants, 1):
            if variant.when is not None:
                yield f"step {n} variant {k}", variant.when
