"""Values as users actually have them: what `waagent --version` prints, an error code in other letters,
a waagent.conf line copied with its comment, the portal's Japanese labels. Each is read in its normal
form, the same way everywhere (facts files, the rules, `collect`, the consultation), and the report says
which values were rewritten."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_engine import Engine, load_facts
from kb_engine.consult.answers import parse_answer
from kb_engine.errors import InputError
from kb_engine.knowledge.waagent_conf import parse_waagent_conf, read_switch, read_value
from kb_engine.report.render import to_markdown, to_text

ENGINE = Engine("2019-12", backend="direct")

_VERSIONS = st.lists(st.integers(min_value=0, max_value=99999), min_size=2, max_size=4).map(
    lambda parts: ".".join(map(str, parts))
)
_WRITTEN = st.sampled_from(["{}", "v{}", "V{}", "WALinuxAgent-{}", "WALinuxAgent - {}", "WALinuxAgent - {} running on ubuntu 18.04"])


def _linux(**agent: Any) -> dict[str, Any]:
    return {"vm": {"os": "linux", "power_state": "running"}, "agent": agent}


@settings(max_examples=60, deadline=None)
@given(version=_VERSIONS, form=_WRITTEN)
def test_a_version_as_the_agent_prints_it_is_read_as_the_version(version: str, form: str) -> None:
    """v2.2.9, WALinuxAgent-2.2.45 and waagent --version's first line all mean the dotted version, noted when rewritten."""
    written = form.format(version)
    facts = load_facts(_linux(version=written))
    assert facts.agent.version == version
    notes = [(n.field, n.given, n.read_as) for n in facts.input_notes]
    assert notes == ([] if written == version else [("agent.version", written, version)])
    assert parse_answer("agent.version", written) == version


@pytest.mark.parametrize("bad", ["2.2.x", "WALinuxAgent", "version 2.2.9", "2.2.9-beta", "vv2.2.9"])
def test_text_that_is_not_a_version_is_still_refused(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        load_facts(_linux(version=bad))
    assert caught.value.problems[0].path == "agent.version"


def test_the_report_says_which_values_were_rewritten_in_both_languages() -> None:
    """A rewritten value is shown with what was given, in text, Markdown and JSON; nothing is said otherwise."""
    doc = {**_linux(status="not_ready", version="WALinuxAgent-2.2.45", latest_version="v2.2.53"),
           "observed_error": "usererrorguestagentstatusunavailable"}
    report = ENGINE.diagnose(doc)
    assert report.observed is not None and report.observed.code == "UserErrorGuestAgentStatusUnavailable"
    joined = "\n".join(report.input_notes)
    for given_text, read in (("WALinuxAgent-2.2.45", "2.2.45"), ("v2.2.53", "2.2.53"),
                             ("usererrorguestagentstatusunavailable", "UserErrorGuestAgentStatusUnavailable")):
        assert given_text in joined and read in joined
    assert "How the input was read" in to_text(report) and "### How the input was read" in to_markdown(report)
    ja = ENGINE.diagnose(doc, lang="ja")
    assert all("として読みました" in note for note in ja.input_notes)
    clean = ENGINE.diagnose(_linux(version="2.2.45"))
    assert clean.input_notes == [] and "How the input was read" not in to_text(clean)


def test_error_codes_are_matched_without_regard_to_letter_case() -> None:
    """observed_error in any case finds the code (as kb show does); the consultation accepts it too."""
    report = ENGINE.diagnose({"observed_error": "GUESTAGENTSNAPSHOTTASKSTATUSERROR"})
    assert report.observed is not None and report.observed.entry == "GuestAgentSnapshotTaskStatusError"
    assert ENGINE.edition.code("usererrorguestagentstatusunavailable") is not None


@pytest.mark.parametrize(
    ("written", "off"),
    [("n", True), ("N", True), ("n # disabled by ops", True), ('"n"', True), ("n#off", True),
     ("y", False), ("no", False), ("", False), ("# n", False)],
)
def test_a_waagent_conf_value_is_read_as_the_agent_reads_it_everywhere(written: str, off: bool) -> None:
    """The facts model, the rules and collect's file parser give Extensions.Enabled one meaning."""
    from_file = parse_waagent_conf(f"Extensions.Enabled={written}\n")["Extensions.Enabled"]
    facts = load_facts(_linux(waagent_conf={"Extensions.Enabled": written}))
    assert facts.agent.waagent_conf is not None
    assert facts.agent.waagent_conf.extensions_enabled == from_file == read_value(written)
    assert read_switch(written, True) is (not off)
    report = ENGINE.diagnose(_linux(waagent_conf={"Extensions.Enabled": written}))
    status = next(c.status for c in report.causes if c.id == "agent_config_options")
    assert status == ("confirmed" if off else "ruled_out")


def test_the_portals_japanese_labels_are_answers() -> None:
    """The consultation's help shows 準備完了 / 準備ができていません: typing them is understood."""
    assert parse_answer("agent.status", "準備完了", "ja") == "ready"
    assert parse_answer("agent.status", "準備ができていません", "ja") == "not_ready"
    with pytest.raises(InputError):
        parse_answer("agent.status", "準備", "ja")


def test_the_japanese_markdown_table_is_headed_in_japanese() -> None:
    report = ENGINE.diagnose({**_linux(status="not_ready"), "observed_error": "UserErrorGuestAgentStatusUnavailable"}, lang="ja")
    markdown = to_markdown(report)
    assert "| # | 原因 | 状態 | 理由 |" in markdown and "| cause |" not in markdown


def test_still_unknown_is_described_in_japanese() -> None:
    """Every "Still unknown" line of a Japanese report is a Japanese sentence (the consultation's question)."""
    report = ENGINE.diagnose({"observed_error": "UserErrorGuestAgentStatusUnavailable"}, lang="ja")
    assert report.unknown
    for item in report.unknown:
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in item.description), item
