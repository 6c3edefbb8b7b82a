"""The README's tables are generated from the facts model and the knowledge base, never restated by hand."""

from __future__ import annotations

from pathlib import Path

from kb_engine.docs import SECTIONS, refresh

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_generated_tables_are_current() -> None:
    """README.md's generated sections match the data (refresh: python -m kb_engine.docs README.md)."""
    text = README.read_text(encoding="utf-8")
    for name in SECTIONS:
        assert f"<!-- generated:{name} -->" in text, f"README lost its {name} section"
    assert refresh(text) == text, "README tables are stale: run python -m kb_engine.docs README.md"


def test_readme_tables_show_every_fact_and_every_code() -> None:
    """The README lists every fact of the model and every error code of every edition."""
    from kb_engine.facts import fact_catalog
    from kb_engine.knowledge import default_kb

    text = README.read_text(encoding="utf-8")
    for name in fact_catalog():
        assert f"| `{name}` |" in text
    for code in default_kb().all_code_names():
        assert f"`{code}`" in text
