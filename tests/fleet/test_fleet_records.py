"""Reading a fleet: which inputs are JSON Lines, line numbers as the user counts them, bad records named."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_engine.errors import InputError
from kb_engine.fleet.records import (
    MAX_RECORD_BYTES,
    LineBlock,
    LineSplitter,
    Record,
    parse_record,
    read_batches,
    read_records,
    records_from_lines,
)


def _write(path: Path, text: str | bytes) -> str:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


def test_a_yaml_file_is_one_record(tmp_path: Path) -> None:
    name = _write(tmp_path / "vm.yaml", "name: a\nvm: {os: linux}\n")
    (record,) = read_records([name])
    assert (record.source, record.line, record.label) == (name, None, name)
    assert parse_record(record).name == "a"


def test_pretty_printed_json_is_one_record(tmp_path: Path) -> None:
    name = _write(tmp_path / "vm.json", json.dumps({"name": "a", "vm": {"os": "linux"}}, indent=2))
    (record,) = read_records([name])
    assert record.line is None and parse_record(record).name == "a"


def test_one_json_object_per_line_is_json_lines_whatever_the_name(tmp_path: Path) -> None:
    """Blank lines are skipped but counted: line numbers are the editor's."""
    text = '{"name": "a"}\n\n{"name": "b"}\r\n   \n{"name": "c"}'
    for name in (_write(tmp_path / "fleet.json", text), _write(tmp_path / "fleet.txt", text)):
        records = list(read_records([name]))
        assert [(r.line, parse_record(r).name) for r in records] == [(1, "a"), (3, "b"), (5, "c")]
        assert records[1].label == f"{name}:3"


def test_a_jsonl_name_is_json_lines_even_when_the_first_line_is_broken(tmp_path: Path) -> None:
    """fleet.jsonl whose first line is cut short: line 1 is bad, line 2 is still read."""
    name = _write(tmp_path / "fleet.jsonl", '{"name": "a", "vm": {\n{"name": "b"}\n')
    first, second = read_records([name])
    with pytest.raises(InputError) as caught:
        parse_record(first)
    (problem,) = caught.value.problems
    assert problem.source == f"{name}:1" and problem.path.startswith("column ") and "not valid JSON" in problem.message
    assert parse_record(second).name == "b"


def test_input_format_overrides_the_guess(tmp_path: Path) -> None:
    one_line = _write(tmp_path / "vm.json", '{"name": "a"}\n')
    (as_document,) = read_records([one_line], input_format="document")
    assert as_document.line is None
    yaml_lines = _write(tmp_path / "fleet.txt", "name: a\n")
    (as_line,) = read_records([yaml_lines], input_format="jsonl")
    with pytest.raises(InputError):
        parse_record(as_line)  # a JSON Lines line must be JSON, not YAML


def test_a_utf8_byte_order_mark_does_not_hide_json_lines(tmp_path: Path) -> None:
    name = _write(tmp_path / "fleet.json", b'\xef\xbb\xbf{"name": "a"}\n{"name": "b"}\n')
    assert [parse_record(r).name for r in read_records([name])] == ["a", "b"]


def test_an_input_that_cannot_be_opened_is_a_bad_record_and_the_others_are_read(tmp_path: Path) -> None:
    good = _write(tmp_path / "vm.yaml", "name: a\n")
    records = list(read_records([str(tmp_path / "missing.yaml"), str(tmp_path), good]))
    assert [r.problem for r in records] == ["no such file", "is a directory, not a facts file", None]
    with pytest.raises(InputError, match="missing.yaml: no such file"):
        parse_record(records[0])


def test_a_line_too_long_is_one_bad_record_and_the_next_line_is_read(tmp_path: Path) -> None:
    huge = '{"name": "' + "x" * (MAX_RECORD_BYTES + 10) + '"}'
    name = _write(tmp_path / "fleet.jsonl", f'{{"name": "a"}}\n{huge}\n{{"name": "c"}}\n')
    records = list(read_records([name]))
    assert [r.line for r in records] == [1, 2, 3]
    assert records[1].problem is not None and "longer than 4 MiB" in records[1].problem
    assert parse_record(records[2]).name == "c"


def test_standard_input_is_sniffed_like_a_file() -> None:
    records = list(read_records(["-"], stdin=io.BytesIO(b'{"name": "a"}\n{"name": "b"}\n')))
    assert [(r.source, r.line) for r in records] == [("<stdin>", 1), ("<stdin>", 2)]
    (document,) = read_records(["-"], stdin=io.BytesIO(b"name: a\nvm: {os: linux}\n"))
    assert document.line is None and parse_record(document).name == "a"


def test_json_lines_values_keep_the_facts_rules() -> None:
    """A bare version stays text (2.10 is not 2.1), and a key written twice is refused, as in facts files."""
    (record,) = records_from_lines(['{"agent": {"version": 2.10}}'])
    assert str(parse_record(record).agent.version) == "2.10"
    (twice,) = records_from_lines(['{"name": "a", "name": "b"}'])
    with pytest.raises(InputError, match="twice"):
        parse_record(twice)


