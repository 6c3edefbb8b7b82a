"""Properties of every report, over generated VMs, in both languages and with both backends.

* A Windows VM's report never shows a Linux path or command, and a Linux VM's never a Windows one.
* Every undetermined cause names at least one fact that would decide it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents
from hypothesis import HealthCheck, given, settings

from kb_engine.diagnosis import Engine
from kb_engine.engine.reasoner import Backend
from kb_engine.knowledge.load import default_kb
from kb_engine.report.model import Report
from kb_engine.report.render import to_markdown, to_text

EDITIONS = default_kb().edition_ids
BACKENDS: tuple[Backend, ...] = ("experta", "direct")
LANGS = ("en", "ja")

# What only concerns one OS: its paths, its commands, its tools (restated here, not read from the knowledge base).
LINUX_ONLY = ("/var/", "/etc/", "waagent", "walinuxagent", "systemctl", "ps -e")
WINDOWS_ONLY = ("services.msc", "Programs and Features", "プログラムと機能", "Windows Azure Guest Agent", ".NET", "MSI", "HKLM", "C:\\")
FOREIGN = {"windows": LINUX_ONLY, "linux": WINDOWS_ONLY}
_ENGINES: dict[tuple[str, str], Engine] = {}


def engine(edition: str, backend: Backend) -> Engine:
    if (edition, backend) not in _ENGINES:
        _ENGINES[edition, backend] = Engine(edition, backend=backend)
    return _ENGINES[edition, backend]


def on_os(doc: dict[str, Any], os_name: str) -> dict[str, Any]:
    """The document made a VM of that OS, without what the facts model refuses on it."""
    doc = copy.deepcopy(doc)
    vm = doc.setdefault("vm", {})
    vm["os"] = os_name
    agent = doc.get("agent") or {}
    if os_name == "windows":
        vm.pop("distro", None)
        agent.pop("waagent_conf", None)
    else:
        agent.pop("dotnet_version", None)
    return doc


def what_a_reader_sees(report: Report) -> list[str]:
    """The report as text and Markdown, and the JSON report's words (its derivations are the rules' own notation)."""
    data = report.model_dump(mode="json")
    for cause in data["causes"]:
        cause.pop("derivation", None)
    if data.get("observed"):
        for cause in data["observed"]["causes"]:
            cause.pop("derivation", None)
    for finding in data["findings"]:
        finding.pop("derivation", None)
    words: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            words.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(data)
    return [to_text(report), to_markdown(report), *words]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("os_name", ["windows", "linux"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_a_report_never_shows_another_operating_systems_paths_or_commands(
    doc: dict[str, Any], os_name: str, edition: str, backend: Backend
) -> None:
    """A Windows VM's report has no Linux path or command, a Linux VM's no Windows tool, in English and Japanese."""
    facts = on_os(doc, os_name)
    for lang in LANGS:
        report = engine(edition, backend).diagnose(facts, lang=lang)
        for text in what_a_reader_sees(report):
            found = [marker for marker in FOREIGN[os_name] if marker in text]
            assert not found, f"{os_name} report in {lang} shows {found}: {text[:300]}"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("edition", EDITIONS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_every_undetermined_cause_names_a_fact_that_would_decide_it(doc: dict[str, Any], edition: str, backend: Backend) -> None:
    """An undetermined cause always says which facts would decide it, and so does its reason."""
    report = engine(edition, backend).diagnose(doc)
    for cause in report.causes:
        if cause.status == "undetermined":
            assert cause.needs, f"{cause.id} is undetermined and names no deciding fact"
            assert all(name in cause.reason for name in cause.needs)
