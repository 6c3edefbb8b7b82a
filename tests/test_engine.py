"""What the diagnosis engine concludes, and how the report shows it.

The forward-chaining engine is held to the plain, stage-by-stage evaluation of
the knowledge base (``evaluate_edition``) on generated VMs, and the ``direct``
backend to the forward-chaining engine (the same working memory, byte-identical
reports); its reports are
deterministic, every conclusion is derived from the input facts, and the walk
of an observed error reads as the article does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents, random_facts
from hypothesis import HealthCheck, given, settings

from kb_engine.diagnosis import Engine
from kb_engine.engine._experta import NOT, Rule
from kb_engine.engine.compile import compile_edition
from kb_engine.engine.evaluate import evaluate_edition
from kb_engine.engine.plan import WorkingMemory, run_plan
from kb_engine.engine.reasoner import Backend
from kb_engine.facts.load import load_facts, validate_facts
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.model import CodeEntry, Edition
from kb_engine.knowledge.vocabulary import Facts
from kb_engine.report.build import build_report
from kb_engine.report.model import Derivation, Report, report_json

FACTS_DIR = Path(__file__).resolve().parent.parent / "facts"
EDITIONS = default_kb().edition_ids
_ENGINES: dict[tuple[str, str], Engine] = {}


def engine(edition: str, backend: Backend = "experta") -> Engine:
    """One shared engine per edition and backend for the whole module (building one is cheap; its first run is not)."""
    if (edition, backend) not in _ENGINES:
        _ENGINES[edition, backend] = Engine(edition, backend=backend)
    return _ENGINES[edition, backend]


# ---------------------------------------------------------------------------
# The engine against the plain evaluation


def plain_conclusions(edition: Edition, facts: Facts, observed: CodeEntry | None) -> dict[str, Any]:
    """What ``evaluate_edition`` concludes, with the verdict and escalation the report documents derived from it."""
    ev = evaluate_edition(edition, facts.flat())
    statuses = set(ev.causes.values())
    escalate = observed is not None and all(ev.causes[c] in ("ruled_out", "not_applicable") for c in observed.causes)
    verdict = (
        "problems" if "confirmed" in statuses else "unexplained" if escalate
        else "incomplete" if "undetermined" in statuses else "clean"
    )
    return {
        "findings": dict(ev.findings),
        "causes": dict(ev.causes),
        "expected_codes": list(ev.expected_codes),
        "verdict": verdict,
        "escalate": escalate,
    }


def engine_conclusions(edition: Edition, memory: WorkingMemory, observed: CodeEntry | None) -> dict[str, Any]:
    """The same conclusions read from the engine's working memory."""
    return {
        "findings": {fid: memory.truths.get(f"finding:{fid}", ("<not derived>",))[0] for fid in edition.findings},
        "causes": {cid: memory.statuses[cid][0] if cid in memory.statuses else "<not derived>" for cid in edition.causes},
        "expected_codes": [entry.id for entry in edition.codes if entry.id in memory.expected],
        "verdict": memory.verdict,
        "escalate": observed is not None and observed.id in memory.escalate,
    }


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in a:
        if isinstance(a[key], dict):
            diff = {k: (a[key].get(k), b[key].get(k)) for k in a[key].keys() | b[key].keys() if a[key].get(k) != b[key].get(k)}
            if diff:
                out[key] = diff
        elif a[key] != b[key]:
            out[key] = (a[key], b[key])
    return out


def leaves(derivation: Derivation) -> Iterator[Derivation]:
    if not derivation.premises:
        yield derivation
    for premise in derivation.premises:
        yield from leaves(premise)


def nodes(derivation: Derivation) -> Iterator[Derivation]:
    yield derivation
    for premise in derivation.premises:
        yield from nodes(premise)


