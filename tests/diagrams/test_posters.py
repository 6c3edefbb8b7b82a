"""Printable posters (--paper a4|a3): real paper sizes, text large enough to read, pages that show something."""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from kb_engine.cli.main import main

PAPER_POINTS = {"a4": (595.276, 841.89), "a3": (841.89, 1190.551)}


def _text_sizes(page: object) -> list[tuple[float, float]]:
    """(size as drawn, size as printed) of every piece of text on a PDF page, in points."""
    sizes: list[tuple[float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            drawn = size * math.hypot(tm[0], tm[1])
            sizes.append((drawn, drawn * math.hypot(cm[0], cm[1])))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return sizes


@pytest.fixture(scope="module")
def posters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("posters")
    for paper, langs in (("a4", ("en", "ja")), ("a3", ("en",))):
        for lang in langs:
            code = main(["diagrams", "--edition", "2019-12", "--lang", lang, "--type", "pdf", "--paper", paper,
                         "-o", str(out / paper)])
            assert code == 0
    return {paper: out / paper for paper in ("a4", "a3")}


@pytest.mark.dot
@pytest.mark.parametrize("paper", ["a4", "a3"])
def test_every_page_is_the_paper_and_no_text_prints_too_small(posters: dict[str, Path], paper: str) -> None:
    """Every page of every tree poster is A4/A3 (either way round); body text prints at 8 pt or more, small print 7.2."""
    files = sorted(posters[paper].glob("2019-12/*/tree-*.pdf"))
    assert len(files) == (20 if paper == "a4" else 10)
    for path in files:
        reader = PdfReader(path)
        assert reader.metadata is not None and reader.metadata.producer == "kb-engine diagrams"
        for number, page in enumerate(reader.pages, start=1):
            size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
            assert size == pytest.approx(sorted(PAPER_POINTS[paper]), abs=0.5), (path.name, number)
            sizes = _text_sizes(page)
            assert sizes, (path.name, number)
            for drawn, printed in sizes:
                assert printed >= 7.2, (path.name, number, drawn, printed)
                if drawn >= 11:
                    assert printed >= 7.99, (path.name, number, drawn, printed)


@pytest.mark.dot
def test_a_tree_is_split_per_cause_with_arrows_naming_the_page_they_go_on_to(posters: dict[str, Path]) -> None:
    """GuestAgentSnapshotTaskStatusError on A4: several pages; page 1 lists the contents, arrows say 'page N'."""
    reader = PdfReader(posters["a4"] / "2019-12" / "en" / "tree-GuestAgentSnapshotTaskStatusError.pdf")
    assert len(reader.pages) >= 5
    first = reader.pages[0].extract_text()
    assert "Contents" in first and "Q0" in first and "(page 2)" in first
    last = reader.pages[-1].extract_text()
    assert "Still failing: collect logs and escalate" in last
    assert "yes/no question" in last, "each page has the compact legend"


@pytest.mark.dot
def test_a3_needs_no_more_pages_than_a4(posters: dict[str, Path]) -> None:
    """The larger paper fits at least as much on a page."""
    for path in sorted(posters["a4"].glob("2019-12/en/tree-*.pdf")):
        a3 = posters["a3"] / path.relative_to(posters["a4"])
        assert len(PdfReader(a3).pages) <= len(PdfReader(path).pages), path.name


@pytest.mark.dot
def test_pages_rendered_as_pictures_are_not_blank(posters: dict[str, Path], tmp_path: Path) -> None:
    """pdftoppm turns a Japanese poster's pages into PNG: each has drawing and text on it."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is installed by `bash .ci/task test`")
    from PIL import Image

    poster = posters["a4"] / "2019-12" / "ja" / "tree-UserErrorGuestAgentStatusUnavailable.pdf"
    subprocess.run([pdftoppm, "-r", "40", "-png", str(poster), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(poster).pages)
    for png in pages:
        image = Image.open(io.BytesIO(png.read_bytes())).convert("L")
        colours = image.getcolors(maxcolors=image.width * image.height) or []
        ink = sum(count for count, level in colours if level < 200) / (image.width * image.height)
        assert ink > 0.01, png.name


LEGEND_WORDS = "error code yes/no question cause found: remedy still failing: escalate every arrow is labelled: yes, no, still failing"
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@pytest.mark.dot
@pytest.mark.parametrize("paper", ["a4", "a3"])
def test_the_legend_is_a_compact_corner_that_nothing_is_drawn_under(posters: dict[str, Path], paper: str) -> None:
    """On every page of the English posters, the legend (drawn last) sits in the bottom right corner, within the
    right half of the page and its bottom fifth, and no word of the drawing is inside its box."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is installed by `bash .ci/task test`")
    expected = sorted(LEGEND_WORDS.split())
    for path in sorted(posters[paper].glob("2019-12/en/tree-*.pdf")):
        xml = subprocess.run([pdftotext, "-bbox", "-raw", str(path), "-"], capture_output=True, text=True,
                             check=True, timeout=120).stdout
        sizes = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', xml)
        for number, (body, (width, height)) in enumerate(zip(xml.split("<page ")[1:], sizes, strict=True), start=1):
            words = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in _WORD.findall(body)]
            legend, drawing = words[-len(expected):], words[:-len(expected)]
            assert sorted(w[4] for w in legend) == expected, (path.name, number)
            left, top = min(w[0] for w in legend), min(w[1] for w in legend)
            right, bottom = max(w[2] for w in legend), max(w[3] for w in legend)
            assert left >= float(width) / 2 and top >= float(height) * 0.8, (path.name, number, left, top)
            for x0, y0, x1, y1, text in drawing:
                assert x1 <= left or x0 >= right or y1 <= top or y0 >= bottom, (path.name, number, text)


@pytest.mark.dot
def test_the_cause_graph_is_cut_into_tiles_of_the_paper(tmp_path: Path) -> None:
    """graph.pdf with --paper a3: several landscape A3 pages, text at 8 pt or more."""
    assert main(["diagrams", "--edition", "2019-12", "--lang", "en", "--type", "pdf", "--paper", "a3",
                 "-o", str(tmp_path)]) == 0
    reader = PdfReader(tmp_path / "2019-12" / "en" / "graph.pdf")
    assert len(reader.pages) > 1
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(PAPER_POINTS["a3"][::-1], abs=0.5)


def test_paper_without_pdf_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--paper only makes sense for PDF files: exit 2 saying so."""
    assert main(["diagrams", "--type", "txt", "--paper", "a4", "-o", str(tmp_path)]) == 2
    assert "--paper" in capsys.readouterr().err
