"""The real files the tests read are the published ones, unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def test_the_real_files_are_byte_for_byte_those_listed_with_their_checksums() -> None:
    """Every file under tests/data/realdata matches realdata.sha256, and none is missing or unlisted."""
    root = DATA / "realdata"
    listed: dict[str, str] = {}
    for line in (DATA / "realdata.sha256").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    present = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    assert sorted(present) == sorted(listed)
    changed = [name for name, path in present.items() if hashlib.sha256(path.read_bytes()).hexdigest() != listed[name]]
    assert not changed, f"edited: {changed}"
    assert {"azure-rest-api-specs/SOURCES.md", "WALinuxAgent/SOURCES.md"} <= set(present)
