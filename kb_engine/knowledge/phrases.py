"""Conditions in the reader's language: ``agent.dotnet_version older than 4.5`` or
``agent.dotnet_version が 4.5 より古い``.

Fact names, field names and values stay as they are written in facts files (they are
what a user types); the words around them are English or Japanese, and a limit is
shown by its value in the edition at hand, never by its internal name. Reports'
explanations and the handbook speak through this module; ``describe`` in
:mod:`.conditions` stays the compact, language-free form used inside generated code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .conditions import All, AnyOf, CauseRef, Condition, FactRef, FindingRef, ItemTest, LimitRef, Not, Test
from .model import Edition

__all__ = ["LANGS", "phrase", "truth_word", "value_text"]

LANGS = ("en", "ja")

Code = Callable[[str], str]
"""How a name or value is set off in the output: as it is in plain text, in backticks in Markdown."""

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "eq": "{f} = {v}", "ne": "{f} ≠ {v}", "in": "{f} is one of {v}", "not_in": "{f} is none of {v}",
        "gt": "{f} > {v}", "ge": "{f} ≥ {v}", "lt": "{f} < {v}", "le": "{f} ≤ {v}",
        "version_lt": "{f} is older than {v}", "version_ge": "{f} is {v} or newer",
        "switch_on": "{f} is on (y/n as the agent reads it; on when absent or anything else)",
        "switch_off": "{f} is off (y/n as the agent reads it; on when absent or anything else)",
        "switch_on_default_off": "{f} is on (y/n as the agent reads it; off when absent or anything else)",
        "switch_off_default_off": "{f} is off (y/n as the agent reads it; off when absent or anything else)",
        "unknown": "{f} is unknown", "known": "{f} is known",
        "any_item": "{f} has an item where {v}",
        "and": " and ", "or": " or ", "not": "not ({v})",
        "finding": "finding {v}", "cause": "cause {v}",
    },
    "ja": {
        "eq": "{f} = {v}", "ne": "{f} ≠ {v}", "in": "{f} が {v} のいずれか", "not_in": "{f} が {v} のいずれでもない",
        "gt": "{f} > {v}", "ge": "{f} ≥ {v}", "lt": "{f} < {v}", "le": "{f} ≤ {v}",
        "version_lt": "{f} が {v} より古い", "version_ge": "{f} が {v} 以上",
        "switch_on": "{f} がオン (エージェントの読み方で y/n。未設定やその他の値ならオン)",
        "switch_off": "{f} がオフ (エージェントの読み方で y/n。未設定やその他の値ならオン)",
        "switch_on_default_off": "{f} がオン (エージェントの読み方で y/n。未設定やその他の値ならオフ)",
        "switch_off_default_off": "{f} がオフ (エージェントの読み方で y/n。未設定やその他の値ならオフ)",
        "unknown": "{f} が不明", "known": "{f} が判明している",
        "any_item": "{f} に {v} の項目がある",
        "and": " かつ ", "or": " または ", "not": "「{v}」ではない",
        "finding": "所見 {v}", "cause": "原因 {v}",
    },
}

_TRUTH = {
    "en": {True: "true", False: "false", None: "unknown"},
    "ja": {True: "真", False: "偽", None: "不明"},
}


def truth_word(value: bool | None, lang: str) -> str:
    """true / false / unknown in the reader's language."""
    return _TRUTH[lang][value]


def _plain(text: str) -> str:
    return text


def phrase(cond: Condition | ItemTest, edition: Edition | None, lang: str, code: Code = _plain) -> str:
    """One condition as a sentence fragment in ``lang`` (``en`` or ``ja``).

    Args:
        cond: the condition (or a list item's field test).
        edition: gives the limits' values; without one a limit is shown by its name.
        lang: ``en`` or ``ja``.
        code: sets off names and values (identity for plain text; backticks for Markdown).
    """
    words = _WORDS[lang]
    if isinstance(cond, All | AnyOf):
        joiner = words["and" if isinstance(cond, All) else "or"]
        inner = joiner.join(_nested(part, edition, lang, code) for part in cond.parts)
        return inner
    if isinstance(cond, Not):
        return words["not"].format(v=phrase(cond.part, edition, lang, code))
    if isinstance(cond, FindingRef):
        return words["finding"].format(v=code(cond.finding))
    if isinstance(cond, CauseRef):
        return words["cause"].format(v=code(cond.cause))
    name = cond.fact if isinstance(cond, Test) else cond.field
    return _test(name, cond.op, cond.arg, edition, lang, code)


def _nested(part: Condition | ItemTest, edition: Edition | None, lang: str, code: Code) -> str:
    text = phrase(part, edition, lang, code)
    return f"({text})" if isinstance(part, All | AnyOf) else text


def _test(name: str, op: str, arg: Any, edition: Edition | None, lang: str, code: Code) -> str:
    words = _WORDS[lang]
    fact = code(name)
    if op == "is_unknown":
        return words["unknown" if arg is not False else "known"].format(f=fact)
    if op == "switch":
        key = "switch_" + ("on" if arg["is"] else "off") + ("" if arg["default"] else "_default_off")
        return words[key].format(f=fact)
    if op == "any_item":
        return words["any_item"].format(f=fact, v=phrase(arg, edition, lang, code))
    if op in _SYMBOLIC:  # a comparison reads as one expression: `vm.os = windows`
        return code(words[op].format(f=name, v=_value(arg, edition, _plain)))
    return words[op].format(f=fact, v=_value(arg, edition, code))


_SYMBOLIC = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})


def _value(arg: Any, edition: Edition | None, code: Code) -> str:
    if isinstance(arg, LimitRef):
        if edition is None:
            return code(arg.limit)
        value = edition.limit_value(arg.limit)
        return value if value == "-" else code(value)
    if isinstance(arg, FactRef):
        return code(arg.fact)
    if isinstance(arg, tuple | list):
        return "[" + ", ".join(code(value_text(a)) for a in arg) + "]"
    return code(value_text(arg))


def value_text(value: object) -> str:
    """A value as conditions and derivations show it, spelt as in a facts file: ``true``, ``false``, ``null``,
    a list in brackets, a mapping in braces (keys sorted, members whose value is unknown left out)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in sorted(value.items()) if v is not None) + "}"
    return str(value)
