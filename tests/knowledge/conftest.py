"""Shared fixtures: the shipped knowledge base, and editable copies of its files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import kb_engine
from kb_engine.knowledge.load import load_kb
from kb_engine.knowledge.model import KnowledgeBase

SHIPPED = Path(kb_engine.__file__).parent / "knowledge" / "data"

Edit = Callable[[str, str, str], Path]
"""edit(file, old, new): replace the one occurrence of ``old`` in a copied file; returns the copy's directory."""


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped with kb_engine."""
    return load_kb()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge-base directory."""
    target = tmp_path / "kb"
    shutil.copytree(SHIPPED, target)
    return target


@pytest.fixture
def edit(kb_copy: Path) -> Edit:
    """Break (or fix) the copy one text replacement at a time."""

    def apply(file: str, old: str, new: str) -> Path:
        path = kb_copy / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return kb_copy

    return apply
