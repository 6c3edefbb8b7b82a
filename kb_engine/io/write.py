"""Writing command output: standard output or a file, never half-written."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from kb_engine.errors import InputError, Problem

__all__ = ["Output", "write_atomic", "write_output"]


def _cannot_write(target: Path, exc: OSError) -> InputError:
    return InputError([Problem(str(target), "", f"cannot be written: {exc.strerror or exc}")])


class Output:
    """A file written through a temporary file in the same directory, renamed into place by :meth:`commit`.

    Creating it creates missing parent directories and the temporary file, so a
    folder that cannot be written fails here, before anything is written
    anywhere; several outputs can thus be opened first and committed together.
    Used as a context manager, it commits when the block ends normally and
    discards when it raises (an error, an interrupt): the temporary file is
    removed and ``path`` is left as it was. :meth:`discard` drops it on purpose.

    Raises:
        InputError: the directory does not exist and cannot be made, or cannot be written.
    """

    def __init__(self, path: str | Path) -> None:
        self.target = Path(path)
        directory = self.target.parent if str(self.target.parent) else Path(".")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise _cannot_write(self.target, exc) from None
        self._tmp: Path | None = Path(tmp)
        self._handle = os.fdopen(fd, "wb")

    def write(self, data: str | bytes) -> None:
        """Append text (as UTF-8) or bytes.

        Raises:
            InputError: the disk is full or the write fails (the temporary file is removed).
        """
        try:
            self._handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        except OSError as exc:
            self.discard()
            raise _cannot_write(self.target, exc) from None

    def commit(self) -> Path:
        """Rename the finished file into place, with the mode a plain ``open()`` would give it.

        Raises:
            InputError: the file cannot be finished or renamed (the temporary file is removed).
        """
        if self._tmp is None:
            raise ValueError(f"{self.target}: already committed or discarded")
        try:
            self._handle.close()
            # mkstemp creates the file private (0600); give it the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self._tmp, 0o666 & ~umask)
            os.replace(self._tmp, self.target)
        except OSError as exc:
            self.discard()
            raise _cannot_write(self.target, exc) from None
        self._tmp = None
        return self.target

    def discard(self) -> None:
        """Remove the temporary file; ``path`` is left as it was (idempotent)."""
        if self._tmp is not None:
            self._handle.close()
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> Output:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None and self._tmp is not None:
            self.commit()
        else:
            self.discard()


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write a file through a temporary file in the same directory, then rename it into place.

    Creates missing parent directories. On any failure the temporary file is
    removed and an existing file at ``path`` is left as it was.

    Returns:
        The path written.

    Raises:
        InputError: the directory does not exist or cannot be written.
    """
    with Output(path) as out:
        out.write(data)
    return out.target


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
