"""The diagram set on disk: complete, deterministic, up to date in the repository, checked by --check."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_engine.cli.diagrams import diagrams_command
from kb_engine.diagrams import stale_files, write_diagrams
from kb_engine.diagrams.files import plan
from kb_engine.knowledge.load import default_kb

REPO_DIAGRAMS = Path(__file__).resolve().parents[2] / "diagrams"
TEXT = ("dot", "mmd", "txt")


def _texts(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_committed_diagrams_are_up_to_date_with_the_knowledge_base() -> None:
    """diagrams/ in the repository matches the KB: if this fails, run `kb-engine diagrams` and commit."""
    stale = stale_files(REPO_DIAGRAMS)
    shown = ", ".join(str(p.relative_to(REPO_DIAGRAMS)) for p in stale[:10]) + (f" and {len(stale) - 10} more" if len(stale) > 10 else "")
    assert stale == [], f"stale diagrams (run: kb-engine diagrams -o diagrams, then commit): {shown}"


def test_the_set_has_every_tree_and_graph_for_both_editions_and_languages(tmp_path: Path) -> None:
    """Per edition and language: graph.dot and tree-<code>.{dot,mmd,txt} for every code, plus README.md."""
    written = write_diagrams(tmp_path, formats=TEXT)
    kb = default_kb()
    for edition in kb.editions:
        for lang in ("en", "ja"):
            folder = tmp_path / edition.id / lang
            assert (folder / "graph.dot").is_file()
            for entry in edition.codes:
                for fmt in TEXT:
                    assert (folder / f"tree-{entry.id}.{fmt}").is_file()
    assert (tmp_path / "2019-12/en/tree-UserErrorGuestAgentStatusUnavailable.dot") in written
    assert written[-1] == tmp_path / "README.md"
    assert sorted(written) == sorted(p for p in tmp_path.rglob("*") if p.is_file())


def test_two_runs_write_identical_files(tmp_path: Path) -> None:
    """Writing the set twice gives byte-identical text files (DOT, Mermaid, text, GraphML, JSON, index)."""
    formats = (*TEXT, "graphml", "json")
    write_diagrams(tmp_path / "a", formats=formats)
    write_diagrams(tmp_path / "b", formats=formats)
    assert _texts(tmp_path / "a") == _texts(tmp_path / "b")


def test_the_plan_is_in_a_fixed_order() -> None:
    """Two plans list the same files in the same order."""
    assert [o.path for o in plan(default_kb())] == [o.path for o in plan(default_kb())]


def test_index_page_shows_every_tree_inline_and_does_not_depend_on_what_was_written(tmp_path: Path) -> None:
    """README.md embeds a ```mermaid block per tree and links its SVG/text/DOT, the same after a partial run."""
    write_diagrams(tmp_path / "full", formats=TEXT)
    write_diagrams(tmp_path / "part", editions=["2019-12"], langs=["en"], formats=("txt",))
    index = (tmp_path / "full" / "README.md").read_text(encoding="utf-8")
    assert index == (tmp_path / "part" / "README.md").read_text(encoding="utf-8")
    trees = sum(len(e.codes) for e in default_kb().editions) * 2
    assert index.count("```mermaid") == trees
    assert "[SVG](2019-12/en/tree-UserErrorGuestAgentStatusUnavailable.svg)" in index
    assert "[text](2019-07/ja/tree-BackUpOperationFailed.txt)" in index
    assert "(handbook/)" not in index


def test_index_page_links_the_handbook_when_it_exists(tmp_path: Path) -> None:
    """A handbook/ folder written by another tool is linked, and left untouched."""
    (tmp_path / "handbook").mkdir()
    (tmp_path / "handbook" / "page.md").write_text("keep me\n", encoding="utf-8")
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "vm.svg").write_text("<svg/>\n", encoding="utf-8")
    write_diagrams(tmp_path, editions=["2019-07"], langs=["ja"], formats=("txt",))
    assert "(handbook/)" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert (tmp_path / "handbook" / "page.md").read_text(encoding="utf-8") == "keep me\n"
    assert (tmp_path / "overlay" / "vm.svg").read_text(encoding="utf-8") == "<svg/>\n"


def test_a_tree_of_a_code_no_longer_in_the_kb_is_reported_then_removed(tmp_path: Path) -> None:
    """An old tree-<code>.txt is stale for --check and deleted by the next write of that format."""
    write_diagrams(tmp_path, formats=TEXT)
    old = tmp_path / "2019-12" / "en" / "tree-UserErrorRemovedLongAgo.txt"
    old.write_text("old\n", encoding="utf-8")
    assert old in stale_files(tmp_path)
    write_diagrams(tmp_path, formats=TEXT)
    assert not old.exists()
    assert stale_files(tmp_path) == []


def test_check_reports_an_edited_file_and_exits_1(tmp_path: Path) -> None:
    """`diagrams --check` lists a hand-edited DOT file on stdout and exits 1; unchanged, it exits 0."""
    write_diagrams(tmp_path, formats=TEXT)
    runner = CliRunner()
    ok = runner.invoke(diagrams_command, ["--check", "-o", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    edited = tmp_path / "2019-07" / "ja" / "tree-BackUpOperationFailed.dot"
    edited.write_text(edited.read_text(encoding="utf-8") + "// hand edit\n", encoding="utf-8")
    before = _texts(tmp_path)
    result = runner.invoke(diagrams_command, ["--check", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert str(edited) in result.stdout.splitlines()
    assert _texts(tmp_path) == before, "--check writes nothing"


def test_command_prints_the_written_paths_on_stdout(tmp_path: Path) -> None:
    """`diagrams --type txt --lang en --edition 2019-12` prints one path per line, ending with the index."""
    result = CliRunner().invoke(
        diagrams_command, ["--type", "txt", "--lang", "en", "--edition", "2019-12", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == str(tmp_path / "README.md")
    assert all(Path(line).is_file() for line in lines)
    assert len(lines) == len(default_kb().edition("2019-12").codes) + 1


def test_help_shows_an_example_and_the_exit_codes() -> None:
    """`diagrams --help` has an example and lists exit codes 0, 1, 2, 3."""
    result = CliRunner().invoke(diagrams_command, ["--help"])
    assert result.exit_code == 0
    assert "kb-engine diagrams --check" in result.output
    for code in ("0 ", "1 ", "2 ", "3 "):
        assert f"\n    {code}" in result.output or f"\n  {code}" in result.output


def test_an_unknown_edition_is_a_usage_error(tmp_path: Path) -> None:
    """`diagrams --edition 2001-01` fails with the known editions named, writing nothing."""
    from kb_engine.errors import UnknownEditionError

    with pytest.raises(UnknownEditionError, match="2001-01"):
        write_diagrams(tmp_path / "out", editions=["2001-01"], formats=TEXT)
    assert not (tmp_path / "out").exists()
