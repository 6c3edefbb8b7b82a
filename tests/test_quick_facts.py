"""A JSON Lines line read without the facts model gives what the model gives, or is left to the model.

The fleet reads each line with :func:`~kb_engine.facts.quick.read_flat` first; whatever it
accepts must be exactly what the facts model reads (name, observed error, every fact by
name), and whatever the model refuses it must leave to the model, so a bad line gets the
model's own problems. Generated VMs, and the same VMs spoilt in the ways people and
scripts spoil them: wrong types, unknown fields, other spellings, keys written twice,
escapes, fractions, control characters.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents, random_facts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_engine.diagnosis import Engine
from kb_engine.errors import InputError
from kb_engine.facts.quick import FlatFacts, read_flat
from kb_engine.fleet.model import FleetRow, RecordError
from kb_engine.fleet.records import Record, parse_record, read_record
from kb_engine.fleet.run import FleetOptions, render_record

ENGINE = Engine(backend="direct")

# Where a value can sit in a facts document: (section or None, key), items as (list key, 0, field).
PLACES: list[tuple[Any, ...]] = [
    (None, "$schema"), (None, "schema_"), (None, "name"), (None, "description"), (None, "observed_error"),
    (None, "expect"), (None, "vm"), (None, "agent"), (None, "network"), (None, "backup"), (None, "extensions"),
    (None, "unknown_field"),
    ("vm", "os"), ("vm", "distro"), ("vm", "power_state"), ("vm", "provisioning_state"), ("vm", "encrypted"),
    ("vm", "disks"), ("vm", "shutdown_in_guest"), ("vm", "keyvault_access"), ("vm", "snapshot_provider_ok"),
    ("vm", "app_control_blocks_snapshot"), ("vm", "Os"),
    ("agent", "installed"), ("agent", "status"), ("agent", "service_running"), ("agent", "version"),
    ("agent", "latest_version"), ("agent", "dotnet_version"), ("agent", "waagent_conf"),
    ("agent.waagent_conf", "Extensions.Enabled"), ("agent.waagent_conf", "extensions_enabled"),
    ("agent.waagent_conf", "Provisioning.Agent"), ("agent.waagent_conf", "Logs.Verbose"),
    ("network", "azure_outbound"), ("network", "dhcp_enabled"), ("network", "wireserver_reachable"),
    ("backup", "backups_per_day"), ("backup", "instant_restore_points"), ("backup", "snapshot_retention_days"),
    ("backup", "job_in_progress"), ("backup", "restore_point_group"), ("backup", "policy_type"),
    ("backup", "schedule_interval_hours"), ("backup", "snapshot_consistency"), ("backup", "protection_state"),
    ("backup.restore_point_group", "name"), ("backup.restore_point_group", "locked"),
    ("backup.restore_point_group", "lock_name"), ("backup.restore_point_group", "lock_level"),
    ("vm.disks", 0, "size_gib"), ("vm.disks", 0, "encrypted"), ("vm.disks", 0, "name"), ("vm.disks", 0, "extra"),
    ("extensions", 0, "name"), ("extensions", 0, "state"), ("extensions", 0, "extra"),
]

ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 24, 25, 1441, 2**63, 2**64 + 1, "1", "true", "True", "yes", "", " ", "x:y", "a:b:c",
    "linux", "Linux", "LINUX", " windows ", "Not Ready", "not-ready", "ready", "PowerState/Running",
    "ProvisioningState/Failed", "CanNotDelete", "V2", "OnlyCrashConsistent", "ProtectionStopped", "enhanced",
    "2.2.9", "v2.2.9", "V2.2.10", "WALinuxAgent-2.2.45", "WALinuxAgent - 2.2.45 running on ubuntu 18.04", "2.2.9 ",
    "2.2.9\n", "01.2", "1.2.3.4.5", "4", "ubuntu", "Ubuntu", "ubuntu\n", "rhel8.4", "n # off", '"y"', "x" * 65,
    "AzureBackupRG_westus2_12", "AzureBackupRG_westus2_12\n", "AzureBackupRG_westus2_\u0661", "a\u0001b", "a\nb",
    "a\tb", "a\u2028b", "a\u007fb", "é", "VMSnapshotLinux", "microsoft.azure.recoveryservices.vmsnapshot",
    "usererrorguestagentstatusunavailable", "UserErrorGuestAgentStatusUnavailable", "NoSuchCode",
    "ExtentionOperationFailedForManagedDisks", [], [{}], [None], {}, {"x": 1}, {"name": "VMSnapshot"},
]

# Changes to the JSON text itself, each (old, new), applied to the first match.
TEXT_EDITS = [
    ("{", '{"name": "twice", '),  # a key written twice when the document names the VM
    ("{", "\ufeff{"), ("linux", "\\u006cinux"), ('"name"', '"na\\u006de"'), (": 24", ": 24.0"),
    (": 1,", ": 1e0,"), (": true", ": 1"), ("2.2.9", "2.2.90"), (", ", ","), (": ", " : "), ('"', "'"),
    ("}", ", }"), (": null", ": NaN"), ("4.5", "4.50"),
]


def _put(doc: dict[str, Any], place: tuple[Any, ...], value: Any) -> None:
    if len(place) == 3:
        items = doc.setdefault("vm", {}) if place[0] == "vm.disks" else doc
        key = "disks" if place[0] == "vm.disks" else "extensions"
        target = items if isinstance(items, dict) else {}
        listed = target.get(key)
        if not isinstance(listed, list) or not listed:
            listed = target[key] = [{"name": "VMSnapshot"} if key == "extensions" else {}]
        if isinstance(listed[0], dict):
            listed[0][place[2]] = value
        return
    section, key = place
    target: Any = doc
    for part in section.split(".") if section else ():
        nxt = target.get(part) if isinstance(target, dict) else None
        if not isinstance(nxt, dict):
            nxt = {}
            if isinstance(target, dict):
                target[part] = nxt
        target = nxt
    target[key] = value


@st.composite
def odd_lines(draw: Any) -> bytes:
    """A generated VM's JSON line, spoilt by a few odd values and textual edits."""
    doc = copy.deepcopy(draw(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS)))
    for _ in range(draw(st.integers(0, 3))):
        _put(doc, draw(st.sampled_from(PLACES)), draw(st.sampled_from(ODD_VALUES)))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    for old, new in draw(st.lists(st.sampled_from(TEXT_EDITS), max_size=2)):
        text = text.replace(old, new, 1)
    return text.encode("utf-8").strip()