def check_derivations(report: Report) -> None:
    """Every conclusion rests on the input: leaves are input or unknown facts; a confirmed cause has input
    leaves, and every test that came out true on its way was decided by given facts only."""
    for cause in report.causes:
        rules = {leaf.rule for leaf in leaves(cause.derivation)}
        assert rules <= {"input", "unknown"}, (cause.id, rules)
        assert cause.derivation.value == cause.status
        if cause.status == "confirmed":
            assert "input" in rules, f"{cause.id} is confirmed from no input fact"
            for node in nodes(cause.derivation):
                if node.rule.startswith("test ") and node.value is True:
                    kinds = {p.rule for p in node.premises}
                    assert kinds == {"input"}, f"{cause.id}: '{node.conclusion}' is true from {kinds}"
    for finding in report.findings:
        assert finding.derivation.value is True
        assert "input" in {leaf.rule for leaf in leaves(finding.derivation)}, finding.id


def check_agreement(doc: dict[str, Any], *, with_report: bool) -> None:
    facts = validate_facts(doc, "<generated>")
    for edition in EDITIONS:
        eng = engine(edition)
        observed = eng.observed_entry(facts)
        memory = eng.run(facts, observed)
        want = plain_conclusions(eng.edition, facts, observed)
        got = engine_conclusions(eng.edition, memory, observed)
        assert got == want, f"{edition}: engine vs plain evaluation: {differences(got, want)}\nfacts: {json.dumps(doc)}"
        stepwise = run_plan(eng.rules.plan, facts.flat(), None if observed is None else observed.id)
        assert stepwise == memory, f"{edition}: the plan step by step vs experta\nfacts: {json.dumps(doc)}"
        direct = engine(edition, "direct")
        assert direct.run(facts, observed) == memory, f"{edition}: direct backend (compiled) vs experta\nfacts: {json.dumps(doc)}"
        if with_report:
            for lang in ("en", "ja"):
                chained = build_report(eng, facts, observed, memory, lang)
                if lang == "en":
                    check_derivations(chained)
                assert report_json(direct.diagnose(facts, lang=lang)) == report_json(chained)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_engine_concludes_what_the_plain_evaluation_concludes(doc: dict[str, Any]) -> None:
    """For generated VMs, both editions' engines give the same findings, cause statuses, expected codes, verdict and
    escalation as evaluate_edition, every confirmed cause's derivation bottoms out in given facts, and the plan run
    step by step and the direct backend's compiled rules derive the same working memory as experta, with byte-identical
    reports in both languages."""
    check_agreement(doc, with_report=True)


def _agreement_failures(args: tuple[int, int]) -> list[str]:
    seed, count = args
    failures: list[str] = []
    for doc in random_facts(seed, count, OBSERVABLE_IN_BOTH_EDITIONS):
        try:
            check_agreement(doc, with_report=False)
        except AssertionError as exc:
            failures.append(str(exc))
    return failures


