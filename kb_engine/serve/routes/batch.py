"""``POST /v1/diagnose/batch``: JSON Lines of facts in, one row or report per line out, streamed in order.

The fleet semantics of ``kb-engine diagnose``: each line of the body is one VM,
diagnosed and written by the same per-record function as the command line's
(:func:`~kb_engine.fleet.run.render_record`), so a line's answer is byte for byte
what ``kb-engine diagnose --input-format jsonl`` prints for it. A bad line is
answered in its place by a problem naming its line, with the command line's
problem list; the others are still diagnosed.

The body is read as it arrives and cut into lines as the command line cuts a
JSON Lines file (:class:`~kb_engine.fleet.records.LineSplitter`): each line is
diagnosed as soon as it is whole, and its answer sent. The whole batch runs on
one worker and stops by itself before the time limit, saying so on its last
line. A body that passes the size limit without a ``Content-Length`` saying so
is answered up to its last line within the limit, then ends with a problem
naming the first line not answered (413 before anything when no line was whole).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator
from concurrent.futures import Future
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive

from kb_engine.errors import Problem
from kb_engine.fleet.model import RecordError
from kb_engine.fleet.records import LineSplitter, Record
from kb_engine.fleet.run import FleetOptions, render_record

from ..body import BODY_SOURCE, acceptable_body
from ..limits import RETRY_AFTER, BodyTooLarge
from ..problems import HttpProblem, problem_line
from ..service import Lang, Service
from ..stream import End, Inbox, LineChannel, Received
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
        "skipped but counted in line numbers. The body is read as it arrives (it may be sent in chunks) and each "
        "line is answered as soon as it is whole. It is limited in size as every body is: split a larger fleet.",
        "content": {media: {"schema": {**_LINES, "items": schema_ref("Facts")}} for media in BATCH_MEDIA_TYPES},
    }
}


def _margin(time_limit: float) -> float:
    """How long before the time limit a batch stops, to end its answer in time."""
    return min(1.0, time_limit / 10)


class _Body:
    """The body of one batch, read as it arrives into an inbox of records, on the event loop."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.splitter = LineSplitter(BODY_SOURCE)
        self.inbox: Inbox[Record] = Inbox()
        self.read = asyncio.Event()
        """Set once nothing more will be read: the answer may then listen for the client leaving."""
        self.cut_at = 0
        """The first line not read when the body passed the size limit."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.inbox.close("done")
        self.read.set()

    async def _run(self) -> None:
        try:
            async for chunk in self.request.stream():
                self.inbox.put(self.splitter.feed(chunk))
            self.inbox.put(self.splitter.finish())
            self.inbox.close("done")
        except BodyTooLarge:
            self.cut_at = self.splitter.receiving
            self.inbox.close("body_too_large")
        except ClientDisconnect:
            self.inbox.close("done")  # the route stops when it next writes, or when the client's leaving is heard
        except Exception as exc:  # noqa: BLE001 - a bug: the answer ends with an internal problem, the log has it
            _log.error("request %s: internal error reading the body", getattr(self.request.state, "request_id", None), exc_info=exc)
            self.inbox.close("error")
        finally:
            self.inbox.close("done")  # cancelled: the work ends with the lines it has
            self.read.set()


class _BatchResponse(StreamingResponse):
    """A streamed answer written while the request's body is still being read.

    Starlette listens for the client leaving by reading the request's messages
    while it writes the answer; here that waits until the body has been read, so
    that the body's reader gets every byte of it.
    """

    def __init__(self, content: AsyncIterable[str], body: _Body) -> None:
        super().__init__(content, media_type=BATCH_OUTPUT_MEDIA_TYPE)
        self._body = body

    async def listen_for_disconnect(self, receive: Receive) -> None:
        await self._body.read.wait()
        await super().listen_for_disconnect(receive)


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
                "time-limit LineProblem naming the first line not answered; a body sent without Content-Length that "
                "passes the size limit ends, after the answers of the lines within the limit, with a body-too-large "
                "LineProblem naming the first line not answered.",
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

        The body is read as it arrives and each line answered as soon as it is whole; the answer is
        streamed as each VM is done. The batch takes one worker for its whole run (the concurrency
        limit counts it as one request) and stops before the time limit.
        """
        engine = service.engine(edition, backend)
        if not await acceptable_body(request, BATCH_MEDIA_TYPES):
            return Response(b"", media_type=BATCH_OUTPUT_MEDIA_TYPE)  # a blank body of another type: nothing to answer
        options = FleetOptions(lang="ja" if lang == "ja" else "en", format=fmt, explain=explain)
        limit = service.settings.time_limit
        deadline = getattr(request.state, "deadline", None)
        stop_at = (deadline if isinstance(deadline, float) else time.monotonic() + limit) - _margin(limit)
        instance = request.url.path
        request_id = getattr(request.state, "request_id", None)
        channel = LineChannel()
        body = _Body(request)

        def work() -> End:
            while True:
                record = body.inbox.take(stop_at, lambda: channel.stopped)
                if record is None:
                    end = body.inbox.end
                    return end if end is not None else ("done" if channel.stopped else "time")
                if time.monotonic() >= stop_at:
                    return "time"
                outcome = render_record(engine, record, options)
                if isinstance(outcome, RecordError):
                    text = _bad_line(outcome, instance, request_id)
                else:
                    row, text = outcome
                    service.metrics.diagnoses.labels(engine.edition.id, engine.backend, row.verdict).inc()
                if not channel.send(text, record.line):
                    return "done"

        future = service.limiter.submit(channel.run, work)  # 429 here, before anything is sent
        body.start()
        until = stop_at + _margin(limit) / 2  # the work stops itself at stop_at; this is in case it cannot
        try:
            first = await channel.receive(until)
        except BaseException:  # the time limit's cancellation, or the client gone
            channel.stop()
            body.stop()
            future.cancel()  # if it still waits for a worker, it never starts
            raise
        if not first.text and first.end in ("time", "error", "body_too_large"):
            channel.stop()
            body.stop()
            if first.end == "error":
                await asyncio.wrap_future(future)  # raises the work's exception: a 500, logged
                raise HttpProblem("internal", "an internal error occurred; the request id is in the service's log")  # the body's reader failed
            if first.end == "body_too_large":
                raise BodyTooLarge(service.settings.max_body_bytes)  # no line was whole within the limit
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
                if received.end == "body_too_large":
                    yield _cut(body.cut_at, service.settings.max_body_bytes, instance, request_id)
                elif received.end != "done":
                    yield await _stopped(received, future, (last or 0) + 1, limit, instance, request_id, service)
            finally:
                channel.stop()  # the client went away, or the answer is complete
                body.stop()

        return _BatchResponse(lines(), body)

    return router


def _bad_line(error: RecordError, instance: str, request_id: str | None) -> str:
    """A bad line's answer: the command line's problem list for it, with its line."""
    problems = [Problem(error.label, p.path, p.message, p.value, p.allowed) for p in error.problems]
    detail = error.message().splitlines()[0].rstrip(":")
    return problem_line("invalid-input", detail, instance, line=error.line, problems=problems, request_id=request_id)


def _cut(line: int, max_bytes: int, instance: str, request_id: str | None) -> str:
    """The last line of a batch whose body passed the size limit: every line within it was answered."""
    return problem_line(
        "body-too-large",
        f"the request body is larger than the limit of {max_bytes} bytes: line {line} and the lines after it were not "
        "answered; send them in another batch",
        instance, line=line, request_id=request_id,
    )


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
