"""Rendering with Graphviz's dot: real SVG, PNG and PDF files, or a clear error and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_engine.cli.diagrams import diagrams_command
from kb_engine.cli.main import cli, main
from kb_engine.diagrams import build_tree, tree_dot, write_diagrams
from kb_engine.diagrams.render import render, render_file
from kb_engine.errors import EXIT_TOOL_MISSING, ToolMissingError
from kb_engine.knowledge.load import default_kb

SIGNATURES = {"svg": b"<svg", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


def _tree(lang: str = "ja") -> str:
    edition = default_kb().edition("2019-12")
    entry = edition.code("UserErrorGuestAgentStatusUnavailable")
    assert entry is not None
    return tree_dot(build_tree(edition, entry, lang))


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.dot
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_a_japanese_tree_renders_to_a_real_image_file(tmp_path: Path, fmt: str) -> None:
    """dot turns a Japanese tree into a file that starts with the format's signature."""
    path = render_file(_tree(), tmp_path / f"tree.{fmt}")
    data = path.read_bytes()
    assert SIGNATURES[fmt] in data[:1000]
    assert [p.name for p in tmp_path.iterdir()] == [f"tree.{fmt}"], "no temporary file left behind"


@pytest.mark.dot
def test_svg_keeps_the_japanese_text_and_the_fact_tooltips() -> None:
    """The SVG holds the Japanese question and the tooltip naming the fact."""
    svg = render(_tree(), "svg").decode("utf-8")
    assert "VM エージェントが古い" in svg
    assert "ファクト: agent.status" in svg


@pytest.mark.dot
def test_write_diagrams_renders_svg_next_to_the_dot(tmp_path: Path) -> None:
    """With svg asked for, each tree's .svg is written beside its .dot."""
    write_diagrams(tmp_path, editions=["2019-07"], langs=["en"], formats=("dot", "svg"))
    svg = tmp_path / "2019-07" / "en" / "tree-BackUpOperationFailed.svg"
    assert svg.read_bytes().lstrip().startswith(b"<?xml") and b"<svg" in svg.read_bytes()[:600]
    assert (tmp_path / "2019-07" / "en" / "graph.svg").is_file()


@pytest.mark.usefixtures("no_dot")
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_without_dot_images_raise_tool_missing_and_leave_no_file(tmp_path: Path, fmt: str) -> None:
    """dot missing: ToolMissingError names dot and graphviz, and no (partial) file is written."""
    with pytest.raises(ToolMissingError) as info:
        render_file(_tree(), tmp_path / f"tree.{fmt}")
    assert info.value.tool == "dot" and info.value.package == "graphviz"
    assert info.value.exit_code == EXIT_TOOL_MISSING
    assert list(tmp_path.iterdir()) == [tmp_path / "empty-bin"]


@pytest.mark.usefixtures("no_dot")
def test_without_dot_the_diagram_set_refuses_svg_before_writing_anything(tmp_path: Path) -> None:
    """write_diagrams with svg checks for dot first: nothing is written at all."""
    out = tmp_path / "out"
    with pytest.raises(ToolMissingError):
        write_diagrams(out, formats=("dot", "svg"))
    assert not out.exists()


@pytest.mark.usefixtures("no_dot")
def test_without_dot_text_formats_still_work(tmp_path: Path) -> None:
    """DOT, Mermaid and text twins need no dot: they are written as usual."""
    written = write_diagrams(tmp_path / "out", editions=["2019-12"], langs=["en"], formats=("dot", "mmd", "txt"))
    assert len(written) > 10
    first = render_file(_tree(), tmp_path / "tree.dot").read_text(encoding="utf-8").split("\n")[0]
    assert first.startswith("// ") and "kb-engine diagrams" in first


@pytest.mark.usefixtures("no_dot")
def test_without_dot_the_command_exits_3_with_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb-engine diagrams --type png` without dot exits 3 and says: apt-get install graphviz."""
    monkeypatch.setitem(cli.commands, "diagrams", diagrams_command)
    code = main(["diagrams", "--type", "png", "-o", str(tmp_path / "out")])
    assert code == EXIT_TOOL_MISSING
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def broken_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `dot` that fails as a Graphviz without its PNG plugin does."""
    bin_dir = tmp_path / "broken-bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text('#!/bin/sh\necho \'Format: "png" not recognized. Use one of: dot svg\' >&2\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


@pytest.mark.usefixtures("broken_dot")
def test_a_failing_dot_exits_3_with_what_it_said_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When dot is there but fails, the user reads dot's own message (exit 3), not an internal error."""
    out = tmp_path / "out"
    code = main(["diagrams", "--edition", "2019-12", "--lang", "en", "--type", "png", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_TOOL_MISSING
    assert "dot -Tpng failed" in err and 'Format: "png" not recognized' in err
    assert not [path for path in out.rglob("*") if path.is_file()]


def test_an_unwritable_output_folder_is_bad_input_not_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o` under a regular file: exit 2 naming the path."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main(["diagrams", "--type", "dot", "-o", str(blocker / "out")])
    assert code == 2
    assert str(blocker / "out") in capsys.readouterr().err
