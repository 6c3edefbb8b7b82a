"""Loading and validating the knowledge base, and resolving ``since:``/``changes:`` into one :class:`Edition` per edition.

The knowledge base is data (``kb_engine/knowledge/data/*.yaml``, read through
:mod:`importlib.resources`, or any directory with the same files). Every
entity is written as the oldest edition it belongs to has it; ``since:`` adds
it in a later edition, ``until:`` names the first edition that dropped it, and ``changes: {EDITION: {...}}`` replaces fields from
that edition on.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kb_engine.errors import KnowledgeBaseError, Problem
from kb_engine.io.read import read_data_file

from .conditions import Condition, Test, parse_condition, refs_of
from .files import FILES, CausesFile, CodesFile, EditionsFile, FindingsFile, StepData, TextData
from .model import (
    _PLACEHOLDER_RE,
    Cause,
    CodeEntry,
    Edition,
    Finding,
    KnowledgeBase,
    Param,
    Procedure,
    Step,
    Text,
    Variant,
    suggest,
)
from .vocabulary import fact_catalog

__all__ = ["SHIPPED_LABEL", "default_kb", "kb_root", "load_kb"]


# ---------------------------------------------------------------------------
# Loading


SHIPPED_LABEL = "kb_engine/knowledge/data"
"""How messages name the knowledge base shipped with kb_engine."""


def kb_root(path: str | Path | None) -> Traversable | Path:
    """The directory of a knowledge base: ``path``, or the one shipped with kb_engine when None."""
    return resources.files("kb_engine.knowledge") / "data" if path is None else Path(path)


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base.

    Args:
        path: a directory holding the knowledge files; the one shipped with kb_engine when None.

    Raises:
        KnowledgeBaseError: a file is missing, unreadable or invalid; every problem is listed
            with the file, the path of the bad element and what is wrong.
    """
    root = kb_root(path)
    label = SHIPPED_LABEL if path is None else str(path)
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
        catalog = fact_catalog()
        for name in editions_file.informational:
            if name not in catalog:
                self.fail("editions.yaml", f"informational.{name}", f"unknown fact {name!r}; the facts model defines: {', '.join(catalog)}")
        if self.problems:
            raise KnowledgeBaseError(_dedupe(self.problems))
        informational = {name: _text(text) for name, text in editions_file.informational.items()}
        return KnowledgeBase(editions_file.kb_version, editions, self.label, informational)

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
                self.fail("editions.yaml", "editions[0].limits", f"the oldest edition must give every limit; {name!r} is missing (null if it has none)")
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
                    if item.until is not None and item.until not in order:
                        self.fail(file_name, f"{key}[{i}].until", f"bad edition name {item.until!r}; editions: {', '.join(order)}")
                    elif item.until is not None and order.index(item.until) <= order.index(item.since or order[0]):
                        self.fail(file_name, f"{key}[{i}].until", f"{item.until!r} is not after the edition it first appears in")
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
            if item.until is not None and item.until in order and order.index(item.until) <= index:
                return None  # the article dropped it from this edition on
            merged = {k: getattr(item, k) for k in type(item).model_fields if k not in {"changes", "since", "until"}}
            for name in applicable:
                change = item.changes.get(name)
                if change is not None:
                    for key in change.model_fields_set:
                        merged[key] = getattr(change, key)
            return merged

        def condition(data: Any, file: str, path: str) -> Condition | None:
            too_big = _too_big(data)
            if too_big is not None:
                self.fail(file, path, too_big)
                return None
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
            guard = None
            if merged["unknown_when"] is not None:
                guard = condition(merged["unknown_when"], "findings.yaml", f"findings[{i}].unknown_when")
                if guard is not None and any(refs_of(guard)):
                    self.fail("findings.yaml", f"findings[{i}].unknown_when", "unknown_when tests facts only, not findings or causes")
                    guard = None
            findings[finding_item.id] = Finding(
                finding_item.id,
                text(merged["text"], "findings.yaml", f"findings[{i}].text"),
                text(merged["question"], "findings.yaml", f"findings[{i}].question"),
                cond or _NEVER,
                guard,
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

        above: set[str] = set()
        for i, finding_item in enumerate(findings_file.findings):
            if finding_item.id in findings:
                when = findings[finding_item.id].when
                self.check_refs(when, findings, causes, "findings.yaml", f"findings[{i}].when", edition_id, allow_causes=False)
                # Findings are decided in the file's order: one may use only those above it (no cycle either).
                for ref in sorted((refs_of(when)[0] & set(findings)) - above):
                    self.fail("findings.yaml", f"findings[{i}].when",
                              f"uses finding {ref!r}, which is not above it; a finding may use only the findings listed before it")
                above.add(finding_item.id)
        for i, item in enumerate(causes_file.causes):
            cause = causes.get(item.id)
            if cause is not None:
                for key, cond in (("when", cause.when), ("applies", cause.applies)):
                    if cond is not None:
                        self.check_refs(cond, findings, causes, "causes.yaml", f"causes[{i}].{key}", edition_id, allow_causes=True)
        self.check_cycles(findings, causes, edition_id)
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

    def check_cycles(self, findings: Mapping[str, Finding], causes: Mapping[str, Cause], edition_id: str) -> None:
        """Refuse findings and causes that depend on themselves (through ``when`` and ``applies``), naming the cycle.

        The standard library's topological sorter finds it; it does not recurse, so a long chain of references
        cannot exhaust the stack.
        """
        needs: dict[str, list[str]] = {}
        for fid, finding in findings.items():
            refs, _ = refs_of(finding.when)
            needs[f"finding {fid}"] = [f"finding {r}" for r in sorted(refs) if r in findings]
        for cid, cause in causes.items():
            node_refs: list[str] = []
            for cond in (cause.when, cause.applies):
                if cond is not None:
                    found, caused = refs_of(cond)
                    node_refs += [f"finding {r}" for r in sorted(found) if r in findings]
                    node_refs += [f"cause {r}" for r in sorted(caused) if r in causes]
            needs[f"cause {cid}"] = node_refs
        try:
            graphlib.TopologicalSorter(needs).prepare()
        except graphlib.CycleError as exc:
            cycle = list(reversed(exc.args[1]))  # given against the arrows: each node after the one it needs
            file = "findings.yaml" if cycle[0].startswith("finding") else "causes.yaml"
            self.fail(file, "", f"a cycle of references in edition {edition_id}: {' -> '.join(cycle)}")


MAX_CONDITION_PARTS = 256
"""The most conditions one ``any`` or ``all`` may list."""
MAX_CONDITION_NODES = 1024
"""The most tests, references and operators one condition may hold."""


def _too_big(data: Any) -> str | None:
    """Why a condition as written is too large to use (None when it is not), counted without recursion."""
    nodes = 0
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            nodes += 1
            stack += list(value.values())
        elif isinstance(value, list):
            if len(value) > MAX_CONDITION_PARTS:
                return f"lists {len(value):,} conditions in one any or all; at most {MAX_CONDITION_PARTS} (the limit)"
            stack += value
        if nodes > MAX_CONDITION_NODES:
            return f"holds more than {MAX_CONDITION_NODES:,} tests and operators (the limit)"
    return None


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
