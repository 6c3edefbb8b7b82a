"""The knowledge base: loading, validating and resolving it per edition.

The knowledge base is data (``kb_engine/kb/*.yaml``, read through
:mod:`importlib.resources`, or any directory with the same files). Every
entity is written as the oldest edition it belongs to has it; ``since:`` adds
it in a later edition and ``changes: {EDITION: {...}}`` replaces fields from
that edition on. :meth:`KnowledgeBase.edition` resolves all of that into one
plain, immutable :class:`Edition`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .conditions import Condition, ConditionSyntaxError, LimitRef, Test, parse_condition, refs_of, walk
from .errors import KnowledgeBaseError, Problem, UnknownEditionError, UnknownErrorCodeError
from .facts import FactInfo, fact_catalog
from .yaml_loaders import read_data_file

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
    "default_kb",
    "load_kb",
]

FILES = ("editions.yaml", "codes.yaml", "findings.yaml", "causes.yaml")
_EDITION_RE = re.compile(r"^\d{4}-\d{2}$")
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


# ---------------------------------------------------------------------------
# The files' schema (pydantic), as written


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextData(_Model):
    en: str = Field(min_length=1)
    ja: str = Field(min_length=1)


class VariantData(_Model):
    when: Any = None
    label: TextData
    command: str = Field(min_length=1)


class StepData(_Model):
    text: TextData | None = None
    command: str | None = None
    link: str | None = None
    variants: list[VariantData] | None = None
    when: Any = None
    procedure: str | None = None


class _CauseFields(_Model):
    title: TextData | None = None
    summary: TextData | None = None
    applies: Any = None
    when: Any = None
    steps: list[StepData] | None = None
    logs: list[str] | None = None
    notes: list[TextData] | None = None


class CauseData(_CauseFields):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    ref: str | None = None
    parent: str | None = None
    since: str | None = None
    changes: dict[str, _CauseFields] = Field(default_factory=dict)


class _ProcedureFields(_Model):
    title: TextData | None = None
    steps: list[StepData] | None = None
    notes: list[TextData] | None = None


class ProcedureData(_ProcedureFields):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    ref: str | None = None
    since: str | None = None
    changes: dict[str, _ProcedureFields] = Field(default_factory=dict)


class CausesFile(_Model):
    causes: list[CauseData]
    procedures: list[ProcedureData] = Field(default_factory=list)


class _FindingFields(_Model):
    question: TextData | None = None
    text: TextData | None = None
    when: Any = None


class FindingData(_FindingFields):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    since: str | None = None
    changes: dict[str, _FindingFields] = Field(default_factory=dict)


class FindingsFile(_Model):
    findings: list[FindingData]


class _CodeFields(_Model):
    names: list[str] | None = None
    aliases: list[str] | None = None
    message: TextData | None = None
    summary: TextData | None = None
    advice: TextData | None = None
    causes: list[str] | None = None


class CodeData(_CodeFields):
    since: str | None = None
    changes: dict[str, _CodeFields] = Field(default_factory=dict)


class CodesFile(_Model):
    codes: list[CodeData]


class LimitDef(_Model):
    kind: Literal["number", "version"]
    unit: str
    text: TextData


class EditionData(_Model):
    id: str
    published: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    title: TextData
    limits: dict[str, float | int | str | None] = Field(default_factory=dict)
    limit_text: dict[str, str] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _edition_name(cls, value: str) -> str:
        if not _EDITION_RE.match(value):
            raise ValueError(f"bad edition name {value!r}: editions are named YYYY-MM, like 2019-12")
        return value


class ParamData(_Model):
    fact: str | None = None
    limit: str | None = None
    default: TextData | None = None


class EscalationData(_Model):
    title: TextData
    text: TextData
    text_without_logs: TextData


class EditionsFile(_Model):
    kb_version: str = Field(min_length=1)
    limits: dict[str, LimitDef]
    editions: list[EditionData] = Field(min_length=1)
    params: dict[str, ParamData] = Field(default_factory=dict)
    escalation: EscalationData


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


@dataclass(frozen=True)
class Procedure:
    """Steps several causes share (the restore-point clean-up)."""

    id: str
    ref: str | None
    title: Text
    steps: tuple[Step, ...]
    notes: tuple[Text, ...]


@dataclass(frozen=True)
class Finding:
    """Something the facts show; true, false or unknown for a VM."""

    id: str
    text: Text
    question: Text
    when: Condition


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Param:
    """A placeholder texts may use: a fact of the VM or a limit."""

    name: str
    fact: str | None
    limit: str | None
    default: Text | None


@dataclass(frozen=True)
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
        """The entry for a code name or alias of this edition, or None."""
        for entry in self.codes:
            if name in entry.names or name in entry.aliases:
                return entry
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

    def limit_label(self, name: str) -> str:
        """A limit as the article states it, with the GiB reading (``32 TB (32768 GiB)``)."""
        value = self.limits.get(name)
        if value is None:
            return "-"
        definition = self.limit_defs[name]
        plain = f"{value:g}" if isinstance(value, float) else str(value)
        own = f"{plain} {definition.unit}".strip()
        stated = self.limit_text.get(name)
        return f"{stated} ({own})" if stated and stated != own else own


@dataclass(frozen=True)
class KnowledgeBase:
    """Every edition of the knowledge base, oldest first; the newest is the default."""

    kb_version: str
    editions: tuple[Edition, ...]
    source: str

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


def suggest(word: str, choices: Sequence[str]) -> list[str]:
    """The closest choices to a misspelt word, best first (case-insensitive)."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]


