"""``POST /v1/consult/{code}``: one step of a consultation, stateless, for a chat bot or a web form."""

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from kb_engine.consult.session import next_step, step_json
from kb_engine.errors import UnknownErrorCodeError

from ..body import BODY_SOURCE, parse_facts_body, read_body
from ..problems import HttpProblem
from ..service import Lang, Service
from .common import FACTS_BODY, edition_query, errors, schema_ref

__all__ = ["consult_router"]


def consult_router(service: Service) -> APIRouter:
    """The consultation route."""
    router = APIRouter(tags=["consultation"])

    @router.post(
        "/v1/consult/{code}",
        summary="The next question of a consultation, or its report",
        response_class=Response,
        responses={
            200: {
                "description": "The next question (type question), or the report once the consultation is over "
                "(type report), as `kb-engine consult --format json` prints them.",
                "content": {"application/json": {"schema": schema_ref("ConsultStep")}},
            },
            **errors(400, 404, 413, 415, 422),
        },
        openapi_extra=FACTS_BODY,
    )
    async def consult(
        request: Request,
        code: str = Path(description="The error code the user saw (aliases accepted)."),
        edition: str | None = edition_query(service),
        lang: Lang = Query("en", description="Language of the question and the report."),
        skip: list[str] = Query([], description="Facts the user cannot answer: never asked (repeat the parameter)."),
    ) -> Response:
        """Ask for the one fact that decides the earliest undecided cause of the code, or end with the report.

        Send what is known so far as the body (a facts document); add each answer under the
        question's `fact` and call again. A fact the user cannot answer goes in `skip`.
        """
        raw = await read_body(request)
        ed = service.edition(edition)
        try:
            service.kb.resolve_code(code, ed, source="path", path="code")
        except UnknownErrorCodeError as exc:
            raise HttpProblem.of("not-found", exc) from None
        questions = service.questions

        def work() -> Response:
            facts = parse_facts_body(raw)
            step = next_step(
                code, facts, ed.id, lang, skipped=skip, kb=service.kb, questions=questions,
                source=BODY_SOURCE, skip_source="skip",
            )
            return Response(step_json(step), media_type="application/json")

        return await service.limiter.run(work)

    return router
