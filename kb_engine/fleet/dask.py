"""Fleet diagnosis on Dask: the command line's per-record function, run per partition of a bag.

Needs the ``dask`` extra (``pip install 'kb-engine[dask]'``)::

    from kb_engine.fleet.dask import rows_bag

    bag = rows_bag(["fleet-1.jsonl", "fleet-2.jsonl"], edition="2019-12", backend="direct")
    rows = bag.filter(lambda d: not is_error(d)).compute()   # as `kb-engine diagnose --format rows` prints them

Each JSON Lines file is one partition, so line numbers are the file's own. The
partition function, :func:`diagnose_partition`, is plain Python: it builds the
engine once per worker process and gives, in order, one row (or, for a bad
line, one error) per record, as JSON-ready dicts identical to the CLI's output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import records_from_lines
from .run import FleetOptions, engine_for, row_of_record

if TYPE_CHECKING:
    import dask.bag

__all__ = ["diagnose_partition", "is_error", "rows_bag"]


def diagnose_partition(lines: Iterable[str], options: FleetOptions | None = None, *, source: str = "<input>") -> list[dict[str, Any]]:
    """Diagnose one partition of JSON Lines (one whole file), in order.

    Args:
        lines: the partition's lines, as ``dask.bag.read_text`` gives them.
        options: how to diagnose (edition, backend, knowledge base).
        source: the input the rows name (the file's path).

    Returns:
        For each non-blank line, in order: the :class:`~kb_engine.fleet.model.FleetRow` as a dict,
        or, for a bad line, the :class:`~kb_engine.fleet.model.RecordError` as a dict (it has
        ``problems``; a row does not).
    """
    options = options or FleetOptions()
    engine = engine_for(options)
    return [row_of_record(engine, record).model_dump(mode="json") for record in records_from_lines(lines, source)]


def is_error(outcome: dict[str, Any]) -> bool:
    """True for the dict of a bad line (a :class:`RecordError`), False for a row."""
    return "problems" in outcome


def rows_bag(
    paths: Sequence[str | Path],
    *,
    edition: str | None = None,
    backend: str = "experta",
    kb_path: str | None = None,
    lang: str = "en",
) -> dask.bag.Bag:
    """A ``dask.bag`` of the rows of JSON Lines files, one partition per file, in file and line order.

    Each item is a row dict, or the error dict of a bad line (see :func:`is_error`).
    Rows name their source as the path given here. Compute it on any scheduler
    (the local one by default, or a ``distributed`` cluster whose workers have kb_engine).

    Raises:
        ImportError: dask is not installed (install the ``dask`` extra).
    """
    import dask.bag as db

    options = FleetOptions(edition=edition, backend=backend, kb_path=kb_path, lang="ja" if lang == "ja" else "en")  # type: ignore[arg-type]
    names = [str(p) for p in paths]
    # dask.bag's functions carry no annotations.
    bags = [
        db.read_text(name, blocksize=None).map_partitions(diagnose_partition, options, source=name)  # type: ignore[no-untyped-call]
        for name in names
    ]
    bag: dask.bag.Bag = db.concat(bags)  # type: ignore[no-untyped-call]
    return bag
