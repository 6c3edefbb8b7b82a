"""The knowledge base as a readable Markdown handbook, one per edition and language.

Everything comes from the data: the limits, every error code with its causes
in the order to check them, every cause with what confirms it, its numbered
steps, logs and notes, the shared procedures, the findings and the escalation.
The functions are pure and deterministic: the same knowledge base always gives
the same text, so the committed handbooks can be checked for staleness.
"""

from __future__ import annotations

from collections.abc import Mapping

from .conditions import All, AnyOf, CauseRef, Condition, FindingRef, Not, Test, refs_of
from .model import Cause, CodeEntry, Edition, Finding, KnowledgeBase, Procedure, Step
from .phrases import phrase

__all__ = [
    "LANGS",
    "cause_label",
    "cause_section",
    "code_section",
    "codes_leading_to",
    "finding_section",
    "handbook",
    "handbook_name",
    "handbooks",
    "procedure_section",
]

LANGS: tuple[str, ...] = ("en", "ja")
"""The languages of the knowledge base, in the order handbooks are written."""

_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "Azure VM backup troubleshooting handbook: edition {edition}",
        "edition": "Edition",
        "published": "published",
        "kb_version": "Knowledge base version",
        "language": "Language",
        "language_name": "English",
        "generated": "Generated from the knowledge base by `kb-engine kb handbook`: edit `kb_engine/knowledge/data/*.yaml`, not this file.",
        "limits": "Limits",
        "limit": "Limit",
        "value": "Value",
        "no_limit": "none in this edition",
        "codes": "Error codes",
        "codes_intro": "Go through an error code's causes in the order listed, then retry the backup.",
        "also_code": "Also reported as",
        "aliases": "Also spelt",
        "message": "Message",
        "advice": "What to do",
        "causes_in_order": "Causes, in the order to check them",
        "no_causes": "No cause is listed.",
        "causes": "Causes",
        "cause_id": "Id",
        "sub_cause_of": "Sub-cause of",
        "sub_causes": "Sub-causes",
        "error_codes": "Error codes",
        "applies": "Applies when",
        "confirmed": "Confirmed when",
        "any_of": "any of these holds",
        "all_of": "all of these hold",
        "any_of_short": "any of",
        "all_of_short": "all of",
        "not": "not",
        "cause_is_confirmed": "cause {cause} is confirmed",
        "steps": "Steps",
        "command": "Command",
        "link": "Link",
        "when": "Only when (or when unknown)",
        "follow_procedure": "Follow procedure {procedure} (see Procedures).",
        "logs": "Logs to collect",
        "notes": "Notes",
        "procedures": "Procedures",
        "findings": "Findings",
        "finding": "Finding",
        "question": "Question",
        "test": "Test",
        "unknown_when": "Unknown while",
        "used_by": "Used by",
        "and": " and ",
        "or": " or ",
        "escalation_logs": "Logs the causes ask for",
    },
    "ja": {
        "title": "Azure VM バックアップ トラブルシューティング ハンドブック: {edition} 版",
        "edition": "版",
        "published": "公開",
        "kb_version": "ナレッジ ベースのバージョン",
        "language": "言語",
        "language_name": "日本語",
        "generated": "`kb-engine kb handbook` がナレッジ ベースから生成したファイルです。編集するのはこのファイルではなく `kb_engine/knowledge/data/*.yaml` です。",
        "limits": "制限",
        "limit": "制限",
        "value": "値",
        "no_limit": "この版では規定なし",
        "codes": "エラー コード",
        "codes_intro": "エラー コードの原因を記載の順に確認し、その後バックアップを再試行します。",
        "also_code": "別のコード",
        "aliases": "別の綴り",
        "message": "メッセージ",
        "advice": "対処",
        "causes_in_order": "確認する順の原因",
        "no_causes": "原因の記載はありません。",
        "causes": "原因",
        "cause_id": "ID",
        "sub_cause_of": "親の原因",
        "sub_causes": "サブ原因",
        "error_codes": "エラー コード",
        "applies": "対象となる条件",
        "confirmed": "確定する条件",
        "any_of": "次のいずれかに該当",
        "all_of": "次のすべてに該当",
        "any_of_short": "次のいずれか",
        "all_of_short": "次のすべて",
        "not": "次に該当しない",
        "cause_is_confirmed": "原因 {cause} が確定",
        "steps": "手順",
        "command": "コマンド",
        "link": "リンク",
        "when": "実施する条件 (不明な場合も実施)",
        "follow_procedure": "共通手順 {procedure} に従います (「共通手順」を参照)。",
        "logs": "収集するログ",
        "notes": "注意",
        "procedures": "共通手順",
        "findings": "所見",
        "finding": "所見",
        "question": "質問",
        "test": "判定",
        "unknown_when": "次の間は不明",
        "used_by": "使用箇所",
        "and": " かつ ",
        "or": " または ",
        "escalation_logs": "原因の手順で求められるログ",
    },
}


