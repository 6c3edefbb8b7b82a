"""Marks on generated files: who wrote them, from what source, and whether they were edited since.

Every file ``kb-engine diagrams`` writes carries the words "kb-engine diagrams"
(a comment in text formats, a ``tEXt`` chunk in PNG, the producer in PDF), so
the tool replaces only files it wrote. Rendered files (SVG, HTML) also carry a
stamp: the SHA-256 of the text they were made from and of their own bytes, so
``--check`` tells a stale or hand-edited drawing without running Graphviz.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from pathlib import Path

__all__ = ["OWNER", "Stamp", "is_ours", "read_stamp", "source_hash", "stamp_png", "stamp_text"]

OWNER = b"kb-engine diagrams"
"""The words every generated file contains."""

_ZERO = "0" * 64
_STAMP = re.compile(r"<!-- kb-engine diagrams stamp: source=([0-9a-f]{64}) content=([0-9a-f]{64}) -->")


def source_hash(*parts: str) -> str:
    """The SHA-256 of the texts a file is made from."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def stamp_text(text: str, source: str) -> str:
    """SVG or HTML text with a stamp comment after its first line (the XML prolog or the doctype)."""
    head, sep, rest = text.partition("\n")
    marked = f"{head}{sep}<!-- kb-engine diagrams stamp: source={source} content={_ZERO} -->\n{rest}"
    content = hashlib.sha256(marked.encode("utf-8")).hexdigest()
    return marked.replace(f"content={_ZERO}", f"content={content}", 1)


class Stamp:
    """What a stamp says about a file: its source hash, and whether its bytes are as written."""

    def __init__(self, source: str, intact: bool) -> None:
        self.source = source
        self.intact = intact


def read_stamp(data: bytes) -> Stamp | None:
    """The stamp of an SVG or HTML file, or None when it has none."""
    text = data.decode("utf-8", "replace")
    match = _STAMP.search(text)
    if match is None:
        return None
    blank = text[:match.start(2)] + _ZERO + text[match.end(2):]
    intact = hashlib.sha256(blank.encode("utf-8")).hexdigest() == match.group(2)
    return Stamp(match.group(1), intact)


def stamp_png(png: bytes) -> bytes:
    """A PNG with a ``tEXt`` chunk naming kb-engine diagrams as its software, after the header chunk."""
    signature, rest = png[:8], png[8:]
    (length,) = struct.unpack(">I", rest[:4])
    ihdr_end = 4 + 4 + length + 4
    body = b"tEXt" + b"Software\0" + OWNER
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return signature + rest[:ihdr_end] + chunk + rest[ihdr_end:]


def is_ours(path: Path) -> bool:
    """Whether a file may be replaced: it does not exist, or it is a regular file that kb-engine diagrams wrote.

    A symlink, a FIFO, a device or a folder is never ours.
    """
    if not path.exists() and not path.is_symlink():
        return True
    if path.is_symlink() or not path.is_file():
        return False
    try:
        return OWNER in path.read_bytes()
    except OSError:
        return False
