"""The interactive trainer: one self-contained HTML page per decision tree, and an index page.

A page walks a trainee through the tree one question at a time (yes, no, not
known; back; the path so far), shows the cause and its numbered remedy steps at
a leaf, folds each cause's part of the tree away, and draws the tree beside it
with the current node highlighted. In quiz mode a scenario (a facts file, told
as the answers the customer gave, the facts file itself hidden) is walked the
same way, then compared with the engine's real diagnosis, drawn over the tree.

Everything the page shows comes from the tree model (:mod:`.tree`), exported
as JSON into the page; the script (``assets/trainer.js``) and the style sheet
are inlined, so the page works from ``file://`` with no network. The script
builds every element with ``textContent``: no text from the knowledge base or
a facts file is ever read as HTML, and the JSON is escaped so that it cannot
close its ``<script>`` element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from html import escape
from importlib import resources
from typing import Any

from .labels import LANGS, mark, word
from .tree import Tree

__all__ = ["html_mark", "index_html", "page_json", "trainer_html", "tree_data"]


def html_mark(lang: str) -> str:
    """What marks a page as written by ``kb-engine diagrams``: its generator, and the generated-file line in the
    page's language."""
    return f'<meta name="generator" content="kb-engine diagrams">\n<!-- {mark(lang)} -->'


_UI_WORDS = (
    "yes", "no", "unknown", "back", "restart", "path", "no_answers_yet", "fact", "where_to_find", "remedy", "logs",
    "still_failing_button", "cause_found", "escalate_found", "practice", "quiz", "scenario", "case_notes",
    "check_answer", "your_answer", "engine_answer", "score", "answers_right", "correct", "wrong", "language",
    "causes", "tree", "handbook", "not_decided", "choose_scenario", "no_scenarios", "expected_answer",
    "question_of", "all_causes", "undetermined_note", "index", "answered_unknown", "os_required", "truth_unknown_short",
)


def tree_data(tree: Tree) -> dict[str, Any]:
    """The tree as plain JSON-ready data: nodes, edges and groups with all their texts."""
    return {
        "edition": tree.edition,
        "code": tree.code,
        "names": list(tree.names),
        "lang": tree.lang,
        "title": tree.title,
        "subtitle": tree.subtitle,
        "groups": [{**asdict(g), "heading": g.heading} for g in tree.groups],
        "nodes": [asdict(n) for n in tree.nodes],
        "edges": [asdict(e) for e in tree.edges],
    }


def page_json(data: Mapping[str, Any]) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` in it, sorted keys."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _asset(name: str) -> str:
    return resources.files("kb_engine.diagrams").joinpath("assets", name).read_text(encoding="utf-8")


_SVG_HEAD = re.compile(r"\A.*?(?=<svg\b)", re.S)
_SVG_ID = re.compile(r'\bid="([^"]*)"')


def inline_svg(svg: str, prefix: str) -> str:
    """Graphviz's SVG ready to sit inside a page: no XML prolog, every id prefixed (``tree-``) to stay unique."""
    body = _SVG_HEAD.sub("", svg, count=1)
    return _SVG_ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', body)


def trainer_html(
    tree: Tree,
    svg: str | None,
    *,
    scenarios: Sequence[Mapping[str, Any]] = (),
    links: Mapping[str, str] | None = None,
) -> str:
    """The trainer page of one tree.

    Args:
        tree: the decision tree (its language is the page's).
        svg: the tree drawn by Graphviz (``tree_dot`` rendered as SVG), or None to leave the drawing out.
        scenarios: quiz scenarios (see :func:`kb_engine.diagrams.quiz.scenarios_for`).
        links: relative links: ``other`` (the same page in the other language), ``index``, ``handbook``.
    """
    lang = tree.lang
    data = {
        "tree": tree_data(tree),
        "words": {key: word(f"ui_{key}", lang) for key in _UI_WORDS},
        "links": dict(links or {}),
        "scenarios": list(scenarios),
        "other_lang": [other for other in LANGS if other != lang][0],
    }
    title = f"{word('error_code', lang)}: {tree.title} — {tree.subtitle}"
    drawing = f'<div id="drawing" class="drawing">{inline_svg(svg, "tree-")}</div>' if svg else '<div id="drawing"></div>'
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        html_mark(lang),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{_asset('trainer.css')}</style>",
        "</head>",
        "<body>",
        '<noscript><p class="noscript">' + escape(word("ui_noscript", lang)) + "</p></noscript>",
        '<div id="app"></div>',
        drawing,
        f'<script type="application/json" id="kb-data">{page_json(data)}</script>',
        f"<script>\n{_asset('trainer.js')}</script>",
        "</body>",
        "</html>",
        "",
    ])


def index_html(kb_version: str, sections: Sequence[Mapping[str, Any]]) -> str:
    """The trainer's index page: one list of trees per edition and language.

    Args:
        kb_version: the knowledge base's version.
        sections: ``{"edition", "lang", "title", "pages": [(code names, relative href, message), ...]}``, in order.
    """
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        html_mark("en"),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(word('ui_index_title', 'en'))} / {escape(word('ui_index_title', 'ja'))}</title>",
        f"<style>\n{_asset('trainer.css')}</style>",
        "</head>",
        '<body class="index">',
        f"<h1>{escape(word('ui_index_title', 'en'))} / {escape(word('ui_index_title', 'ja'))}</h1>",
        f"<p>{escape(word('ui_index_intro', 'en'))}</p>",
        f'<p lang="ja">{escape(word("ui_index_intro", "ja"))}</p>',
        f"<p class=\"small\">kb {escape(kb_version)}</p>",
    ]
    for section in sections:
        lang = str(section["lang"])
        out.append(f'<section lang="{escape(lang)}"><h2>{escape(str(section["edition"]))} · '
                   f'{escape(word("ui_language_name", lang))}</h2>')
        out.append(f"<p>{escape(str(section['title']))}</p><ul>")
        for names, href, message in section["pages"]:
            out.append(f'<li><a href="{escape(href, quote=True)}">{escape(names)}</a> '
                       f'<span class="small">{escape(message)}</span></li>')
        out.append("</ul></section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
