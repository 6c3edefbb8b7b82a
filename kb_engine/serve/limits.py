"""What keeps the service standing: body size, time and concurrency limits.

* :class:`BodyLimit` refuses a body larger than the limit with 413, from its
  ``Content-Length`` before anything is read, or else when the bytes read pass
  it: the bytes up to the limit are passed on, and reading further raises
  :class:`BodyTooLarge` (a route that reads the body as it comes, the batch,
  has answered what came before).
* :class:`TimeLimit` answers 503 when a request is not answered within the
  time limit (counted from its first byte, so a slow upload counts too). It
  puts the moment into the request's state (``deadline``): a streamed answer,
  whose status is sent before its end, stops itself before then and says so.
* :class:`WorkLimiter` runs the work of requests (diagnoses, consultations,
  diagrams) on a fixed number of threads; a bounded number of requests wait in
  line for one, and any more are refused at once with 429. A request that runs
  out of time keeps its thread until its work ends, so the limit always holds.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import HttpProblem, problem_response

__all__ = ["BodyLimit", "BodyTooLarge", "TimeLimit", "WorkLimiter"]

T = TypeVar("T")

RETRY_AFTER = "1"
"""Seconds a refused client is told to wait (Retry-After) before it tries again."""


class BodyTooLarge(HttpProblem):
    """The request body passed the size limit while it was read."""

    def __init__(self, limit: int) -> None:
        super().__init__("body-too-large", f"the request body is larger than the limit of {limit} bytes")


def _request_id(scope: Scope) -> str | None:
    state = scope.get("state") or {}
    value = state.get("request_id")
    return value if isinstance(value, str) else None


class BodyLimit:
    """ASGI middleware: request bodies of at most ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int, on_reject: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            if self.on_reject is not None:
                self.on_reject("body_too_large")
            error = BodyTooLarge(self.max_bytes)
            response = problem_response(error.kind, error.detail, scope["path"], request_id=_request_id(scope), headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        seen = 0
        refused = False

        async def limited() -> Message:
            nonlocal seen, refused
            if seen > self.max_bytes and not refused:  # the bytes up to the limit were passed on
                refused = True
                if self.on_reject is not None:
                    self.on_reject("body_too_large")
                raise BodyTooLarge(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                seen += len(body)
                if refused:  # once refused, the rest is dropped (the client leaving is still heard)
                    return {**message, "body": b""}
                if seen > self.max_bytes:
                    return {**message, "body": body[: len(body) - (seen - self.max_bytes)], "more_body": True}
            return message

        await self.app(scope, limited, send)


class TimeLimit:
    """ASGI middleware: an answer within ``seconds``, or 503 (when nothing was sent yet)."""

    def __init__(self, app: ASGIApp, seconds: float, on_reject: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.seconds = seconds
        self.on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        # When the answer must be complete, for a streamed answer to end itself in time (monotonic clock).
        scope.setdefault("state", {})["deadline"] = time.monotonic() + self.seconds

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.seconds) as deadline:
                await self.app(scope, receive, watched)
        except TimeoutError:
            if not deadline.expired():
                raise
            if self.on_reject is not None:
                self.on_reject("time_limit")
            if started:
                return  # a streamed answer already begun ends here; its last line says why (see batch)
            response = problem_response(
                "time-limit",
                f"the request was not answered within the time limit of {self.seconds:g} s",
                scope["path"],
                request_id=_request_id(scope),
                headers={"Retry-After": RETRY_AFTER},
            )
            await response(scope, receive, send)


class WorkLimiter:
    """A fixed number of worker threads, a bounded line of waiting requests, 429 beyond it.

    Args:
        workers: work items run at once.
        queue: work items that may wait for a worker.
        on_reject: called with ``"busy"`` for each refused request (metrics).
    """

    def __init__(self, workers: int, queue: int, on_reject: Callable[[str], None] | None = None) -> None:
        self.workers = workers
        self.queue = queue
        self.on_reject = on_reject
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._admitted = 0

    def start(self) -> None:
        """Open the workers (the application's start-up)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="kb-engine-serve")

    @property
    def running(self) -> bool:
        """Whether the workers are open."""
        with self._lock:
            return self._pool is not None

    @property
    def admitted(self) -> int:
        """Work items running or waiting now."""
        with self._lock:
            return self._admitted

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self._admitted -= 1

    def submit(self, func: Callable[..., T], *args: Any) -> Future[T]:
        """Start ``func(*args)`` on a worker thread (or put it in the line), without waiting for it.

        A streamed answer takes its worker this way, for as long as its work runs.

        Raises:
            HttpProblem: ``busy`` (429) when every worker is taken and the line is full;
                ``not-ready`` (503) before start-up or after shut-down.
        """
        with self._lock:
            pool = self._pool
            busy = pool is not None and self._admitted >= self.workers + self.queue
            if pool is not None and not busy:
                self._admitted += 1
                future = pool.submit(func, *args)
        if pool is None:
            raise HttpProblem("not-ready", "the service is starting or stopping", headers={"Retry-After": RETRY_AFTER})
        if busy:
            if self.on_reject is not None:
                self.on_reject("busy")
            raise HttpProblem(
                "busy",
                f"all {self.workers} workers are busy and {self.queue} requests are waiting; try again shortly",
                headers={"Retry-After": RETRY_AFTER},
            )
        future.add_done_callback(self._release)
        return future

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` on a worker thread and return its result.

        Raises:
            HttpProblem: ``busy`` (429) when every worker is taken and the line is full;
                ``not-ready`` (503) before start-up or after shut-down.
            Exception: whatever ``func`` raises.
        """
        future = self.submit(func, *args)
        waiter: Awaitable[T] = asyncio.wrap_future(future)
        try:
            return await asyncio.shield(waiter)
        except asyncio.CancelledError:
            future.cancel()  # still waiting for a worker: it never starts (a running one finishes and is dropped)
            raise

    def shutdown(self) -> None:
        """Let running work finish, drop what waits (the application's shut-down)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
