"""Request bodies: the media type (415), the document (400), the facts (422).

Bodies are read as facts files are, by the same functions: JSON or YAML,
UTF-8, a key written twice refused, bare versions kept as text; the problems
found are the ones the command line prints.
"""

from __future__ import annotations

from starlette.requests import Request

from kb_engine.errors import InputError
from kb_engine.facts.load import parse_facts_bytes, validate_facts
from kb_engine.knowledge.vocabulary import Facts

from .problems import HttpProblem

__all__ = ["BODY_SOURCE", "FACTS_MEDIA_TYPES", "acceptable_body", "parse_facts_body", "read_body"]

BODY_SOURCE = "body"
"""How the request body is named in problems."""

FACTS_MEDIA_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
"""The media types a facts document may be sent as (``+json`` types too)."""


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def acceptable(media_type: str, allowed: tuple[str, ...]) -> bool:
    """Whether a request's media type is one of ``allowed`` (or a ``+json`` type when JSON is allowed)."""
    return media_type in allowed or ("application/json" in allowed and media_type.startswith("application/") and media_type.endswith("+json"))


async def read_body(request: Request, allowed: tuple[str, ...] = FACTS_MEDIA_TYPES) -> bytes:
    """The request body; an empty one is accepted whatever its media type (no facts known).

    Raises:
        HttpProblem: ``unsupported-media-type`` (415) for a non-empty body of another type;
            ``body-too-large`` (413) from the size limit.
    """
    raw = await request.body()
    if raw.strip() and not acceptable(_media_type(request), allowed):
        raise _unsupported(request, allowed)
    return raw


async def acceptable_body(request: Request, allowed: tuple[str, ...]) -> bool:
    """Whether the body may be read as it comes: its media type is one of ``allowed``.

    A body of another media type is read only until its first byte that is not
    white space: an empty (or blank) one is accepted as it is by :func:`read_body`,
    and False says that it was, and is now read.

    Raises:
        HttpProblem: ``unsupported-media-type`` (415) for a non-empty body of another type;
            ``body-too-large`` (413) from the size limit.
    """
    if acceptable(_media_type(request), allowed):
        return True
    async for chunk in request.stream():
        if chunk.strip():
            raise _unsupported(request, allowed)
    return False


def _unsupported(request: Request, allowed: tuple[str, ...]) -> HttpProblem:
    given = _media_type(request) or "none"
    return HttpProblem("unsupported-media-type", f"the body's Content-Type is {given}; send it as {' or '.join(allowed[:2])}")


def parse_facts_body(raw: bytes) -> Facts:
    """A body as a VM's facts.

    Raises:
        HttpProblem: ``malformed-body`` (400): not UTF-8, not JSON or YAML, too deep.
        InputError: the document is not valid facts (422), every problem listed.
    """
    try:
        data = parse_facts_bytes(raw, BODY_SOURCE)
    except InputError as exc:
        raise HttpProblem.of("malformed-body", exc) from None
    return validate_facts(data, BODY_SOURCE)