def _by_model(line: bytes) -> FlatFacts | str:
    try:
        facts = parse_record(Record("fleet.jsonl", 3, line))
    except InputError as exc:
        return f"refused: {exc.problems}"
    return FlatFacts(facts.name, facts.observed_error, facts.flat())


def _row(line: bytes, *, quick: bool) -> str:
    """The text the fleet writes for a line: with the quick reader, or by the model alone."""
    record = Record("fleet.jsonl", 3, line)
    if quick:
        outcome = render_record(ENGINE, record, FleetOptions(backend="direct", format="rows"))
        return outcome.model_dump_json() if isinstance(outcome, RecordError) else outcome[1]
    try:
        summary = ENGINE.summarize(parse_record(record), source=record.label)
    except InputError as exc:
        return RecordError.from_problems(record.source, record.line, exc.problems).model_dump_json()
    return FleetRow.from_summary(summary, source=record.source, line=record.line).to_json()


def test_every_generated_vm_is_read_without_the_model_as_the_model_reads_it() -> None:
    """Seeded random VMs (other spellings, versions written as numbers, every section): all read quickly, all equal."""
    for doc in random_facts(20261122, 600, OBSERVABLE_IN_BOTH_EDITIONS):
        line = json.dumps(doc).encode()
        found = read_flat(line)
        assert found is not None, line
        assert found == _by_model(line), line


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_lines())
def test_a_line_read_without_the_model_is_what_the_model_reads(line: bytes) -> None:
    """A line the quick reader accepts is accepted by the model with the same facts; else it is left to the model."""
    found = read_flat(line)
    if found is not None:
        assert found == _by_model(line)
    expected = _by_model(line)
    try:
        assert read_record(Record("fleet.jsonl", 3, line)) == expected
    except InputError as exc:
        assert f"refused: {exc.problems}" == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_lines())
def test_the_fleet_writes_the_same_row_or_the_same_error_as_the_model_path(line: bytes) -> None:
    """Byte for byte: the row of a good line, the problems of a bad one (unknown codes in any case too)."""
    assert _row(line, quick=True) == _row(line, quick=False)


@pytest.mark.parametrize(
    "line",
    [
        b'{"vm": {"os": "linux"}, "vm": {"os": "windows"}}',
        b'{"name": "a", "name": "b"}',
        b'{"agent": {"version": "v2.2.9", "latest_version": "2.2.10"}}',
        b'{"agent": {"dotnet_version": 4.50}, "vm": {"os": "windows"}}',
        b'{"observed_error": "usererrorguestagentstatusunavailable"}',
        b'{"vm": {"os": "windows"}, "agent": {"waagent_conf": {}}}',
        b'{"backup": {"restore_point_group": {"locked": false, "lock_name": "x"}}}',
        b'{"agent": {"installed": true, "status": 1}}',
        b'{"name": "a:b", "description": "x\\u003ay", "name": "c"}',
    ],
)
def test_lines_the_quick_reader_must_get_right(line: bytes) -> None:
    """Keys written twice (also hidden behind escapes), spellings the model rewrites, fractions kept as written,
    an empty section that contradicts, a lock without a lock: each the model's answer."""
    assert _row(line, quick=True) == _row(line, quick=False)
    found = read_flat(line)
    assert found is None or found == _by_model(line)


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | value


