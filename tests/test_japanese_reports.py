"""A Japanese report speaks Japanese: over generated VMs, with both backends, its text, its Markdown
and every string of its JSON have no run of English words. So do the Japanese decision trees and
cause graphs' conditions.

What may stay in Latin letters is what a user types or reads off a screen as it is: code in
backticks, commands, paths, URLs, dotted fact names, ids (snake_case, CamelCase error codes),
acronyms and units, the values of the facts given, and product names. Everything else left after
those are set aside must not hold two English words in a row.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from factsgen import OBSERVABLE_IN_BOTH_EDITIONS, facts_documents
from hypothesis import HealthCheck, given, settings

from kb_engine.diagnosis import Engine
from kb_engine.diagrams.graph import cause_graph
from kb_engine.diagrams.tree import build_tree
from kb_engine.engine.reasoner import Backend
from kb_engine.knowledge.load import default_kb
from kb_engine.report.model import Report
from kb_engine.report.render import to_markdown, to_text

EDITIONS = default_kb().edition_ids
BACKENDS: tuple[Backend, ...] = ("experta", "direct")

# Product, service and brand names, written as their makers write them (longest first).
PRODUCTS = (
    "Windows Azure Guest Agent", "Azure Disk Encryption", ".NET Framework", "Recovery Services",
    "Azure Backup", "Azure Storage", "Azure portal", "Azure CLI", "Azure Resource Manager",
    "Key Vault", "Programs and Features",
)
PRODUCT_WORDS = frozenset(  # also as values are spelt: windows, linux
    "azure windows linux ubuntu debian rhel suse centos powershell vmsnapshot vmsnapshotlinux applocker "
    "systemd waagent walinuxagent microsoft hyper".split()
)
_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"https?://\S+")
_MAPPING = re.compile(r"\{[^{}\n]*\}")  # a value shown as it is: {is_backup: true, name: VMSnapshot}
_PATH = re.compile(r"(?:[A-Za-z]:)?[\\/]?(?:[\w.$%-]+[\\/])+[\w.$*%-]*")
_DOTTED = re.compile(r"\b\w+(?:\[\])?(?:\.\w+(?:\[\])?)+")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# Between two words of one English run: spaces, commas, hyphens (not brackets, not Japanese).
_JOINER = re.compile(r"[\s,;:-]*")


def _is_english_word(word: str) -> bool:
    if len(word) < 2 or word.lower() in PRODUCT_WORDS:
        return False
    if word.isupper():  # an acronym or unit: VM, IP, GiB is not, but GB is
        return False
    return not any(c.isupper() for c in word[1:])  # CamelCase is an id or error code: diskSizeGB, UserErrorX


def english_runs(text: str, verbatim: frozenset[str]) -> list[str]:
    """The runs of 2+ English words in ``text`` once code, commands, names, ids and values are set aside."""
    for product in PRODUCTS:
        text = text.replace(product, " ")
    for literal in sorted(verbatim, key=len, reverse=True):  # whole words only: a value `y` is no letter y
        text = re.sub(rf"(?<![\w]){re.escape(literal)}(?![\w])", " ", text)
    for pattern in (_CODE, _URL, _MAPPING, _PATH, _DOTTED):
        text = pattern.sub(" ", text)
    text = re.sub(r"\b\w*(?:_|\d)\w*\b", " ", text)  # snake_case ids, numbers, versions
    text = re.sub(r"\b[a-z]+(?:-[a-z]+)+\b", " ", text)  # kebab-case names: cloud-init
    runs: list[list[str]] = [[]]
    end = 0
    for match in _WORD.finditer(text):
        word = match.group()
        if not _is_english_word(word):
            runs.append([])
        else:
            if runs[-1] and _JOINER.fullmatch(text[end : match.start()]) is None:
                runs.append([])
            runs[-1].append(word)
        end = match.end()
    return [" ".join(run) for run in runs if len(run) >= 2]


def _strings(value: Any, into: list[str], skip: frozenset[str] = frozenset()) -> list[str]:
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                _strings(item, into, skip)
    elif isinstance(value, list):
        for item in value:
            _strings(item, into, skip)
    return into


def verbatim_of(report: Report, doc: dict[str, Any]) -> frozenset[str]:
    """What a report shows exactly as it is: the commands it gives, the values the user gave."""
    data = report.model_dump(mode="json")
    commands: list[str] = []
    for remedy in data.get("remedies") or []:
        for step in remedy.get("steps") or []:
            commands.extend(c["command"] for c in step.get("commands") or [])
    return frozenset(s for s in [*commands, *_strings(doc, [])] if s.strip())


def texts_of(report: Report) -> list[str]:
    """Text (with its explanations), Markdown, and the JSON report's strings (not its derivations, which are the rules' notation,
    nor its commands, which are typed as they are)."""
    data = report.model_dump(mode="json")
    return [to_text(report, explain=True), to_markdown(report), *_strings(data, [], frozenset({"derivation", "command"}))]


def test_the_checker_finds_english_and_lets_names_code_and_products_through() -> None:
    """The check itself: English sentences are caught; names, code, products, ids and acronyms are not."""
    assert english_runs("Size in GiB, as Azure's diskSizeGB.", frozenset()) == ["Size in", "as Azure's"]
    assert english_runs("`vm.disks[].encrypted` has an item where x", frozenset()) == ["has an item where"]
    assert english_runs("vm.os が windows (必要とする原因: agent_unresponsive_windows)", frozenset()) == []
    assert english_runs("Azure portal で Azure Backup と VMSnapshot 拡張機能 (ADE) を確認", frozenset()) == []
    assert english_runs("  - UserErrorGuestAgentStatusUnavailable: VM エージェント", frozenset()) == []
    assert english_runs("その他: service waagent start", frozenset({"service waagent start"})) == []
    assert english_runs("C:\\WindowsAzure\\Logs と /var/log/waagent.log を見る", frozenset()) == []


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("edition", EDITIONS)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=facts_documents(OBSERVABLE_IN_BOTH_EDITIONS))
def test_a_japanese_report_has_no_english_sentence(doc: dict[str, Any], edition: str, backend: Backend) -> None:
    """With lang ja, no text, Markdown or JSON string of the report holds a run of English words."""
    report = Engine(edition, backend=backend).diagnose(doc, lang="ja")
    verbatim = verbatim_of(report, doc)
    for text in texts_of(report):
        for line in text.splitlines():
            found = english_runs(line, verbatim)
            assert not found, f"English {found} in a Japanese report: {line[:300]}"


@pytest.mark.parametrize("edition", EDITIONS)
def test_japanese_diagrams_state_conditions_in_japanese(edition: str) -> None:
    """Every question, test and arrow of a Japanese decision tree, and every condition of the cause graph's
    Japanese text, is Japanese around its names and values (limits by value, not by internal name)."""
    ed = default_kb().edition(edition)
    texts: list[str] = []
    for entry in ed.codes:
        tree = build_tree(ed, entry, "ja")
        texts += [t for node in tree.nodes for t in (node.title, node.test or "", *node.lines)]
        texts += [edge.label for edge in tree.edges]
    graph = cause_graph(ed)
    conditions = [data["text_ja"] for _, data in graph.nodes(data=True) if data["kind"] == "condition"]
    assert conditions
    for text in [*texts, *conditions]:
        assert not english_runs(text, frozenset()), f"English {english_runs(text, frozenset())} in a Japanese diagram: {text}"
        assert "limit " not in text, f"a limit by its internal name in a Japanese diagram: {text}"