def test_a_line_that_is_not_an_object_is_named() -> None:
    (record,) = records_from_lines(["[1, 2]"], "batch", first_line=7)
    with pytest.raises(InputError) as caught:
        parse_record(record)
    assert caught.value.problems[0].source == "batch:7" and "JSON object" in caught.value.problems[0].message


@given(st.lists(st.one_of(st.just(""), st.just("   "), st.builds(lambda n: json.dumps({"name": n}), st.text(max_size=20))), max_size=30))
def test_records_from_lines_numbers_every_line_and_keeps_the_order(lines: list[str]) -> None:
    """Each non-blank line is one record, numbered by its position; blank ones are skipped."""
    records = list(records_from_lines(lines))
    expected = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    assert [(r.line, r.data.decode("utf-8")) for r in records] == expected
    assert all(isinstance(r, Record) and r.problem is None for r in records)


_PIECES = st.sampled_from([b'{"name": "a"}', b"", b"  ", b"\r", b"\n", b"\n", b"xyz", "日本".encode(), b"\xef\xbb\xbf"])


@settings(max_examples=300)
@given(st.lists(_PIECES, max_size=40), st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_a_line_splitter_gives_the_records_the_command_line_reads_however_the_bytes_are_cut(
    pieces: list[bytes], cuts: list[int]
) -> None:
    """A body fed in pieces gives the records of the same bytes read as a JSON Lines file: the same line numbers,
    data, sizes, and the same too-long lines (the limit made small here to reach it)."""
    data = b"".join(pieces)
    with mock.patch("kb_engine.fleet.records.MAX_RECORD_BYTES", 16):
        expected = list(read_records(["-"], input_format="jsonl", stdin=io.BytesIO(data)))
        splitter = LineSplitter("<stdin>")
        records: list[Record] = []
        start = 0
        for cut in sorted(cuts):
            records += splitter.feed(data[start:cut])
            start = max(start, cut)
        records += splitter.feed(data[start:])
        records += splitter.finish()
    assert [(r.line, r.data, r.problem is None) for r in records] == [(r.line, r.data, r.problem is None) for r in expected]
    assert records == expected


class _Trickle(io.RawIOBase):
    """A stream that gives its bytes a few at a time, as a pipe does."""

    def __init__(self, data: bytes, steps: list[int]) -> None:
        self.data, self.steps, self.at = data, steps or [1], 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        step = self.steps[self.at % len(self.steps)] if self.at < len(self.data) else 0
        piece = self.data[self.at : self.at + min(step, len(buffer))]
        buffer[: len(piece)] = piece
        self.at += len(piece)
        return len(piece)


def _received(item: LineBlock | list[Record]) -> list[Record]:
    """The records of one batch as a worker reads them, after crossing to its process."""
    sent = pickle.loads(pickle.dumps(item))
    return list(sent.records()) if isinstance(sent, LineBlock) else list(sent)


@settings(max_examples=300)
@given(
    st.lists(_PIECES, max_size=60),
    st.lists(st.integers(min_value=1, max_value=40), max_size=6),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=80),
)
def test_blocks_of_lines_split_by_the_workers_give_the_records_of_the_input(
    pieces: list[bytes], steps: list[int], chunk: int, size: int, max_bytes: int
) -> None:
    """JSON Lines handed on in blocks of whole lines, whichever way the bytes arrive and the blocks are cut: the
    records the workers split from them are those of the same bytes read line by line (line numbers, data, sizes,
    blank lines counted, CRLF, too long lines), and no block has more than ``size`` lines."""
    data = b"".join(pieces)
    with mock.patch("kb_engine.fleet.records.MAX_RECORD_BYTES", 16), mock.patch("kb_engine.fleet.records._CHUNK", chunk):
        splitter = LineSplitter("<stdin>")
        expected = splitter.feed(data) + splitter.finish()
        stream = io.BufferedReader(_Trickle(data, steps), buffer_size=8)
        sent = list(read_batches(["-"], input_format="jsonl", stdin=stream, size=size, max_bytes=max_bytes))
        records = [record for item in sent for record in _received(item)]
        assert records == list(read_records(["-"], input_format="jsonl", stdin=io.BytesIO(data)))
    assert records == expected
    assert all(item.data.count(b"\n") <= size for item in sent if isinstance(item, LineBlock))


def test_batches_for_workers_keep_the_order_of_files_and_lines(tmp_path: Path) -> None:
    """Facts files, an input that cannot be read and JSON Lines, batched for workers: every record in input order."""
    lines = _write(tmp_path / "fleet.jsonl", "".join(f'{{"name": "vm-{n}"}}\r\n' + "\n" * (n % 3) for n in range(700)))
    one = _write(tmp_path / "vm.yaml", "name: one\n")
    inputs = [one, str(tmp_path / "missing.yaml"), lines, one]
    sent = list(read_batches(inputs, size=256))
    records = [record for item in sent for record in _received(item)]
    assert records == list(read_records(inputs))
    assert [r.source for r in records] == [one, inputs[1], *[lines] * 700, one]
    numbers = [r.line for r in records if r.source == lines]
    assert numbers == [1 + sum(1 + n % 3 for n in range(k)) for k in range(700)]
    assert any(isinstance(item, LineBlock) for item in sent)
