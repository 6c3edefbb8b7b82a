"""Generating into a folder the user owns: never replace their files; --check names every stale kind and why."""

from __future__ import annotations

import os
import re
import shutil
import struct
from pathlib import Path

import pytest

from kb_engine.cli.main import main
from kb_engine.diagrams import write_diagrams
from kb_engine.diagrams.files import stale
from kb_engine.diagrams.labels import MARK, mark
from kb_engine.diagrams.stamp import stamp_text
from kb_engine.errors import InputError

REPO = Path(__file__).resolve().parents[2]
ONE = {"editions": ["2019-12"], "langs": ["en"]}


def _reasons(root: Path, **kwargs: object) -> dict[str, str]:
    return {str(s.path.relative_to(root)): s.reason for s in stale(root, ["2019-12"], ["en"], **kwargs)}  # type: ignore[arg-type]


def test_a_readme_the_tool_did_not_write_is_never_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user's README.md in the folder: the run exits 2 naming it, and writes nothing at all."""
    readme = tmp_path / "README.md"
    readme.write_text("# My notes\n", encoding="utf-8")
    code = main(["diagrams", "--type", "txt", "-o", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert str(readme) in err and "not written by kb-engine diagrams" in err
    assert readme.read_text(encoding="utf-8") == "# My notes\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["README.md"]


def test_a_symlink_at_a_planned_path_is_refused(tmp_path: Path) -> None:
    """A symlink where a tree would go is not followed nor replaced, whatever it points at."""
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n", encoding="utf-8")
    folder = tmp_path / "out" / "2019-12" / "en"
    folder.mkdir(parents=True)
    (folder / "tree-BackUpOperationFailed.txt").symlink_to(target)
    with pytest.raises(InputError, match="tree-BackUpOperationFailed.txt"):
        write_diagrams(tmp_path / "out", formats=("txt",), **ONE)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "precious\n"


def test_files_of_its_own_are_replaced_on_the_next_run(tmp_path: Path) -> None:
    """Every file written carries the tool's mark, so a second run into the same folder succeeds."""
    first = write_diagrams(tmp_path, formats=("txt", "mmd", "dot"), **ONE)  # type: ignore[arg-type]
    for path in first:
        assert b"kb-engine diagrams" in path.read_bytes(), path
    assert write_diagrams(tmp_path, formats=("txt", "mmd", "dot"), **ONE) == first  # type: ignore[arg-type]


def test_a_japanese_file_says_it_was_generated_in_japanese_and_an_english_mark_is_still_ours(tmp_path: Path) -> None:
    """Japanese outlines, Mermaid and DOT carry the generated-file line in Japanese (no English sentence in a
    Japanese file; only the command's name); a file an earlier version marked in English is still replaced."""
    ja = {"editions": ["2019-12"], "langs": ["ja"]}
    write_diagrams(tmp_path, formats=("txt", "mmd", "dot"), **ja)  # type: ignore[arg-type]
    folder = tmp_path / "2019-12" / "ja"
    outline = folder / "tree-BackUpOperationFailed.txt"
    for path in (outline, folder / "tree-BackUpOperationFailed.mmd", folder / "tree-BackUpOperationFailed.dot"):
        text = "".join(path.read_text(encoding="utf-8").split())  # the outline wraps it
        assert "".join(mark("ja").split()) in text and "".join(MARK.split()) not in text, path
    tail = outline.read_text(encoding="utf-8").rsplit("\n-- ", 1)[1]
    assert re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", tail.replace("kb-engine diagrams", "")) is None, tail
    fresh = outline.read_text(encoding="utf-8")
    outline.write_text(f"an older outline\n\n-- {MARK}\n", encoding="utf-8")
    assert outline in {s.path for s in stale(tmp_path, ["2019-12"], ["ja"], formats=("txt",))}
    write_diagrams(tmp_path, formats=("txt",), **ja)  # type: ignore[arg-type]
    assert outline.read_text(encoding="utf-8") == fresh


@pytest.mark.dot
def test_check_names_a_deleted_an_edited_and_a_stale_svg(tmp_path: Path) -> None:
    """SVGs are checked by their stamp, without Graphviz: deleted, hand-edited, or made from older DOT."""
    write_diagrams(tmp_path, formats=("dot", "svg", "mmd", "txt", "html"), scenarios=[], **ONE)  # type: ignore[arg-type]
    assert _reasons(tmp_path) == {}
    folder = tmp_path / "2019-12" / "en"
    (folder / "tree-BackUpOperationFailed.svg").unlink()
    edited = folder / "tree-UserErrorBackupOperationInProgress.svg"
    edited.write_text(edited.read_text(encoding="utf-8").replace("</svg>", "<!-- mine --></svg>"), encoding="utf-8")
    page = folder / "tree-GuestAgentSnapshotTaskStatusError.html"
    page.write_text(page.read_text(encoding="utf-8").replace("<body>", "<body><p>hi</p>"), encoding="utf-8")
    old = folder / "tree-UserErrorUnsupportedDiskSize.svg"
    head, stamp_line, rest = old.read_text(encoding="utf-8").split("\n", 2)
    old.write_text(stamp_text(f"{head}\n{rest}", "f" * 64), encoding="utf-8")  # intact, from other DOT
    reasons = _reasons(tmp_path)
    assert reasons["2019-12/en/tree-BackUpOperationFailed.svg"] == "missing"
    assert reasons["2019-12/en/tree-UserErrorBackupOperationInProgress.svg"] == "edited by hand"
    assert reasons["2019-12/en/tree-GuestAgentSnapshotTaskStatusError.html"] == "edited by hand"
    assert reasons["2019-12/en/tree-UserErrorUnsupportedDiskSize.svg"] == "out of date"


def test_check_covers_the_handbook(tmp_path: Path) -> None:
    """A handbook/ folder beside the diagrams is compared with a fresh handbook, file by file."""
    write_diagrams(tmp_path, formats=("txt",), **ONE)  # type: ignore[arg-type]
    shutil.copytree(REPO / "diagrams" / "handbook", tmp_path / "handbook")
    write_diagrams(tmp_path, formats=("txt",), **ONE)  # type: ignore[arg-type]  # the index now links it
    assert _reasons(tmp_path, formats=("txt",)) == {}
    page = tmp_path / "handbook" / "handbook-2019-07-ja.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nmore\n", encoding="utf-8")
    (tmp_path / "handbook" / "handbook-2019-12-en.md").unlink()
    reasons = _reasons(tmp_path, formats=("txt",))
    assert reasons == {"handbook/handbook-2019-07-ja.md": "out of date", "handbook/handbook-2019-12-en.md": "missing"}


@pytest.mark.dot
def test_check_covers_an_overlay_and_the_facts_file_it_was_drawn_from(tmp_path: Path) -> None:
    """An overlay made by `diagnose --diagram` is stale when its facts file changes, or is gone."""
    facts = tmp_path / "facts" / "vm.yaml"
    facts.parent.mkdir()
    shutil.copy(REPO / "facts" / "linux-agent-outdated.yaml", facts)
    out = tmp_path / "diagrams"
    write_diagrams(out, formats=("txt",), **ONE)  # type: ignore[arg-type]
    overlay = out / "overlay" / "vm.svg"
    assert main(["diagnose", str(facts), "--diagram", str(overlay)]) == 1
    assert _reasons(out, formats=("txt",)) == {}
    facts.write_text(facts.read_text(encoding="utf-8").replace("version: 2.2.9", "version: 2.2.10"), encoding="utf-8")
    assert _reasons(out, formats=("txt",)) == {"overlay/vm.svg": "out of date"}
    facts.unlink()
    assert _reasons(out, formats=("txt",)) == {"overlay/vm.svg": "its facts file is gone"}


@pytest.mark.dot
def test_png_is_drawn_at_the_chosen_resolution(tmp_path: Path) -> None:
    """--dpi 288 gives a PNG three times as wide as at 96 dpi, marked as made by kb-engine."""
    def width(path: Path) -> int:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and b"kb-engine diagrams" in data
        return int(struct.unpack(">I", data[16:20])[0])

    for dpi in (96, 288):
        assert main(["diagrams", "--edition", "2019-12", "--lang", "en", "--type", "png", "--dpi", str(dpi),
                     "-o", str(tmp_path / str(dpi))]) == 0
    name = os.path.join("2019-12", "en", "tree-UserErrorRpCollectionLimitReached.png")
    assert 2.9 < width(tmp_path / "288" / name) / width(tmp_path / "96" / name) < 3.1


@pytest.mark.dot
def test_check_elsewhere_says_the_quiz_comes_from_facts_here_and_scenarios_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--check of the shipped diagrams/ from a folder without facts/: the trainer pages differ (their quiz), and
    the warning says why and what to do; --scenarios naming the shipped facts/ finds them up to date."""
    monkeypatch.chdir(tmp_path)
    assert main(["diagrams", "--check", "-o", str(REPO / "diagrams")]) == 1
    err = capsys.readouterr().err
    assert f"there is no facts/ folder in {tmp_path}" in err and "--scenarios DIR" in err
    assert main(["diagrams", "--check", "-o", str(REPO / "diagrams"), "--scenarios", str(REPO / "facts")]) == 0
