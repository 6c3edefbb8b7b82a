"""Running batches on several cores with ordered results and bounded memory.

:func:`ordered_map` sends batches to a pool of worker processes (started once,
each building its engine once) and yields the results in input order. At most
``window`` batches are in flight or waiting to be written, so memory stays
constant however long the input is, and the input is read only as fast as the
workers diagnose it. A single batch, or ``jobs=1``, runs in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain
from typing import TypeVar

__all__ = ["available_cores", "ordered_map"]

A = TypeVar("A")
B = TypeVar("B")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _ignore_interrupt() -> None:
    # Ctrl-C reaches every process of the terminal's group: the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def ordered_map(fn: Callable[[A], B], items: Iterable[A], *, jobs: int, window: int | None = None) -> Iterator[B]:
    """``map(fn, items)`` on ``jobs`` worker processes, results in input order, at most ``window`` batches pending.

    ``fn`` and the items must be picklable (``fn`` a module-level function or a
    :func:`functools.partial` of one). Workers are forked where the system can
    (they then inherit what the caller has built, such as a compiled engine), so
    call this before starting threads. An exception in ``fn`` is raised here, in order.
    """
    iterator = iter(items)
    head = list(_take(iterator, 2))
    if jobs <= 1 or len(head) < 2:
        yield from map(fn, chain(head, iterator))
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    limit = window if window is not None else 2 * jobs + 1
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_ignore_interrupt)
    pending: deque[Future[B]] = deque()
    try:
        for item in chain(head, iterator):
            pending.append(pool.submit(fn, item))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _take(iterator: Iterator[A], count: int) -> Iterator[A]:
    for _ in range(count):
        try:
            yield next(iterator)
        except StopIteration:
            return
