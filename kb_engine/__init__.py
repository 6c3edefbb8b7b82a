"""kb_engine: diagnose Azure VM backup failures caused by the VM agent or the backup extension.

The public API, for programs that embed the reasoning::

    import kb_engine

    report = kb_engine.diagnose({"vm": {"os": "linux"}, "agent": {"status": "not_ready"}})
    print(kb_engine.report_json(report))

    engine = kb_engine.Engine("2019-12")        # build once, reuse for many VMs (thread-safe)
    report = engine.diagnose("facts/linux-agent-outdated.yaml", lang="ja")

    step = kb_engine.next_step("BackUpOperationFailed", {"vm": {"os": "linux"}})
    # a Question (ask step.text, parse the reply with parse_answer, add it with set_fact,
    # call next_step again) or, once decided, the Report

Names are imported on first use, so ``import kb_engine`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("kb-engine")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

_EXPORTS = {
    "diagnose": "engine",
    "Engine": "engine",
    "Report": "report",
    "report_json": "report",
    "Facts": "facts",
    "fact_catalog": "facts",
    "load_facts": "facts_input",
    "KnowledgeBase": "knowledge",
    "Edition": "knowledge",
    "load_kb": "knowledge",
    "default_kb": "knowledge",
    "evaluate_edition": "evaluate",
    "KbEngineError": "errors",
    "InputError": "errors",
    "UnknownEditionError": "errors",
    "UnknownErrorCodeError": "errors",
    "KnowledgeBaseError": "errors",
    "ToolMissingError": "errors",
    "ToolFailedError": "errors",
    "Problem": "errors",
    "cause_graph": "graph",
    "next_step": "consult",
    "Question": "consult",
    "parse_answer": "consult",
    "set_fact": "consult",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:
    from .consult import Question, next_step, parse_answer, set_fact
    from .engine import Engine, diagnose
    from .errors import (
        InputError,
        KbEngineError,
        KnowledgeBaseError,
        Problem,
        ToolFailedError,
        ToolMissingError,
        UnknownEditionError,
        UnknownErrorCodeError,
    )
    from .evaluate import evaluate_edition
    from .facts import Facts, fact_catalog
    from .facts_input import load_facts
    from .graph import cause_graph
    from .knowledge import Edition, KnowledgeBase, default_kb, load_kb
    from .report import Report, report_json


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kb_engine' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
