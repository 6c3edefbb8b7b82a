"""A report's canonical JSON, and reports that share their parts with earlier ones.

``report_json`` is defined as the standard library's sorted, UTF-8 JSON of the report's JSON data; the faster
writer must give those exact bytes for any text a VM's facts can hold. An engine keeps the immutable parts of
its reports for reuse: a report built with parts kept from other VMs equals one built afresh, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_engine.diagnosis import Engine
from kb_engine.errors import InputError
from kb_engine.knowledge.load import default_kb
from kb_engine.report.model import Report, report_json

EDITIONS = default_kb().edition_ids
_SHARED = {(edition, backend): Engine(edition, backend=backend) for edition in EDITIONS for backend in ("direct", "experta")}


def reference(report: Report, indent: int | None) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, indent=indent) + "\n"


# Any text a name may hold: every character but control characters, surrogates, line and paragraph
# separators and bidirectional overrides, which facts validation refuses in names.
_ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                                           blacklist_characters="\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
                                                                "\u2066\u2067\u2068\u2069"), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS), _ANY_TEXT, st.sampled_from(["en", "ja"]))
def test_canonical_json_is_the_standard_librarys_sorted_json(doc: dict[str, Any], name: str, lang: str) -> None:
    """Indented (the default) and one-line JSON of generated reports, with any VM name, are the standard library's."""
    report = _SHARED[EDITIONS[-1], "direct"].diagnose({**doc, "name": name}, lang=lang)
    assert report_json(report) == reference(report, 2)
    assert report_json(report, indent=None) == reference(report, None)


def test_the_largest_disk_is_written_exactly_and_a_larger_one_refused() -> None:
    """The largest disk the facts accept appears in the derivations as that number; 2**70 GiB is a problem, not a report."""
    report = _SHARED[EDITIONS[-1], "direct"].diagnose({"vm": {"disks": [{"size_gib": 1024 * 1024}]}})
    text = report_json(report)
    assert str(1024 * 1024) in text
    assert text == reference(report, 2)
    with pytest.raises(InputError) as caught:
        _SHARED[EDITIONS[-1], "direct"].diagnose({"vm": {"disks": [{"size_gib": 2**70}]}})
    (problem,) = caught.value.problems
    assert problem.path == "vm.disks[0].size_gib" and "1048576" in problem.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents(OBSERVABLE_IN_BOTH_EDITIONS), st.sampled_from(["en", "ja"]))
def test_a_report_built_from_shared_parts_equals_one_built_afresh(doc: dict[str, Any], lang: str) -> None:
    """With engines that have diagnosed many other VMs (their kept parts reused), each backend's report is
    byte-identical to the one a new engine builds for that VM alone."""
    for edition in EDITIONS:
        for backend in ("direct", "experta"):
            fresh = Engine(edition, backend="direct")  # a new engine keeps nothing yet; backends give the same reports
            assert report_json(_SHARED[edition, backend].diagnose(doc, lang=lang)) == report_json(fresh.diagnose(doc, lang=lang))
