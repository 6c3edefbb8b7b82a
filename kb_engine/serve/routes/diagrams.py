"""``GET /v1/diagrams/...`` (an error code's decision tree) and ``POST /v1/overlay`` (one VM drawn on it)."""

from typing import Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from kb_engine.diagrams.dot import tree_dot
from kb_engine.diagrams.mermaid import tree_mermaid
from kb_engine.diagrams.overlay import render_overlay
from kb_engine.diagrams.render import render
from kb_engine.diagrams.text import tree_text
from kb_engine.diagrams.tree import build_tree
from kb_engine.errors import Problem, UnknownErrorCodeError

from ..body import BODY_SOURCE, parse_facts_body, read_body
from ..problems import HttpProblem
from ..service import LANGS, Lang, Service
from .common import FACTS_BODY, backend_query, edition_query, errors, text_content

__all__ = ["diagrams_router"]

TREE_FORMATS = ("svg", "mmd", "dot", "txt")
_MEDIA = {
    "svg": "image/svg+xml",
    "mmd": "text/plain; charset=utf-8",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
# An SVG opened on its own runs no script and loads nothing: it is a picture, nothing more.
_SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}


def _not_found(what: str, value: str, allowed: tuple[str, ...]) -> HttpProblem:
    return HttpProblem("not-found", f"unknown {what} {value!r}", [Problem("path", what, f"unknown {what}", repr(value), ", ".join(allowed))])


def diagrams_router(service: Service) -> APIRouter:
    """The diagram routes."""
    router = APIRouter(tags=["diagrams"])

    @router.get(
        "/v1/diagrams/{edition}/{lang}/{code}.{fmt}",
        summary="An error code's decision tree",
        response_class=Response,
        responses={
            200: {
                "description": "The tree as SVG, Mermaid, DOT or a text outline (the files of `kb-engine diagrams`).",
                "content": {"image/svg+xml": {"schema": {"type": "string"}}, **text_content("text/plain", "text/vnd.graphviz")},
            },
            **errors(404),
        },
    )
    async def tree(
        edition: str = Path(description="The article's edition.", json_schema_extra={"enum": list(service.kb.edition_ids)}),
        lang: str = Path(description="Language of the labels.", json_schema_extra={"enum": list(LANGS)}),
        code: str = Path(description="The error code (aliases accepted)."),
        fmt: str = Path(description="svg (drawn by Graphviz), mmd (Mermaid), dot or txt (an outline).", json_schema_extra={"enum": list(TREE_FORMATS)}),
    ) -> Response:
        """One question per node, every edge labelled, the causes in the article's order with their remedy steps."""
        ed = next((e for e in service.kb.editions if e.id == edition), None)
        if ed is None:
            raise _not_found("edition", edition, service.kb.edition_ids)
        if lang not in LANGS:
            raise _not_found("lang", lang, LANGS)
        if fmt not in TREE_FORMATS:
            raise _not_found("fmt", fmt, TREE_FORMATS)
        try:
            entry = service.kb.resolve_code(code, ed, source="path", path="code")
        except UnknownErrorCodeError as exc:
            raise HttpProblem.of("not-found", exc) from None

        def make() -> bytes | str:
            built = build_tree(ed, entry, lang)
            if fmt == "mmd":
                return tree_mermaid(built)
            if fmt == "txt":
                return tree_text(built)
            text = tree_dot(built)
            return render(text, "svg") if fmt == "svg" else text

        body = await service.limiter.run(service.cached, (ed.id, lang, entry.id, fmt), make)
        headers = {"Cache-Control": "public, max-age=3600", **(_SVG_HEADERS if fmt == "svg" else {})}
        return Response(body, media_type=_MEDIA[fmt], headers=headers)

    @router.post(
        "/v1/overlay",
        summary="One VM's diagnosis drawn on its error code's decision tree",
        response_class=Response,
        responses={
            200: {
                "description": "The overlay: the path taken highlighted, ruled-out branches greyed (SVG, or its DOT text).",
                "content": {"image/svg+xml": {"schema": {"type": "string"}}, **text_content("text/vnd.graphviz")},
            },
            **errors(400, 413, 415, 422),
        },
        openapi_extra=FACTS_BODY,
    )
    async def overlay(
        request: Request,
        edition: str | None = edition_query(service),
        lang: Lang = Query("en", description="Language of the labels."),
        fmt: Literal["svg", "dot"] = Query("svg", alias="format", description="svg (drawn by Graphviz) or dot."),
        backend: str = backend_query(service),
    ) -> Response:
        """As `kb-engine diagnose --diagram`: the tree of the VM's observed error (the whole cause graph without one)."""
        raw = await read_body(request)
        engine = service.engine(edition, backend)

        def work() -> bytes | str:
            facts = parse_facts_body(raw)
            engine.observed_entry(facts, source=BODY_SOURCE)  # an unknown error code is the body's problem
            return render_overlay(engine, facts, fmt, lang)

        body = await service.limiter.run(work)
        return Response(body, media_type=_MEDIA[fmt], headers=_SVG_HEADERS if fmt == "svg" else {})

    return router
