"""The knowledge files' schema, as written: what ``kb_engine/knowledge/data/*.yaml`` may contain."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "CauseData",
    "CausesFile",
    "CodeData",
    "CodesFile",
    "EditionData",
    "EditionsFile",
    "EscalationData",
    "FILES",
    "FindingData",
    "FindingsFile",
    "LimitDef",
    "ParamData",
    "ProcedureData",
    "StepData",
    "TextData",
    "VariantData",
]


FILES = ("editions.yaml", "codes.yaml", "findings.yaml", "causes.yaml")
_EDITION_RE = re.compile(r"^\d{4}-\d{2}$")


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
    until: str | None = Field(None, description="The first edition that no longer has it (the article dropped it).")
    changes: dict[str, _CauseFields] = Field(default_factory=dict)


class _ProcedureFields(_Model):
    title: TextData | None = None
    steps: list[StepData] | None = None
    notes: list[TextData] | None = None


class ProcedureData(_ProcedureFields):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    ref: str | None = None
    since: str | None = None
    until: str | None = Field(None, description="The first edition that no longer has it (the article dropped it).")
    changes: dict[str, _ProcedureFields] = Field(default_factory=dict)


class CausesFile(_Model):
    causes: list[CauseData]
    procedures: list[ProcedureData] = Field(default_factory=list)


class _FindingFields(_Model):
    question: TextData | None = None
    text: TextData | None = None
    when: Any = None
    unknown_when: Any = None


class FindingData(_FindingFields):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    since: str | None = None
    until: str | None = Field(None, description="The first edition that no longer has it (the article dropped it).")
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
    until: str | None = Field(None, description="The first edition that no longer has it (the article dropped it).")
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
    informational: dict[str, TextData] = Field(default_factory=dict)
