"""Reading a fleet: facts files and JSON Lines streams, one record per VM, lazily and in order.

A record is the raw bytes of one VM's facts with where they came from: a whole
facts file (YAML or JSON), or one line of a JSON Lines stream. Reading never
parses: that is the per-record function's job (:func:`parse_record`), so it can
run in worker processes. Nothing here holds more than one record, or one block of lines, at a time.

Whether an input is JSON Lines is decided per input: a name ending in
``.jsonl``, ``.ndjson`` or ``.jsonlines`` is; otherwise an input whose first
non-blank line is a whole JSON object on its own (``{...}``) is; anything else
(YAML, pretty-printed JSON) is one facts document.
"""

from __future__ import annotations

import json
from itertools import groupby
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from kb_engine.errors import InputError, Problem, show_value
from kb_engine.facts.load import parse_facts_text, validate_facts
from kb_engine.facts.quick import FlatFacts, read_flat
from kb_engine.io.read import DuplicateKeyError, decode_text, input_limits, parse_json, path_label
from kb_engine.io.streams import stdin_bytes
from kb_engine.knowledge.vocabulary import Facts

__all__ = [
    "InputFormat",
    "LineBlock",
    "RecordBatch",
    "batches",
    "JSON_LINES_SUFFIXES",
    "LineSplitter",
    "MAX_RECORD_BYTES",
    "Record",
    "parse_record",
    "read_batches",
    "read_record",
    "read_records",
    "records_from_lines",
]

InputFormat = Literal["auto", "jsonl", "document"]
"""How inputs are read: ``auto`` (by name, then by content), ``jsonl`` (one VM per line), ``document`` (one VM per input)."""

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
MAX_RECORD_BYTES = 4 * 1024 * 1024
"""The largest facts document, and the longest JSON Lines line, in bytes."""

_CHUNK = 1024 * 1024
_BLOCK_LINES, _BLOCK_BYTES = 1024, 1024 * 1024  # read_records: lines split as they are read, blocks only bound memory
_TOO_LONG = f"line is longer than {MAX_RECORD_BYTES // (1024 * 1024)} MiB"


@dataclass(frozen=True, slots=True)
class Record:
    """One VM's facts as read, not yet parsed.

    Attributes:
        source: the input it came from: a path as given, ``<stdin>``, or any name the caller chooses.
        line: its line number in a JSON Lines input (1-based); None for a whole facts file.
        data: the raw bytes (a line without its line break, or the whole document).
        problem: why the record could not be read at all (a missing file, a line too long), else None.
        size: bytes of input it took, line break included (for progress by bytes).
    """

    source: str
    line: int | None
    data: bytes
    problem: str | None = None
    size: int = 0

    @property
    def label(self) -> str:
        """How messages name the record: ``fleet.jsonl:17`` for a line, the source for a whole file."""
        return self.source if self.line is None else f"{self.source}:{self.line}"




class RecordBatch(list[Record]):
    """Records sent to a worker together. A batch is pickled as columns (sources, lines, bytes, problems,
    sizes), which takes a fraction of the time of pickling each record."""

    def __reduce__(self) -> tuple[Any, ...]:
        columns = ([r.source for r in self], [r.line for r in self], [r.data for r in self],
                   [r.problem for r in self], [r.size for r in self])
        return (_batch_of_columns, columns)


def _batch_of_columns(*columns: list[Any]) -> RecordBatch:
    return RecordBatch(map(Record, *columns))


