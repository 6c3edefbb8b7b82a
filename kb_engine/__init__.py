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

    print(kb_engine.to_markdown(report))       # or to_text, explain_tree

``__all__`` lists everything the package exports. Names are imported on first
use, so ``import kb_engine`` stays light.
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
    "diagnose": "diagnosis",
    "Engine": "diagnosis",
    "Report": "report.model",
    "report_json": "report.model",
    "Facts": "knowledge.vocabulary",
    "fact_catalog": "knowledge.vocabulary",
    "load_facts": "facts.load",
    "KnowledgeBase": "knowledge.model",
    "Edition": "knowledge.model",
    "load_kb": "knowledge.load",
    "default_kb": "knowledge.load",
    "evaluate_edition": "engine.evaluate",
    "KbEngineError": "errors",
    "InputError": "errors",
    "UnknownEditionError": "errors",
    "UnknownErrorCodeError": "errors",
    "KnowledgeBaseError": "errors",
    "ToolMissingError": "errors",
    "ToolFailedError": "errors",
    "StreamError": "errors",
    "Problem": "errors",
    "cause_graph": "diagrams.graph",
    "next_step": "consult.session",
    "Question": "consult.session",
    "parse_answer": "consult.answers",
    "set_fact": "facts.documents",
    "FactValue": "knowledge.vocabulary",
    "to_text": "report.render",
    "to_markdown": "report.render",
    "explain_tree": "report.render",
    "FleetRow": "fleet",
    "FleetSummary": "fleet",
    "Record": "fleet",
    "RecordError": "fleet",
    "read_records": "fleet",
    "diagnose_record": "fleet",
    "diagnose_lines": "fleet",
}

__all__ = [
    "Edition",
    "Engine",
    "FactValue",
    "Facts",
    "FleetRow",
    "FleetSummary",
    "InputError",
    "KbEngineError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Problem",
    "Question",
    "Record",
    "RecordError",
    "Report",
    "StreamError",
    "ToolFailedError",
    "ToolMissingError",
    "UnknownEditionError",
    "UnknownErrorCodeError",
    "__version__",
    "cause_graph",
    "default_kb",
    "diagnose",
    "diagnose_lines",
    "diagnose_record",
    "evaluate_edition",
    "explain_tree",
    "fact_catalog",
    "load_facts",
    "load_kb",
    "next_step",
    "parse_answer",
    "read_records",
    "report_json",
    "set_fact",
    "to_markdown",
    "to_text",
]

if TYPE_CHECKING:
    from .consult.answers import parse_answer
    from .consult.session import Question, next_step
    from .diagnosis import Engine, diagnose
    from .diagrams.graph import cause_graph
    from .engine.evaluate import evaluate_edition
    from .errors import (
        InputError,
        KbEngineError,
        KnowledgeBaseError,
        Problem,
        StreamError,
        ToolFailedError,
        ToolMissingError,
        UnknownEditionError,
        UnknownErrorCodeError,
    )
    from .facts.documents import set_fact
    from .fleet import FleetRow, FleetSummary, Record, RecordError, diagnose_lines, diagnose_record, read_records
    from .facts.load import load_facts
    from .knowledge.load import default_kb, load_kb
    from .knowledge.model import Edition, KnowledgeBase
    from .knowledge.vocabulary import Facts, FactValue, fact_catalog
    from .report.model import Report, report_json
    from .report.render import explain_tree, to_markdown, to_text


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kb_engine' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
