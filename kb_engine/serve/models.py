"""The shapes of the service's own answers, for the OpenAPI document (the report and questions are the library's)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from kb_engine.consult.session import Outcome, Question
from kb_engine.report.model import Report

__all__ = ["ConsultEnd", "ConsultStep", "EditionInfo", "EditionsList", "Health", "KbEntity", "KbListing", "Ready"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(_Out):
    """The process answers."""

    status: Literal["ok"]


class Ready(_Out):
    """Every engine is built."""

    status: Literal["ready"]
    kb_version: str
    editions: list[str]
    backends: list[str]


class EditionInfo(_Out):
    """One edition of the article."""

    id: str
    published: str
    title: str
    codes: int = Field(description="Error-code entries.")
    causes: int


class EditionsList(_Out):
    """The knowledge base's editions, oldest first."""

    kb_version: str
    default: str = Field(description="The edition used when a request names none: the newest.")
    editions: list[EditionInfo]


class KbListing(BaseModel):
    """An edition's codes, causes and procedures (as `kb-engine kb list --format json`)."""

    model_config = ConfigDict(extra="allow")

    edition: str
    published: str
    lang: Literal["en", "ja"]
    title: str
    codes: list[dict[str, Any]]
    causes: list[dict[str, Any]]
    procedures: list[dict[str, Any]]


class KbEntity(BaseModel):
    """One code, cause or procedure (as `kb-engine kb show NAME --format json`); the fields follow ``kind``."""

    model_config = ConfigDict(extra="allow")

    kind: Literal["code", "cause", "procedure", "finding"]
    edition: str
    lang: Literal["en", "ja"]
    id: str


class ConsultEnd(_Out):
    """The end of a consultation: how it ended and the report."""

    type: Literal["report"]
    outcome: Outcome = Field(description="confirmed: a cause of the code; escalation: every cause excluded; undetermined: nothing left to ask decides.")
    report: Report


class ConsultStep(RootModel[Annotated[Question | ConsultEnd, Field(discriminator="type")]]):
    """One step of a consultation: the next question (type question), or the end (type report)."""
