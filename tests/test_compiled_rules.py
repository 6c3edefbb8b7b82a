"""The direct backend's compiled rules: plain Python generated from the validated model, never from pasted text.

What they conclude is held to experta and to the plan run step by step in ``test_engine.py``; here: the generated
source is made only of generated names, the helpers it is given and constants, whatever text the knowledge files hold.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents
from hypothesis import HealthCheck, given, settings

import kb_engine
from kb_engine.diagnosis import Engine
from kb_engine.engine.codegen import literal
from kb_engine.engine.plan import run_plan
from kb_engine.facts.load import validate_facts
from kb_engine.knowledge.load import default_kb, load_kb
from kb_engine.report.summary import summarize

EDITIONS = default_kb().edition_ids
_GENERATED_NAME = re.compile(r"^(f|v|s|c|p|n)\d+$|^_item\d+$|^_needs\d+$|^_RANKS\d+$")
_GIVEN_NAMES = {
    "facts", "observed", "item", "value", "result", "truths", "statuses", "expected", "remedies", "escalate",
    "verdict", "cid", "yes", "evaluate", "_NOTHING", "_DECIDING", "_WorkingMemory", "_or3", "_switch", "_version",
    "float", "frozenset", "map", "str", "tuple", "KeyError",
    "summarize", "confirmed", "codes", "ranked", "rank", "index", "order", "unknown", "needs", "items", "out",
    "_ORDER", "_getter", "_chain", "_fromkeys", "bool", "sorted",
}  # fmt: skip


def unexpected_code(source: str) -> list[str]:
    """Everything in the source that is not a generated name, a given helper, a constant or plain control flow."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and not (_GENERATED_NAME.match(node.id) or node.id in _GIVEN_NAMES):
            found.append(f"name {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr != "get":
            found.append(f"attribute .{node.attr}")
        elif isinstance(node, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal | ast.Lambda | ast.ClassDef):
            found.append(type(node).__name__)
        elif isinstance(node, ast.FunctionDef) and not (node.name in ("evaluate", "summarize") or _GENERATED_NAME.match(node.name)):
            found.append(f"function {node.name}")
    return found


def constants(source: str) -> set[object]:
    return {node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant)}


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_generated_source_is_only_generated_names_helpers_and_constants(edition: str) -> None:
    """Each shipped edition's compiled rules use no name, attribute, import or function beyond the generated ones."""
    source = Engine(edition, backend="direct").compiled_source
    assert "def evaluate(facts, observed):" in source and "def summarize(facts, observed):" in source
    assert unexpected_code(source) == []


def test_text_from_the_knowledge_files_stays_a_string_constant(tmp_path: Path, monkeypatch: Any) -> None:
    """A compared value written like code is a string in the compiled rules, compared as text, and never runs."""
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "ran"
    hostile = "x'); open('ran', 'w') ;\n\"\"\" \\'"  # no "#": the agent would read only what comes before it
    kb_dir = tmp_path / "kb"
    shutil.copytree(Path(kb_engine.__file__).parent / "knowledge" / "data", kb_dir)
    findings = kb_dir / "findings.yaml"
    text = findings.read_text(encoding="utf-8")
    old = "when: {fact: vm.os, eq: windows}"
    new = "when: {any: [{fact: vm.os, eq: windows}, {fact: agent.waagent_conf.provisioning_agent, eq: " + json.dumps(hostile) + "}]}"
    assert text.count(old) == 1
    findings.write_text(text.replace(old, new), encoding="utf-8")
    engine = Engine(kb=load_kb(kb_dir), backend="direct")
    source = engine.compiled_source
    assert hostile in constants(source)
    assert unexpected_code(source) == []
    facts = validate_facts({"vm": {"os": "linux"}, "agent": {"waagent_conf": {"Provisioning.Agent": hostile}}}, "x")
    memory = engine.run(facts)
    assert memory.truths["finding:os_windows"][0] is True
    assert memory == run_plan(engine.rules.plan, facts.flat())
    assert not marker.exists()


def test_only_plain_values_are_written_into_the_source() -> None:
    """literal() writes str, int, float, bool, None and tuples of them as repr(); any other object is refused."""
    value = ("a'b\n\"\"\"", 1, 2.5, True, None, ("nested",))
    assert ast.literal_eval(literal(value)) == value
    for value in (object(), ["list"], {"a": 1}, float("nan"), b"bytes"):
        with pytest.raises(TypeError):
            literal(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_the_compiled_rules_derive_what_the_plan_derives_step_by_step(doc: dict[str, Any]) -> None:
    """For generated VMs, in both editions, the compiled rules give the same working memory as the plan run step by
    step: every truth with its rule and premises, statuses, expected codes, remedy ranks, escalation and verdict."""
    facts = validate_facts(doc, "<generated>")
    for edition in EDITIONS:
        engine = _engine(edition)
        observed = engine.observed_entry(facts)
        want = run_plan(engine.rules.plan, facts.flat(), None if observed is None else observed.id)
        assert engine.run(facts, observed) == want


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_the_compiled_summary_says_what_the_summary_of_the_working_memory_says(doc: dict[str, Any]) -> None:
    """For generated VMs, in both editions: the compiled summary (fleet rows) gives the verdict, confirmed causes,
    expected codes, order of remedies, escalation and unknown facts that reading the working memory gives."""
    facts = validate_facts(doc, "<generated>")
    for edition in EDITIONS:
        engine = _engine(edition)
        observed = engine.observed_entry(facts)
        flat = facts.flat()
        want = summarize(engine, facts.name, flat, observed, engine.run_flat(flat, observed))
        assert engine.summarize(facts) == want


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_the_compiled_summary_lists_unknown_facts_in_the_report_order_whatever_error_is_observed(doc: dict[str, Any]) -> None:
    """For generated VMs, in both editions, with each error of the edition observed and with none (each puts the
    causes in another order): the compiled summary gives the unknown facts, and all else, as reading the working
    memory does, in the same order."""
    facts = validate_facts(doc, "<generated>")
    flat = facts.flat()
    for edition in EDITIONS:
        engine = _engine(edition)
        compiled = engine.compiled_summary()
        for entry in (None, *engine.edition.codes):
            want = summarize(engine, facts.name, flat, entry, engine.run_flat(flat, entry))
            got = compiled(flat, None if entry is None else entry.id)
            assert got == (want.verdict, want.confirmed, want.expected_codes, want.remedies, want.escalate, want.unknown), entry


_ENGINES: dict[str, Engine] = {}


def _engine(edition: str) -> Engine:
    if edition not in _ENGINES:
        _ENGINES[edition] = Engine(edition, backend="direct")
    return _ENGINES[edition]
