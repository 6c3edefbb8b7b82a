"""The Python API a program embeds: what kb_engine exports and how it behaves."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

import kb_engine


def test_every_exported_name_resolves() -> None:
    """Every name in kb_engine.__all__ is importable from the package."""
    for name in kb_engine.__all__:
        assert getattr(kb_engine, name) is not None


def test_nothing_else_is_exported_by_accident() -> None:
    """dir(kb_engine) lists exactly the public API, and unknown names raise AttributeError."""
    assert sorted(dir(kb_engine)) == sorted(kb_engine.__all__)
    try:
        kb_engine.compile_edition  # type: ignore[attr-defined]  # an internal name
    except AttributeError:
        pass
    else:  # pragma: no cover - the assertion below explains
        raise AssertionError("an internal name leaked into the public API")


def test_importing_the_package_does_not_load_the_rule_engine() -> None:
    """import kb_engine stays light: experta, networkx and graphviz load only when used."""
    code = "import kb_engine, sys; print(sorted(m for m in ('experta', 'networkx', 'graphviz') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_diagnose_accepts_a_dict_and_returns_a_typed_report() -> None:
    """kb_engine.diagnose takes a dict and returns a Report naming its edition and knowledge-base version."""
    report = kb_engine.diagnose({"vm": {"os": "linux"}, "network": {"azure_outbound": False}}, edition="2019-07")
    assert isinstance(report, kb_engine.Report)
    assert report.edition == "2019-07"
    assert report.kb_version == kb_engine.default_kb().kb_version
    assert [c.id for c in report.causes if c.status == "confirmed"] == ["no_internet_access"]


def test_the_direct_backend_gives_the_same_report_as_forward_chaining() -> None:
    """A program that picks the direct backend for throughput gets the report the experta engine gives."""
    doc = {
        "vm": {"os": "linux", "distro": "ubuntu", "power_state": "running"},
        "agent": {"status": "not_ready"},
        "backup": {"policy_type": "standard"},
        "observed_error": "UserErrorGuestAgentStatusUnavailable",
    }
    direct = kb_engine.diagnose(doc, lang="ja", backend="direct")
    assert kb_engine.report_json(direct) == kb_engine.report_json(kb_engine.diagnose(doc, lang="ja"))
    assert "sudo systemctl restart walinuxagent" in kb_engine.report_json(direct)
    assert kb_engine.Engine(backend="direct").backend == "direct"


def test_engine_is_reused_and_safe_across_threads() -> None:
    """One Engine serves many threads; each gets the same answer as a serial run."""
    engine = kb_engine.Engine()
    vms = [{"vm": {"os": "linux"}, "backup": {"backups_per_day": n}} for n in range(8)]
    serial = [kb_engine.report_json(engine.diagnose(vm)) for vm in vms]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        for _ in range(5):
            results[i] = kb_engine.report_json(engine.diagnose(vms[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(vms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(vms))] == serial


def test_remedy_steps_that_depend_on_findings_render() -> None:
    """A job still running in the old vault shows the old-vault step; a job in progress here shows the cancel step."""
    old_vault = kb_engine.diagnose({"backup": {"old_vault_job_running": True, "job_in_progress": False}})
    here = kb_engine.diagnose({"backup": {"job_in_progress": True, "old_vault_job_running": False}})
    old_steps = " ".join(s.text for s in old_vault.remedies[0].steps)
    here_steps = " ".join(s.text for s in here.remedies[0].steps)
    assert "old vault" in old_steps and "wait for it to finish" not in old_steps
    assert "wait for it to finish" in here_steps and "old vault" not in here_steps


def test_a_program_drives_a_consultation_with_the_exported_api() -> None:
    """A chat bot's loop: next_step asks, parse_answer reads the reply, set_fact records it, until a report."""
    replies = {"agent.status": "Not Ready", "agent.version": "2.2.9", "agent.latest_version": "2.2.10"}
    doc: dict[str, object] = {"vm": {"os": "linux", "distro": "ubuntu"}}
    asked: list[str] = []
    step = kb_engine.next_step("GuestAgentSnapshotTaskStatusError", doc, edition="2019-12")
    while isinstance(step, kb_engine.Question):
        asked.append(step.fact)
        value = kb_engine.parse_answer(step.fact, replies.get(step.fact, "unknown-reply"))
        doc = kb_engine.set_fact(doc, step.fact, value)
        step = kb_engine.next_step("GuestAgentSnapshotTaskStatusError", doc, edition="2019-12")
    assert isinstance(step, kb_engine.Report)
    assert asked[0] == "agent.status" and len(asked) == len(set(asked))
    assert [c.id for c in step.causes if c.status == "confirmed"] == ["agent_outdated_linux"]


@pytest.mark.parametrize("as_path", [True, False])
def test_an_unknown_code_in_a_file_names_the_file_given_as_str_or_path(tmp_path: Path, as_path: bool) -> None:
    """The error names the file whether it was given as a str or a pathlib.Path, and suggests the right code."""
    path = tmp_path / "vm.yaml"
    path.write_text("observed_error: UserErrorGuestAgentStatusUnavailabel\n", encoding="utf-8")
    with pytest.raises(kb_engine.UnknownErrorCodeError) as info:
        kb_engine.diagnose(path if as_path else str(path))
    assert [p.source for p in info.value.problems] == [str(path)]
    assert "UserErrorGuestAgentStatusUnavailable" in str(info.value)


def test_every_lazily_imported_name_is_listed_in_all() -> None:
    """A name the package resolves on first use is also in the literal __all__ type checkers read."""
    assert set(kb_engine._EXPORTS) | {"__version__"} == set(kb_engine.__all__)


def test_objects_an_embedder_prints_have_short_reprs() -> None:
    """Engines, editions, the knowledge base and reports print as one informative line, not kilobytes."""
    engine = kb_engine.Engine("2019-12", backend="direct")
    report = engine.diagnose({"name": "vm1", "vm": {"os": "linux"}, "network": {"azure_outbound": False}})
    kb = kb_engine.default_kb()
    shown = {
        "engine": repr(engine),
        "edition": repr(engine.edition),
        "kb": repr(kb),
        "cause": repr(engine.edition.causes["no_internet_access"]),
        "report": repr(report),
    }
    for what, text in shown.items():
        assert len(text) < 200 and "\n" not in text, (what, text)
    assert shown["engine"] == f"Engine(edition='2019-12', backend='direct', kb_version={kb.kb_version!r})"
    assert "'2019-12'" in shown["edition"] and "2019-07" in shown["kb"]
    assert "vm='vm1'" in shown["report"] and "confirmed=['C']" in shown["report"]


def test_the_text_and_markdown_renderers_are_exported() -> None:
    """A program renders a report for a terminal or a ticket without importing internals."""
    report = kb_engine.diagnose({"name": "vm1", "vm": {"os": "linux"}, "network": {"azure_outbound": False}}, "2019-12")
    assert kb_engine.to_text(report).startswith("Diagnosis: vm1")
    assert kb_engine.to_markdown(report).startswith("## Diagnosis: vm1")
    assert "no_internet_access" in kb_engine.explain_tree(report)
