"""Every committed .mmd tree renders with Mermaid's own CLI (mermaid-cli, in Debian's Chromium), not only by reading."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from browser import CHROMIUM_ARGS, chromium_path

from kb_engine.diagrams import build_tree, tree_mermaid
from kb_engine.diagrams.mermaid import escape
from kb_engine.knowledge.load import default_kb

REPO = Path(__file__).resolve().parents[2]
NODE = REPO / ".ci" / "node"
MMDC = NODE / "node_modules" / ".bin" / "mmdc"
TREES = sorted((REPO / "diagrams").glob("*/*/tree-*.mmd"))
ALL_TREES = [(e.id, entry.id, lang) for e in default_kb().editions for entry in e.codes for lang in ("en", "ja")]


def test_every_mermaid_tree_renders_with_mermaids_own_cli(tmp_path: Path) -> None:
    """All trees in one Markdown file through mmdc: one SVG per tree, each with its title and no syntax error."""
    if not MMDC.is_file():
        pytest.skip("Mermaid's CLI is installed into .ci/node by `bash .ci/task test`")
    browser = chromium_path()
    if browser is None:
        pytest.skip("no Chromium: `bash .ci/task test` installs Debian's chromium")
    assert len(TREES) >= 20
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": browser, "headless": "shell", "args": CHROMIUM_ARGS}), encoding="utf-8")
    book = tmp_path / "trees.md"
    book.write_text("".join(f"```mermaid\n{p.read_text(encoding='utf-8')}```\n\n" for p in TREES), encoding="utf-8")
    done = subprocess.run([str(MMDC), "-p", str(config), "-i", str(book), "-o", str(tmp_path / "out.md"), "-q"],
                          capture_output=True, text=True, timeout=600, check=False,
                          env={"PATH": "/usr/bin:/bin", "PUPPETEER_SKIP_DOWNLOAD": "1", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    svgs = sorted(tmp_path.glob("out-*.svg"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(svgs) == len(TREES)
    for tree, svg in zip(TREES, svgs, strict=True):
        text = svg.read_text(encoding="utf-8")
        code = tree.stem.removeprefix("tree-")
        assert 'aria-roledescription="flowchart' in text and "Syntax error" not in text, tree
        assert code in text, f"{tree}: the title is drawn"
        assert 'class="node' in text and text.count("flowchart-link") + text.count('class="edge') > 5, tree


@pytest.mark.parametrize(("edition_id", "code", "lang"), ALL_TREES)
def test_mermaid_labels_are_not_broken_inside_a_text(edition_id: str, code: str, lang: str) -> None:
    """Each question and each remedy step is one whole part of its label: Mermaid wraps it, so no word is cut twice
    (in Japanese at the <wbr> between two phrases)."""
    edition = default_kb().edition(edition_id)
    entry = edition.code(code)
    assert entry is not None
    tree = build_tree(edition, entry, lang)
    labels = re.findall(r'"([^"\n]*)"', tree_mermaid(tree))
    parts = {part.replace("<wbr>", "") for label in labels for part in label.split("<br/>")}
    for node in tree.nodes:
        if node.kind == "question":
            assert escape(node.title) in parts, node.title
        for step in node.steps:
            assert escape(f"{step.number}. {step.text}") in parts, step.text
