"""Writing command output: standard output or a file, never half-written."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kb_engine.errors import InputError, Problem

__all__ = ["write_atomic", "write_output"]


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write a file through a temporary file in the same directory, then rename it into place.

    Creates missing parent directories. On any failure the temporary file is
    removed and an existing file at ``path`` is left as it was.

    Returns:
        The path written.

    Raises:
        InputError: the directory does not exist or cannot be written.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError([Problem(str(target), "", f"cannot be written: {exc.strerror or exc}")]) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError([Problem(str(target), "", f"cannot be written: {exc.strerror or exc}")]) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_output(destination: str, text: str) -> None:
    """Write text to ``-`` (standard output) or a file (atomically).

    Raises:
        InputError: the file cannot be written.
    """
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(destination, text)
