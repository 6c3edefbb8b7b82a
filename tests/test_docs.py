"""The README's tables are generated from the facts model and the knowledge base, never restated by hand."""

from __future__ import annotations

from pathlib import Path

from kb_engine.knowledge.docs import SECTIONS, refresh

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_generated_tables_are_current() -> None:
    """README.md's generated sections match the data (refresh: python -m kb_engine.docs README.md)."""
    text = README.read_text(encoding="utf-8")
    for name in SECTIONS:
        assert f"<!-- generated:{name} -->" in text, f"README lost its {name} section"
    assert refresh(text) == text, "README tables are stale: run python -m kb_engine.docs README.md"


def test_readme_tables_show_every_fact_and_every_code() -> None:
    """The README lists every fact of the model and every error code of every edition."""
    from kb_engine.knowledge.load import default_kb
    from kb_engine.knowledge.vocabulary import fact_catalog

    text = README.read_text(encoding="utf-8")
    for name in fact_catalog():
        assert f"| `{name}` |" in text
    for code in default_kb().all_code_names():
        assert f"`{code}`" in text


def test_readme_exit_codes_are_those_the_command_documents() -> None:
    """The README's exit-code table and `kb-engine --help` list the same codes with the same meanings."""
    import re

    from click.testing import CliRunner

    from kb_engine.cli.main import cli

    text = README.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", text, flags=re.MULTILINE))
    help_text = CliRunner().invoke(cli, ["--help"]).output
    listed = dict(re.findall(r"^\s+(\d+)\s+(.+)$", help_text, flags=re.MULTILINE))
    assert set(table) == set(listed) and len(table) >= 6
    for code, meaning in listed.items():
        assert table[code].replace("`", "") == meaning.strip(), code
