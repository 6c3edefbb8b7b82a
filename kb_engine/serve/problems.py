"""Errors as RFC 9457 problem details (``application/problem+json``), with the CLI's problem list.

Every error the service answers has a ``type`` (a URN naming the kind of
problem), a ``title``, the HTTP ``status``, a ``detail`` sentence and, for bad
input, ``problems``: the same list of (source, path, message, value, allowed)
that ``kb-engine`` prints, with the same "did you mean" suggestions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from kb_engine.errors import InputError, Problem

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPES",
    "HttpProblem",
    "LineProblem",
    "ProblemDetails",
    "ProblemItem",
    "problem_line",
    "problem_response",
    "summary",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_TYPES: Mapping[str, tuple[int, str]] = {
    "malformed-body": (400, "The request body is not a readable JSON or YAML document"),
    "unauthorized": (401, "A valid bearer token is needed"),
    "not-found": (404, "No such resource"),
    "method-not-allowed": (405, "Method not allowed"),
    "body-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "invalid-input": (422, "The input is invalid"),
    "busy": (429, "Too many requests at once"),
    "internal": (500, "Internal error"),
    "tool-failed": (500, "A system tool the service needs is missing or failed"),
    "not-ready": (503, "The service is not ready"),
    "time-limit": (503, "The request took longer than the time limit"),
}
"""Each kind of problem: its HTTP status and title. The ``type`` member is ``urn:kb-engine:problem:<kind>``."""


def problem_type(kind: str) -> str:
    """The ``type`` URI of a kind of problem."""
    return f"urn:kb-engine:problem:{kind}"


class ProblemItem(BaseModel):
    """One thing wrong with the input, as the command line reports it."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="What the input was: body, query, path, or the body's line for a batch.")
    path: str = Field(description="Where in it: a dotted path such as agent.version, or a parameter's name.")
    message: str = Field(description="What is wrong, with the closest valid names when there are some (did you mean ...?).")
    value: str | None = Field(None, description="The value given, as JSON text.")
    allowed: str | None = Field(None, description="What would have been accepted.")


class ProblemDetails(BaseModel):
    """An error, as RFC 9457 problem details."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="urn:kb-engine:problem:<kind>; the README lists every kind.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request's path.")
    request_id: str | None = Field(None, description="Also in the X-Request-ID header and the access log.")
    problems: list[ProblemItem] = Field(default_factory=list, description="Every problem found in the input (bad input only).")


class LineProblem(ProblemDetails):
    """A problem on a line of its own in a streamed batch answer: a bad line of the body, or why the batch stopped."""

    line: int | None = Field(
        description="invalid-input: the body's line that is bad (the others are answered); time-limit, internal and "
        "body-too-large: the first line of the body that was not answered, nor any after it."
    )


class HttpProblem(Exception):
    """Raised by a route to answer with problem details."""

    def __init__(
        self,
        kind: str,
        detail: str,
        problems: Iterable[Problem] = (),
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.status = status if status is not None else PROBLEM_TYPES[kind][0]
        self.detail = detail
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.headers = dict(headers or {})

    @classmethod
    def of(cls, kind: str, error: InputError) -> HttpProblem:
        """The library's error as another kind of problem (malformed body, not found), with its problem list."""
        return cls(kind, summary(error), error.problems)


def summary(error: Exception) -> str:
    """The first line of an error's message (an InputError's summary, without the list that follows)."""
    text = str(error)
    return text.splitlines()[0].rstrip(":") if text else type(error).__name__


def problem_item(problem: Problem) -> dict[str, Any]:
    """One library problem as a member of ``problems``."""
    return {"source": problem.source, "path": problem.path, "message": problem.message, "value": problem.value, "allowed": problem.allowed}


def _body(kind: str, detail: str, instance: str, problems: Sequence[Problem], request_id: str | None, status: int | None) -> dict[str, Any]:
    code, title = PROBLEM_TYPES[kind]
    return {
        "type": problem_type(kind),
        "title": title,
        "status": status if status is not None else code,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
        "problems": [problem_item(p) for p in problems],
    }


def problem_line(kind: str, detail: str, instance: str, *, line: int | None, problems: Sequence[Problem] = (), request_id: str | None = None) -> str:
    """A :class:`LineProblem` as one line of JSON (with its line break), for a streamed answer."""
    body = {**_body(kind, detail, instance, problems, request_id, None), "line": line}
    return json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n"


def problem_response(
    kind: str,
    detail: str,
    instance: str,
    *,
    problems: Sequence[Problem] = (),
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    status: int | None = None,
) -> Response:
    """The ``application/problem+json`` response for one kind of problem."""
    body = _body(kind, detail, instance, problems, request_id, status)
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    return Response(text, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {}))
