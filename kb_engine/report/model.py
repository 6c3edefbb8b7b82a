"""The diagnosis report: a typed object with a documented, versioned JSON form.

``Report.model_json_schema()`` is the schema ``kb-engine schema report``
prints; :func:`report_json` gives the canonical, byte-for-byte deterministic
JSON of a report.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CauseResult",
    "Command",
    "Derivation",
    "Escalation",
    "ExpectedCode",
    "FindingResult",
    "ObservedError",
    "REPORT_SCHEMA_VERSION",
    "Remedy",
    "Report",
    "RemedyStep",
    "UnknownFact",
    "report_json",
]

REPORT_SCHEMA_VERSION: Literal["2.0"] = "2.0"
"""Version of the report's JSON form; the major number changes when a field is removed or changes meaning.

2.0: ``derivation`` (of causes and findings) is in the JSON only when asked for
(:func:`report_json` with ``derivations=True``, ``kb-engine diagnose --explain``).
"""

Status = Literal["confirmed", "ruled_out", "undetermined", "not_applicable"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _derivation_on_request(schema: dict[str, Any]) -> None:
    """The JSON form carries a derivation only when asked for, so the schema does not require it."""
    schema["required"] = [name for name in schema.get("required", []) if name != "derivation"]


class Derivation(_Out):
    """How a conclusion was reached: the rule and its premises, back to the input facts."""

    conclusion: str = Field(description="What was concluded, e.g. 'finding agent_not_ready' or 'agent.status = not_ready'.")
    value: Any = Field(description="The value concluded (true/false/null for unknown, or a status).")
    rule: str = Field(description="The rule that fired, or 'input' for a fact given by the user, 'unknown' for one not given.")
    premises: list[Derivation] = Field(default_factory=list, description="What the rule matched.")


class Command(_Out):
    """A command of a step; ``label`` says for which VMs when the step has alternatives."""

    command: str
    label: str | None = None


class RemedyStep(_Out):
    """One numbered step."""

    number: int
    text: str
    commands: list[Command] = Field(default_factory=list)
    link: str | None = None
    procedure: str | None = Field(None, description="Id of the shared procedure this step comes from.")


class CauseResult(_Out):
    """One cause and what the engine concluded about it."""

    model_config = ConfigDict(json_schema_extra=_derivation_on_request)

    id: str
    ref: str | None = Field(None, description="The cause's letter in the article digest (A..K, E1, E2).")
    title: str
    status: Status
    parent: str | None = None
    reason: str = Field(description="Why, in one sentence: the findings that confirm or exclude it, or what is unknown.")
    evidence: list[str] = Field(default_factory=list, description="Finding ids that decided the status.")
    needs: list[str] = Field(default_factory=list, description="Unknown facts that would decide an undetermined cause.")
    derivation: Derivation = Field(description="How it was concluded; in the JSON form only when asked for (--explain).")


class FindingResult(_Out):
    """A finding that is true for this VM."""

    model_config = ConfigDict(json_schema_extra=_derivation_on_request)

    id: str
    text: str
    derivation: Derivation = Field(description="How it was concluded; in the JSON form only when asked for (--explain).")


class ObservedError(_Out):
    """The error code the user saw, and its causes walked in the article's order."""

    code: str = Field(description="The code as given (an alias is kept as typed).")
    entry: str = Field(description="The knowledge base's entry id for it.")
    names: list[str]
    message: str
    advice: str | None = None
    causes: list[CauseResult] = Field(description="The code's causes in the article's order, sub-causes after their parent.")
    escalate: bool = Field(description="Every cause is excluded: collect logs and escalate.")


class ExpectedCode(_Out):
    """An error code a confirmed cause produces."""

    entry: str
    names: list[str]
    message: str
    causes: list[str]


class Remedy(_Out):
    """What to do about one confirmed cause."""

    rank: int = Field(description="1 is first; the observed error's causes come first, in the article's order.")
    cause: str
    title: str
    why: str = Field(description="Why the cause makes backups fail: the knowledge base's summary of it.")
    steps: list[RemedyStep]
    logs: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class UnknownFact(_Out):
    """A fact the engine would need to decide undetermined causes."""

    fact: str
    description: str
    needed_by: list[str]


class Escalation(_Out):
    """The last resort when every cause of the observed error is excluded."""

    title: str
    text: str
    logs: list[str]
    only_if: dict[str, str] = Field(
        default_factory=dict,
        description="For a log kept only on some VMs (their OS, say) when it is unknown whether this VM is one: log -> what it is for.",
    )


class Report(_Out):
    """Everything kb_engine concluded about one VM."""

    schema_version: Literal["2.0"] = REPORT_SCHEMA_VERSION
    kb_version: str
    edition: str
    edition_reason: str = Field(
        "", description="Which edition of the article the diagnosis follows, and why: asked for, or the newest (the default)."
    )
    lang: Literal["en", "ja"]
    vm: str | None = Field(None, description="The VM or scenario name from the facts.")
    verdict: Literal["problems", "unexplained", "incomplete", "clean"] = Field(
        description="problems: a cause is confirmed; unexplained: nothing confirmed and every cause of the observed error "
        "is excluded (collect logs and escalate); incomplete: nothing confirmed, some causes undetermined; clean: every "
        "cause is excluded."
    )
    observed: ObservedError | None = None
    findings: list[FindingResult] = Field(description="Findings that are true for this VM.")
    causes: list[CauseResult] = Field(description="Every cause of the edition, in knowledge-base order.")
    expected_codes: list[ExpectedCode] = Field(description="The error codes the confirmed causes produce.")
    remedies: list[Remedy] = Field(description="What to do, in order.")
    unknown: list[UnknownFact] = Field(description="What the engine would need to know, most useful first.")
    escalation: Escalation | None = None
    notes: list[str] = Field(default_factory=list, description="Where the article differs from the real system, for the causes shown.")
    input_notes: list[str] = Field(
        default_factory=list,
        description="Values of the input that were read in their normal form (a version copied with its prefix, "
        "an error code in other letters, a waagent.conf value with its comment).",
    )

    def __repr__(self) -> str:
        confirmed = [c.ref or c.id for c in self.causes if c.status == "confirmed"]
        observed = self.observed.code if self.observed is not None else None
        return (
            f"Report(vm={self.vm!r}, edition={self.edition!r}, lang={self.lang!r}, verdict={self.verdict!r}, "
            f"observed={observed!r}, confirmed={confirmed!r})"
        )


_WITHOUT_DERIVATIONS: dict[str, Any] = {
    "causes": {"__all__": {"derivation"}},
    "findings": {"__all__": {"derivation"}},
    "observed": {"causes": {"__all__": {"derivation"}}},
}


def report_json(report: Report, *, indent: int | None = 2, derivations: bool = True) -> str:
    """The canonical JSON of a report: sorted keys, UTF-8 text, a trailing newline.

    It is ``json.dumps(report.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, indent=indent)``
    and a newline. The standard library writes indented JSON in pure Python; orjson writes the same
    bytes for ``indent=2`` (tested) many times faster. A whole number outside 64 bits, which orjson
    refuses, is written by the standard library.

    Args:
        report: the report.
        indent: spaces per level, or None for one line (JSON Lines).
        derivations: include how each cause and finding was derived (most of a report's size).
    """
    data = report.model_dump(mode="json", exclude=None if derivations else _WITHOUT_DERIVATIONS)
    if indent == 2:
        try:
            return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode("utf-8") + "\n"
        except TypeError:
            pass
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=indent) + "\n"
