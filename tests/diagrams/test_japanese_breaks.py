"""Japanese labels break between phrases ("ディスクが / ありますか"), never inside a word ("ディス / クが")."""

from __future__ import annotations

import re

import budoux
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb_engine.diagrams import build_tree, tree_mermaid
from kb_engine.diagrams.labels import phrases, width, wrap
from kb_engine.diagrams.mermaid import JA_CSS
from kb_engine.knowledge.load import default_kb

PARSER = budoux.load_default_japanese_parser()
JA_TREES = [(e.id, entry.id) for e in default_kb().editions for entry in e.codes]


def _texts(edition_id: str, code: str) -> list[str]:
    edition = default_kb().edition(edition_id)
    entry = edition.code(code)
    assert entry is not None
    tree = build_tree(edition, entry, "ja")
    out = [n.title for n in tree.nodes] + [s.text for n in tree.nodes for s in n.steps] + [g.heading for g in tree.groups]
    return [text for text in out if text]


def _phrase_at(text: str, offset: int) -> tuple[bool, str, int]:
    """Whether a phrase ends at this offset (counted without spaces), the phrase that holds it, and the offset
    inside that phrase."""
    at = 0
    for phrase in PARSER.parse(text):
        size = len(phrase.replace(" ", ""))
        if at + size >= offset:
            return at + size == offset, phrase.strip(), offset - at
        at += size
    return True, "", 0


def _word_at(phrase: str, offset: int) -> tuple[bool, str]:
    """Whether a space of the phrase is at this offset (counted without spaces), and the word that holds it."""
    at = 0
    for part in phrase.split(" "):
        if at == offset or at + len(part) == offset:
            return True, part
        if at < offset < at + len(part):
            return False, part
        at += len(part)
    return True, ""


def test_a_reviewed_example() -> None:
    assert wrap("32 TB (32768 GiB) を超えるディスクがありますか?", 30) == ["32 TB (32768 GiB) を超える", "ディスクがありますか?"]
    assert wrap("復元ポイント コレクションにロックがありますか？ロックを解除してから、バックアップを再試行します。", 30) == [
        "復元ポイント コレクションに", "ロックがありますか？ロックを", "解除してから、バックアップを", "再試行します。"]


@pytest.mark.parametrize(("edition_id", "code"), JA_TREES)
def test_wrapped_japanese_lines_end_between_phrases_and_keep_every_character(edition_id: str, code: str) -> None:
    """Every label text of every Japanese tree, wrapped as the drawings and outlines wrap it: the lines hold the
    text's characters in order, and each line ends where a phrase ends; only a phrase wider than a line is
    broken, at its spaces, and between characters only inside a word (between spaces) wider than a line."""
    for text in _texts(edition_id, code):
        for columns in (24, 40):
            lines = wrap(text, columns)
            assert "".join(lines).replace(" ", "") == text.replace(" ", "")
            at = 0
            for line in lines[:-1]:
                at += len(line.replace(" ", ""))
                between, phrase, inside = _phrase_at(text, at)
                assert between or width(phrase) > columns, (text, lines)
                at_space, part = _word_at(phrase, inside)
                assert between or at_space or width(part) > columns, (text, lines)


@pytest.mark.parametrize(("edition_id", "code"), JA_TREES)
def test_mermaid_breaks_japanese_only_between_phrases(edition_id: str, code: str) -> None:
    """A Japanese tree's Mermaid keeps its words together (its style sheet) and marks each phrase end with <wbr>."""
    edition = default_kb().edition(edition_id)
    entry = edition.code(code)
    assert entry is not None
    text = tree_mermaid(build_tree(edition, entry, "ja"))
    assert f"themeCSS: \"{JA_CSS}\"" in text and "word-break: keep-all" in JA_CSS
    assert "<wbr>" in text
    english = tree_mermaid(build_tree(edition, entry, "en"))
    assert "<wbr>" not in english and "themeCSS" not in english
    for label in re.findall(r'"([^"\n]*)"', text):
        for part in label.split("<br/>"):
            pieces = part.split("<wbr>")
            assert all(piece for piece in pieces), part


OPENING = "(（「『［【〔〈《[{"
CLOSING = ")）」』］】〕〉》]}、。,.:;?!？！"
# Texts like the knowledge base's: Japanese words, English words, brackets and quotes of both widths, spaces.
TEXTS = st.lists(
    st.sampled_from(["ディスク", "が", "ありますか", "バックアップ", "を", "再試行します", "VM", "Standard", "GiB",
                     "32768", "Enhanced", "ではない", " ", " ", " / ", *OPENING, *CLOSING]),
    min_size=1, max_size=30).map("".join)


@given(TEXTS, st.integers(min_value=2, max_value=40))
def test_no_line_ends_with_an_opening_bracket_nor_starts_with_a_closing_one(text: str, columns: int) -> None:
    """Wrapped labels and outlines: "(" stays with the word after it, ")", "、" and a slash between
    alternatives with the word before, even across a space; no character is lost."""
    lines = wrap(text, columns)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for before, after in zip(lines, lines[1:], strict=False):
        assert before.rstrip()[-1:] not in set(OPENING), lines
        assert after.lstrip()[:1] not in set(CLOSING), lines
        assert not re.match(r"/(\s|$)", after.lstrip()), lines  # "A / B" breaks after the slash, not before


@given(TEXTS.map(lambda text: "日本語 " + text))
def test_mermaid_break_points_respect_brackets(text: str) -> None:
    """Mermaid may break a Japanese label between the pieces (a <wbr> between them): never after an opening
    bracket nor before a closing one; the pieces put back together are the text."""
    pieces = phrases(text)
    assert "".join(pieces) == text
    for before, after in zip(pieces, pieces[1:], strict=False):
        assert before.rstrip()[-1:] not in set(OPENING), pieces
        assert after.lstrip()[:1] not in set(CLOSING), pieces
        assert not re.match(r"/(\s|$)", after.lstrip()), pieces


@pytest.mark.parametrize("columns", range(8, 70, 3))
def test_a_heading_of_two_parts_breaks_after_their_slash(columns: int) -> None:
    """A poster page of two parts is headed "A / B": the slash ends a line, never starts one (BudouX puts it
    at the head of the phrase after it)."""
    text = "5. [L] アプリ制御またはウイルス対策が拡張機能をブロックしている / 解決しない場合: ログを収集してエスカレーション"
    lines = wrap(text, columns)
    assert " ".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not [line for line in lines if line.startswith("/")], lines


def test_the_japanese_mermaid_has_no_break_beside_a_bracket() -> None:
    """The committed trees' words: no <wbr> after "(" nor before ")" in any Japanese tree."""
    for edition in default_kb().editions:
        for entry in edition.codes:
            text = tree_mermaid(build_tree(edition, entry, "ja"))
            for bracket in OPENING:
                assert f"{bracket}<wbr>" not in text
            for bracket in CLOSING:
                assert f"<wbr>{bracket}" not in text
