"""Mermaid trees render on pages as they are: within Mermaid's size limits, with every label escaped."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb_engine.diagrams import build_tree, tree_mermaid
from kb_engine.diagrams.mermaid import MAX_EDGES, MAX_TEXT_SIZE, escape
from kb_engine.knowledge.load import default_kb

ALL_TREES = [(e.id, entry.id, lang) for e in default_kb().editions for entry in e.codes for lang in ("en", "ja")]
_ARROW = re.compile(r" (-->|-\.->)\|")


def _mermaid(edition_id: str, code: str, lang: str) -> str:
    edition = default_kb().edition(edition_id)
    entry = edition.code(code)
    assert entry is not None
    return tree_mermaid(build_tree(edition, entry, lang))


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_each_tree_stays_under_mermaids_default_size_limits(edition_id: str, code: str, lang: str) -> None:
    """Under maxTextSize (50,000 characters) and maxEdges (500), with room to spare (half)."""
    text = _mermaid(edition_id, code, lang)
    assert len(text) < MAX_TEXT_SIZE // 2
    assert len(_ARROW.findall(text)) < MAX_EDGES // 2


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_every_mermaid_label_is_a_quoted_string_without_raw_special_characters(edition_id: str, code: str, lang: str) -> None:
    """Inside each quoted label there is no raw quote, <, > (other than <br/> and, in Japanese, <wbr>), & or backtick."""
    text = _mermaid(edition_id, code, lang)
    assert text.startswith("---\ntitle: ") and "\nflowchart TD\n" in text
    for label in re.findall(r'"((?:[^"\n])*)"', text.split("flowchart TD", 1)[1]):
        body = label.replace("<br/>", "").replace("<wbr>", "")
        assert not set(body) & set('<>&`'), label


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_every_mermaid_arrow_is_labelled(edition_id: str, code: str, lang: str) -> None:
    """Each arrow line carries a |"label"|, like the DOT tree."""
    text = _mermaid(edition_id, code, lang)
    for line in text.splitlines():
        if "-->" in line or "-.->" in line:
            assert re.search(r'(-->|-\.->)\|"[^"]+"\| ', line), line


@given(st.text())
def test_escaped_text_has_no_character_mermaid_would_read(text: str) -> None:
    """escape() leaves no quote, <, >, &, backtick or pipe, and every # starts an entity code."""
    out = escape(text)
    assert not set(out) & set('"<>&`|')
    assert all(re.match(r"#(\d+|quot|lt|gt|amp);", out[i:]) for i, ch in enumerate(out) if ch == "#")
