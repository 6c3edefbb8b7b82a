"""The one door through which kb_engine imports experta.

experta 1.9.4 (its only release) pins frozendict 1.2, whose module body
subclasses ``collections.Mapping``; that alias was removed in Python 3.10, so
a plain ``import experta`` fails (upstream experta issue #34). experta also
calls ``logging.basicConfig()`` when imported, which would add a handler to
the host program's root logger.

This module imports experta once with both effects contained: the alias
exists only while frozendict's module body runs, and the root logger's
handlers and level are put back as they were. The host's standard library is
left exactly as it was found.
"""

from __future__ import annotations

import collections
import collections.abc
import logging
import sys

__all__ = ["AND", "AS", "MATCH", "NOT", "Fact", "KnowledgeEngine", "Rule", "Strategy", "W"]


def _import_experta() -> None:
    root = logging.getLogger()
    saved_handlers = list(root.handlers)
    saved_level = root.level
    added_alias = "Mapping" not in vars(collections) and "frozendict" not in sys.modules
    if added_alias:
        setattr(collections, "Mapping", collections.abc.Mapping)
    try:
        import experta  # noqa: F401  (imported for its side effect on sys.modules)
    finally:
        if added_alias:
            delattr(collections, "Mapping")
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


_import_experta()

from experta import AND, AS, MATCH, NOT, Fact, KnowledgeEngine, Rule, W  # noqa: E402
from experta.abstract import Strategy  # noqa: E402
