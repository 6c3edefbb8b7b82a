"""Hostile and broken input, in facts and in knowledge files: a report or a typed error, never a crash or a hang.

Each class of input that once crashed or hung has its minimal reproducer here;
the hypothesis tests at the end generate and mutate documents and assert the
only outcomes are a report, an InputError (facts) or a KnowledgeBaseError
(knowledge files). ``tests/fuzz_inputs.py`` runs the same on demand, far longer.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kb_engine
from kb_engine import Engine, InputError, KnowledgeBaseError, load_facts
from kb_engine.errors import show_value
from kb_engine.fleet.records import Record, parse_record
from kb_engine.knowledge.lint import lint
from kb_engine.knowledge.load import MAX_CONDITION_PARTS, load_kb

SHIPPED = Path(kb_engine.__file__).parent / "knowledge" / "data"
KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
ENGINES = {backend: Engine(backend=backend) for backend in ("experta", "direct")}


def facts_from(data: bytes) -> InputError:
    with pytest.raises(InputError) as caught:
        load_facts("-", stdin=io.BytesIO(data))
    str(caught.value).encode("utf-8")  # the message itself prints
    return caught.value


BOMB = b"".join(
    [b'a: &a ["x","x","x","x","x","x","x","x","x"]\n']
    + [f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n".encode() for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
)


@pytest.mark.parametrize(("data", "says"), [
    (b"true", "must be a mapping of facts"),
    (b".inf", "must be a mapping of facts"),
    (b"[1, 2]", "must be a mapping of facts"),
    (b'"\\x00"', "must be a mapping of facts"),
    (b"vm: !!set {a, b}", "has the tag tag:yaml.org,2002:set"),
    (b"vm: !!binary aGk=", "has the tag tag:yaml.org,2002:binary"),
    (b"vm: !!python/object:os.system {}", "has the tag"),
    (b"vm: {1: x}", "a key must be text"),
    (b"vm: {[a, b]: x}", "a key must be text"),
    (b"vm: &x [*x]", "alias"),
    (b"vm: &x {os: linux}\nagent: *x", "aliases are not allowed here"),
    (BOMB, "aliases are not allowed here"),
    (b"[" * 100 + b"]" * 100, "nested more than 64 levels deep"),
    (b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 100)), "nested more than 64 levels deep"),
    (b"backup: {backups_per_day: " + b"9" * 5000 + b"}", "is not valid JSON or YAML"),
    (b'{"backup": {"backups_per_day": ' + b"9" * 5000 + b"}}", "is not valid JSON or YAML"),
    (b"vm: {disks: [{size_gib: " + b"9" * 100 + b"}]}", "less than or equal to 1048576"),
    (b"backup: {instant_restore_points: 1e400}", "valid integer"),
    (b'{"vm": {"disks": [{"size_gib": NaN}]}}', "valid integer"),
    (b'{"name": "\\ud800"}', "lone surrogate (U+D800)"),
    (b"name: \"\\uDC00x\"", "invalid Unicode character"),
    (b"extensions: [" + b",".join(b"{name: x}" for _ in range(5000)) + b"]", "at most 256 items"),
    (b"extensions: [{name: VMSnapshot, state: [" + b",".join(b"x" for _ in range(100000)) + b"]}]", "extensions[0].state"),
    (b"\xff\xfe\x00v", "is not UTF-8 text (byte 0)"),
    (b"name: caf\xe9", "is not UTF-8 text (byte 9)"),
])
def test_minimal_reproducers_are_input_errors(data: bytes, says: str) -> None:
    error = facts_from(data)
    assert says in str(error)


def test_a_date_key_is_a_name_not_a_crash() -> None:
    error = facts_from(b"vm: {2020-01-01: x}")
    assert error.problems[0].path == "vm.2020-01-01" and "unknown field" in error.problems[0].message


def test_a_json_lines_record_is_bounded_the_same_way() -> None:
    for line, says in ((b'{"a": ' * 80 + b"1" + b"}" * 80, "nested more than 64"),
                       (b'{"name": "x", "name": "y"}', 'key "name" is written twice'),
                       (b'{"vm": {"disks": [{"size_gib": Infinity}]}}', "Infinity is not a JSON number")):
        with pytest.raises(InputError) as caught:
            parse_record(Record("fleet.jsonl", 3, line))
        assert says in str(caught.value) and "fleet.jsonl:3" in str(caught.value)


def test_the_input_size_limit_is_configurable(tmp_path: Path) -> None:
    """KB_ENGINE_MAX_INPUT_MIB lowers (or raises) the limit; the message names the limit and the variable."""
    big = tmp_path / "big.yaml"
    big.write_text("description: " + "x" * (2 * 1024 * 1024) + "\n", encoding="utf-8")
    env = {**os.environ, "KB_ENGINE_MAX_INPUT_MIB": "1"}
    result = subprocess.run([KB_ENGINE, "diagnose", str(big)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert "is larger than 1 MiB" in result.stderr and "KB_ENGINE_MAX_INPUT_MIB" in result.stderr
    result = subprocess.run([KB_ENGINE, "diagnose", str(big)], capture_output=True, text=True, timeout=120)
    assert result.returncode != 2, result.stderr  # 2 MiB is within the default 4 MiB
    bad = subprocess.run([KB_ENGINE, "diagnose", str(big)], capture_output=True, text=True, timeout=120,
                         env={**env, "KB_ENGINE_MAX_INPUT_MIB": "lots"})
    assert bad.returncode == 2 and "KB_ENGINE_MAX_INPUT_MIB is not a size in MiB" in bad.stderr


@pytest.mark.parametrize("document", [
    b"value: &x [*x]",
    BOMB,
    b"value: !!set {a}",
    b"[" * 100 + b"]" * 100,
])
def test_azure_documents_are_bounded_the_same_way(document: bytes, tmp_path: Path) -> None:
    path = tmp_path / "vm.json"
    path.write_bytes(document)
    result = subprocess.run([KB_ENGINE, "facts", "from-azure", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "vm.json" in result.stderr and "internal error" not in result.stderr


def test_show_value_renders_what_json_cannot() -> None:
    looped: list[object] = []
    looped.append(looped)
    assert show_value({1, 2}) == "{1, 2}"
    assert show_value({(1, 2): datetime.date(2020, 1, 2)}) == "{[1, 2]: 2020-01-02}"
    assert show_value(looped) == "[<itself>]"
    assert show_value(10**5000) == "<a number of about 5001 digits>"
    assert show_value("a\u0000\ud800\u202e") == '"a\\u0000\\ud800\\u202e"'
    assert len(show_value("x" * 10_000)) == 80 and show_value("x" * 10_000).endswith("...")


# ---------------------------------------------------------------------------
# Knowledge files


def kb_mutant(tmp_path: Path, file: str, old: str, new: str) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(SHIPPED, copy)
    text = (copy / file).read_text(encoding="utf-8")
    assert old in text
    (copy / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


WINDOWS = "    when: {fact: vm.os, eq: windows}"
LINUX = "    when: {fact: vm.os, eq: linux}"

KB_MUTANTS = {
    "finding-uses-a-later-one": ("findings.yaml", WINDOWS, "    when: {finding: os_linux}", "not above it"),
    "finding-cycle-1": ("findings.yaml", WINDOWS, "    when: {finding: os_windows}", "a cycle of references"),
    "not-300": ("findings.yaml", WINDOWS, "    when: " + "{not: " * 300 + "{fact: vm.os, eq: windows}" + "}" * 300,
                "nested more than 64 levels deep"),
    "any-wide": ("findings.yaml", WINDOWS, "    when: {any: [" + ", ".join(["{fact: vm.os, eq: windows}"] * 2000) + "]}",
                 f"at most {MAX_CONDITION_PARTS}"),
    "deep-yaml": ("findings.yaml", WINDOWS, "    when: " + "[" * 3000 + "]" * 3000, "nest"),  # libyaml's words or ours
    "complex-key": ("findings.yaml", "  - id: os_windows\n", "  - id: os_windows\n    ? [a, b]\n    : x\n", "a key must be text"),
    "alias-bomb": ("findings.yaml", "findings:\n", BOMB.decode() + "findings:\n", "values once its aliases are expanded"),
    "alias-cycle": ("findings.yaml", "findings:\n", "loop: &l [*l]\nfindings:\n", "inside its own anchor"),
    "python-tag": ("findings.yaml", "findings:\n", "x: !!python/name:os.system ''\nfindings:\n", "has the tag"),
}


@pytest.mark.parametrize("name", sorted(KB_MUTANTS))
def test_broken_knowledge_files_are_knowledge_base_errors(name: str, tmp_path: Path) -> None:
    file, old, new, says = KB_MUTANTS[name]
    copy = kb_mutant(tmp_path, file, old, new)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(copy)
    assert any(p.source.endswith(file) and says in p.message for p in caught.value.problems), caught.value
    assert any(f.check == "load" and says in f.message for f in lint(copy))


def test_causes_whose_applies_refer_to_each_other_are_a_named_cycle(tmp_path: Path) -> None:
    copy = kb_mutant(tmp_path, "causes.yaml", "  - id: vm_not_running\n",
                     "  - id: vm_not_running\n    applies: {cause: agent_unresponsive_windows}\n")
    text = (copy / "causes.yaml").read_text(encoding="utf-8")
    (copy / "causes.yaml").write_text(text.replace("    applies: {finding: os_windows}", "    applies: {cause: vm_not_running}", 1),
                                      encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(copy)
    assert any("a cycle of references" in p.message and "cause vm_not_running -> cause agent_unresponsive_windows" in p.message
               for p in caught.value.problems), caught.value


def test_the_command_line_names_the_file_and_exits_4(tmp_path: Path) -> None:
    file, old, new, _ = KB_MUTANTS["alias-bomb"]
    copy = kb_mutant(tmp_path, file, old, new)
    for args in (["lint", "--kb", str(copy)], ["diagnose", "-", "--kb", str(copy)]):
        result = subprocess.run([KB_ENGINE, *args], input="{}", capture_output=True, text=True, timeout=120)
        assert result.returncode == 4, result.stderr
        assert "findings.yaml" in result.stdout + result.stderr


# ---------------------------------------------------------------------------
# Generated and mutated documents

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
    st.sampled_from(["linux", "windows", "ready", "not_ready", "2.2.9", "VMSnapshot", "running", "\ud800", "\x00"]),
)
KEYS = st.one_of(st.sampled_from(["vm", "agent", "os", "status", "version", "extensions", "name", "state", "disks",
                                  "size_gib", "backup", "network", "observed_error", "backups_per_day"]), st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
                      max_leaves=30)


def _outcome(data: bytes, backend: str) -> None:
    try:
        ENGINES[backend].diagnose(load_facts("-", stdin=io.BytesIO(data)))
    except InputError as exc:
        str(exc).encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, form=st.sampled_from(["json", "yaml"]), backend=st.sampled_from(sorted(ENGINES)))
def test_generated_facts_give_a_report_or_an_input_error(value: object, form: str, backend: str) -> None:
    try:
        text = json.dumps(value, ensure_ascii=False) if form == "json" else yaml.safe_dump(value, allow_unicode=True)
        data = text.encode("utf-8", "surrogatepass")
    except (ValueError, yaml.YAMLError):
        return  # the generator's own limits (a float JSON cannot hold)
    _outcome(data, backend)


SEED = b"name: vm-1\nvm: {os: linux, distro: ubuntu}\nagent: {status: Not Ready, version: 2.2.9}\n" \
       b"extensions: [{name: VMSnapshotLinux, state: failed}]\nobserved_error: GuestAgentSnapshotTaskStatusError\n"


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(st.tuples(st.integers(0, len(SEED)), st.binary(max_size=6)), max_size=4),
       backend=st.sampled_from(sorted(ENGINES)))
def test_mutated_facts_give_a_report_or_an_input_error(cuts: list[tuple[int, bytes]], backend: str) -> None:
    data = bytearray(SEED)
    for at, insert in cuts:
        data[at:at + len(insert)] = insert
    _outcome(bytes(data), backend)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.integers(0, 10_000), insert=st.sampled_from(["[", "{", "&a ", "*a", "!!set ", ": ", "\n  - ", "\"\\0\"", "?"]))
def test_mutated_knowledge_files_load_or_give_a_knowledge_base_error(at: int, insert: str, tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(SHIPPED, copy)
    text = (copy / "findings.yaml").read_text(encoding="utf-8")
    at %= len(text)
    (copy / "findings.yaml").write_text(text[:at] + insert + text[at:], encoding="utf-8")
    try:
        load_kb(copy)
    except KnowledgeBaseError as exc:
        assert exc.problems