@pytest.mark.slow
def test_engine_concludes_what_the_plain_evaluation_concludes_on_2000_random_vms_per_edition() -> None:
    """On 2000 seeded random VMs, each diagnosed in both editions, the engine agrees with evaluate_edition every time,
    and the plan step by step and the direct backend's compiled rules derive exactly the engine's working memory
    (every truth with its rule and premises)."""
    workers = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
    chunks = [(20261122 + i, -(-2000 // workers)) for i in range(workers)]
    if workers == 1:
        failures = _agreement_failures(chunks[0])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            failures = [f for chunk in pool.map(_agreement_failures, chunks) for f in chunk]
    assert not failures, f"{len(failures)} disagreements; first: {failures[0]}"


@pytest.mark.parametrize("edition", EDITIONS)
def test_engine_derives_every_finding_of_the_edition(edition: str) -> None:
    """Every finding evaluate_edition reports for the edition is also derived by the engine, with the same value."""
    eng = engine(edition)
    facts = validate_facts(
        {
            "vm": {"os": "linux", "provisioning_state": "failed", "disks": [{"size_gib": 5000, "encrypted": True}]},
            "agent": {"waagent_conf": {"Extensions.Enabled": "n"}},
            "extensions": [{"name": "CustomScript", "state": "failed"}],
        },
        "x",
    )
    memory = eng.run(facts)
    plain = evaluate_edition(eng.edition, facts.flat()).findings
    derived = {fid: memory.truths.get(f"finding:{fid}", ("<not derived>",))[0] for fid in plain}
    assert derived == dict(plain)


# ---------------------------------------------------------------------------
# Firing order


def test_the_conclusions_do_not_depend_on_the_order_in_which_rules_fire() -> None:
    """No rule tests for the absence of a fact (an unknown fact is a field set to null), so an engine with every
    rule at one salience agrees with the plain evaluation on 40 fixed VMs, exactly as the stratified engine does."""
    docs = random_facts(4242, 40, OBSERVABLE_IN_BOTH_EDITIONS)
    for edition in EDITIONS:
        stratified = Engine(edition)
        flat = Engine(edition)
        flat.rules = compile_edition(flat.edition, stratify=False)  # before its first run builds the experta instance
        patterns = [p for name in dir(flat.rules) if isinstance(rule := getattr(flat.rules, name), Rule) for p in rule]
        assert patterns and not any(isinstance(p, NOT) for p in patterns)
        for doc in docs:
            facts = validate_facts(doc, "<generated>")
            observed = stratified.observed_entry(facts)
            want = plain_conclusions(stratified.edition, facts, observed)
            assert engine_conclusions(stratified.edition, stratified.run(facts, observed), observed) == want
            assert flat.run(facts, observed) == stratified.run(facts, observed)


# ---------------------------------------------------------------------------
# Determinism


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_the_same_vm_gives_a_byte_identical_report(doc: dict[str, Any]) -> None:
    """Diagnosing the same VM twice, and again with a freshly built engine, gives byte-identical JSON."""
    for edition in EDITIONS:
        first = report_json(engine(edition).diagnose(doc))
        assert report_json(engine(edition).diagnose(doc)) == first
        assert report_json(Engine(edition).diagnose(doc)) == first
        assert report_json(Engine(edition, backend="direct").diagnose(doc)) == first


def test_an_unknown_backend_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="unknown backend 'rete'; allowed: experta, direct"):
        Engine(backend="rete")  # type: ignore[arg-type]


_CHILD = """
import sys
from kb_engine.diagnosis import Engine
from kb_engine.report.model import report_json
for path in sys.argv[2:]:
    sys.stdout.write(report_json(Engine(sys.argv[1]).diagnose(path, lang="ja")))
"""


def test_a_report_is_byte_identical_in_another_interpreter_with_another_hash_seed() -> None:
    """The examples' Japanese reports come out byte-identical from a fresh interpreter with a different PYTHONHASHSEED."""
    paths = [str(FACTS_DIR / name) for name in ("several-problems.yaml", "mostly-unknown.yaml", "linux-agent-outdated.yaml")]
    here = "".join(report_json(engine("2019-07").diagnose(p, lang="ja")) for p in paths)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, "2019-07", *paths], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    assert child.stdout == here


# ---------------------------------------------------------------------------
# Threads


def test_one_engine_shared_by_8_threads_gives_the_serial_results() -> None:
    """8 threads each diagnosing 50 different VMs with one shared Engine get exactly the reports a serial run gives."""
    eng = Engine("2019-12")
    docs = random_facts(808, 50, OBSERVABLE_IN_BOTH_EDITIONS)
    serial = [report_json(eng.diagnose(doc)) for doc in docs]
    results: dict[int, list[tuple[int, str]]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(thread: int) -> None:
        try:
            start.wait()
            order = [(thread * 7 + i) % len(docs) for i in range(len(docs))]  # every thread on a different VM at a time
            results[thread] = [(i, report_json(eng.diagnose(docs[i]))) for i in order]
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[0]
    assert len(results) == 8
    for thread, pairs in results.items():
        assert len(pairs) == 50
        for i, text in pairs:
            assert text == serial[i], f"thread {thread}, VM {i} differs from the serial report"


# ---------------------------------------------------------------------------
# The report: an observed error's walk, remedies, unknowns


def diagnose(facts: Any, edition: str = "2019-12", lang: str = "en") -> Report:
    return engine(edition).diagnose(facts, lang=lang)


def example(name: str, **changes: Any) -> dict[str, Any]:
    """One of the examples in facts/ as a dict, with top-level keys replaced or (given None) removed."""
    import yaml

    doc = yaml.safe_load((FACTS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    doc.pop("expect", None)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return dict(doc)


def cause(report: Report, cid: str) -> Any:
    (found,) = [c for c in (report.observed.causes if report.observed else report.causes) if c.id == cid]
    return found


@pytest.mark.parametrize(
    ("edition", "code", "refs"),
    [
        ("2019-07", "UserErrorGuestAgentStatusUnavailable", ["A", "B", "E", "E1", "E2", "F", "C"]),
        # 2019-12 first checks that the VM is running: a cause without a letter in the article.
        ("2019-12", "UserErrorGuestAgentStatusUnavailable", ["vm_not_running", "A", "B"]),
        ("2019-07", "GuestAgentSnapshotTaskStatusError", ["A", "B", "C"]),
        ("2019-12", "GuestAgentSnapshotTaskStatusError", ["A", "B", "E", "E1", "E2", "F", "D"]),
        ("2019-12", "BackUpOperationFailedV2", ["A", "B", "E", "E1", "E2", "F", "G", "C"]),
        ("2019-07", "ExtensionOperationFailedForManagedDisks", ["E", "E1", "E2", "F", "A", "B"]),
    ],
)
def test_the_observed_errors_causes_are_walked_in_the_articles_order(edition: str, code: str, refs: list[str]) -> None:
    """The observed error's causes come in the article's order, sub-causes after their parent, each with a status."""
    report = diagnose({"vm": {"os": "linux"}, "observed_error": code}, edition)
    assert report.observed is not None
    assert report.observed.code == code
    assert [c.ref or c.id for c in report.observed.causes] == refs
    assert all(c.status in {"confirmed", "ruled_out", "undetermined", "not_applicable"} for c in report.observed.causes)
    assert all(c.parent == "snapshot_unavailable" for c in report.observed.causes if c.ref in ("E1", "E2"))


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_windows_agent_cause_does_not_apply_to_a_linux_vm(edition: str) -> None:
    """On a Linux VM the Windows agent cause is not_applicable, with os_windows as the evidence, even when the agent is Not Ready."""
    report = diagnose(example("linux-agent-outdated"), edition)
    windows = cause(report, "agent_unresponsive_windows")
    assert windows.status == "not_applicable"
    assert windows.evidence == ["os_windows"]
    assert windows.reason.startswith("Does not apply to this VM")
    assert cause(report, "agent_outdated_linux").status == "confirmed"


def test_a_ruled_out_cause_says_which_findings_exclude_it() -> None:
    """A cause ruled out names the findings that are false for the VM, in its evidence and its reason."""
    report = diagnose(example("linux-agent-outdated"))
    internet = next(c for c in report.causes if c.id == "no_internet_access")
    assert internet.status == "ruled_out"
    assert internet.evidence == ["no_outbound_access"]
    assert internet.reason.startswith("Ruled out:") and "Azure public IP" in internet.reason
    extension = next(c for c in report.causes if c.id == "extension_load_failed")
    assert extension.status == "ruled_out" and extension.evidence == ["backup_extension_failed"]


def test_an_undetermined_cause_names_the_facts_that_would_decide_it() -> None:
    """An undetermined cause lists the unknown facts that would decide it, and the report's unknowns say which causes need them."""
    report = diagnose(example("linux-agent-outdated"))
    dhcp = cause(report, "no_dhcp")
    assert dhcp.status == "undetermined"
    assert dhcp.needs == ["network.dhcp_enabled"]
    assert "network.dhcp_enabled" in dhcp.reason
    parent = cause(report, "snapshot_unavailable")
    assert parent.status == "undetermined"
    assert set(parent.needs) == {"vm.shutdown_in_guest", "network.dhcp_enabled"}
    unknown = {u.fact: u.needed_by for u in report.unknown}
    assert "no_dhcp" in unknown["network.dhcp_enabled"]
    assert unknown["agent.waagent_conf.extensions_enabled"] == ["agent_config_options"]


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_observed_errors_confirmed_causes_come_first_in_the_remedies(edition: str) -> None:
    """With several causes confirmed, remedy 1 is the observed error's first confirmed cause and its causes precede the others."""
    report = diagnose(example("several-problems", observed_error="UserErrorRpCollectionLimitReached"), edition)
    assert [r.rank for r in report.remedies] == list(range(1, len(report.remedies) + 1))
    dropped = {"no_internet_access"} if edition == "2025-11" else set()  # today's article no longer has C
    assert [r.cause for r in report.remedies] == [
        c for c in ("rp_group_locked", "several_backups_a_day", "agent_outdated_linux", "no_internet_access") if c not in dropped
    ]
    assert report.observed is not None and report.remedies[0].cause in {c.id for c in report.observed.causes}
    without = diagnose(example("several-problems", observed_error=None), edition)
    assert [r.cause for r in without.remedies] == [
        c for c in ("agent_outdated_linux", "no_internet_access", "rp_group_locked", "several_backups_a_day") if c not in dropped
    ]


def start_agent_step(report: Report) -> Any:
    (remedy,) = [r for r in report.remedies if r.cause == "agent_outdated_linux"]
    (step,) = [s for s in remedy.steps if s.text.startswith("If it is not running, start it")]
    return step


@pytest.mark.parametrize(
    ("distro", "commands"),
    [
        ("ubuntu", [("service walinuxagent start", "Ubuntu")]),
        ("rhel", [("service waagent start", "other distributions")]),
        (None, [("service walinuxagent start", "Ubuntu"), ("service waagent start", "other distributions")]),
    ],
)
def test_the_agent_start_command_fits_the_distribution(distro: str | None, commands: list[tuple[str, str]]) -> None:
    """Ubuntu is told `service walinuxagent start`, RHEL `service waagent start`, an unknown distribution both, labelled."""
    vm: dict[str, Any] = {"os": "linux"}
    if distro:
        vm["distro"] = distro
    report = diagnose({"vm": vm, "agent": {"status": "not_ready"}})
    step = start_agent_step(report)
    assert [(c.command, c.label) for c in step.commands] == commands


def lock_steps(report: Report) -> list[str]:
    (remedy,) = [r for r in report.remedies if r.cause == "rp_group_locked"]
    return [s.text for s in remedy.steps]


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_lock_steps_name_the_real_resource_group_and_lock(edition: str) -> None:
    """When the restore-point group and lock are known, the steps name AzureBackupRG_northeurope_1 and the lock; else the pattern."""
    known = lock_steps(diagnose(example("rp-group-locked"), edition))
    assert any("open the resource group AzureBackupRG_northeurope_1." in s for s in known)
    assert any(s.startswith("Delete rg-no-delete:") for s in known)
    assert any("open AzureBackupRG_northeurope_1, select Overview" in s for s in known)
    assert not any("<Geo>" in s for s in known)
    unknown = lock_steps(diagnose({"backup": {"restore_point_group": {"locked": True}}}, edition))
    assert any("open the resource group AzureBackupRG_<Geo>_<number>." in s for s in unknown)
    assert any(s.startswith("Delete the lock:") for s in unknown)


@pytest.mark.parametrize(("encrypted", "shown"), [(False, False), (None, True), (True, True)])
def test_the_encrypted_disk_step_is_hidden_only_for_a_vm_known_to_be_unencrypted(encrypted: bool | None, shown: bool) -> None:
    """The 2019-12 disk remedy's step about encrypted disks appears unless the VM is known not to be encrypted."""
    vm: dict[str, Any] = {"os": "linux", "disks": [{"size_gib": 40000}]}
    if encrypted is not None:
        vm["encrypted"] = encrypted
    report = diagnose({"vm": vm})
    (remedy,) = [r for r in report.remedies if r.cause == "disk_too_large"]
    texts = [s.text for s in remedy.steps]
    assert any("encrypted disk" in t for t in texts) is shown
    assert [s.number for s in remedy.steps] == list(range(1, len(remedy.steps) + 1))
    assert any("32 TB (32768 GiB)" in t for t in texts)


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("name", ["healthy-linux-vm", "healthy-windows-vm"])
def test_a_healthy_vm_is_clean_with_nothing_to_do(name: str, edition: str) -> None:
    """A VM with every needed fact known and fine: verdict clean, no remedies, no expected codes, nothing unknown, only neutral findings."""
    report = diagnose(example(name), edition)
    assert report.verdict == "clean"
    assert report.remedies == []
    assert report.expected_codes == []
    assert report.unknown == []
    # only neutral findings: the OS, and (2025-11) what the Standard policy implies
    assert {f.id for f in report.findings} <= {"os_windows", "os_linux", "agent_based_backup", "standard_policy"}
    assert report.findings, "the OS finding is shown"
    assert all(c.status in {"ruled_out", "not_applicable"} for c in report.causes)


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_mostly_unknown_vm_is_incomplete_and_lists_what_to_find_out(edition: str) -> None:
    """A VM known only to run Linux: verdict incomplete, no confirmed cause, and the unknown facts listed with the causes they decide."""
    report = diagnose(example("mostly-unknown"), edition)
    assert report.verdict == "incomplete"
    assert not [c for c in report.causes if c.status == "confirmed"]
    assert report.remedies == []
    facts = [u.fact for u in report.unknown]
    needed = {"agent.status", "agent.version", "network.dhcp_enabled", "vm.disks"}
    needed |= {"network.wireserver_reachable"} if edition == "2025-11" else {"network.azure_outbound"}  # C left the article
    assert needed <= set(facts)
    assert len(facts) == len(set(facts))
    assert "vm.os" not in facts
    assert all(u.needed_by and u.description for u in report.unknown)


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_cause_excluded_means_collect_logs_and_escalate(edition: str) -> None:
    """When every cause of the observed error is excluded the report escalates, listing the logs of the causes walked
    that concern the VM: a Windows VM is not told to collect the Linux agent's logs, a Linux VM is."""
    report = diagnose(example("all-causes-ruled-out"), edition)
    assert report.observed is not None and report.observed.escalate
    assert report.escalation is not None
    assert "/var/log/waagent.log" not in report.escalation.logs
    linux = example("all-causes-ruled-out")
    linux["vm"] = {**linux["vm"], "os": "linux"}
    linux["agent"] = {k: v for k, v in linux["agent"].items() if k != "dotnet_version"}
    linux["vm"] = {k: v for k, v in linux["vm"].items() if k != "snapshot_provider_ok"}  # the Windows extension's DLL
    escalation = diagnose(linux, edition).escalation
    assert escalation is not None and "/var/log/waagent.log" in escalation.logs
    assert diagnose(example("linux-agent-outdated"), edition).escalation is None


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_report_states_its_edition_and_knowledge_base_version(edition: str) -> None:
    """Every report says which edition of the article and which knowledge-base version it used."""
    report = diagnose(example("linux-agent-outdated"), edition)
    assert report.edition == edition
    assert report.kb_version == default_kb().kb_version
    data = json.loads(report_json(report))
    assert data["edition"] == edition and data["kb_version"] == default_kb().kb_version
    assert data["schema_version"] == "2.0"


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_japanese_report_reads_in_japanese(edition: str) -> None:
    """With lang=ja the titles, reasons, findings, messages and remedy steps are Japanese; in English they are not."""
    doc = example("several-problems")
    ja = diagnose(doc, edition, lang="ja")
    en = diagnose(doc, edition, lang="en")
    assert ja.lang == "ja"
    assert ja.observed is not None and en.observed is not None

    def texts(report: Report) -> list[str]:
        assert report.observed is not None
        return (
            [c.title for c in report.causes]
            + [c.reason for c in report.causes]
            + [f.text for f in report.findings]
            + [report.observed.message]
            + [e.message for e in report.expected_codes]
            + [r.title for r in report.remedies]
            + [s.text for r in report.remedies for s in r.steps]
        )

    assert all(_JAPANESE.search(t) for t in texts(ja)), [t for t in texts(ja) if not _JAPANESE.search(t)]
    assert not any(_JAPANESE.search(t) for t in texts(en))
    assert [c.status for c in ja.causes] == [c.status for c in en.causes]


def test_a_facts_file_and_its_dict_give_the_same_report() -> None:
    """Diagnosing an example by path or as the same dict gives the same conclusions."""
    path = FACTS_DIR / "linux-agent-outdated.yaml"
    by_path = diagnose(str(path))
    by_dict = diagnose(load_facts(path))
    assert report_json(by_path) == report_json(by_dict)
