"""Read-only access to a guest's files under a root directory.

Paths are relative to the root (``/`` on the VM itself, or a mounted disk or a
copied tree). Symbolic links are followed *inside* the root: an absolute link
in a mounted image (``/etc/os-release -> /usr/lib/os-release``) points into the
image, not into the machine running kb-engine. Nothing is ever written; a file
that cannot be read is reported in ``notes`` and treated as absent.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["GuestTree"]

_MAX_LINKS = 40


class GuestTree:
    """The files of one guest, under ``root``.

    Attributes:
        root: the guest's ``/``.
        notes: what could not be read, and why.
    """

    def __init__(self, root: Path, max_bytes: int = 1024 * 1024) -> None:
        self.root = root
        self.notes: list[str] = []
        self._max_bytes = max_bytes
        self._host_root = os.path.abspath(root) == os.sep

    @property
    def is_host(self) -> bool:
        """The root is this machine's own ``/`` (so ``proc/`` is the live process table)."""
        return self._host_root

    def path(self, rel: str) -> Path:
        """Where ``rel`` is, following symbolic links without leaving the root."""
        if self._host_root:
            return self.root / rel
        parts = [p for p in rel.split("/") if p]
        current = self.root
        links = 0
        while parts:
            part = parts.pop(0)
            if part == ".":
                continue
            if part == "..":
                current = current.parent if current != self.root else self.root
                continue
            candidate = current / part
            if candidate.is_symlink():
                links += 1
                if links > _MAX_LINKS:
                    return candidate
                target = os.readlink(candidate)
                if target.startswith("/"):
                    current = self.root
                parts = [p for p in target.split("/") if p] + parts
                continue
            current = candidate
        return current

    def is_dir(self, rel: str) -> bool:
        """Whether ``rel`` is a directory that exists."""
        try:
            return self.path(rel).is_dir()
        except OSError:
            return False

    def exists(self, rel: str) -> bool:
        """Whether ``rel`` exists."""
        try:
            return self.path(rel).exists()
        except OSError:
            return False

    def listdir(self, rel: str) -> list[str]:
        """The sorted names in directory ``rel``; empty if it is missing or unreadable (noted)."""
        try:
            return sorted(os.listdir(self.path(rel)))
        except FileNotFoundError:
            return []
        except OSError as exc:
            self.notes.append(f"/{rel}: cannot be listed ({exc.strerror or exc}); what it holds is unknown")
            return []

    def read_bytes(self, rel: str, *, quiet: bool = False) -> bytes | None:
        """The content of file ``rel``, or None if missing, unreadable or too large (noted unless ``quiet``)."""
        try:
            with self.path(rel).open("rb") as handle:
                data = handle.read(self._max_bytes + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if not quiet:
                self.notes.append(f"/{rel}: cannot be read ({exc.strerror or exc}); the facts it gives are unknown")
            return None
        if len(data) > self._max_bytes:
            if not quiet:
                self.notes.append(f"/{rel}: larger than {self._max_bytes} bytes; not read")
            return None
        return data

    def read_text(self, rel: str, *, quiet: bool = False) -> str | None:
        """The text of file ``rel`` (UTF-8, undecodable bytes replaced), or None as :meth:`read_bytes`."""
        data = self.read_bytes(rel, quiet=quiet)
        return None if data is None else data.decode("utf-8", errors="replace")
