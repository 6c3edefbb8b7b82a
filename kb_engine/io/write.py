"""Writing command output: standard output or a file, never half-written, never replacing what is not ours.

A regular file (or a path that does not exist yet) is written through a
temporary file in the same directory and renamed into place, keeping an
existing file's mode. Anything else is written in place, as a shell's ``>``
would: ``-`` (standard output), a device (``/dev/null``), a FIFO, and the
``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N`` aliases of open streams.
A symbolic link is followed: what it points to is written, the link stays.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from kb_engine.errors import InputError, Problem

__all__ = ["Output", "write_all", "write_atomic", "write_output"]

_MAX_LINKS = 40  # as the kernel's own limit (ELOOP)
_STREAM_ALIAS = re.compile(r"^/(?:dev/(?:(stdout)|(stderr)|fd/(\d+))|proc/(?:self|thread-self|(\d+))/fd/(\d+))$")


def _cannot_write(target: Path, exc: OSError | str) -> InputError:
    reason = exc if isinstance(exc, str) else exc.strerror or str(exc)
    return InputError([Problem(str(target), "", f"cannot be written: {reason}")])


def _stream_alias(path: str) -> int | None:
    """The descriptor that ``/dev/stdout``, ``/dev/fd/N`` or ``/proc/self/fd/N`` names in this process."""
    match = _STREAM_ALIAS.match(path)
    if match is None:
        return None
    stdout, stderr, dev_fd, pid, proc_fd = match.groups()
    if pid is not None and int(pid) != os.getpid():
        return None  # another process's descriptor: opened by name, like a device
    return 1 if stdout else 2 if stderr else int(dev_fd or proc_fd)


def _resolve(target: Path) -> tuple[str, Path, os.stat_result | int | None]:
    """Where writing ``target`` really goes: (``atomic``, ``direct`` or ``stream``, the path, its status or descriptor).

    Symbolic links are followed one by one, so a link into ``/proc/self/fd`` is
    known as a stream before it would be read as a name (``pipe:[123]``). A
    stream of this process is written through a copy of its descriptor, as a
    shell does: reopening it by name may be refused (a pipe another user made)
    and would not share its position.

    Raises:
        InputError: too many links, or a directory.
    """
    path = os.path.abspath(target)
    for _ in range(_MAX_LINKS):
        fd = _stream_alias(path)
        if fd is not None:
            return "stream", Path(path), fd
        try:
            link = os.readlink(path)
        except OSError:  # not a link (or not there): the path itself
            break
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    else:
        raise _cannot_write(target, "too many levels of symbolic links")
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return "atomic", Path(path), None
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    if stat.S_ISDIR(status.st_mode):
        raise _cannot_write(target, "it is a directory")
    if stat.S_ISREG(status.st_mode):
        return "atomic", Path(path), status
    return "direct", Path(path), status


class Output:
    """One output, written whole by :meth:`commit` or not at all (see the module for which way).

    A regular file (or a new path) is written to a temporary file in the same
    directory and renamed into place by :meth:`commit`, keeping an existing
    file's mode (and owner, when allowed); a symbolic link is followed and stays.
    ``-``, a device, a FIFO or a stream alias (``/dev/stdout``) is opened and
    written as the data comes, like standard output.

    Creating it creates missing parent directories and the temporary file (or
    opens the device), so a folder that cannot be written fails here, before
    anything is written anywhere; several outputs can thus be opened first and
    committed together (:func:`write_all`). Used as a context manager, it
    commits when the block ends normally and discards when it raises (an error,
    an interrupt): the temporary file is removed and ``path`` is left as it was.

    Attributes:
        target: the path as given.
        direct: whether data goes straight to the destination (not through a temporary file).

    Raises:
        InputError: the directory does not exist and cannot be made, or cannot be written; the
            path is a directory; the device cannot be opened.
    """

    def __init__(self, path: str | Path) -> None:
        self.target = Path(path)
        self._tmp: Path | None = None
        self._final: Path | None = None
        self._mode: int | None = None
        self._owner: tuple[int, int] | None = None
        self._closed = False
        self._borrowed = False
        if str(path) == "-":
            sys.stdout.flush()
            self.direct = True
            self._borrowed = True
            self._handle: BinaryIO = sys.stdout.buffer
            return
        kind, real, status = _resolve(self.target)
        self.direct = kind != "atomic"
        if self.direct:
            try:
                if isinstance(status, int):
                    sys.stdout.flush()
                    sys.stderr.flush()
                    fd = os.dup(status)
                else:
                    fd = os.open(real, os.O_WRONLY | os.O_NOCTTY)
            except OSError as exc:
                raise _cannot_write(self.target, exc) from None
            self._handle = os.fdopen(fd, "wb")
            return
        directory = real.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise _cannot_write(self.target, exc) from None
        self._tmp, self._final = Path(tmp), real
        if isinstance(status, os.stat_result):
            self._mode = stat.S_IMODE(status.st_mode)
            self._owner = (status.st_uid, status.st_gid)
        self._handle = os.fdopen(fd, "wb")

    def write(self, data: str | bytes) -> None:
        """Append text (as UTF-8) or bytes.

        Raises:
            InputError: the disk is full or the write fails (the temporary file is removed).
        """
        if self._closed:
            raise ValueError(f"{self.target}: already committed or discarded")
        try:
            self._handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            if self.direct:
                self._handle.flush()
        except OSError as exc:
            self.discard()
            raise _cannot_write(self.target, exc) from None

    def commit(self) -> Path:
        """Finish: rename a temporary file into place, or flush a direct output.

        A new file gets the mode a plain ``open()`` would give it; an existing one keeps its own.

        Raises:
            InputError: the file cannot be finished or renamed (the temporary file is removed).
        """
        if self._closed:
            raise ValueError(f"{self.target}: already committed or discarded")
        try:
            self._close_handle()
            if self._tmp is not None and self._final is not None:
                if self._mode is None:  # mkstemp creates the file private (0600)
                    umask = os.umask(0)
                    os.umask(umask)
                    os.chmod(self._tmp, 0o666 & ~umask)
                else:
                    if self._owner is not None and self._owner != _owner_of(self._tmp):
                        try:
                            os.chown(self._tmp, *self._owner)
                        except OSError:
                            pass  # not allowed to give it away: it stays the writer's
                    os.chmod(self._tmp, self._mode)
                os.replace(self._tmp, self._final)
        except OSError as exc:
            self.discard()
            raise _cannot_write(self.target, exc) from None
        self._tmp = None
        self._closed = True
        return self.target

    def discard(self) -> None:
        """Remove the temporary file; ``path`` is left as it was (idempotent).

        A direct output keeps what was already written to it, as standard output does.
        """
        if self._closed:
            return
        self._closed = True
        try:
            self._close_handle()
        except OSError:
            pass
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def _close_handle(self) -> None:
        if self._borrowed:  # standard output stays open for whatever comes next
            self._handle.flush()
        else:
            self._handle.close()

    def __enter__(self) -> Output:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None and not self._closed:
            self.commit()
        else:
            self.discard()


def _owner_of(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_uid, status.st_gid


def write_all(items: Sequence[tuple[str | Path, str | bytes]]) -> list[Path]:
    """Write several outputs: every one of them, or (when one cannot be opened) none.

    All are opened first (folders made, temporary files created, devices
    opened); then the files are written and renamed into place, and only then
    the direct outputs (``-``, devices, FIFOs) get their data.

    Raises:
        InputError: an output cannot be opened or written; nothing was written anywhere.
    """
    outputs: list[Output] = []
    try:
        for path, _ in items:
            outputs.append(Output(path))
        order = sorted(range(len(items)), key=lambda i: outputs[i].direct)
        for i in order:
            if not outputs[i].direct:
                outputs[i].write(items[i][1])
        for i in order:
            if outputs[i].direct:
                outputs[i].write(items[i][1])
            outputs[i].commit()
    finally:
        for output in outputs:
            output.discard()
    return [output.target for output in outputs]


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write one output: a regular file through a temporary file renamed into place, anything else directly.

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
    """Write text to ``-`` (standard output) or a file (see :class:`Output`).

    Raises:
        InputError: the file cannot be written.
    """
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(destination, text)