@dataclass(frozen=True, slots=True)
class LineBlock:
    """Whole lines of a JSON Lines input as read, not yet split into records.

    What the reading process hands a worker for a JSON Lines input: the worker
    splits the lines itself (:meth:`records`), so the reading process only looks
    for line feeds.

    Attributes:
        source: the input it came from.
        first_line: the number of its first line in the input (1-based).
        data: the lines, each with its line feed (but perhaps the input's last line).
    """

    source: str
    first_line: int
    data: bytes

    def records(self) -> Iterator[Record]:
        """Its records, numbered as in the input: blank lines skipped but counted, a line longer than
        :data:`MAX_RECORD_BYTES` (without its line feed) one record with a problem."""
        source = self.source
        for number, data, problem, size in self.lines():
            yield Record(source, number, data, problem, size)

    def lines(self) -> Iterator[tuple[int, bytes, str | None, int]]:
        """What :meth:`records` gives, as plain tuples (number, data, problem, size), without making the records."""
        number, limit = self.first_line - 1, MAX_RECORD_BYTES
        lines = self.data.split(b"\n")
        last = lines.pop()  # after the last line feed: empty, or a last line without one
        for raw in lines:
            number += 1
            if len(raw) > limit:
                yield number, b"", _TOO_LONG, len(raw) + 1
            elif data := raw.strip():
                yield number, data, None, len(raw) + 1
        if last:
            number += 1
            if len(last) > limit:
                yield number, b"", _TOO_LONG, len(last)
            elif data := last.strip():
                yield number, data, None, len(last)


def batches(records: Iterable[Record], size: int, max_bytes: int = 1024 * 1024) -> Iterator[RecordBatch]:
    """The records in batches of ``size``, or fewer when their bytes reach ``max_bytes``, in order."""
    batch = RecordBatch()
    held = 0
    for record in records:
        batch.append(record)
        held += len(record.data)
        if len(batch) >= size or held >= max_bytes:
            yield batch
            batch, held = RecordBatch(), 0
    if batch:
        yield batch


def parse_record(record: Record) -> Facts:
    """Parse and validate one record: a JSON Lines line as JSON, a whole file as JSON or YAML.

    Raises:
        InputError: the record could not be read, is not valid JSON (with the column) or YAML,
            or its facts are invalid; every problem is named with the record's label.
    """
    label = record.label
    if record.problem is not None:
        raise InputError([Problem(label, "", record.problem)])
    limits = input_limits()
    text = decode_text(record.data, label, limits)
    if record.line is None:
        return parse_facts_text(text, label)
    try:
        data = parse_json(text, label, limits, parse_float=str)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(label, f"column {exc.colno}", f"is not valid JSON: {exc.msg}")]) from None
    except InputError:
        raise
    except DuplicateKeyError as exc:
        raise InputError([Problem(label, "", f"is not valid JSON: key {show_value(exc.args[0])} is written twice")]) from None
    except ValueError as exc:  # NaN or Infinity, a number too long to read
        raise InputError([Problem(label, "", f"is not valid JSON: {show_value(str(exc))}")]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(label, "", "must be a JSON object of facts, one VM per line", show_value(data))])
    return validate_facts(data, label)




def read_record(record: Record, *, max_bytes: int | None = None) -> FlatFacts:
    """What a diagnosis reads of one record: the VM's name, the observed error code and the facts by name.

    A JSON Lines line the facts model would read as it is written is read without
    building the model (:func:`~kb_engine.facts.quick.read_flat`); anything else
    goes through :func:`parse_record`, so the facts, and every error and its
    message, are the same either way.

    ``max_bytes``: the size limit of an input (:func:`~kb_engine.io.read.input_limits`), when the caller has
    read it for many records.

    Raises:
        InputError: as :func:`parse_record`.
    """
    if record.problem is None and record.line is not None:
        if len(record.data) > (input_limits().max_bytes if max_bytes is None else max_bytes):
            return _flat_of(parse_record(record))
        found = read_flat(record.data)
        if found is not None:
            return found
    return _flat_of(parse_record(record))


def _flat_of(facts: Facts) -> FlatFacts:
    return FlatFacts(facts.name, facts.observed_error, facts.flat())


def records_from_lines(lines: Iterable[bytes | str], source: str = "<input>", *, first_line: int = 1) -> Iterator[Record]:
    """The records of JSON Lines already split into lines (a request body, a Dask partition).

    Blank lines are skipped but counted, so line numbers are those of the input.
    A line longer than :data:`MAX_RECORD_BYTES` becomes a record with a problem.
    """
    number = first_line - 1
    for raw in lines:
        number += 1
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
        stripped = data.strip()
        if not stripped:
            continue
        if len(stripped) > MAX_RECORD_BYTES:
            yield Record(source, number, b"", _TOO_LONG, len(data))
            continue
        yield Record(source, number, stripped, None, len(data))


