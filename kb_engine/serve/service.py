"""What the service shares between requests: the knowledge base, the engines, the limits, the metrics.

Engines are built once, at start-up, for every edition and both backends, and
then shared by every request: an :class:`~kb_engine.diagnosis.Engine` is safe
to use from several threads at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Literal, get_args

from kb_engine.diagnosis import Engine, diagnose
from kb_engine.engine.reasoner import Backend
from kb_engine.errors import InputError, Problem
from kb_engine.knowledge.load import default_kb, load_kb
from kb_engine.knowledge.model import Edition, KnowledgeBase
from kb_engine.knowledge.questions import QuestionBank, questions_for

from .limits import WorkLimiter
from .metrics import Metrics
from .problems import HttpProblem
from .settings import ServeSettings

__all__ = ["BACKENDS", "LANGS", "Lang", "Service"]

Lang = Literal["en", "ja"]
LANGS: tuple[str, ...] = get_args(Lang)
BACKENDS: tuple[str, ...] = get_args(Backend)


class Service:
    """The shared state of one application.

    Raises:
        KnowledgeBaseError: ``settings.kb_path`` (or its questions) does not load.
    """

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.kb: KnowledgeBase = default_kb() if settings.kb_path is None else load_kb(settings.kb_path)
        self.metrics = Metrics()
        self.limiter = WorkLimiter(settings.workers, settings.queue, self.metrics.reject)
        self._engines: dict[tuple[str, str], Engine] = {}
        self.questions: QuestionBank = questions_for(self.kb)
        self._cache: dict[tuple[str, ...], bytes | str] = {}
        self._cache_lock = threading.Lock()

    def start(self) -> None:
        """Build every engine and run each once, so that the first request is not slow."""
        engines = {(ed.id, backend): Engine(ed.id, kb=self.kb, backend=backend) for ed in self.kb.editions for backend in BACKENDS}  # type: ignore[arg-type]
        # A request that names no edition gets the newest, and its report says it was the default.
        engines.update({("", backend): Engine(None, kb=self.kb, backend=backend) for backend in BACKENDS})  # type: ignore[arg-type]
        for engine in engines.values():
            engine.diagnose({})
        for ed in self.kb.editions:
            diagnose({}, ed.id, kb=self.kb)  # the consultation's own engine, shared by every consultation
        self._engines = engines
        self.limiter.start()

    def stop(self) -> None:
        """Finish the work under way; drop what waits."""
        self.limiter.shutdown()

    @property
    def ready(self) -> bool:
        """Whether the engines are built and the workers open."""
        return bool(self._engines) and self.limiter.running

    def edition(self, name: str | None) -> Edition:
        """An edition named in a query parameter (the newest when None).

        Raises:
            InputError: no such edition (the editions are listed).
        """
        if name is None:
            return self.kb.default
        for edition in self.kb.editions:
            if edition.id == name:
                return edition
        raise InputError(
            [Problem("query", "edition", "unknown edition", repr(name), ", ".join(self.kb.edition_ids))],
            summary=f"unknown edition {name!r}",
        )

    def engine(self, edition: str | None, backend: str | None) -> Engine:
        """The shared engine of an edition and backend.

        Raises:
            InputError: unknown edition or backend.
            HttpProblem: not ready yet.
        """
        ed = self.edition(edition)
        chosen = self.settings.backend if backend is None else backend  # an empty backend= is invalid, not the default
        if chosen not in BACKENDS:
            raise InputError([Problem("query", "backend", "unknown backend", repr(chosen), ", ".join(BACKENDS))])
        engine = self._engines.get(("" if edition is None else ed.id, chosen))
        if engine is None:
            raise HttpProblem("not-ready", "the service is still starting")
        return engine

    def cached(self, key: tuple[str, ...], make: Callable[[], bytes | str]) -> bytes | str:
        """A value made once per key (diagrams: the same knowledge base always draws the same tree)."""
        with self._cache_lock:
            found = self._cache.get(key)
        if found is None:
            found = make()
            with self._cache_lock:
                self._cache[key] = found
        return found
