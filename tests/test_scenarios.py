"""Every example in facts/ gives the diagnosis it declares, per edition, and the examples cover the whole knowledge base.

Each facts file carries an ``expect:`` block, worked out by hand from the
knowledge base's conditions::

    expect:
      "2019-12":
        verdict: problems            # problems | unexplained | incomplete | clean
        confirmed: [agent_outdated_linux]
        expected_codes: [GuestAgentSnapshotTaskStatusError, ...]
        escalate: false              # only when observed_error is set

An edition a file does not name must be one whose knowledge base does not know
the file's observed error: diagnosing it there is an error that names the
editions that do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kb_engine.diagnosis import Engine
from kb_engine.engine.reasoner import Backend
from kb_engine.errors import UnknownErrorCodeError
from kb_engine.facts.load import load_facts
from kb_engine.knowledge.load import default_kb
from kb_engine.knowledge.vocabulary import Facts

FACTS_DIR = Path(__file__).resolve().parent.parent / "facts"
FILES = sorted(FACTS_DIR.glob("*.yaml"))
EDITIONS = default_kb().edition_ids
_ENGINES: dict[tuple[str, str], Engine] = {}


def engine(edition: str, backend: Backend = "experta") -> Engine:
    if (edition, backend) not in _ENGINES:
        _ENGINES[edition, backend] = Engine(edition, backend=backend)
    return _ENGINES[edition, backend]


def raw(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def expectations(path: Path) -> dict[str, dict[str, Any]]:
    return raw(path).get("expect") or {}


CASES = [pytest.param(path, edition, id=f"{path.stem}@{edition}") for path in FILES for edition in expectations(path)]
UNDECLARED = [
    pytest.param(path, edition, id=f"{path.stem}@{edition}")
    for path in FILES
    for edition in EDITIONS
    if edition not in expectations(path)
]


def test_the_examples_directory_holds_the_readme_demo() -> None:
    """facts/linux-agent-outdated.yaml, the README's demo, exists among the examples."""
    assert FILES, f"no examples in {FACTS_DIR}"
    assert FACTS_DIR / "linux-agent-outdated.yaml" in FILES


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_example_loads_and_declares_what_it_expects(path: Path) -> None:
    """Each example is valid facts with a name, a one-line description and an expectation for at least one edition."""
    facts = load_facts(path)
    assert isinstance(facts, Facts)
    assert facts.name, "an example needs a name"
    assert facts.description and "\n" not in facts.description.strip(), "an example needs a one-line description"
    expect = expectations(path)
    assert expect, "an example needs an expect: block"
    for edition, declared in expect.items():
        assert edition in EDITIONS, f"unknown edition {edition!r}"
        required = {"verdict", "confirmed", "expected_codes"} | ({"escalate"} if facts.observed_error else set())
        assert required <= set(declared), f"{edition}: expect needs {sorted(required - set(declared))}"
        assert set(declared) <= {"verdict", "confirmed", "expected_codes", "escalate"}, f"{edition}: unknown keys"
        assert declared["verdict"] in {"problems", "unexplained", "incomplete", "clean"}
        if not facts.observed_error:
            assert "escalate" not in declared, "escalate is declared only when observed_error is set"


@pytest.mark.parametrize("backend", ["experta", "direct"])
@pytest.mark.parametrize(("path", "edition"), CASES)
def test_example_gives_the_declared_diagnosis(path: Path, edition: str, backend: Backend) -> None:
    """With either backend, the report's verdict, confirmed causes, expected codes and escalation are exactly what
    the example declares."""
    declared = expectations(path)[edition]
    report = engine(edition, backend).diagnose(path)
    confirmed = {c.id for c in report.causes if c.status == "confirmed"}
    got: dict[str, Any] = {
        "verdict": report.verdict,
        "confirmed": sorted(confirmed),
        "expected_codes": sorted(e.entry for e in report.expected_codes),
    }
    want: dict[str, Any] = {
        "verdict": declared["verdict"],
        "confirmed": sorted(declared["confirmed"]),
        "expected_codes": sorted(declared["expected_codes"]),
    }
    if "escalate" in declared:
        assert report.observed is not None
        got["escalate"] = report.observed.escalate
        want["escalate"] = declared["escalate"]
        assert (report.escalation is not None) is declared["escalate"], "the escalation section follows the flag"
    assert got == want
    assert report.edition == edition


@pytest.mark.parametrize(("path", "edition"), UNDECLARED)
def test_an_edition_an_example_leaves_out_does_not_know_its_error(path: Path, edition: str) -> None:
    """An example skips an edition only when its observed error is not in that edition, and diagnosing it there says which editions have it."""
    facts = load_facts(path)
    assert facts.observed_error, f"{path.name} must declare an expectation for {edition}"
    with pytest.raises(UnknownErrorCodeError) as caught:
        engine(edition).diagnose(path)
    for other in expectations(path):
        assert other in str(caught.value)


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_cause_is_confirmed_by_some_example(edition: str) -> None:
    """For each edition, every cause of the knowledge base is confirmed in at least one example's expectation."""
    confirmed = {cid for path in FILES for cid in expectations(path).get(edition, {}).get("confirmed", [])}
    missing = [cid for cid in default_kb().edition(edition).causes if cid not in confirmed]
    assert not missing, f"no example confirms {missing} in {edition}"


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_error_code_is_observed_in_some_example(edition: str) -> None:
    """For each edition, every error-code entry is the observed error of at least one example run in that edition."""
    kb = default_kb()
    ed = kb.edition(edition)
    observed = set()
    for path in FILES:
        code = raw(path).get("observed_error")
        if code and edition in expectations(path):
            observed.add(kb.resolve_code(code, ed).id)
    missing = [entry.id for entry in ed.codes if entry.id not in observed]
    assert not missing, f"no example observes {missing} in {edition}"


def test_every_spelling_of_every_code_is_used_by_some_example() -> None:
    """Every code name of every edition (both spellings of the managed-disks error, BackUpOperationFailedV2) is some example's observed error."""
    used = {raw(path).get("observed_error") for path in FILES}
    names = {name for ed in default_kb().editions for entry in ed.codes for name in entry.names}
    assert names - used == set()


def test_the_2019_12_only_error_is_refused_by_2019_07_naming_2019_12() -> None:
    """Diagnosing UserErrorVmProvisioningStateFailed with edition 2019-07 is an UnknownErrorCodeError that names edition 2019-12."""
    facts = {"vm": {"os": "linux"}, "observed_error": "UserErrorVmProvisioningStateFailed"}
    with pytest.raises(UnknownErrorCodeError, match="2019-12") as caught:
        engine("2019-07").diagnose(facts)
    assert "2019-07" in str(caught.value)
    assert caught.value.code == "UserErrorVmProvisioningStateFailed"
