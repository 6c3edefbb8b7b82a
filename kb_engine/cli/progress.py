"""Progress of a long diagnosis on a terminal: VMs done, VMs per second, bad records; on stderr only.

It is drawn with rich's progress display, transient (it leaves no trace when
done), only when it is wanted (see :func:`progress_wanted`); otherwise every
call does nothing, so the command line calls it unconditionally. rich is
imported only when the display is shown.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

import click

from .ui import SETTINGS, colour_wanted, is_terminal

__all__ = ["FleetProgress", "progress_wanted"]


def progress_wanted(writes_to_stdout: bool) -> bool:
    """Progress only for a person watching: both stdout and stderr are terminals, the data goes to a file
    (so the display never mixes with it), and no ``--quiet``."""
    return not SETTINGS.quiet and not writes_to_stdout and is_terminal(sys.stderr) and is_terminal(sys.stdout)


class FleetProgress:
    """A transient progress line on stderr, or nothing.

    Args:
        enabled: draw it (see :func:`progress_wanted`).
        total_bytes: the inputs' size when known (then a bar and the time left are shown).
    """

    def __init__(self, enabled: bool, total_bytes: int | None = None) -> None:
        self.enabled = enabled
        self.total_bytes = total_bytes
        self.vms = 0
        self.bad = 0
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> FleetProgress:
        self.started = time.monotonic()
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

        console = Console(file=sys.stderr, no_color=not colour_wanted(sys.stderr), highlight=False)
        columns: list[Any] = [SpinnerColumn(), TextColumn("diagnosing")]
        if self.total_bytes:
            columns += [BarColumn(), TaskProgressColumn()]
        columns += [TextColumn("{task.fields[vms]} VMs · {task.fields[rate]} VMs/s{task.fields[bad]}"), TimeElapsedColumn()]
        self._progress = Progress(*columns, console=console, transient=True, refresh_per_second=8)
        self._task = self._progress.add_task("diagnosing", total=self.total_bytes or None, vms="0", rate="–", bad="")
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Remove the display (idempotent)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return max(time.monotonic() - self.started, 1e-9)

    def rate(self) -> float:
        """VMs diagnosed per second so far."""
        return self.vms / self.elapsed

    def advance(self, vms: int, bad: int, size: int) -> None:
        """Count a batch: its VMs, its bad records and the bytes of input it took."""
        self.vms += vms
        self.bad += bad
        if self._progress is not None:
            self._progress.update(
                self._task, advance=size, vms=f"{self.vms:,}", rate=f"{self.rate():,.0f}",
                bad=f" · {self.bad:,} bad" if self.bad else "",
            )

    def echo(self, message: str) -> None:
        """A message on stderr, above the display while it is shown."""
        if self._progress is not None:
            self._progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(message, err=True, color=colour_wanted(sys.stderr))
