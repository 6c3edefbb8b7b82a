"""``GET /v1/kb/...``: the knowledge base's editions, error codes and causes, as ``kb-engine kb`` shows them."""

import json
from typing import Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from kb_engine.errors import InputError
from kb_engine.knowledge.browse import Kind, entity_data, find_entity, listing

from ..problems import HttpProblem
from ..service import Lang, Service
from .common import edition_query, errors, schema_ref

__all__ = ["kb_router"]


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n", media_type="application/json")


def kb_router(service: Service) -> APIRouter:
    """The knowledge-base routes."""
    router = APIRouter(prefix="/v1/kb", tags=["knowledge base"])

    def entity(name: str, edition: str | None, lang: str, kinds: tuple[Kind, ...], what: str) -> Response:
        ed = service.edition(edition)
        try:
            kind, item = find_entity(service.kb, ed, name, kinds, source="path", path=what)
        except InputError as exc:
            raise HttpProblem.of("not-found", exc) from None
        return _json(entity_data(ed, kind, item, lang))

    @router.get(
        "/editions",
        summary="The editions of the article",
        response_class=Response,
        responses={200: {"description": "Every edition, oldest first.", "content": {"application/json": {"schema": schema_ref("EditionsList")}}}, **errors()},
    )
    async def editions(lang: Lang = Query("en", description="Language of the titles.")) -> Response:
        """The knowledge base's version and its editions (the newest is the default), with what each holds."""
        return _json(
            {
                "kb_version": service.kb.kb_version,
                "default": service.kb.default.id,
                "editions": [
                    {
                        "id": ed.id,
                        "published": ed.published,
                        "title": ed.title.get(lang),
                        "codes": len(ed.codes),
                        "causes": len(ed.causes),
                    }
                    for ed in service.kb.editions
                ],
            }
        )

    @router.get(
        "/codes",
        summary="An edition's error codes and causes",
        response_class=Response,
        responses={200: {"description": "As `kb-engine kb list --format json`.", "content": {"application/json": {"schema": schema_ref("KbListing")}}}, **errors(422)},
    )
    async def codes(edition: str | None = edition_query(service), lang: Lang = Query("en", description="Language of the texts.")) -> Response:
        """Every error code of the edition (names, aliases, message, causes in the article's order), its causes and procedures."""
        return _json(listing(service.edition(edition), lang))

    @router.get(
        "/codes/{code}",
        summary="One error code",
        response_class=Response,
        responses={200: {"description": "As `kb-engine kb show CODE --format json`.", "content": {"application/json": {"schema": schema_ref("KbEntity")}}}, **errors(404, 422)},
    )
    async def code(
        code: str = Path(description="An error code or one of its aliases."),
        edition: str | None = edition_query(service),
        lang: Lang = Query("en", description="Language of the texts."),
    ) -> Response:
        """The code's message, summary, advice and causes in the article's order."""
        return entity(code, edition, lang, ("code",), "code")

    @router.get(
        "/causes/{cause}",
        summary="One cause (or procedure)",
        response_class=Response,
        responses={200: {"description": "As `kb-engine kb show CAUSE --format json`.", "content": {"application/json": {"schema": schema_ref("KbEntity")}}}, **errors(404, 422)},
    )
    async def cause(
        cause: str = Path(description="A cause's id or its letter in the article (A..J, E1, E2); K is the clean-up procedure."),
        edition: str | None = edition_query(service),
        lang: Lang = Query("en", description="Language of the texts."),
    ) -> Response:
        """The cause's conditions, findings, remedy steps, logs and notes, and the codes it leads to."""
        return entity(cause, edition, lang, ("cause", "procedure"), "cause")

    return router
