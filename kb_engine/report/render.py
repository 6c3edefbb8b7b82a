"""Human renderings of a report: terminal text, Markdown for tickets, and the explanation tree.

Each function returns text; colour is added only when asked (the command line
asks only on a terminal, never with ``NO_COLOR`` set).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .model import CauseResult, Derivation, Remedy, Report

__all__ = ["explain_tree", "to_markdown", "to_text"]

_LABELS: dict[str, dict[str, Any]] = {
    "en": {
        "report": "Diagnosis", "edition": "edition", "kb": "knowledge base", "vm": "VM",
        "observed": "Observed error", "causes": "Causes, in the article's order",
        "other_causes": "Other confirmed causes", "remedies": "What to do", "unknown": "Still unknown",
        "expected": "Error codes this VM is expected to hit", "findings": "Findings",
        "verdict": {
            "problems": "problems found",
            "unexplained": "unexplained: every cause of the observed error is ruled out; collect logs and escalate",
            "clean": "no problem found",
            "incomplete": "incomplete: nothing confirmed, some causes undetermined",
        },
        "status": {"confirmed": "CONFIRMED", "ruled_out": "ruled out", "undetermined": "undetermined", "not_applicable": "n/a"},
        "logs": "Logs to collect if it still fails", "notes": "Notes", "needed_by": "needed by",
        "explain": "Explanation", "none": "none", "input_notes": "How the input was read",
        "truth": {True: "true", False: "false", None: "unknown"},
        "concluded": {"confirmed": "confirmed", "ruled_out": "ruled out", "undetermined": "undetermined", "not_applicable": "does not apply"},
        "table": "| # | cause | status | why |",
    },
    "ja": {
        "report": "診断結果", "edition": "版", "kb": "ナレッジ ベース", "vm": "VM",
        "observed": "発生したエラー", "causes": "原因 (記事の順)",
        "other_causes": "その他の確定した原因", "remedies": "対処", "unknown": "未確認の情報",
        "expected": "この VM で発生が予想されるエラー コード", "findings": "所見",
        "verdict": {
            "problems": "問題あり",
            "unexplained": "原因不明: 観測されたエラーの原因はすべて除外された。ログを収集してエスカレーション",
            "clean": "問題なし",
            "incomplete": "未完了: 確定した原因はなく、未確定の原因がある",
        },
        "status": {"confirmed": "確定", "ruled_out": "除外", "undetermined": "未確定", "not_applicable": "該当なし"},
        "logs": "解決しない場合に収集するログ", "notes": "注記", "needed_by": "必要とする原因",
        "explain": "説明", "none": "なし", "input_notes": "入力の読み取り",
        "truth": {True: "真", False: "偽", None: "不明"},
        "concluded": {"confirmed": "確定", "ruled_out": "除外", "undetermined": "未確定", "not_applicable": "該当なし"},
        "table": "| # | 原因 | 状態 | 理由 |",
    },
}

_MARK = {"confirmed": "[x]", "ruled_out": "[ ]", "undetermined": "[?]", "not_applicable": "[-]"}
_COLOUR = {"confirmed": "red", "ruled_out": "green", "undetermined": "yellow", "not_applicable": "bright_black"}

Style = Callable[..., str]


def _plain(text: str, **_: object) -> str:
    return text


# Never printed as they are: C0/C1 controls (a terminal obeys them), line breaks inside one text (a fake
# line), bidirectional overrides (text shown in another order than it reads). Facts validation refuses
# them in names; a report built by other means, or from a knowledge base that lint did not pass, may hold some.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _printable_text(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        if _UNPRINTABLE.search(value) is None:
            return value, False
        return _UNPRINTABLE.sub(lambda m: " " if m.group() in "\n\t\r" else "\ufffd", value), True
    if isinstance(value, list):
        pairs = [_printable_text(v) for v in value]
        return [v for v, _ in pairs], any(c for _, c in pairs)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        changed = False
        for key, item in value.items():
            out[key], c = _printable_text(item)
            changed = changed or c
        return out, changed
    return value, False


def _printable(report: Report) -> Report:
    """The report with every text one printable line: control characters shown as U+FFFD, breaks as spaces."""
    data, changed = _printable_text(report.model_dump())
    return type(report).model_validate(data) if changed else report


def to_text(report: Report, *, style: Style | None = None, explain: bool = False) -> str:
    """The report for a terminal: observed code, causes with status, numbered steps, what is unknown.

    Args:
        report: the diagnosis.
        style: ``click.style`` (or similar) to colour the output; plain text when None.
        explain: append the derivation of every confirmed cause and true finding as a tree.
    """
    s = style or _plain
    report = _printable(report)
    t = _LABELS[report.lang]
    out: list[str] = []
    title = f"{t['report']}: {report.vm}" if report.vm else t["report"]
    out.append(s(title, bold=True))
    out.append(f"{t['edition']} {report.edition} · {t['kb']} {report.kb_version} · {t['verdict'][report.verdict]}")
    if report.edition_reason:
        out.append(report.edition_reason)  # which edition, and why (asked for, or the newest)
    if report.observed is not None:
        obs = report.observed
        out += ["", s(f"{t['observed']}: {obs.code}", bold=True), f"  {obs.message}"]
        if obs.advice:
            out.append(f"  {obs.advice}")
        out += ["", s(t["causes"], bold=True)]
        number = 0
        for cause in obs.causes:
            if cause.parent is None:
                number += 1
                prefix = f"  {number}. "
            else:
                prefix = "       - "
            out.append(_cause_line(cause, prefix, s, t))
    else:
        confirmed = [c for c in report.causes if c.status == "confirmed"]
        out += ["", s(t["causes"] if confirmed else t["findings"], bold=True)]
        for cause in confirmed:
            out.append(_cause_line(cause, "  - ", s, t))
        if not confirmed:
            out.append(f"  {t['none']}" if not report.findings else "")
            for finding in report.findings:
                out.append(f"  - {finding.text}")
    if report.expected_codes:
        out += ["", s(t["expected"], bold=True)]
        for code in report.expected_codes:
            out.append(f"  - {' / '.join(code.names)}: {code.message}")
    if report.remedies:
        out += ["", s(t["remedies"], bold=True)]
        for remedy in report.remedies:
            out += _remedy_lines(remedy, s, t)
    if report.escalation is not None:
        out += ["", s(report.escalation.title, bold=True), f"  {report.escalation.text}"]
        out += [_only_if(f"    {s(log, fg='cyan')}", report.escalation.only_if.get(log)) for log in report.escalation.logs]
    if report.unknown:
        out += ["", s(t["unknown"], bold=True)]
        for item in report.unknown:
            out.append(f"  - {item.fact}: {item.description} ({t['needed_by']}: {', '.join(item.needed_by)})")
    if report.notes:
        out += ["", s(t["notes"], bold=True)]
        out += [f"  - {note}" for note in report.notes]
    if report.input_notes:
        out += ["", s(t["input_notes"], bold=True)]
        out += [f"  - {note}" for note in report.input_notes]
    if explain:
        out += ["", s(t["explain"], bold=True), explain_tree(report)]
    return "\n".join(out).rstrip() + "\n"


def _cause_line(cause: CauseResult, prefix: str, s: Style, t: dict[str, Any]) -> str:
    status = t["status"][cause.status]
    ref = f"({cause.ref}) " if cause.ref else ""
    mark = s(f"{_MARK[cause.status]} {status}", fg=_COLOUR[cause.status], bold=cause.status == "confirmed")
    return f"{prefix}{mark} {ref}{cause.title}\n{' ' * len(prefix)}    {cause.reason}"


def _only_if(line: str, label: str | None) -> str:
    return line if label is None else f"{line} ({label})"


def _remedy_lines(remedy: Remedy, s: Style, t: dict[str, Any]) -> list[str]:
    lines = [f"  {remedy.rank}. {s(remedy.title, bold=True)}", f"     {remedy.why}"]
    for step in remedy.steps:
        lines.append(f"     {step.number}) {step.text}")
        for command in step.commands:
            label = f"{command.label}: " if command.label else ""
            lines.append(f"          {label}{s(command.command, fg='cyan')}")
        if step.link:
            lines.append(f"          {step.link}")
    if remedy.logs:
        lines.append(f"     {t['logs']}:")
        lines += [f"          {s(log, fg='cyan')}" for log in remedy.logs]
    return lines


def to_markdown(report: Report) -> str:
    """The report as Markdown, ready to paste into a ticket.

    Every text is escaped (a VM named ``*x* [y](z)`` is shown as written, never
    as emphasis or a link) and every command is a code span that its own
    backticks cannot close.
    """
    report = _printable(report)
    m = _md
    t = _LABELS[report.lang]
    out = [f"## {t['report']}" + (f": {m(report.vm)}" if report.vm else "")]
    out.append(f"*{t['edition']} {m(report.edition)} · {t['kb']} {m(report.kb_version)} · {t['verdict'][report.verdict]}*")
    if report.edition_reason:
        out.append(f"*{m(report.edition_reason)}*")
    if report.observed is not None:
        obs = report.observed
        out += ["", f"### {t['observed']}: {_code(obs.code)}", "", m(obs.message)]
        if obs.advice:
            out += ["", f"> {m(obs.advice)}"]
        out += ["", f"### {t['causes']}", "", t["table"], "|---|---|---|---|"]
        number = 0
        for cause in obs.causes:
            if cause.parent is None:
                number += 1
                num = str(number)
            else:
                num = "↳"
            ref = f"({m(cause.ref)}) " if cause.ref else ""
            out.append(f"| {num} | {ref}{m(cause.title)} | **{t['status'][cause.status]}** | {m(cause.reason)} |")
    if report.expected_codes:
        out += ["", f"### {t['expected']}", ""]
        out += [f"- {_code(' / '.join(c.names))}: {m(c.message)}" for c in report.expected_codes]
    if report.remedies:
        out += ["", f"### {t['remedies']}"]
        for remedy in report.remedies:
            out += ["", f"#### {remedy.rank}. {m(remedy.title)}", "", m(remedy.why), ""]
            for step in remedy.steps:
                out.append(f"{step.number}. {m(step.text)}")
                for command in step.commands:
                    label = f"{m(command.label)}: " if command.label else ""
                    out.append(f"   - {label}{_code(command.command)}")
            if remedy.logs:
                out += ["", f"{t['logs']}: " + ", ".join(_code(log) for log in remedy.logs)]
    if report.escalation is not None:
        out += ["", f"### {m(report.escalation.title)}", "", m(report.escalation.text)]
        labels = {log: m(label) for log, label in report.escalation.only_if.items()}
        out += [_only_if(f"- {_code(log)}", labels.get(log)) for log in report.escalation.logs]
    if report.unknown:
        out += ["", f"### {t['unknown']}", ""]
        out += [f"- {_code(u.fact)}: {m(u.description)} ({t['needed_by']}: {m(', '.join(u.needed_by))})" for u in report.unknown]
    if report.notes:
        out += ["", f"### {t['notes']}", ""]
        out += [f"- {m(note)}" for note in report.notes]
    if report.input_notes:
        out += ["", f"### {t['input_notes']}", ""]
        out += [f"- {m(note)}" for note in report.input_notes]
    return "\n".join(out) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _md(text: str) -> str:
    """Text shown as written in Markdown (and in a table cell): its punctuation escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def _code(text: str) -> str:
    """A code span that backticks inside the text cannot close (CommonMark: a longer fence)."""
    text = text.replace("\n", " ")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""  # so a backtick at either end is not read as part of the fence
    return f"{fence}{pad}{text}{pad}{fence}"


