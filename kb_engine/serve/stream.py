"""A streamed answer: lines made on a worker thread, handed to the event loop in order, in bounded memory.

The work of a streamed answer runs on one of the service's workers (so the
concurrency limit holds) and sends each line through a :class:`LineChannel`;
the route reads what has arrived and writes it to the client. At most
``capacity`` lines wait to be written: a slow client slows the work down
instead of filling the memory. Either side can stop the other: the route
when the client is gone or time is up, the work when it is done.

A streamed request goes the other way through an :class:`Inbox`: the event
loop puts in what it reads of the body, the work takes it out. Putting never
waits, so that the body is read even while the client does not read the
answer (most clients send the whole body before they read): what waits there
is bounded by the body's size limit, not by the channel.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

__all__ = ["End", "Inbox", "LineChannel", "Received"]

End = Literal["done", "time", "error", "body_too_large"]
"""How the work ended: every line sent, stopped by the time limit, an exception (kept in its future), or
the request body passed the size limit."""

T = TypeVar("T")

_POLL = 0.05
"""Seconds a worker waiting for room checks whether it should stop."""


@dataclass(frozen=True)
class Received:
    """What the route got in one read: the lines sent since the last read, joined, and how the work ended.

    Attributes:
        text: the lines, in order.
        last_line: the body's line number of the last of them (None when there was none).
        end: None while the work goes on.
    """

    text: str
    last_line: int | None
    end: End | None


class LineChannel:
    """Lines from one worker thread to the event loop that created the channel."""

    def __init__(self, capacity: int = 256) -> None:
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._items: deque[tuple[str, int | None]] = deque()
        self._room = threading.Semaphore(capacity)
        self._wake = asyncio.Event()
        self._end: End | None = None
        self._stopped = False

    # The worker's side.

    @property
    def stopped(self) -> bool:
        """Whether the route stopped reading: the work should end."""
        return self._stopped

    def send(self, text: str, line: int | None) -> bool:
        """Send one line (waiting while ``capacity`` lines are unread); False when the route has stopped."""
        while not self._room.acquire(timeout=_POLL):
            if self._stopped:
                return False
        with self._lock:
            if self._stopped:
                return False
            self._items.append((text, line))
        self._notify()
        return True

    def run(self, work: Callable[[], End]) -> End:
        """Run the work (on the worker thread) and tell the route how it ended, whatever happens."""
        end: End = "error"
        try:
            end = work()
            return end
        finally:
            with self._lock:
                self._end = end
            self._notify()

    def _notify(self) -> None:
        try:
            self._loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the event loop is closed: nobody will read
            self._stopped = True

    # The route's side.

    def stop(self) -> None:
        """Stop reading: a worker waiting to send gives up, and further lines are dropped."""
        with self._lock:
            self._stopped = True
            self._items.clear()

    async def receive(self, until: float) -> Received:
        """The lines sent so far (at least one, or the end), waiting until the monotonic time ``until`` at most.

        At ``until`` the channel stops and the answer ends with ``time``, after the lines
        already sent.
        """
        while True:
            self._wake.clear()
            with self._lock:
                if self._items or self._end is not None:
                    return self._take(self._end)
            remaining = until - time.monotonic()
            if remaining <= 0:
                with self._lock:
                    received = self._take(self._end if self._end is not None else "time")
                    self._stopped = True
                return received
            try:
                await asyncio.wait_for(self._wake.wait(), remaining)
            except TimeoutError:
                pass

    def _take(self, end: End | None) -> Received:
        """Everything waiting (the lock held)."""
        items = list(self._items)
        self._items.clear()
        for _ in items:
            self._room.release()
        return Received("".join(text for text, _ in items), items[-1][1] if items else None, end)


class Inbox(Generic[T]):
    """Items from the event loop to one worker thread, in order, then how their stream ended."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._items: deque[T] = deque()
        self._end: End | None = None

    # The event loop's side: never waits.

    def put(self, items: list[T]) -> None:
        """Add items (none after the end)."""
        if items:
            with self._ready:
                if self._end is None:
                    self._items.extend(items)
                    self._ready.notify()

    def close(self, end: End) -> None:
        """No more items: ``done`` (all were put), or why the rest will never come (the first reason stays)."""
        with self._ready:
            if self._end is None:
                self._end = end
            self._ready.notify()

    # The worker's side.

    def take(self, until: float, stopped: Callable[[], bool]) -> T | None:
        """The next item, waiting for it until the monotonic time ``until`` at most, or while ``stopped()`` is false.

        None when there is none to come (see :attr:`end`), time is up, or ``stopped()``.
        """
        with self._ready:
            while not self._items:
                remaining = until - time.monotonic()
                if self._end is not None or remaining <= 0 or stopped():
                    return None
                self._ready.wait(min(remaining, _POLL))
            return self._items.popleft()

    @property
    def end(self) -> End | None:
        """How the stream of items ended (None while it goes on)."""
        with self._ready:
            return self._end
