"""``kb-engine consult``: a question-and-answer consultation for one error code."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from kb_engine.errors import EXIT_INTERRUPTED

from .options import edition_option, kb_option, output_option
from .ui import SETTINGS, style_for

if TYPE_CHECKING:
    from kb_engine.consult.session import Question
    from kb_engine.knowledge.model import KnowledgeBase
    from kb_engine.knowledge.questions import QuestionBank
    from kb_engine.report.model import Report

__all__ = ["consult_command"]

_EXIT_TEXT = """\b
Exit codes:
  0   with --format json: a question was printed (the consultation goes on)
  1   a cause confirmed, or unexplained: every cause of the code ruled out (escalate)
  5   incomplete: ended before a cause was confirmed or every cause ruled out
  2   bad usage or input (invalid facts file, unknown edition, error code or --skip fact)
  4   the knowledge base or its questions are invalid (--kb)
  130 interrupted with Ctrl-C (nothing is saved)
"""

_KEYS = {
    "help": {"?", "？", "help", "ヘルプ"},
    "unknown": {"unknown", "skip", "不明", "わからない"},
    "back": {"back", "戻る"},
}

_UI = {
    "en": {
        "intro": "Consultation for {code} (edition {edition}): {message}",
        "how": "Answer each question. ? shows where to find the answer, unknown skips it, back changes the previous answer.\n"
        "Ctrl-D ends with the report so far, Ctrl-C quits without saving.",
        "question": "Q{n}. {text}",
        "for": "to decide: {cause}",
        "then": "asked together with: {facts}",
        "answers": "answers: {answers}",
        "examples": "answers that make a difference: {examples}",
        "format": "answer: {format}",
        "help": "help: {help}",
        "invalid": "{value}: {message}. Answer {allowed} (or ?, unknown, back).",
        "contradiction": "that contradicts what is already known: {problems}. Answer again, or back to change an earlier answer.",
        "skipped": "(skipped: not asked again)",
        "back": "(back to the previous question)",
        "no_back": "(nothing to go back to)",
        "eof": "(end of input: the report so far)",
        "saved": "answers saved to {path}",
        "interrupted": "kb-engine: consultation interrupted; nothing saved",
        "header": "# Facts gathered by kb-engine consult {code} (edition {edition}).\n# Diagnose with: kb-engine diagnose {path} --edition {edition}\n",
        "skipped_header": "# Not answered (unknown): {facts}\n",
    },
    "ja": {
        "intro": "{code} の診断 (版 {edition}): {message}",
        "how": "質問に順に答えてください。? で確認方法を表示、unknown でスキップ、back で前の回答を変更します。\n"
        "Ctrl-D でここまでの結果を表示して終了、Ctrl-C で保存せずに終了します。",
        "question": "質問 {n}. {text}",
        "for": "判断する原因: {cause}",
        "then": "続けて確認: {facts}",
        "answers": "回答: {answers}",
        "examples": "判断が分かれる回答の例: {examples}",
        "format": "回答: {format}",
        "help": "確認方法: {help}",
        "invalid": "{value}: {message}。回答: {allowed} (または ?、unknown、back)",
        "contradiction": "これまでの情報と矛盾します: {problems}。もう一度答えるか、back で前の回答を変更してください。",
        "skipped": "(スキップしました: 再度は質問しません)",
        "back": "(前の質問に戻ります)",
        "no_back": "(戻る回答がありません)",
        "eof": "(入力終了: ここまでの結果)",
        "saved": "回答を {path} に保存しました",
        "interrupted": "kb-engine: 診断を中断しました (保存していません)",
        "header": "# kb-engine consult {code} (版 {edition}) で集めた情報。\n# 診断: kb-engine diagnose {path} --edition {edition}\n",
        "skipped_header": "# 回答なし (unknown): {facts}\n",
    },
}


@click.command("consult", epilog=_EXIT_TEXT)
@click.argument("code")
@click.option("--facts", "facts_path", metavar="FILE|-", help="Facts already known (JSON or YAML; - reads standard input, --format json only).")
@edition_option()
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of the questions and the report.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: ask on the terminal, one question at a time; json: print the next step (a question or the report) and exit.",
)
@output_option(
    "Save the facts (given and answered) as a facts file kb-engine diagnose reads.",
    default=None, metavar="FILE", hidden_aliases=["--save"], chooser=None,
)
@click.option("--skip", "skip", multiple=True, metavar="FACT", help="A fact the user cannot answer: never ask it (repeatable).")
@kb_option("A knowledge-base directory (with questions.yaml) instead of the shipped one.")
def consult_command(
    code: str,
    facts_path: str | None,
    edition: str | None,
    lang: str,
    fmt: str,
    output: str | None,
    skip: tuple[str, ...],
    kb_path: str | None,
) -> int:
    """Find the cause of an error code by answering questions, one at a time.

    Each question asks for the one fact that decides the earliest undecided
    cause of CODE, in the article's order; it stops when a cause is
    confirmed, when every cause is excluded (then: collect logs and
    escalate), or when nothing left to ask could decide anything. On a
    terminal, type ? for where to find an answer, unknown to skip a
    question, back to change the previous answer; Ctrl-D ends with the report
    so far (and saves with -o), Ctrl-C quits without saving.

    With --format json nothing is asked: the next step is printed as one JSON
    document, {"type": "question", "fact": ..., ...} or {"type": "report",
    "outcome": ..., "report": {...}}. Add the answer under "fact" in the
    facts file (or pass --skip FACT) and run again.

    \b
    Examples:
      kb-engine consult UserErrorGuestAgentStatusUnavailable
      kb-engine consult GuestAgentSnapshotTaskStatusError --lang ja -o vm.yaml
      kb-engine consult BackUpOperationFailed --facts vm.yaml --format json --skip network.azure_outbound
    """
    from kb_engine.consult.session import Question, next_step, step_json
    from kb_engine.facts.documents import facts_document
    from kb_engine.facts.load import load_facts

    kb: KnowledgeBase | None = None
    questions: QuestionBank | None = None
    if kb_path is not None:
        from kb_engine.knowledge.load import load_kb
        from kb_engine.knowledge.questions import load_questions

        kb = load_kb(kb_path)
        questions = load_questions(kb_path, kb)
    if fmt == "text" and facts_path == "-":
        raise click.UsageError("in text mode the answers come from standard input: give --facts a file")
    source = "<stdin>" if facts_path == "-" else (facts_path or "<facts>")
    doc = facts_document(load_facts(facts_path), source) if facts_path is not None else {}
    first = next_step(code, doc, edition, lang, skipped=skip, kb=kb, questions=questions, source=source)
    if fmt == "json":
        click.echo(step_json(first), nl=False)
        if output is not None:
            _save(output, code, doc, list(skip), first, lang)
        return 0 if isinstance(first, Question) else _exit_code(first)
    session = _Session(code, doc, list(skip), edition, lang, kb, questions, source, output)
    try:
        return session.run(first)
    except KeyboardInterrupt:
        click.echo("", err=False)
        click.echo(_UI[session.lang]["interrupted"], err=True)
        click.get_current_context().exit(EXIT_INTERRUPTED)


def _exit_code(report: Report) -> int:
    """The report's verdict as an exit code, as `diagnose` gives it: 1 problems or unexplained, 5 incomplete, 0 clean."""
    from kb_engine.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK

    if report.verdict in ("problems", "unexplained"):
        return EXIT_FINDINGS
    return EXIT_INCOMPLETE if report.verdict == "incomplete" else EXIT_OK