def explain_tree(report: Report) -> str:
    """Every confirmed cause and expected code as a derivation tree, down to the input facts."""
    lines: list[str] = []
    roots: list[Derivation] = [c.derivation for c in report.causes if c.status == "confirmed"]
    if report.observed is not None:
        roots += [c.derivation for c in report.observed.causes if c.status != "confirmed"]
    if not roots:
        roots = [f.derivation for f in report.findings]
    t = _LABELS[report.lang]
    for root in roots:
        lines += _tree(root, "", True, t, top=True)
    return "\n".join(lines)


def _tree(node: Derivation, indent: str, last: bool, t: dict[str, Any], *, top: bool = False) -> Iterable[str]:
    """One conclusion per line, what it rests on below it; in the reader's words (rule ids stay in the JSON)."""
    branch = "" if top else ("└─ " if last else "├─ ")
    if node.rule in {"input", "unknown"}:
        yield f"{indent}{branch}{node.conclusion}"  # a fact, given or not: the conclusion says its value
    else:
        yield f"{indent}{branch}{node.conclusion} → {_value_text(node.value, t)}"
    child_indent = indent + ("" if top else ("   " if last else "│  "))
    for i, premise in enumerate(node.premises):
        yield from _tree(premise, child_indent, i == len(node.premises) - 1, t)


def _value_text(value: object, t: dict[str, Any]) -> str:
    if value is True or value is False or value is None:
        return str(t["truth"][value])
    if isinstance(value, str) and value in t["concluded"]:
        return str(t["concluded"][value])
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v, t) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_text(v, t)}" for k, v in value.items() if v is not None) + "}"
    return str(value)
