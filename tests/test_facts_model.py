"""What a user sees when kb_engine reads VM facts: valid facts load, anything else is one InputError listing every problem."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from factsgen import facts_documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_engine.engine.evaluate import evaluate_edition
from kb_engine.errors import InputError, Problem
from kb_engine.facts.load import load_facts, parse_facts_text, validate_facts
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.vocabulary import Facts, WaagentConf, fact_catalog, parse_version

# ---------------------------------------------------------------------------
# Strategies

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)

# Keys that the model knows, so random documents reach past the top level.
_KNOWN_KEYS = sorted(
    {part for name in fact_catalog() for part in name.split(".")}
    | {"$schema", "name", "description", "observed_error", "expect", "size_gib", "encrypted", "os_disk", "state"}
    | {f.alias for f in WaagentConf.model_fields.values() if f.alias}
)
_KEYS = st.sampled_from(_KNOWN_KEYS) | st.text(max_size=12)

json_values = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=5),
    max_leaves=30,
)
"""Any JSON value, with object keys biased towards the facts model's own field names."""

_WRONG_VALUES = [
    -1, 0, -4096, 2**40, 1.5, -0.5, "", "2.x", "v2.2.10", "1.2.3.4.5", "mac", "maybe", "Not-Ready ", True, False,
    None, [], {}, [1, 2], {"a": 1}, "ProvisioningState/", "/", "AzureBackupRG_", "ready", "failed", "4.5", 4.5,
]
_WRONG = st.sampled_from(_WRONG_VALUES).map(copy.deepcopy)  # copies: a perturbation may nest into a drawn value


@st.composite
def perturbed_documents(draw: Any) -> Any:
    """A valid facts document with one to three things made wrong: a wrong-typed or out-of-range value, an unknown field, a bad version."""
    doc = draw(facts_documents())
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        _perturb(doc, draw)
    return doc