# ---------------------------------------------------------------------------
# Loading


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base.

    Args:
        path: a directory holding the knowledge files; the one shipped with kb_engine when None.

    Raises:
        KnowledgeBaseError: a file is missing, unreadable or invalid; every problem is listed
            with the file, the path of the bad element and what is wrong.
    """
    root: Traversable | Path = resources.files("kb_engine") / "kb" if path is None else Path(path)
    label = "kb_engine/kb" if path is None else str(path)
    raw: dict[str, Any] = {}
    problems: list[Problem] = []
    for name in FILES:
        where = f"{label}/{name}"
        try:
            raw[name] = read_data_file(root / name, where)
        except KnowledgeBaseError as exc:
            problems += exc.problems
    if problems:
        raise KnowledgeBaseError(problems)
    return _Builder(label, raw).build()


_DEFAULT: KnowledgeBase | None = None


def default_kb() -> KnowledgeBase:
    """The knowledge base shipped with kb_engine (loaded once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_kb()
    return _DEFAULT


@dataclass
class _Builder:
    label: str
    raw: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def fail(self, file: str, path: str, message: str) -> None:
        self.problems.append(Problem(f"{self.label}/{file}", path, message))

    def parse(self, file: str, model: type[BaseModel]) -> Any:
        data = self.raw[file]
        try:
            return model.model_validate(data if data is not None else {})
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                path = _loc(error["loc"])
                message = str(error["msg"]).removeprefix("Value error, ")
                if error["type"] == "missing" and path.rsplit(".", 1)[-1] in {"en", "ja"}:
                    message = f"missing translation ({path.rsplit('.', 1)[-1]})"
                elif error["type"] == "extra_forbidden":
                    message = "unknown field"
                self.fail(file, path, message)
            return None

    def build(self) -> KnowledgeBase:
        editions_file: EditionsFile | None = self.parse("editions.yaml", EditionsFile)
        codes_file: CodesFile | None = self.parse("codes.yaml", CodesFile)
        findings_file: FindingsFile | None = self.parse("findings.yaml", FindingsFile)
        causes_file: CausesFile | None = self.parse("causes.yaml", CausesFile)
        if self.problems or not (editions_file and codes_file and findings_file and causes_file):
            raise KnowledgeBaseError(self.problems)
        self.check_editions(editions_file)
        order = [e.id for e in editions_file.editions]
        self.check_edition_names(order, codes_file, findings_file, causes_file)
        self.check_duplicates(codes_file, findings_file, causes_file)
        if self.problems:
            raise KnowledgeBaseError(self.problems)
        editions = tuple(
            self.resolve(i, order, editions_file, codes_file, findings_file, causes_file)
            for i in range(len(order))
        )
        if self.problems:
            raise KnowledgeBaseError(_dedupe(self.problems))
        return KnowledgeBase(editions_file.kb_version, editions, self.label)

    def check_editions(self, data: EditionsFile) -> None:
        seen: set[str] = set()
        previous = ""
        for i, edition in enumerate(data.editions):
            if edition.id in seen:
                self.fail("editions.yaml", f"editions[{i}].id", f"duplicate edition {edition.id!r}")
            seen.add(edition.id)
            if edition.published < previous:
                self.fail("editions.yaml", f"editions[{i}].published", "editions must be listed oldest first")
            previous = edition.published
            for name in edition.limits:
                if name not in data.limits:
                    self.fail("editions.yaml", f"editions[{i}].limits.{name}", f"unknown limit; defined limits: {', '.join(data.limits)}")
        first = data.editions[0]
        for name in data.limits:
            if name not in first.limits:
                self.fail("editions.yaml", f"editions[0].limits", f"the oldest edition must give every limit; {name!r} is missing (null if it has none)")
        for name, param in data.params.items():
            if (param.fact is None) == (param.limit is None):
                self.fail("editions.yaml", f"params.{name}", "a param takes exactly one of fact or limit")
            if param.fact is not None and param.fact not in fact_catalog():
                self.fail("editions.yaml", f"params.{name}.fact", f"unknown fact {param.fact!r}")
            if param.limit is not None and param.limit not in data.limits:
                self.fail("editions.yaml", f"params.{name}.limit", f"unknown limit {param.limit!r}")

    def check_edition_names(self, order: list[str], *files: Any) -> None:
        for file_name, items_key, data in zip(
            ("codes.yaml", "findings.yaml", "causes.yaml"), ("codes", "findings", "causes"), files, strict=True
        ):
            groups: list[tuple[str, list[Any]]] = [(items_key, getattr(data, items_key))]
            if items_key == "causes":
                groups.append(("procedures", data.procedures))
            for key, items in groups:
                for i, item in enumerate(items):
                    if item.since is not None and item.since not in order:
                        self.fail(file_name, f"{key}[{i}].since", f"bad edition name {item.since!r}; editions: {', '.join(order)}")
                    for name in item.changes:
                        if name not in order:
                            self.fail(file_name, f"{key}[{i}].changes.{name}", f"bad edition name {name!r}; editions: {', '.join(order)}")

    def check_duplicates(self, codes: CodesFile, findings: FindingsFile, causes: CausesFile) -> None:
        groups: tuple[tuple[str, str, Sequence[Any]], ...] = (
            ("findings.yaml", "findings", findings.findings),
            ("causes.yaml", "causes", causes.causes),
            ("causes.yaml", "procedures", causes.procedures),
        )
        for file_name, key, items in groups:
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.id in seen:
                    self.fail(file_name, f"{key}[{i}].id", f"duplicate id {item.id!r}")
                seen.add(item.id)
        cause_ids = {c.id for c in causes.causes}
        for i, proc in enumerate(causes.procedures):
            if proc.id in cause_ids:
                self.fail("causes.yaml", f"procedures[{i}].id", f"duplicate id {proc.id!r}: a cause has it")
        names: dict[str, int] = {}
        for i, code in enumerate(codes.codes):
            if not code.names:
                self.fail("codes.yaml", f"codes[{i}].names", "an entry needs at least one code name")
                continue
            for name in code.names:
                if name in names and names[name] != i:
                    self.fail("codes.yaml", f"codes[{i}].names", f"duplicate id {name!r}: entry {names[name]} has it")
                names[name] = i

    # -- resolution --------------------------------------------------------

    def resolve(
        self,
        index: int,
        order: list[str],
        editions: EditionsFile,
        codes_file: CodesFile,
        findings_file: FindingsFile,
        causes_file: CausesFile,
    ) -> Edition:
        edition_id = order[index]
        applicable = order[: index + 1]
        limits: dict[str, object] = {}
        limit_text: dict[str, str] = {}
        for data in editions.editions[: index + 1]:
            limits.update(data.limits)
            limit_text.update(data.limit_text)
        for name, value in list(limits.items()):
            if value is not None and editions.limits[name].kind == "version":
                limits[name] = str(value)
        limit_kinds = {name: d.kind for name, d in editions.limits.items()}
        catalog = fact_catalog()
        params = {
            name: Param(name, p.fact, p.limit, _text(p.default) if p.default else None)
            for name, p in editions.params.items()
        }

        def fields(item: Any) -> dict[str, Any] | None:
            if item.since is not None and order.index(item.since) > index:
                return None
            merged = {k: getattr(item, k) for k in type(item).model_fields if k not in {"changes", "since"}}
            for name in applicable:
                change = item.changes.get(name)
                if change is not None:
                    for key in change.model_fields_set:
                        merged[key] = getattr(change, key)
            return merged

        def condition(data: Any, file: str, path: str) -> Condition | None:
            cond, errors = parse_condition(data, path, catalog, limit_kinds)
            for error in errors:
                self.fail(file, error.path, error.message)
            return cond

        def text(data: TextData | None, file: str, path: str) -> Text:
            if data is None:
                self.fail(file, path, "missing text")
                return Text("", "")
            for lang in ("en", "ja"):
                for placeholder in _PLACEHOLDER_RE.findall(getattr(data, lang)):
                    if placeholder not in params:
                        self.fail(file, f"{path}.{lang}", f"unknown placeholder {{{placeholder}}}; params: {', '.join(params)}")
            return _text(data)

        findings: dict[str, Finding] = {}
        for i, finding_item in enumerate(findings_file.findings):
            merged = fields(finding_item)
            if merged is None:
                continue
            cond = condition(merged["when"], "findings.yaml", f"findings[{i}].when")
            if merged["when"] is None:
                self.fail("findings.yaml", f"findings[{i}].when", "a finding needs a condition")
            findings[finding_item.id] = Finding(
                finding_item.id,
                text(merged["text"], "findings.yaml", f"findings[{i}].text"),
                text(merged["question"], "findings.yaml", f"findings[{i}].question"),
                cond or _NEVER,
            )

        procedures: dict[str, Procedure] = {}
        for i, proc in enumerate(causes_file.procedures):
            merged = fields(proc)
            if merged is None:
                continue
            path = f"procedures[{i}]"
            steps = self.steps(merged["steps"] or [], "causes.yaml", f"{path}.steps", condition, text, {})
            procedures[proc.id] = Procedure(
                proc.id, proc.ref, text(merged["title"], "causes.yaml", f"{path}.title"), steps,
                tuple(text(n, "causes.yaml", f"{path}.notes[{j}]") for j, n in enumerate(merged["notes"] or [])),
            )

        causes: dict[str, Cause] = {}
        parents: dict[str, str] = {}
        for i, item in enumerate(causes_file.causes):
            merged = fields(item)
            if merged is None:
                continue
            path = f"causes[{i}]"
            if merged["when"] is None:
                self.fail("causes.yaml", f"{path}.when", "a cause needs a condition")
            when = condition(merged["when"], "causes.yaml", f"{path}.when") if merged["when"] is not None else None
            applies = condition(merged["applies"], "causes.yaml", f"{path}.applies") if merged["applies"] is not None else None
            if not merged["steps"]:
                self.fail("causes.yaml", f"{path}.steps", "a cause needs at least one remedy step")
            steps = self.steps(merged["steps"] or [], "causes.yaml", f"{path}.steps", condition, text, procedures)
            if item.parent is not None:
                parents[item.id] = item.parent
            causes[item.id] = Cause(
                id=item.id,
                ref=item.ref,
                title=text(merged["title"], "causes.yaml", f"{path}.title"),
                summary=text(merged["summary"], "causes.yaml", f"{path}.summary"),
                applies=applies,
                when=when or _NEVER,
                steps=steps,
                logs=tuple(merged["logs"] or ()),
                notes=tuple(text(n, "causes.yaml", f"{path}.notes[{j}]") for j, n in enumerate(merged["notes"] or [])),
                parent=item.parent,
                children=(),
            )
        for i, item in enumerate(causes_file.causes):
            if item.id in parents and parents[item.id] not in causes and item.id in causes:
                self.fail("causes.yaml", f"causes[{i}].parent", f"unknown cause id {parents[item.id]!r} in edition {edition_id}")
        children: dict[str, list[str]] = {}
        for child, parent in parents.items():
            if child in causes:
                children.setdefault(parent, []).append(child)
        causes = {
            cid: Cause(**{**c.__dict__, "children": tuple(children.get(cid, ()))}) for cid, c in causes.items()
        }

        for i, finding_item in enumerate(findings_file.findings):
            if finding_item.id in findings:
                self.check_refs(findings[finding_item.id].when, findings, causes, "findings.yaml", f"findings[{i}].when", edition_id, allow_causes=False)
        for i, item in enumerate(causes_file.causes):
            cause = causes.get(item.id)
            if cause is not None:
                for key, cond in (("when", cause.when), ("applies", cause.applies)):
                    if cond is not None:
                        self.check_refs(cond, findings, causes, "causes.yaml", f"causes[{i}].{key}", edition_id, allow_causes=True)
        self.check_cycles(causes, edition_id)
        for i, item in enumerate(causes_file.causes):
            cause = causes.get(item.id)
            if cause is None:
                continue
            for j, step in enumerate(cause.steps):
                conds = [step.when] + [v.when for v in step.variants]
                for cond in conds:
                    if cond is not None:
                        self.check_refs(cond, findings, causes, "causes.yaml", f"causes[{i}].steps[{j}]", edition_id, allow_causes=True)

        codes: list[CodeEntry] = []
        for i, code_item in enumerate(codes_file.codes):
            merged = fields(code_item)
            if merged is None:
                continue
            path = f"codes[{i}]"
            cause_ids = merged["causes"] or []
            if not merged["names"]:
                continue
            for j, cid in enumerate(cause_ids):
                if cid not in causes:
                    close = suggest(cid, list(causes))
                    hint = f"; did you mean {', '.join(close)}?" if close else ""
                    self.fail("codes.yaml", f"{path}.causes[{j}]", f"unknown cause id {cid!r} in edition {edition_id}{hint}")
            codes.append(
                CodeEntry(
                    id=merged["names"][0],
                    names=tuple(merged["names"]),
                    aliases=tuple(merged["aliases"] or ()),
                    message=text(merged["message"], "codes.yaml", f"{path}.message"),
                    summary=text(merged["summary"], "codes.yaml", f"{path}.summary"),
                    advice=text(merged["advice"], "codes.yaml", f"{path}.advice") if merged["advice"] else None,
                    causes=tuple(cause_ids),
                    key=(code_item.names or merged["names"])[0],
                )
            )
        data = editions.editions[index]
        return Edition(
            id=edition_id,
            published=data.published,
            title=_text(data.title),
            kb_version=editions.kb_version,
            limits=limits,
            limit_text=limit_text,
            limit_defs=editions.limits,
            codes=tuple(codes),
            causes=causes,
            findings=findings,
            procedures=procedures,
            params=params,
            escalation_title=_text(editions.escalation.title),
            escalation_text=_text(editions.escalation.text),
            escalation_text_without_logs=_text(editions.escalation.text_without_logs),
        )

    def steps(
        self,
        items: Sequence[StepData],
        file: str,
        path: str,
        condition: Any,
        text: Any,
        procedures: Mapping[str, Procedure],
    ) -> tuple[Step, ...]:
        out: list[Step] = []
        for j, step in enumerate(items):
            where = f"{path}[{j}]"
            if step.procedure is not None:
                if step.text is not None or step.command is not None or step.variants:
                    self.fail(file, where, "a procedure step stands alone")
                proc = procedures.get(step.procedure)
                if proc is None:
                    self.fail(file, f"{where}.procedure", f"unknown procedure {step.procedure!r}")
                    continue
                out.extend(Step(**{**s.__dict__, "procedure": proc.id}) for s in proc.steps)
                continue
            if step.text is None:
                self.fail(file, f"{where}.text", "a step needs a text")
                continue
            if step.command is not None and step.variants:
                self.fail(file, where, "a step has either one command or variants, not both")
            variants = tuple(
                Variant(
                    text(v.label, file, f"{where}.variants[{k}].label"),
                    v.command,
                    condition(v.when, file, f"{where}.variants[{k}].when") if v.when is not None else None,
                )
                for k, v in enumerate(step.variants or [])
            )
            if variants and variants[-1].when is not None:
                self.fail(file, f"{where}.variants", "the last variant is the fallback and takes no condition")
            out.append(
                Step(
                    text=text(step.text, file, f"{where}.text"),
                    command=step.command,
                    link=step.link,
                    variants=variants,
                    when=condition(step.when, file, f"{where}.when") if step.when is not None else None,
                )
            )
        return tuple(out)

    def check_refs(
        self,
        cond: Condition,
        findings: Mapping[str, Finding],
        causes: Mapping[str, Cause],
        file: str,
        path: str,
        edition_id: str,
        *,
        allow_causes: bool,
    ) -> None:
        finding_refs, cause_refs = refs_of(cond)
        for ref in sorted(finding_refs - set(findings)):
            self.fail(file, path, f"unknown finding id {ref!r} in edition {edition_id}")
        if cause_refs and not allow_causes:
            self.fail(file, path, "a finding cannot refer to a cause")
        for ref in sorted(cause_refs - set(causes)):
            self.fail(file, path, f"unknown cause id {ref!r} in edition {edition_id}")

    def check_cycles(self, causes: Mapping[str, Cause], edition_id: str) -> None:
        state: dict[str, int] = {}

        def visit(cid: str, trail: list[str]) -> None:
            if state.get(cid) == 2 or cid not in causes:
                return
            if state.get(cid) == 1:
                self.fail("causes.yaml", "", f"causes refer to each other in a cycle in edition {edition_id}: {' -> '.join(trail + [cid])}")
                return
            state[cid] = 1
            _, refs = refs_of(causes[cid].when)
            for ref in sorted(refs):
                visit(ref, trail + [cid])
            state[cid] = 2

        for cid in causes:
            visit(cid, [])


_NEVER: Condition = Test("vm.os", "is_unknown", False)  # placeholder for an invalid condition (never returned)


def _text(data: TextData) -> Text:
    return Text(data.en, data.ja)


def _loc(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def iter_conditions(edition: Edition) -> Iterator[tuple[str, Condition]]:
    """Every top-level condition of an edition with a label saying where it is."""
    for fid, finding in edition.findings.items():
        yield f"finding {fid}", finding.when
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
            out |= facts_used(edition.findings[node.finding].when, edition)
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


_ = (ConditionSyntaxError, FactInfo)
