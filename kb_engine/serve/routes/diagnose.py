"""``POST /v1/diagnose``: one VM's facts in, its report out (JSON, or text or Markdown for people)."""

from typing import Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kb_engine.report.model import report_json
from kb_engine.report.render import explain_tree, to_markdown, to_text

from ..body import BODY_SOURCE, parse_facts_body, read_body
from ..service import Lang, Service
from .common import FACTS_BODY, backend_query, edition_query, errors, schema_ref, text_content

__all__ = ["diagnose_router"]

Format = Literal["json", "text", "markdown"]

_MEDIA = {"json": "application/json", "text": "text/plain; charset=utf-8", "markdown": "text/markdown; charset=utf-8"}


def diagnose_router(service: Service) -> APIRouter:
    """The diagnosis route."""
    router = APIRouter(tags=["diagnosis"])

    @router.post(
        "/v1/diagnose",
        summary="Diagnose one VM",
        response_class=Response,
        responses={
            200: {
                "description": "The report: JSON as `kb-engine diagnose --format json` prints it, or text or Markdown.",
                "content": {"application/json": {"schema": schema_ref("Report")}, **text_content("text/plain", "text/markdown")},
            },
            **errors(400, 413, 415, 422),
        },
        openapi_extra=FACTS_BODY,
    )
    async def diagnose(
        request: Request,
        edition: str | None = edition_query(service),
        lang: Lang = Query("en", description="Language of the report."),
        fmt: Format = Query("json", alias="format", description="json (the report), text (for a terminal) or markdown (for a ticket)."),
        explain: bool = Query(False, description="text and markdown: add how every conclusion was derived (JSON always has it)."),
        backend: str = backend_query(service),
    ) -> Response:
        """The report of one VM: its observed error's causes in the article's order, remedies, what is unknown.

        The body is a facts document, read exactly as `kb-engine diagnose` reads a facts file.
        """
        raw = await read_body(request)
        engine = service.engine(edition, backend)

        def work() -> Response:
            facts = parse_facts_body(raw)
            report = engine.diagnose(facts, lang=lang, source=BODY_SOURCE)
            service.metrics.diagnoses.labels(engine.edition.id, engine.backend, report.verdict).inc()
            if fmt == "json":
                text = report_json(report)
            elif fmt == "markdown":
                text = to_markdown(report)
                if explain:
                    text += "\n```text\n" + explain_tree(report) + "\n```\n"
            else:
                text = to_text(report, explain=explain)
            return Response(text, media_type=_MEDIA[fmt])

        return await service.limiter.run(work)

    return router