def _save(path: str, code: str, doc: dict[str, Any], skipped: list[str], step: object, lang: str) -> None:
    import yaml

    from kb_engine.facts.documents import facts_document
    from kb_engine.io.write import write_atomic

    edition = getattr(step, "edition", "")
    ui = _UI["ja" if lang == "ja" else "en"]
    data = {"observed_error": code, **{k: v for k, v in facts_document(doc).items() if k != "observed_error"}}
    header = ui["header"].format(code=code, edition=edition, path=path)
    if skipped:
        header += ui["skipped_header"].format(facts=", ".join(skipped))
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    write_atomic(path, header + body)
    if not SETTINGS.quiet:
        click.echo(ui["saved"].format(path=path), err=True)


class _Session:
    """One interactive consultation: the facts so far, what was skipped, and the answers to go back through."""

    def __init__(
        self,
        code: str,
        doc: dict[str, Any],
        skipped: list[str],
        edition: str | None,
        lang: str,
        kb: KnowledgeBase | None,
        questions: QuestionBank | None,
        source: str,
        save: str | None,
    ) -> None:
        self.code = code
        self.doc = doc
        self.skipped = skipped
        self.edition = edition
        self.lang = "ja" if lang == "ja" else "en"
        self.kb = kb
        self.questions = questions
        self.source = source
        self.save_path = save
        self.history: list[tuple[str, str, Any]] = []  # (action, fact, previous value)
        self.ui = _UI[self.lang]
        self.style: Any = style_for(sys.stdout)

    def out(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def styled(self, text: str, **styles: Any) -> str:
        return self.style(text, **styles) if self.style is not None else text

    def step(self) -> Question | Report:
        from kb_engine.consult.session import next_step

        return next_step(
            self.code, self.doc, self.edition, self.lang,
            skipped=self.skipped, kb=self.kb, questions=self.questions, source=self.source,
        )

    def run(self, first: Question | Report) -> int:
        from kb_engine.consult.session import Question, report_now

        step = first
        if isinstance(step, Question):
            entry = (self.kb or _default_kb()).edition(self.edition).code(self.code)
            message = entry.message.get(self.lang) if entry is not None else ""
            self.out(self.styled(self.ui["intro"].format(code=self.code, edition=step.edition, message=message), bold=True))
            self.out(self.ui["how"])
        while isinstance(step, Question):
            if not self.ask(step):
                self.out()
                self.out(self.ui["eof"])
                report = report_now(self.code, self.doc, self.edition, self.lang, kb=self.kb, source=self.source)
                return self.finish(report)
            step = self.step()
        return self.finish(step)

    def finish(self, report: Report) -> int:
        from kb_engine.report.render import to_text

        self.out()
        sys.stdout.write(to_text(report, style=self.style))
        sys.stdout.flush()
        if self.save_path is not None:
            _save(self.save_path, self.code, self.doc, self.skipped, report, self.lang)
        return _exit_code(report)

    def show(self, question: Question) -> None:
        ui = self.ui
        self.out()
        self.out(self.styled(ui["question"].format(n=len(self.history) + 1, text=question.text), bold=True))
        ref = f"({question.asked_for_ref}) " if question.asked_for_ref else ""
        self.out("    " + ui["for"].format(cause=ref + question.asked_for_title))
        if question.follow_up:
            self.out("    " + ui["then"].format(facts=", ".join(question.follow_up)))
        if not question.free_form:
            self.out("    " + ui["answers"].format(answers=", ".join(question.allowed)))
        else:
            self.out("    " + ui["format"].format(format=question.format))
            if question.allowed:
                self.out("    " + ui["examples"].format(examples=", ".join(question.allowed)))

    def read(self) -> str | None:
        sys.stdout.write("> ")
        sys.stdout.flush()
        from kb_engine.io.streams import stdin_bytes

        # Bytes, so an answer that is not UTF-8 is one more answer to refuse, whatever PYTHONIOENCODING says.
        raw = stdin_bytes().readline()
        return None if raw == b"" else raw.decode("utf-8", "replace").strip()

    def ask(self, question: Question) -> bool:
        """Ask until the answer changes the state; False at the end of input."""
        from kb_engine.consult.answers import parse_answer
        from kb_engine.errors import InputError
        from kb_engine.facts.documents import get_fact, set_fact
        from kb_engine.facts.load import validate_facts

        ui = self.ui
        self.show(question)
        while True:
            line = self.read()
            if line is None:
                return False
            word = line.casefold()
            if word in _KEYS["help"]:
                self.out("    " + ui["help"].format(help=question.help))
                continue
            if word in _KEYS["unknown"]:
                self.skipped.append(question.fact)
                self.history.append(("skip", question.fact, None))
                self.out("    " + ui["skipped"])
                return True
            if word in _KEYS["back"]:
                if not self.history:
                    self.out("    " + ui["no_back"])
                    continue
                action, fact, previous = self.history.pop()
                if action == "skip":
                    self.skipped.remove(fact)
                else:
                    self.doc = set_fact(self.doc, fact, previous)
                self.out("    " + ui["back"])
                return True
            known = validate_facts(self.doc, self.source).flat()
            try:
                value = parse_answer(question.fact, line, self.lang, known, questions=self.questions)
            except InputError as exc:
                problem = exc.problems[0]
                allowed = ", ".join(question.allowed) if not question.free_form else (problem.allowed or question.format)
                self.out("    " + ui["invalid"].format(value=problem.value, message=problem.message, allowed=allowed))
                continue
            candidate = set_fact(self.doc, question.fact, value)
            try:
                validate_facts(candidate, self.source)
            except InputError as exc:
                problems = "; ".join(p.message.removeprefix("contradictory facts: ") for p in exc.problems)
                self.out("    " + ui["contradiction"].format(problems=problems))
                continue
            self.history.append(("answer", question.fact, get_fact(self.doc, question.fact)))
            self.doc = candidate
            return True


def _default_kb() -> KnowledgeBase:
    from kb_engine.knowledge.load import default_kb

    return default_kb()