def _label(lang: str, key: str) -> str:
    return _LABELS["ja" if lang == "ja" else "en"][key]


def handbook_name(edition: str, lang: str) -> str:
    """The file name of one handbook: ``handbook-2019-12-ja.md``."""
    return f"handbook-{edition}-{lang}.md"


def handbooks(kb: KnowledgeBase) -> dict[str, str]:
    """Every handbook of the knowledge base, file name -> text, editions oldest first."""
    return {handbook_name(e.id, lang): handbook(e, lang) for e in kb.editions for lang in LANGS}


def handbook(edition: Edition, lang: str) -> str:
    """The whole edition as one Markdown document in ``lang`` (``en`` or ``ja``)."""
    lines = [
        "# " + _label(lang, "title").format(edition=edition.id),
        "",
        f"**{edition.title.get(lang)}**",
        "",
        f"- {_label(lang, 'edition')}: {edition.id} ({_label(lang, 'published')} {edition.published})",
        f"- {_label(lang, 'kb_version')}: {edition.kb_version}",
        f"- {_label(lang, 'language')}: {_label(lang, 'language_name')}",
        "",
        f"_{_label(lang, 'generated')}_",
        "",
        f"## {_label(lang, 'limits')}",
        "",
        f"| {_label(lang, 'limit')} | {_label(lang, 'value')} |",
        "|---|---|",
    ]
    for name, definition in edition.limit_defs.items():
        value = edition.limit_label(name) if edition.limits.get(name) is not None else _label(lang, "no_limit")
        lines.append(f"| {_cell(definition.text.ja if lang == 'ja' else definition.text.en)} | {_cell(value)} |")
    lines += ["", f"## {_label(lang, 'codes')}", "", _label(lang, "codes_intro"), ""]
    for entry in edition.codes:
        lines += code_section(edition, entry, lang, level=3)
    lines += [f"## {_label(lang, 'causes')}", ""]
    for cause in edition.causes.values():
        lines += cause_section(edition, cause, lang, level=3)
    if edition.procedures:
        lines += [f"## {_label(lang, 'procedures')}", ""]
        for procedure in edition.procedures.values():
            lines += procedure_section(edition, procedure, lang, level=3)
    lines += [
        f"## {_label(lang, 'findings')}",
        "",
        f"| {_label(lang, 'finding')} | {_label(lang, 'question')} | {_label(lang, 'test')} |",
        "|---|---|---|",
    ]
    for finding in edition.findings.values():
        lines.append(
            f"| `{finding.id}` | {_cell(edition.fill(finding.question, lang))} | {_cell(_inline(finding.when, edition, lang))} |"
        )
    lines += ["", f"## {edition.escalation_title.get(lang)}", "", edition.fill(edition.escalation_text, lang), ""]
    logs = list(dict.fromkeys(log for cause in edition.causes.values() for log in cause.logs))
    if logs:
        lines += [f"{_label(lang, 'escalation_logs')}:", ""] + [f"- `{log}`" for log in logs] + [""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Sections (also used by ``kb-engine kb show``)


def cause_label(cause: Cause | Procedure) -> str:
    """How a cause is named in lists: its letter, or its id when it has none."""
    return cause.ref if cause.ref else cause.id


def codes_leading_to(edition: Edition, cause_id: str) -> list[str]:
    """The entries (by id) whose cause list names the cause, or its parent."""
    cause = edition.causes.get(cause_id)
    wanted = {cause_id} | ({cause.parent} if cause is not None and cause.parent else set())
    return [entry.id for entry in edition.codes if wanted & set(entry.causes)]


def code_section(edition: Edition, entry: CodeEntry, lang: str, level: int = 2) -> list[str]:
    """One error code: its message, summary, advice and numbered causes."""
    lines = [f"{'#' * level} {entry.id}", ""]
    if len(entry.names) > 1:
        lines.append(f"- {_label(lang, 'also_code')}: " + ", ".join(f"`{n}`" for n in entry.names[1:]))
    if entry.aliases:
        lines.append(f"- {_label(lang, 'aliases')}: " + ", ".join(f"`{a}`" for a in entry.aliases))
    lines.append(f"- {_label(lang, 'message')}: {edition.fill(entry.message, lang)}")
    lines += ["", edition.fill(entry.summary, lang), ""]
    if entry.advice is not None:
        lines += [f"**{_label(lang, 'advice')}:** {edition.fill(entry.advice, lang)}", ""]
    if not entry.causes:
        return lines + [_label(lang, "no_causes"), ""]
    lines += [f"{_label(lang, 'causes_in_order')}:", ""]
    for n, cid in enumerate(entry.causes, 1):
        cause = edition.causes[cid]
        lines.append(f"{n}. {_cause_item(edition, cause, lang)}")
        for child in cause.children:
            lines.append(f"   - {_cause_item(edition, edition.causes[child], lang)}")
    return lines + [""]


def _cause_item(edition: Edition, cause: Cause, lang: str) -> str:
    letter = f"**{cause.ref}** " if cause.ref else ""
    return f"{letter}{edition.fill(cause.title, lang)} (`{cause.id}`)"


def cause_section(edition: Edition, cause: Cause, lang: str, level: int = 2) -> list[str]:
    """One cause: summary, when it applies, what confirms it, steps, logs and notes."""
    letter = f"{cause.ref}. " if cause.ref else ""
    lines = [f"{'#' * level} {letter}{edition.fill(cause.title, lang)}", ""]
    lines.append(f"- {_label(lang, 'cause_id')}: `{cause.id}`")
    if cause.parent is not None:
        parent = edition.causes[cause.parent]
        lines.append(f"- {_label(lang, 'sub_cause_of')}: {cause_label(parent)} (`{parent.id}`)")
    if cause.children:
        lines.append(
            f"- {_label(lang, 'sub_causes')}: "
            + ", ".join(f"{cause_label(edition.causes[c])} (`{c}`)" for c in cause.children)
        )
    codes = codes_leading_to(edition, cause.id)
    if codes:
        lines.append(f"- {_label(lang, 'error_codes')}: " + ", ".join(f"`{c}`" for c in codes))
    lines += ["", edition.fill(cause.summary, lang), ""]
    if cause.applies is not None:
        lines += _condition_block(_label(lang, "applies"), cause.applies, edition, lang)
    lines += _condition_block(_label(lang, "confirmed"), cause.when, edition, lang)
    lines += [f"**{_label(lang, 'steps')}:**", ""] + _steps(edition, cause.steps, lang) + [""]
    if cause.logs:
        lines += [f"**{_label(lang, 'logs')}:**", ""] + [f"- `{log}`" for log in cause.logs] + [""]
    if cause.notes:
        lines += [f"**{_label(lang, 'notes')}:**", ""] + [f"- {edition.fill(n, lang)}" for n in cause.notes] + [""]
    return lines


def procedure_section(edition: Edition, procedure: Procedure, lang: str, level: int = 2) -> list[str]:
    """One shared procedure: its numbered steps and notes."""
    letter = f"{procedure.ref}. " if procedure.ref else ""
    lines = [f"{'#' * level} {letter}{edition.fill(procedure.title, lang)}", ""]
    lines.append(f"- {_label(lang, 'cause_id')}: `{procedure.id}`")
    users = [c.id for c in edition.causes.values() if any(s.procedure == procedure.id for s in c.steps)]
    if users:
        lines.append(f"- {_label(lang, 'used_by')}: " + ", ".join(f"{cause_label(edition.causes[c])} (`{c}`)" for c in users))
    lines += ["", f"**{_label(lang, 'steps')}:**", ""] + _steps(edition, procedure.steps, lang, expand=True) + [""]
    if procedure.notes:
        lines += [f"**{_label(lang, 'notes')}:**", ""] + [f"- {edition.fill(n, lang)}" for n in procedure.notes] + [""]
    return lines


def finding_section(edition: Edition, finding: Finding, lang: str, level: int = 2) -> list[str]:
    """One finding: its text, question, test and the causes that use it."""
    lines = [f"{'#' * level} {edition.fill(finding.text, lang)}", ""]
    lines.append(f"- {_label(lang, 'cause_id')}: `{finding.id}`")
    lines.append(f"- {_label(lang, 'question')}: {edition.fill(finding.question, lang)}")
    lines.append(f"- {_label(lang, 'test')}: {_inline(finding.when, edition, lang)}")
    if finding.unknown_when is not None:
        lines.append(f"- {_label(lang, 'unknown_when')}: {_inline(finding.unknown_when, edition, lang)}")
    users = [c for c in edition.causes.values() if _uses_finding(c, finding.id)]
    if users:
        lines.append(f"- {_label(lang, 'used_by')}: " + ", ".join(f"{cause_label(c)} (`{c.id}`)" for c in users))
    return lines + [""]


def _uses_finding(cause: Cause, finding_id: str) -> bool:
    conds = [cause.when, cause.applies, *(s.when for s in cause.steps), *(v.when for s in cause.steps for v in s.variants)]
    return any(finding_id in refs_of(c)[0] for c in conds if c is not None)


# ---------------------------------------------------------------------------
# Pieces


def _steps(edition: Edition, steps: tuple[Step, ...], lang: str, *, expand: bool = False) -> list[str]:
    lines: list[str] = []
    n = 0
    i = 0
    while i < len(steps):
        step = steps[i]
        n += 1
        if step.procedure is not None and not expand:
            procedure = edition.procedures[step.procedure]
            size = max(len(procedure.steps), 1)
            i += size
            name = f"{cause_label(procedure)} “{edition.fill(procedure.title, lang)}”" if lang == "en" else f"{cause_label(procedure)}「{edition.fill(procedure.title, lang)}」"
            lines.append(f"{n}. " + _label(lang, "follow_procedure").format(procedure=name))
            continue
        i += 1
        lines.append(f"{n}. {edition.fill(step.text, lang)}")
        if step.when is not None:
            lines.append(f"   - {_label(lang, 'when')}: {_inline(step.when, edition, lang)}")
        if step.command is not None:
            lines.append(f"   - {_label(lang, 'command')}: `{step.command}`")
        for variant in step.variants:
            lines.append(f"   - {variant.label.get(lang)}: `{variant.command}`")
        if step.link is not None:
            lines.append(f"   - {_label(lang, 'link')}: <{step.link}>")
    return lines


def _condition_block(title: str, cond: Condition, edition: Edition, lang: str) -> list[str]:
    if isinstance(cond, AnyOf | All):
        key = "any_of" if isinstance(cond, AnyOf) else "all_of"
        head = f"**{title}** ({_label(lang, key)}):"
        items = [line for part in cond.parts for line in _condition_lines(part, edition, lang, 0)]
    else:
        head = f"**{title}:**"
        items = _condition_lines(cond, edition, lang, 0)
    return [head, "", *items, ""]


def _condition_lines(cond: Condition, edition: Edition, lang: str, depth: int) -> list[str]:
    indent = "  " * depth
    if isinstance(cond, AnyOf | All):
        key = "any_of_short" if isinstance(cond, AnyOf) else "all_of_short"
        return [f"{indent}- {_label(lang, key)}:"] + [
            line for part in cond.parts for line in _condition_lines(part, edition, lang, depth + 1)
        ]
    if isinstance(cond, Not):
        return [f"{indent}- {_label(lang, 'not')}:"] + _condition_lines(cond.part, edition, lang, depth + 1)
    return [f"{indent}- {_atom(cond, edition, lang)}"]


def _atom(cond: Condition, edition: Edition, lang: str) -> str:
    if isinstance(cond, FindingRef):
        return edition.fill(edition.findings[cond.finding].text, lang)
    if isinstance(cond, CauseRef):
        cause = edition.causes[cond.cause]
        name = f"{cause_label(cause)} ({edition.fill(cause.title, lang)})"
        return _label(lang, "cause_is_confirmed").format(cause=name)
    assert isinstance(cond, Test)
    return phrase(cond, edition, lang, _code)


def _code(text: str) -> str:
    return f"`{text}`"


def _inline(cond: Condition, edition: Edition, lang: str) -> str:
    if isinstance(cond, All | AnyOf):
        joiner = _label(lang, "and" if isinstance(cond, All) else "or")
        return "(" + joiner.join(_inline(p, edition, lang) for p in cond.parts) + ")"
    if isinstance(cond, Not):
        inner = _inline(cond.part, edition, lang)
        return f"{inner} に該当しない" if lang == "ja" else f"not {inner}"
    if isinstance(cond, FindingRef):
        text = edition.fill(edition.findings[cond.finding].text, lang)
        return f"“{text}”" if lang == "en" else f"「{text}」"
    return _atom(cond, edition, lang)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

