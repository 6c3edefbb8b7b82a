"""The diagrams' own words in both languages, and line wrapping that knows CJK widths.

The knowledge base supplies every question, title and step; these are only the
few words the diagrams add around them (yes, no, legend entries).
"""

from __future__ import annotations

import unicodedata

__all__ = ["LANGS", "WRAP_COLUMNS", "word", "width", "wrap"]

LANGS = ("en", "ja")

WRAP_COLUMNS = 40
"""Longest label line, in terminal columns (a Japanese character takes two)."""

_WORDS: dict[str, tuple[str, str]] = {
    "yes": ("yes", "はい"),
    "no": ("no", "いいえ"),
    "not_applicable": ("no: does not apply, next cause", "いいえ: 該当しない、次の原因へ"),
    "still_failing": ("still failing: next cause", "解決しない: 次の原因へ"),
    "still_failing_end": ("still failing", "解決しない"),
    "not_applicable_end": ("no: does not apply", "いいえ: 該当しない"),
    "start": ("start", "開始"),
    "edition": ("Edition", "版"),
    "error_code": ("Error code", "エラー コード"),
    "also_spelt": ("also spelt", "別表記"),
    "go_through": ("Go through the causes in order; answer each question from one fact.",
                   "原因を順に確認します。各質問には 1 つのファクトで答えられます。"),
    "fact": ("fact", "ファクト"),
    "cause": ("Cause", "原因"),
    "remedy": ("Remedy", "対処"),
    "logs": ("Logs to collect", "収集するログ"),
    "legend": ("Legend", "凡例"),
    "legend_start": ("error code (start)", "エラー コード (開始)"),
    "legend_question": ("yes/no question about one fact", "1 つのファクトに関する はい/いいえ の質問"),
    "legend_leaf": ("cause found: numbered remedy steps", "原因を特定: 番号付きの対処手順"),
    "legend_escalate": ("still failing: collect logs, escalate", "解決しない: ログを収集してエスカレーション"),
    "legend_edges": ("every arrow is labelled: yes, no, still failing",
                     "矢印には必ずラベル: はい、いいえ、解決しない"),
    "legend_path": ("bold: the path this VM took", "太線: この VM がたどった経路"),
    "legend_ruled_out": ("grey, dashed: ruled out or not reached", "灰色の破線: 除外、または到達しない"),
    "legend_unknown": ("[?] dotted: not known, check this fact", "[?] 点線: 不明、このファクトを確認"),
    "legend_code": ("error code", "エラー コード"),
    "legend_cause": ("cause (letter as in the article)", "原因 (記号は記事のとおり)"),
    "legend_sub_cause": ("sub-cause", "サブ原因"),
    "legend_finding": ("finding (a yes/no observation)", "所見 (はい/いいえ で答える観察)"),
    "legend_condition": ("test on one fact", "1 つのファクトのテスト"),
    "legend_procedure": ("shared procedure", "共通の手順"),
    "edge_when": ("when", "条件"),
    "edge_applies": ("applies if", "適用条件"),
    "edge_not": ("when not", "否定条件"),
    "edge_test": ("test", "テスト"),
    "edge_sub_cause": ("sub-cause of", "サブ原因"),
    "edge_procedure": ("remedy uses", "対処で使用"),
    "steps_count": ("remedy steps", "対処手順"),
    "cause_graph": ("Cause graph", "原因グラフ"),
    "status_confirmed": ("[confirmed]", "[確定]"),
    "status_ruled_out": ("[ruled out]", "[除外]"),
    "status_undetermined": ("[undetermined]", "[未確定]"),
    "status_not_applicable": ("[not applicable]", "[該当なし]"),
    "truth_true": ("[yes]", "[はい]"),
    "truth_false": ("[no]", "[いいえ]"),
    "truth_unknown": ("[?] not known", "[?] 不明"),
    "diagnosis": ("Diagnosis", "診断"),
}


def word(key: str, lang: str) -> str:
    """One of the diagrams' own words in ``lang`` (``en`` or ``ja``)."""
    en, ja = _WORDS[key]
    return ja if lang == "ja" else en


def width(text: str) -> int:
    """Display width in terminal columns: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# Japanese line-breaking rules (kinsoku): never start a line with these...
_NO_START = set("、。，．・：；？！ー」』）〕］｝〉》】)]},.:;?!%ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
# ...nor end one with these.
_NO_END = set("「『（〔［｛〈《【([{")


def _tokens(text: str) -> list[str]:
    """Units a line may break between: runs of non-wide characters (words) and single wide characters."""
    out: list[str] = []
    buf = ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch == " ":
            if buf:
                out.append(buf)
                buf = ""
            out.append(" ")
        elif wide:
            if buf:
                out.append(buf)
                buf = ""
            out.append(ch)
        else:
            buf += ch
    if buf:
        out.append(buf)
    # Glue forbidden breaks: closing punctuation to what precedes it, opening to what follows.
    glued: list[str] = []
    for tok in out:
        if glued and tok != " " and (tok[0] in _NO_START) and glued[-1] != " ":
            glued[-1] += tok
        elif glued and glued[-1] != " " and glued[-1][-1] in _NO_END:
            glued[-1] += tok
        else:
            glued.append(tok)
    return glued


def wrap(text: str, columns: int = WRAP_COLUMNS) -> list[str]:
    """Wrap text into lines of at most ``columns`` display columns.

    Breaks at spaces, and between Japanese characters (not before closing nor
    after opening punctuation); a single word longer than a line (a URL, a
    command) stays whole.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for tok in _tokens(paragraph):
            if tok == " ":
                if line:
                    line += " "
                continue
            candidate = line + tok
            if line.strip() and width(candidate.rstrip()) > columns:
                lines.append(line.rstrip())
                line = tok
            else:
                line = candidate
        lines.append(line.rstrip())
    return lines