class LineSplitter:
    """The records of JSON Lines that arrive in pieces (a request body as it is received), in bounded memory.

    Feed the bytes as they come; each call returns the records of the lines it
    completed. Lines end at line feeds and are numbered from 1, blank ones
    skipped but counted, and a line longer than :data:`MAX_RECORD_BYTES`
    (without its line feed) is one record with a problem, as :func:`read_records`
    reads a JSON Lines file: the same bytes give the same records however they
    are cut. Only the line being received is held, and at most
    ``MAX_RECORD_BYTES`` of it.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = 0
        """Lines ended so far."""
        self._held = bytearray()
        self._size = 0  # bytes of the line being received, with those dropped
        self._too_long = False

    @property
    def receiving(self) -> int:
        """The number of the line being received (the next line when the last one ended)."""
        return self.lines + 1

    def feed(self, chunk: bytes) -> list[Record]:
        """The records of the lines that ``chunk`` ends."""
        out: list[Record] = []
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            self._hold(chunk[start:end])
            record = self._end(newline=True)
            if record is not None:
                out.append(record)
            start = end + 1
        self._hold(chunk[start:])
        return out

    def finish(self) -> list[Record]:
        """The record of a last line without a line feed, when there is one."""
        if not self._size:
            return []
        record = self._end(newline=False)
        return [] if record is None else [record]

    def _hold(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._too_long:
            return
        if self._size > MAX_RECORD_BYTES:
            self._too_long = True
            self._held.clear()
        else:
            self._held += piece

    def _end(self, *, newline: bool) -> Record | None:
        self.lines += 1
        size, too_long, data = self._size + newline, self._too_long, bytes(self._held).strip()
        self._held.clear()
        self._size, self._too_long = 0, False
        if too_long:
            return Record(self.source, self.lines, b"", _TOO_LONG, size)
        return Record(self.source, self.lines, data, None, size) if data else None


def _is_json_lines(first: bytes) -> bool:
    text = first.strip().removeprefix(b"\xef\xbb\xbf").strip()
    return text.startswith(b"{") and text.endswith(b"}")


def _line_blocks(handle: IO[bytes], source: str, head: bytes, size: int, max_bytes: int) -> Iterator[LineBlock | Record]:
    """JSON Lines from an open binary stream, after the bytes already read (``head``), as blocks of whole lines.

    A block ends after ``size`` lines, once it holds ``max_bytes``, or where the bytes read so far end (the lines
    that have arrived are not held back waiting for more); only line feeds are looked for here, so the reading
    process does next to nothing per line. A line longer than :data:`MAX_RECORD_BYTES` is not
    held: it is skipped a chunk at a time and given as one record with a problem, between two blocks.
    """
    read = getattr(handle, "read1", handle.read)  # what has arrived, so a pipe's lines are not held back
    buffer, start, line_start, count, number, ended = head, 0, 0, 0, 0, False
    while True:
        end = buffer.find(b"\n", line_start)
        if end >= 0:
            line_start = end + 1
            count += 1
            if count >= size or line_start - start >= max_bytes:
                yield LineBlock(source, number + 1, buffer[start:line_start])
                number, count, start = number + count, 0, line_start
            continue
        if len(buffer) - line_start > MAX_RECORD_BYTES:  # the line being read is too long: skip to its end
            if count:
                yield LineBlock(source, number + 1, buffer[start:line_start])
                number, count = number + count, 0
            skipped, buffer, ended = len(buffer) - line_start, b"", True
            while chunk := read(_CHUNK):
                cut = chunk.find(b"\n")
                if cut >= 0:
                    skipped, buffer, ended = skipped + cut + 1, chunk[cut + 1 :], False
                    break
                skipped += len(chunk)
            number += 1
            yield Record(source, number, b"", _TOO_LONG, skipped)
            start = line_start = 0
            continue
        if ended:
            if start < len(buffer):
                yield LineBlock(source, number + 1, buffer[start:])
            return
        if count:  # the whole lines read so far go before waiting for more
            yield LineBlock(source, number + 1, buffer[start:line_start])
            number, count, start = number + count, 0, line_start
        chunk = read(_CHUNK)
        if chunk:
            buffer = buffer[start:] + chunk
            line_start -= start
            start = 0
        else:
            ended = True


def _read_one(name: str, input_format: InputFormat, stdin: IO[bytes] | None, size: int, max_bytes: int) -> Iterator[Record | LineBlock]:
    source = "<stdin>" if name == "-" else path_label(name)
    if name == "-":
        yield from _read_stream(stdin if stdin is not None else stdin_bytes(), source, input_format, size, max_bytes)
        return
    mode = input_format
    if mode == "auto" and name.lower().endswith(JSON_LINES_SUFFIXES):
        mode = "jsonl"
    try:
        with Path(name).open("rb") as handle:
            yield from _read_stream(handle, source, mode, size, max_bytes)
    except FileNotFoundError:
        yield Record(source, None, b"", "no such file")
    except IsADirectoryError:
        yield Record(source, None, b"", "is a directory, not a facts file")
    except OSError as exc:
        yield Record(source, None, b"", f"cannot be read: {exc.strerror or exc}")


def _read_stream(handle: IO[bytes], source: str, mode: InputFormat, size: int, max_bytes: int) -> Iterator[Record | LineBlock]:
    head: list[bytes] = []
    if mode != "document":
        # The first non-blank line decides (auto), and is kept to be read again.
        while True:
            raw = handle.readline(MAX_RECORD_BYTES + 2)
            head.append(raw)
            if not raw or raw.strip() or len(raw) > MAX_RECORD_BYTES:
                break
        if mode == "jsonl" or _is_json_lines(head[-1]):
            yield from _line_blocks(handle, source, b"".join(head), size, max_bytes)
            return
    consumed = b"".join(head)
    rest = handle.read(MAX_RECORD_BYTES + 1 - len(consumed)) if len(consumed) <= MAX_RECORD_BYTES else b""
    data = consumed + rest
    if len(data) > MAX_RECORD_BYTES:
        yield Record(source, None, b"", f"is larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB", len(data))
        return
    yield Record(source, None, data, None, len(data))


def read_records(
    inputs: Sequence[str], *, input_format: InputFormat = "auto", stdin: IO[bytes] | None = None
) -> Iterator[Record]:
    """Every record of the inputs, in order, lazily: a file or ``-`` gives one record, or one per JSON Lines line.

    An input that cannot be opened gives one record with its problem (the
    others are still read). Files are opened one at a time, as they are reached.

    Args:
        inputs: paths, or ``-`` for standard input.
        input_format: ``auto``, ``jsonl`` or ``document`` (see the module's description).
        stdin: the binary stream read for ``-`` (default: standard input, as bytes).
    """
    for item in _read_all(inputs, input_format, stdin, _BLOCK_LINES, _BLOCK_BYTES):
        if isinstance(item, LineBlock):
            yield from item.records()
        else:
            yield item


def read_batches(
    inputs: Sequence[str],
    *,
    input_format: InputFormat = "auto",
    stdin: IO[bytes] | None = None,
    size: int = 256,
    max_bytes: int = 1024 * 1024,
) -> Iterator[RecordBatch | LineBlock]:
    """The records of the inputs (as :func:`read_records` reads them) in batches for workers, in order: a JSON Lines
    input as blocks of at most ``size`` whole lines (or a little over ``max_bytes``), not split (a worker splits them:
    :meth:`LineBlock.records`); facts files, inputs that cannot be read and too long lines in :class:`RecordBatch` es
    of at most ``size`` records."""
    for is_block, run in groupby(_read_all(inputs, input_format, stdin, size, max_bytes), key=_is_block):
        if is_block:
            yield from run  # type: ignore[misc]  # the run holds blocks only
        else:
            yield from batches(run, size, max_bytes)  # type: ignore[arg-type]  # the run holds records only


def _is_block(item: Record | LineBlock) -> bool:
    return isinstance(item, LineBlock)


def _read_all(
    inputs: Sequence[str], input_format: InputFormat, stdin: IO[bytes] | None, size: int, max_bytes: int
) -> Iterator[Record | LineBlock]:
    for name in inputs:
        yield from _read_one(name, input_format, stdin, size, max_bytes)
