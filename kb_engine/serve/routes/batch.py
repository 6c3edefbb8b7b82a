"""``POST /v1/diagnose/batch``: JSON Lines of facts in, one row or report per line out, streamed in order.

The fleet semantics of ``kb-engine diagnose``: each line of the body is one VM,
diagnosed and written by the same per-record function as the command line's
(:func:`~kb_engine.fleet.run.render_record`), so a line's answer is byte for byte
what ``kb-engine diagnose --input-format jsonl`` prints for it. A bad line is
answered in its place by a problem naming its line, with the command line's
problem list; the others are still diagnosed. The whole batch runs on one worker
and stops by itself before the time limit, saying so on its last line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from concurrent.futures import Future
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from kb_engine.errors import Problem
from kb_engine.fleet.model import RecordError
from kb_engine.fleet.records import records_from_lines
from kb_engine.fleet.run import FleetOptions, render_record

from ..body import BODY_SOURCE, read_body
from ..limits import RETRY_AFTER
from ..problems import HttpProblem, problem_line
from ..service import Lang, Service
from ..stream import End, LineChannel, Received
from .common import backend_query, edition_query, errors, schema_ref

__all__ = ["BATCH_MEDIA_TYPES", "BATCH_OUTPUT_MEDIA_TYPE", "batch_router"]

BATCH_MEDIA_TYPES = ("application/x-ndjson", "application/jsonl")
"""The media types of a JSON Lines body."""
BATCH_OUTPUT_MEDIA_TYPE = "application/x-ndjson"

Format = Literal["rows", "json"]

_log = logging.getLogger("kb_engine.serve")

_LINES = {"type": "array", "description": "JSON Lines: each item on a line of its own."}

BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "JSON Lines: one VM's facts per line, a JSON object as in a facts file; blank lines are "
        "skipped but counted in line numbers. The body is limited in size as every body is: split a larger fleet.",
        "content": {media: {"schema": {**_LINES, "items": schema_ref("Facts")}} for media in BATCH_MEDIA_TYPES},
    }
}


def _margin(time_limit: float) -> float:
    """How long before the time limit a batch stops, to end its answer in time."""
    return min(1.0, time_limit / 10)


def batch_router(service: Service) -> APIRouter:
    """The batch diagnosis route."""
    router = APIRouter(tags=["diagnosis"])

    @router.post(
        "/v1/diagnose/batch",
        summary="Diagnose a fleet: JSON Lines in, one line per VM out, streamed in input order",
        response_class=Response,
        responses={
            200: {
                "description": "JSON Lines, streamed, one line for each VM line of the body, in the body's order: its row "
                "(format=rows, as `kb-engine diagnose --format rows` prints it) or its report (format=json, as "
                "`--format json`; derivations with explain=true); a bad line's answer is a LineProblem (it has a `type`) "
                "naming the line with every problem found in it. A batch stopped before the time limit ends with a "
                "time-limit LineProblem naming the first line not answered.",
                "content": {
                    BATCH_OUTPUT_MEDIA_TYPE: {
                        "schema": {
                            **_LINES,
                            "items": {"anyOf": [schema_ref("FleetRow"), schema_ref("Report"), schema_ref("LineProblem")]},
                        }
                    }
                },
            },
            **errors(413, 415),
        },
        openapi_extra=BATCH_BODY,
    )
    async def diagnose_batch(
        request: Request,
        edition: str | None = edition_query(service),
        lang: Lang = Query("en", description="Language of the reports (format=json)."),
        fmt: Format = Query("rows", alias="format", description="rows (one compact row per VM) or json (one full report per VM)."),
        explain: bool = Query(False, description="format=json: add how every conclusion was derived."),
        backend: str = backend_query(service),
    ) -> Response:
        """Diagnose every VM of a JSON Lines body, as `kb-engine diagnose --input-format jsonl` does.

        The answer is streamed as each VM is done. The batch takes one worker for its whole run
        (the concurrency limit counts it as one request) and stops before the time limit.
        """
        raw = await read_body(request, BATCH_MEDIA_TYPES)
        engine = service.engine(edition, backend)
        options = FleetOptions(lang="ja" if lang == "ja" else "en", format=fmt, explain=explain)
        limit = service.settings.time_limit
        deadline = getattr(request.state, "deadline", None)
        stop_at = (deadline if isinstance(deadline, float) else time.monotonic() + limit) - _margin(limit)
        instance = request.url.path
        request_id = getattr(request.state, "request_id", None)
        channel = LineChannel()

        def work() -> End:
            for record in records_from_lines(raw.split(b"\n"), BODY_SOURCE):
                if time.monotonic() >= stop_at:
                    return "time"
                outcome = render_record(engine, record, options)
                if isinstance(outcome, RecordError):
                    text = _bad_line(outcome, instance, request_id)
                else:
                    row, text = outcome
                    service.metrics.diagnoses.labels(engine.edition.id, engine.backend, row.verdict).inc()
                if not channel.send(text, record.line):
                    break
            return "done"

        future = service.limiter.submit(channel.run, work)  # 429 here, before anything is sent
        until = stop_at + _margin(limit) / 2  # the work stops itself at stop_at; this is in case it cannot
        try:
            first = await channel.receive(until)
        except BaseException:  # the time limit's cancellation, or the client gone
            channel.stop()
            future.cancel()  # if it still waits for a worker, it never starts
            raise
        if not first.text and first.end in ("time", "error"):
            channel.stop()
            if first.end == "error":
                await asyncio.wrap_future(future)  # raises the work's exception: a 500, logged
            service.metrics.reject("time_limit")
            raise HttpProblem(
                "time-limit", f"the batch could not start within the time limit of {limit:g} s", headers={"Retry-After": RETRY_AFTER}
            )

        async def lines() -> AsyncIterator[str]:
            received = first
            last: int | None = None
            try:
                while True:
                    if received.text:
                        yield received.text
                    last = received.last_line if received.last_line is not None else last
                    if received.end is not None:
                        break
                    received = await channel.receive(until)
                if received.end != "done":
                    yield await _stopped(received, future, (last or 0) + 1, limit, instance, request_id, service)
            finally:
                channel.stop()  # the client went away, or the answer is complete

        return StreamingResponse(lines(), media_type=BATCH_OUTPUT_MEDIA_TYPE)

    return router


def _bad_line(error: RecordError, instance: str, request_id: str | None) -> str:
    """A bad line's answer: the command line's problem list for it, with its line."""
    problems = [Problem(error.label, p.path, p.message, p.value, p.allowed) for p in error.problems]
    detail = error.message().splitlines()[0].rstrip(":")
    return problem_line("invalid-input", detail, instance, line=error.line, problems=problems, request_id=request_id)


async def _stopped(
    received: Received, future: Future[End], line: int, limit: float, instance: str, request_id: str | None, service: Service
) -> str:
    """The last line of a batch that did not end: the time limit, or an internal error (logged)."""
    if received.end == "error":
        try:
            await asyncio.wrap_future(future)
        except Exception as exc:  # noqa: BLE001 - any bug: logged with the request id, never shown to the client
            _log.error("request %s: internal error", request_id, exc_info=exc)
        return problem_line(
            "internal", f"an internal error occurred at line {line}; the request id is in the service's log", instance,
            line=line, request_id=request_id,
        )
    service.metrics.reject("time_limit")
    return problem_line(
        "time-limit",
        f"the batch stopped before the time limit of {limit:g} s: line {line} and the lines after it were not "
        "answered; send them again, or in smaller batches",
        instance, line=line, request_id=request_id,
    )