def _containers(node: Any, trail: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found: list[tuple[tuple[Any, ...], Any]] = [(trail, node)] if isinstance(node, dict | list) else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _containers(value, (*trail, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _containers(value, (*trail, index))
    return found


def _perturb(doc: dict[str, Any], draw: Any) -> None:
    _, container = draw(st.sampled_from(_containers(doc)))
    kind = draw(st.sampled_from(["replace", "add_unknown", "add_known", "negative_size", "bad_version"]))
    if kind == "negative_size":
        vm = doc.setdefault("vm", {})
        if isinstance(vm, dict):
            if not isinstance(vm.get("disks"), list) or not vm["disks"]:
                vm["disks"] = [{}]
            first = vm["disks"][0]
            vm["disks"][0] = {**(first if isinstance(first, dict) else {}), "size_gib": draw(st.integers(max_value=0))}
        return
    if kind == "bad_version":
        agent = doc.setdefault("agent", {})
        if isinstance(agent, dict):
            agent[draw(st.sampled_from(["version", "latest_version", "dotnet_version"]))] = draw(
                st.sampled_from(["2.x", "", "2..2", "2.2.10-beta", "1.2.3.4.5", -1, True, [2, 2]])
            )
        return
    if isinstance(container, list):
        if container:
            container[draw(st.integers(0, len(container) - 1))] = draw(_WRONG | json_values)
        else:
            container.append(draw(_WRONG))
        return
    if kind == "replace" and container:
        key = draw(st.sampled_from(sorted(container, key=str)))
        container[key] = draw(_WRONG | json_values)
    elif kind == "add_known":
        container[draw(st.sampled_from(_KNOWN_KEYS))] = draw(_WRONG)
    else:
        container[draw(st.text(min_size=1, max_size=12))] = draw(_SCALARS)


def _loads_or_input_error(value: Any) -> None:
    try:
        facts = validate_facts(value, "<generated>")
    except InputError as exc:
        assert exc.problems, "an InputError lists at least one problem"
        assert all(isinstance(p, Problem) and p.source == "<generated>" for p in exc.problems)
        assert str(exc)
    else:
        assert isinstance(facts, Facts)
        facts.flat()


# ---------------------------------------------------------------------------
# Any input: Facts or InputError, never another exception


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_loads_or_is_an_input_error(value: Any) -> None:
    """Any JSON value, given as data or as JSON text, either loads into Facts or raises InputError, never another exception."""
    _loads_or_input_error(value)
    try:
        parse_facts_text(json.dumps(value), "<generated>")
    except InputError:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(perturbed_documents())
def test_a_damaged_facts_document_is_an_input_error_never_a_crash(doc: Any) -> None:
    """A valid document with wrong types, unknown fields, negative sizes or bad versions loads or raises InputError, never another exception."""
    _loads_or_input_error(doc)
    try:
        parse_facts_text(yaml.safe_dump(doc, allow_unicode=True), "<generated>")
    except InputError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | json_values.map(lambda v: yaml.safe_dump(v, allow_unicode=True)))
def test_any_text_parses_or_is_an_input_error(text: str) -> None:
    """Any text given as a facts file parses or raises InputError: odd YAML (tabs, tags, dates, complex keys) never escapes as another exception."""
    try:
        parse_facts_text(text, "<generated>")
    except InputError as exc:
        assert exc.problems


@settings(max_examples=300, deadline=None)
@given(facts_documents())
def test_generated_documents_are_valid_and_unknown_means_none(doc: dict[str, Any]) -> None:
    """Every generated document loads, and a fact is None in flat() exactly when the document leaves it out or null."""
    facts = validate_facts(doc, "<generated>")
    flat = facts.flat()
    for name in fact_catalog():
        given_value = _lookup(doc, name)
        assert (flat[name] is None) is (given_value is None), name


_ALIASES = {name: f.alias for name, f in WaagentConf.model_fields.items() if f.alias}


def _lookup(doc: Any, dotted: str) -> Any:
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(_ALIASES.get(part, part))
    return node


# ---------------------------------------------------------------------------
# Bad input: every problem with its path, value and what is allowed


def problems_of(data: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        validate_facts(data, "vm.yaml")
    return list(caught.value.problems)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_a_misspelt_field_is_named_with_a_did_you_mean() -> None:
    """agent.versoin is an unknown field at agent.versoin; the error suggests version and lists the allowed fields."""
    problem = only(problems_of({"agent": {"versoin": "2.2.53"}}))
    assert problem.source == "vm.yaml"
    assert problem.path == "agent.versoin"
    assert "unknown field" in problem.message
    assert "did you mean version?" in problem.message
    assert problem.allowed is not None
    assert {"version", "latest_version", "status"} <= set(problem.allowed.split(", "))


def test_an_unknown_os_names_the_value_and_the_allowed_ones() -> None:
    """vm.os: mac is reported at vm.os with the value "mac" and windows/linux allowed."""
    problem = only(problems_of({"vm": {"os": "mac"}}))
    assert problem.path == "vm.os"
    assert problem.value == '"mac"'
    assert problem.allowed is not None and "windows" in problem.allowed and "linux" in problem.allowed


def test_a_negative_disk_size_is_reported_at_the_disk() -> None:
    """A negative disk size is reported at vm.disks[1].size_gib with the value and '>= 1'."""
    problem = only(problems_of({"vm": {"disks": [{"size_gib": 30}, {"size_gib": -5}]}}))
    assert problem.path == "vm.disks[1].size_gib"
    assert problem.value == "-5"
    assert problem.allowed == ">= 1"


def test_a_version_that_is_not_numbers_says_what_a_version_looks_like() -> None:
    """agent.version: 2.x is reported at agent.version with the value and an example of a valid version."""
    problem = only(problems_of({"agent": {"version": "2.x"}}))
    assert problem.path == "agent.version"
    assert problem.value == '"2.x"'
    what_is_allowed = f"{problem.message} {problem.allowed or ''}"
    assert "dot-separated whole numbers" in what_is_allowed and "2.2.53" in what_is_allowed


def test_contradictory_facts_are_named_together() -> None:
    """agent.installed: false with status ready is a contradiction naming both facts."""
    problem = only(problems_of({"agent": {"installed": False, "status": "ready"}}))
    assert "contradictory" in problem.message
    assert "agent.installed is false" in problem.message and "agent.status is ready" in problem.message


def test_every_problem_of_a_document_is_reported_at_once() -> None:
    """A document with four mistakes gets one InputError listing all four, each at its own path."""
    problems = problems_of(
        {"vm": {"os": "mac", "disks": [{"size_gib": -1}]}, "agent": {"versoin": "1", "version": "2.x"}, "speed": 3}
    )
    paths = {p.path for p in problems}
    assert {"vm.os", "vm.disks[0].size_gib", "agent.versoin", "agent.version", "speed"} <= paths
    with pytest.raises(InputError) as caught:
        validate_facts({"vm": {"os": "mac"}, "agent": {"version": "2.x"}}, "vm.yaml")
    text = str(caught.value)
    assert text.startswith("2 problems in the input")
    assert "vm.yaml: vm.os" in text and "vm.yaml: agent.version" in text


def test_several_contradictions_are_all_reported() -> None:
    """Each contradiction of a document is its own problem."""
    problems = problems_of(
        {"vm": {"os": "windows", "distro": "ubuntu"}, "agent": {"installed": False, "service_running": True}}
    )
    assert len(problems) == 2
    assert all("contradictory" in p.message for p in problems)


def test_a_document_that_is_not_a_mapping_says_what_is_expected() -> None:
    """A list where a facts document should be is an InputError showing the value and an example object."""
    problem = only(problems_of([{"vm": {"os": "linux"}}]))
    assert problem.value is not None and problem.value.startswith("[")
    assert problem.allowed is not None and "object" in problem.allowed


# ---------------------------------------------------------------------------
# Values: versions, YAML numbers, $schema, unknown facts


def test_versions_compare_part_by_part_as_numbers() -> None:
    """2.2.9 is older than 2.2.10, though it sorts after it as text."""
    assert parse_version("2.2.9") < parse_version("2.2.10")
    assert parse_version("2.2.53") < parse_version("2.2.53.1")
    assert parse_version("4.5") < parse_version("4.5.1") < parse_version("4.8")


@pytest.mark.parametrize("edition", default_kb().edition_ids)
def test_an_agent_at_2_2_9_with_2_2_10_available_is_outdated(edition: str) -> None:
    """A Linux VM with agent 2.2.9 and latest 2.2.10 has the finding agent_outdated, and with 2.2.10 installed it has not."""
    ed = default_kb().edition(edition)
    standard = {"policy_type": "standard"}  # 2025-11: the agent's causes apply to a backup known to use the agent
    old = validate_facts({"vm": {"os": "linux"}, "agent": {"version": "2.2.9", "latest_version": "2.2.10"}, "backup": standard}, "x")
    new = validate_facts({"vm": {"os": "linux"}, "agent": {"version": "2.2.10", "latest_version": "2.2.10"}}, "x")
    assert evaluate_edition(ed, old.flat()).findings["agent_outdated"] is True
    assert evaluate_edition(ed, old.flat()).causes["agent_outdated_linux"] == "confirmed"
    assert evaluate_edition(ed, new.flat()).findings["agent_outdated"] is False


def test_a_yaml_number_for_a_version_is_read_as_that_version() -> None:
    """dotnet_version: 4.5 in YAML (a float to the parser) is the version "4.5"; 4 alone is "4"."""
    facts = parse_facts_text("vm: {os: windows}\nagent:\n  dotnet_version: 4.5\n", "vm.yaml")
    assert facts.agent.dotnet_version == "4.5"
    assert facts.flat()["agent.dotnet_version"] == "4.5"
    assert parse_facts_text("agent: {dotnet_version: 4}", "vm.yaml").agent.dotnet_version == "4"


def test_a_yaml_number_with_a_trailing_zero_keeps_its_digits() -> None:
    """latest_version: 2.10 written unquoted in YAML is the version 2.10, not 2.1."""
    facts = parse_facts_text("agent:\n  version: 2.9\n  latest_version: 2.10\n", "vm.yaml")
    assert facts.agent.latest_version == "2.10"


def test_the_schema_key_is_accepted_and_ignored() -> None:
    """A document may name its JSON Schema with $schema; it changes no fact."""
    with_schema = validate_facts({"$schema": "../kb_engine/schemas/facts.schema.json", "vm": {"os": "linux"}}, "x")
    without = validate_facts({"vm": {"os": "linux"}}, "x")
    assert with_schema.flat() == without.flat()


def test_a_fact_not_given_is_unknown_never_a_default() -> None:
    """An empty document has every fact None in flat(); a document giving one fact has only that one known."""
    assert set(validate_facts({}, "x").flat().values()) == {None}
    flat = validate_facts({"agent": {"status": "Not Ready"}}, "x").flat()
    assert flat["agent.status"] == "not_ready"
    assert {name for name, value in flat.items() if value is not None} == {"agent.status"}


def test_null_and_absent_mean_the_same_unknown() -> None:
    """A fact given as null is as unknown as one left out."""
    nulls = validate_facts({"vm": {"os": None, "disks": None}, "agent": {"installed": None}, "extensions": None}, "x")
    assert nulls.flat() == validate_facts({}, "x").flat()


def test_a_whole_section_given_as_null_is_unknown_too() -> None:
    """`vm: null` (as a template or a script may write) means nothing is known about the VM."""
    nulls = validate_facts({"vm": None, "agent": None, "network": None, "backup": None}, "x")
    assert nulls.flat() == validate_facts({}, "x").flat()


@pytest.mark.parametrize("name", ["VMSnapshot", "vmsnapshot", "Vmsnapshot", "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "vmsnapshotlinux"])
def test_the_backup_extension_is_recognised_in_any_case(name: str) -> None:
    """Azure names are case-insensitive; a lower-case VMSnapshot is still the backup extension."""
    facts = validate_facts({"extensions": [{"name": name, "state": "failed"}]}, "x")
    assert facts.extensions is not None and facts.extensions[0].is_backup


@pytest.mark.parametrize(
    ("text", "where"),
    [("vm: {os: linux}\nagent: {}\nvm: {os: windows}\n", "line 3"), ('{"vm": {"os": "linux", "os": "windows"}}', "line 1")],
)
def test_a_key_written_twice_is_refused_with_its_line(text: str, where: str) -> None:
    """A facts file that says two things about one field is an error, not "the last one wins"."""
    with pytest.raises(InputError) as info:
        parse_facts_text(text, "vm.yaml")
    (problem,) = info.value.problems
    assert problem.source == "vm.yaml" and problem.path.startswith(where)
    assert "duplicate key" in problem.message


# ---------------------------------------------------------------------------
# Sources: a file, standard input, a dict


DOC = {
    "name": "ubuntu-web-01",
    "vm": {"os": "linux", "distro": "ubuntu", "disks": [{"size_gib": 30, "os_disk": True}]},
    "agent": {"status": "Not Ready", "version": "2.2.9", "latest_version": "2.2.10", "waagent_conf": {"Extensions.Enabled": "n"}},
    "extensions": [{"name": "VMSnapshotLinux", "state": "failed"}],
    "observed_error": "GuestAgentSnapshotTaskStatusError",
}


def test_a_file_stdin_and_a_dict_give_the_same_facts(tmp_path: Path) -> None:
    """The same document read from a YAML file, a JSON file, '-' (standard input) and a dict gives equal facts."""
    yaml_file = tmp_path / "vm.yaml"
    yaml_file.write_text(yaml.safe_dump(DOC), encoding="utf-8")
    json_file = tmp_path / "vm.json"
    json_file.write_text(json.dumps(DOC), encoding="utf-8")
    from_dict = load_facts(DOC)
    assert load_facts(yaml_file) == from_dict
    assert load_facts(str(json_file)) == from_dict
    assert load_facts("-", stdin=io.StringIO(yaml.safe_dump(DOC))) == from_dict
    assert load_facts(from_dict) is from_dict
    assert from_dict.flat()["agent.waagent_conf.extensions_enabled"] == "n"


def test_a_missing_file_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    """Loading a file that does not exist raises InputError naming that path."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as caught:
        load_facts(missing)
    assert str(missing) in str(caught.value)
    assert caught.value.problems[0].source == str(missing)


def test_a_directory_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    """Loading a directory as a facts file raises InputError naming the directory."""
    with pytest.raises(InputError) as caught:
        load_facts(tmp_path)
    assert str(tmp_path) in str(caught.value)
    assert "directory" in str(caught.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    """A facts file that is not valid YAML raises InputError naming the file and the line of the mistake."""
    path = tmp_path / "vm.yaml"
    path.write_text("vm:\n  os: linux\nagent:\n  status: [ready\n  version: 2.2.9\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_facts(path)
    problem = caught.value.problems[0]
    assert problem.source == str(path)
    assert problem.path.startswith("line ")
    line = int(problem.path.split()[1].rstrip(","))
    assert 4 <= line <= 6
    assert "not valid JSON or YAML" in problem.message


def test_invalid_facts_in_a_file_name_the_file(tmp_path: Path) -> None:
    """A problem in a file's facts is reported with the file as its source."""
    path = tmp_path / "vm.yaml"
    path.write_text("vm:\n  os: mac\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_facts(path)
    assert caught.value.problems[0].source == str(path)
    assert f"{path}: vm.os" in str(caught.value)


def test_stdin_problems_name_stdin() -> None:
    """A problem in facts read from standard input is reported as <stdin>."""
    with pytest.raises(InputError) as caught:
        load_facts("-", stdin=io.StringIO("vm: {os: mac}"))
    assert caught.value.problems[0].source == "<stdin>"




# ---------------------------------------------------------------------------
# Backup policy, protection and guest facts


@pytest.mark.parametrize(
    ("given", "fact", "value"),
    [
        ({"policy_type": "V1"}, "policy_type", "standard"),
        ({"policy_type": "Enhanced"}, "policy_type", "enhanced"),
        ({"snapshot_consistency": "OnlyCrashConsistent"}, "snapshot_consistency", "only_crash_consistent"),
        ({"snapshot_consistency": "Default"}, "snapshot_consistency", "default"),
        ({"protection_state": "ProtectionStopped"}, "protection_state", "stopped"),
        ({"protection_state": "BackupsSuspended"}, "protection_state", "paused"),
        ({"protection_state": "Protected"}, "protection_state", "active"),
    ],
)
def test_azure_spellings_of_policy_and_protection_are_read(given: dict[str, str], fact: str, value: str) -> None:
    """Azure's own values (policyType V1/V2, snapshotConsistencyType, protectionState) are accepted as facts."""
    assert validate_facts({"backup": given}, "x").flat()[f"backup.{fact}"] == value


@pytest.mark.parametrize(
    ("backup", "words"),
    [
        ({"policy_type": "standard", "snapshot_consistency": "only_crash_consistent"}, "agentless backup needs the enhanced policy"),
        ({"policy_type": "standard", "schedule_interval_hours": 4}, "at most one scheduled backup a day"),
    ],
)
def test_a_standard_policy_cannot_be_agentless_or_hourly(backup: dict[str, Any], words: str) -> None:
    """Only the Enhanced policy backs up several times a day or without the agent: a Standard one that does is refused."""
    problem = only(problems_of({"backup": backup}))
    assert "contradictory" in problem.message and words in problem.message


def test_the_windows_provider_dll_on_a_linux_vm_is_a_contradiction() -> None:
    """iaasvmprovider.dll is the Windows extension's: its state given for a Linux VM is refused."""
    problem = only(problems_of({"vm": {"os": "linux", "snapshot_provider_ok": False}}))
    assert "vm.snapshot_provider_ok is given but vm.os is linux" in problem.message


def test_an_unknown_protection_state_names_the_allowed_values() -> None:
    """A protection state the model does not know is refused with the values it takes."""
    problem = only(problems_of({"backup": {"protection_state": "sleeping"}}))
    assert problem.path == "backup.protection_state"
    assert "active" in f"{problem.message} {problem.allowed}"
