"""Standard input and output as the commands use them: bytes in, and a clear error when a stream is closed.

Standard input is read as bytes and decoded the way files are, so
``PYTHONIOENCODING`` or a terminal's locale never changes what a facts document
means. A stream the caller closed (``<&-``, ``>&-``) is replaced by a stand-in
that raises :class:`~kb_engine.errors.StreamError` when it is used, so a
command that does not need it still runs.
"""

from __future__ import annotations

import io
import os
import sys
from typing import IO, NoReturn

from kb_engine.errors import StreamError

__all__ = ["ClosedStream", "guard_closed_streams", "stdin_bytes"]


class ClosedStream(io.TextIOBase):
    """What ``sys.stdin`` or ``sys.stdout`` is when the caller closed it: any use raises :class:`StreamError`."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def _closed(self, *_: object) -> NoReturn:
        raise StreamError(self.name, "it is closed")

    write = _closed
    read = _closed
    readline = _closed
    fileno = _closed

    @property
    def buffer(self) -> NoReturn:
        self._closed()

    def flush(self) -> None:
        """Nothing was written, so nothing is lost."""

    def isatty(self) -> bool:
        return False


def guard_closed_streams() -> None:
    """Put a :class:`ClosedStream` in place of a closed standard input or output.

    The descriptor itself is pointed at ``/dev/null``, so a file opened later
    never takes its number (and receives what was meant for the stream).
    """
    for fd, attr, name in ((0, "stdin", "standard input"), (1, "stdout", "standard output")):
        if getattr(sys, attr) is not None and not isinstance(getattr(sys, attr), ClosedStream):
            continue
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        setattr(sys, attr, ClosedStream(name))


def stdin_bytes() -> IO[bytes]:
    """Standard input as bytes.

    Raises:
        StreamError: standard input is closed.
    """
    stream = sys.stdin
    if stream is None:
        raise StreamError("standard input", "it is closed")
    buffer: IO[bytes] | None = getattr(stream, "buffer", None)
    if buffer is None:
        raise StreamError("standard input", "it is not a byte stream")
    return buffer