@st.composite
def facts_that_may_contradict(draw: st.DrawFn) -> bytes:
    """Documents built from the facts the model's consistency checks compare, so that many contradict."""
    sections: dict[str, dict[str, Any]] = {
        "vm": {
            "os": draw(_maybe(st.sampled_from(["windows", "linux"]))),
            "distro": draw(_maybe(st.just("ubuntu"))),
            "encrypted": draw(_maybe(st.booleans())),
            "disks": draw(_maybe(st.lists(st.fixed_dictionaries({"size_gib": st.just(128), "encrypted": st.booleans()}),
                                          max_size=2))),
            "snapshot_provider_ok": draw(_maybe(st.booleans())),
            "power_state": draw(_maybe(st.sampled_from(["running", "stopped", "deallocated"]))),
        },
        "agent": {
            "installed": draw(_maybe(st.booleans())),
            "status": draw(_maybe(st.sampled_from(["ready", "not_ready"]))),
            "service_running": draw(_maybe(st.booleans())),
            "version": draw(_maybe(st.sampled_from(["2.2.9", "2.2.53"]))),
            "latest_version": draw(_maybe(st.sampled_from(["2.2.10", "2.2.53"]))),
            "dotnet_version": draw(_maybe(st.just("4.8"))),
            "waagent_conf": draw(_maybe(st.just({}))),
        },
        "backup": {
            "policy_type": draw(_maybe(st.sampled_from(["standard", "enhanced"]))),
            "snapshot_consistency": draw(_maybe(st.sampled_from(["only_crash_consistent", "default"]))),
            "schedule_interval_hours": draw(_maybe(st.sampled_from([4, 24]))),
            "restore_point_group": draw(_maybe(st.fixed_dictionaries(
                {"locked": _maybe(st.booleans()), "lock_name": _maybe(st.just("keep"))}))),
        },
    }
    document = {key: {k: v for k, v in section.items() if v is not None} for key, section in sections.items()}
    return json.dumps(document).encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_that_may_contradict())
def test_the_quick_reader_refuses_every_contradiction_the_model_refuses(line: bytes) -> None:
    """Both readers apply the same consistency checks: the quick reader never accepts facts the model refuses,
    and what it accepts is what the model reads."""
    by_model = _by_model(line)
    found = read_flat(line)
    if isinstance(by_model, str):
        assert found is None, by_model
    else:
        assert found is None or found == by_model


_SHARED_TEXT = st.sampled_from(["Ready", "Not Ready", "ready", "v2.2.9", "2.2.10", "y", " n ", "PowerState/running", "x:y", ""])
_PLACES = [("agent", "status"), ("vm", "power_state"), ("vm", "distro"), ("agent", "version"), ("agent", "latest_version")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_PLACES), _SHARED_TEXT), min_size=1, max_size=12))
def test_a_text_read_before_is_read_again_as_the_model_reads_it_in_each_field(uses: list[tuple[tuple[str, str], str]]) -> None:
    """The quick reader keeps the texts it has read: the same text in another field (a token here, a version or a
    free text there), or refused before, is still read as the model reads it there, however often it comes."""
    for (section, field), text in uses * 2:
        line = json.dumps({section: {field: text}}).encode()
        found = read_flat(line)
        assert found is None or found == _by_model(line), line


def test_a_fleet_of_long_distinct_texts_does_not_fill_memory() -> None:
    """The texts the quick reader keeps are short ones: a fleet whose lines each carry their own long lock name or
    distro (100 KB each, 30 MB in all) is read with the same facts, and memory does not grow with it."""
    import tracemalloc

    lines = [
        json.dumps(
            {"vm": {"distro": f"d{index}-" + "x" * 100_000},
             "backup": {"restore_point_group": {"locked": True, "lock_name": f"lock {index} " + "y" * 100_000}}}
        ).encode()
        for index in range(150)
    ]
    assert read_flat(lines[0]) == _by_model(lines[0])
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for line in lines:
            found = read_flat(line)
            assert found is not None and found.flat["vm.distro"] == json.loads(line)["vm"]["distro"]
            del found
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000, f"{kept:,} bytes kept after reading {len(lines)} lines"
