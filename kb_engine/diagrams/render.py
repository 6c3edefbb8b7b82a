"""Rendering DOT text with Graphviz's ``dot``: the only module that runs it.

Every other module builds DOT as text; this one turns it into SVG, PNG or PDF
and writes files atomically (:func:`kb_engine.outputs.write_atomic`), so a
failure never leaves a half-written file behind.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from kb_engine.errors import ToolFailedError, ToolMissingError
from kb_engine.io.write import write_atomic

__all__ = ["IMAGE_FORMATS", "dot_available", "render", "render_file", "require_dot"]

IMAGE_FORMATS = ("svg", "png", "pdf")
"""The formats :func:`render` produces (each needs ``dot``)."""

_TIMEOUT = 120  # seconds; the largest diagram takes about one


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` is on PATH."""
    return shutil.which("dot") is not None


def require_dot() -> str:
    """The path of ``dot``.

    Raises:
        ToolMissingError: ``dot`` is not on PATH (exit code 3).
    """
    path = shutil.which("dot")
    if path is None:
        raise ToolMissingError("dot", "graphviz", "render diagrams as SVG, PNG or PDF")
    return path


def render(dot_text: str, fmt: str, *, dpi: int | None = None) -> bytes:
    """Run ``dot`` on DOT text and return the image.

    Args:
        dot_text: a DOT graph.
        fmt: ``svg``, ``png`` or ``pdf``.
        dpi: a PNG's resolution (Graphviz's default, 96, when None).

    Raises:
        ValueError: ``fmt`` is not one of :data:`IMAGE_FORMATS`.
        ToolMissingError: ``dot`` is not installed.
        ToolFailedError: ``dot`` failed or timed out (a Graphviz without the format's plugin, or
            DOT text it cannot read); exit code 3.
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(IMAGE_FORMATS)}")
    dot = require_dot()
    args = [dot, f"-T{fmt}"] + ([f"-Gdpi={dpi}"] if dpi is not None and fmt == "png" else [])
    try:
        done = subprocess.run(args, input=dot_text.encode("utf-8"), capture_output=True, timeout=_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ToolFailedError(f"dot -T{fmt}", f"did not finish within {_TIMEOUT} s") from exc
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip() or "no output"
        raise ToolFailedError(f"dot -T{fmt}", f"exit {done.returncode}: {message}")
    if not _looks_like(fmt, done.stdout):
        raise ToolFailedError(f"dot -T{fmt}", f"exit 0, but its output is not {fmt.upper()} "
                                              f"(it begins {done.stdout[:40]!r})")
    return done.stdout


def _looks_like(fmt: str, data: bytes) -> bool:
    """Whether ``dot``'s output is a whole file of the format asked for (a start and an end, not garbage)."""
    if fmt == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and data.rstrip().endswith(b"IEND\xaeB`\x82")
    if fmt == "pdf":
        return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = text.lstrip()
    return head.startswith(("<?xml", "<!DOCTYPE svg", "<svg")) and "<svg" in head and text.rstrip().endswith("</svg>")


def render_file(dot_text: str, path: str | Path, fmt: str | None = None) -> Path:
    """Render DOT text into a file; the format follows the suffix unless ``fmt`` is given.

    A ``.dot`` path gets the DOT text itself (no ``dot`` needed). Nothing is
    written unless rendering succeeded.

    Raises:
        ValueError: the format is not dot, svg, png or pdf.
        ToolMissingError: an image format was asked for and ``dot`` is not installed.
        ToolFailedError: ``dot`` failed.
        InputError: the file cannot be written.
    """
    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt in ("dot", "gv"):
        return write_atomic(target, dot_text)
    return write_atomic(target, render(dot_text, fmt))
