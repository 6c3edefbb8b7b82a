"""Typed answers to a consultation's questions, turned into fact values (English and Japanese)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kb_engine.errors import InputError, Problem, show_value
from kb_engine.knowledge.model import suggest
from kb_engine.knowledge.questions import QuestionBank, questions_for
from kb_engine.knowledge.vocabulary import FactValue, fact_catalog, read_version
from kb_engine.knowledge.waagent_conf import read_value

__all__ = ["answer_format", "parse_answer"]


_YES = {"yes", "y", "true", "はい"}
_NO = {"no", "n", "false", "いいえ"}
_ABSENT = {"absent", "なし"}
_NONE = {"none", "なし"}


# ---------------------------------------------------------------------------
# Answers

_TEXTS = {
    "en": {
        "bool": "yes or no",
        "enum": "one of: {}",
        "int": "a whole number",
        "version": "a version such as 2.2.53",
        "text": "the value as written",
        "list": "a list",
        "bad": "not an answer to this question",
        "empty": "no answer given",
        "unknown_fact": "unknown fact",
        "too_long": "longer than 64 characters",
        "disk": "not a disk size in GiB (a whole number, e after an encrypted disk)",
        "extension": "not an extension state",
    },
    "ja": {
        "bool": "はい または いいえ (yes / no)",
        "enum": "次のいずれか: {}",
        "int": "整数",
        "version": "2.2.53 のようなバージョン",
        "text": "書かれているとおりの値",
        "list": "リスト",
        "bad": "この質問の回答として使えません",
        "empty": "回答がありません",
        "unknown_fact": "不明な情報名",
        "too_long": "64 文字を超えています",
        "disk": "GiB 単位のディスク サイズではありません (整数。暗号化ディスクには e を付ける)",
        "extension": "拡張機能の状態ではありません",
    },
}


def _t(lang: str) -> dict[str, str]:
    return _TEXTS["ja" if lang == "ja" else "en"]


def answer_format(fact: str, lang: str = "en", questions: QuestionBank | None = None) -> str:
    """How to answer the question for a fact, in words."""
    info = fact_catalog()[fact]
    t = _t(lang)
    if info.kind == "bool":
        return t["bool"]
    if info.kind == "enum":
        return t["enum"].format(", ".join(info.values))
    bank = questions if questions is not None else questions_for(None)
    entry = bank.get(fact)
    if entry is not None and entry.answer is not None:
        return entry.answer.get(lang)
    return t[info.kind]


def _bad(fact: str, text: str, lang: str, message: str | None = None, questions: QuestionBank | None = None) -> InputError:
    t = _t(lang)
    problem = Problem("answer", fact, message or t["bad"], show_value(text), answer_format(fact, lang, questions))
    return InputError([problem], summary=f"{'回答が正しくありません' if lang == 'ja' else 'invalid answer'}")


def _token(text: str) -> str:
    # The same normalisation as the facts model: "Not Ready" -> not_ready, "ProvisioningState/failed" -> failed.
    token = text.strip()
    if "/" in token:
        token = token.split("/", 1)[1]
    return token.lower().replace(" ", "_").replace("-", "_")


def parse_answer(
    fact: str,
    text: str,
    lang: str = "en",
    facts: Mapping[str, object] | None = None,
    *,
    questions: QuestionBank | None = None,
) -> FactValue:
    """The value of a fact, as a facts document holds it, from a typed answer.

    Accepted answers by kind: bool: yes/no, y/n, true/false, はい/いいえ (any case);
    enum: one of the values (any case, portal spellings such as ``Not Ready`` too);
    int: a whole number; version: a dotted version (``v2.2.53``, ``WALinuxAgent-2.2.53`` and the first
    line of ``waagent --version`` too); enum: also the labels a screen shows (``準備完了``);
    text (waagent.conf switches): the value as the agent reads it (comment and quotes dropped), ``absent`` when the line is missing (read as the default);
    ``vm.disks``: sizes in GiB separated by commas, ``e`` after an encrypted disk
    (``128, 5000e``); ``extensions``: the backup extension's state (``none`` when it is
    not installed), then one state per other extension (``failed, succeeded``).

    Args:
        fact: the fact's dotted name.
        text: what the user typed.
        lang: language of the error message.
        facts: the facts known so far (``Facts.flat()``); the VM's OS names the backup extension.
        questions: the question bank (for the answer format in error messages).

    Raises:
        InputError: the answer does not fit the fact; the message says what would.
    """
    info = fact_catalog().get(fact)
    if info is None:
        close = suggest(fact, list(fact_catalog()))
        raise InputError([Problem("answer", fact, _t(lang)["unknown_fact"], None, ", ".join(close) or None)])
    raw = text.strip()
    if not raw:
        raise _bad(fact, text, lang, _t(lang)["empty"], questions)
    folded = raw.casefold()
    if info.kind == "bool":
        if folded in _YES:
            return True
        if folded in _NO:
            return False
        raise _bad(fact, raw, lang, questions=questions)
    if info.kind == "enum":
        token = _token(raw)
        if token in info.values:
            return token
        bank = questions if questions is not None else questions_for(None)
        entry = bank.get(fact)
        labels = {shown.casefold(): value for shown, value in entry.labels.items()} if entry is not None else {}
        if folded in labels:
            return labels[folded]
        raise _bad(fact, raw, lang, questions=questions)
    if info.kind == "int":
        if re.fullmatch(r"\d{1,9}", raw):
            return int(raw)
        raise _bad(fact, raw, lang, questions=questions)
    if info.kind == "version":
        version = read_version(raw)  # 2.2.53, v2.2.53, WALinuxAgent-2.2.53, or waagent --version's first line
        if version is None:
            raise _bad(fact, raw, lang, questions=questions)
        return version
    if info.kind == "text":
        if folded in _ABSENT:
            return ""
        value = read_value(raw.strip("'"))  # as the agent reads a value: no comment, no quotes
        if len(value) > 64:
            raise _bad(fact, raw, lang, _t(lang)["too_long"], questions)
        return value
    if fact == "vm.disks":
        return _parse_disks(fact, raw, lang, questions)
    if fact == "extensions":
        return _parse_extensions(fact, raw, lang, facts, questions)
    raise _bad(fact, raw, lang, questions=questions)


def _items(raw: str) -> list[str]:
    return [item for item in re.split(r"[,、\s]+", raw) if item]


def _parse_disks(fact: str, raw: str, lang: str, questions: QuestionBank | None) -> list[dict[str, object]]:
    disks: list[dict[str, object]] = []
    for item in _items(raw):
        match = re.fullmatch(r"(\d{1,9})(e?)", item, flags=re.IGNORECASE)
        if match is None or int(match.group(1)) < 1:
            raise _bad(fact, item, lang, _t(lang)["disk"], questions)
        disks.append({"size_gib": int(match.group(1)), "encrypted": bool(match.group(2))})
    if not disks:
        raise _bad(fact, raw, lang, questions=questions)
    return disks


def _parse_extensions(
    fact: str, raw: str, lang: str, facts: Mapping[str, object] | None, questions: QuestionBank | None
) -> list[dict[str, object]]:
    states = fact_catalog()["extensions"].item_field("state")
    values = states.values if states is not None else ()
    items: list[str] = []
    for chunk in re.split(r"[,、]", raw):
        # The portal shows "Provisioning succeeded"; the API "ProvisioningState/succeeded".
        chunk = re.sub(r"provisioning\s*(state)?\s*/?\s*", "", chunk.strip().casefold())
        items.extend(chunk.split())
    out: list[dict[str, object]] = []
    linux = facts is not None and facts.get("vm.os") == "linux"
    for i, item in enumerate(items):
        if i == 0 and item in _NONE:
            continue
        if item not in values:
            raise _bad(fact, item, lang, _t(lang)["extension"], questions)
        if i == 0:
            out.append({"name": "VMSnapshotLinux" if linux else "VMSnapshot", "state": item})
        else:
            out.append({"name": f"OtherExtension{i}", "state": item})
    if not items:
        raise _bad(fact, raw, lang, questions=questions)
    return out
