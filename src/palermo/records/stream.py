"""Records read and checked in batches: memory bounded by the batch, not by the file.

``read_record_batches(path, fields=...)`` yields validated batches holding the fields asked for
(the columns a screening uses), with the same rules and the same problems as ``read_records``:

- only the columns that are needed are read, plus every column that a rule can reject (all but
  free text: a name or a phone number is never wrong, a date or a country code can be), so a
  file with any problem is still refused as a whole;
- categorical text (codes, countries, ports, and in CSV also dates, numbers and yes/no) is read
  dictionary-encoded: each distinct value is converted and checked once, the rows only index
  it, and DuckDB scans the encoded column as it is;
- CSV files larger than two pieces (``CSV_PIECE_BYTES``) are cut into pieces at line breaks
  and each piece is parsed and checked by one of ``CSV_THREADS`` threads (Arrow's streaming
  reader parses on one core: reading and checking were 2.6 CPU seconds per million records,
  the whole of ``palermo screen``'s wall time); the pieces are taken in order, so batches, row
  numbers and problems are the one-thread reader's. Arrow's reader, by default, never lets a
  line break inside quotes continue a record (``newlines_in_values`` is off), so cutting at any
  line break reads every record as it does. A piece with a problem is checked again with its
  real first row so that its problems name the file's rows; a piece Arrow cannot parse sends
  the rest of the file, from the first record not yet read, to the one-thread reader, which
  names the problem as it always has;
- JSON Lines are parsed by Arrow (``records.jsonl``), and read again line by line wherever
  that could read them differently and at the first problem (so each problem names its line);
- once a problem is found no batch is yielded any more, but the rest of the file is still
  checked so that the error counts every problem; ``InputError`` is raised at the end.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> _ = path.write_text("record_id,event_kind,port,event_date,sex\\nr1,entry,PVG,2026-03-01,F\\n")
>>> [b.to_pylist() for b in read_record_batches(path, fields=("record_id", "sex"))]
[[{'record_id': 'r1', 'sex': 'F'}]]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from palermo.errors import InputError, Location, Problem
from palermo.records.jsonl import NotVectorisedError, jsonl_tables
from palermo.records.limits import NO_LIMITS, Limits, check_before_reading, check_rows
from palermo.records.readers import (
    MAX_PROBLEMS,
    CheckedBatch,
    check_batch,
    check_header,
    csv_header,
    detect_format,
    jsonl_chunks,
    read_paxlst,
    table_from_dicts,
)
from palermo.records.schema import INPUT_FIELDS, Kind

DEFAULT_BATCH_ROWS = 1_000_000
CSV_BLOCK_BYTES = 1 << 20  # not 16 MiB: a small block stays in the cache (-30% CPU reading)
CSV_PIECE_BYTES = 32 << 20  # a piece of a CSV file parsed and checked by one thread
CSV_THREADS = 2  # the machine Palermo is sized for has 2 cores
# text kinds worth reading dictionary-encoded: few distinct values, many rows
_FEW_VALUES = (Kind.ENUM, Kind.COUNTRY, Kind.DATE, Kind.BOOL, Kind.INT)
_ENCODED = pa.dictionary(pa.int32(), pa.string())


def fields_to_check(fields: Sequence[str]) -> tuple[str, ...]:
    """``fields``, the required fields, and every field a rule can reject (all but free text)."""
    wanted = set(fields)
    return tuple(
        name
        for name, spec in INPUT_FIELDS.items()
        if name in wanted or spec.required or spec.kind != Kind.STRING
    )


def _encoded_on_reading(name: str) -> bool:
    """Read this text column dictionary-encoded (few distinct values)?"""
    spec = INPUT_FIELDS.get(name)
    if spec is None:
        return False
    if spec.kind == Kind.STRING:
        return not spec.identifying  # ports, sponsors: repeated; names, ids: not
    return spec.kind in _FEW_VALUES


def encode_categorical(raw: pa.Table) -> pa.Table:
    """``raw`` with its text columns of few distinct values (codes, countries, ports, and dates
    given as text) dictionary-encoded, as the readers read them; a record batch from elsewhere
    (Spark's executors) is then checked and screened exactly as a file's batch is."""
    for i, name in enumerate(raw.column_names):
        kind = raw.schema.field(i).type
        if _encoded_on_reading(name) and (
            pa.types.is_string(kind) or pa.types.is_large_string(kind)
        ):
            text = (
                pc.cast(raw.column(i), pa.string())
                if pa.types.is_large_string(kind)
                else raw.column(i)
            )
            raw = raw.set_column(i, name, pc.dictionary_encode(text).cast(_ENCODED))
    return raw


class RecordBatches:
    """The validated batches of one file (iterate once); see the module's description."""

    def __init__(
        self,
        path: Path,
        *,
        fields: Sequence[str],
        batch_rows: int,
        reporting_country: str | None,
        limits: Limits = NO_LIMITS,
    ) -> None:
        self.path = path
        self.source = str(path)
        self.fmt = detect_format(path)
        self.limits = limits
        check_before_reading(path, self.fmt, limits)  # size; Parquet rows from its metadata
        self.fields = tuple(fields)
        self.checked_fields = fields_to_check(fields)
        self.batch_rows = max(1, batch_rows)
        self.reporting_country = reporting_country
        self.problems: list[Problem] = []
        self.total_problems = 0
        self.rows_read = 0
        self.total_rows: int | None = None  # known before reading for Parquet

    def __iter__(self) -> Iterator[pa.Table]:
        if self.fmt == "jsonl":
            yield from self._jsonl_checked()
        elif self.fmt == "csv":
            yield from self._csv_checked()
        else:
            yield from self._checked(self._raw_batches())
        if self.total_problems:
            raise InputError(self.problems, total=self.total_problems)

    def _checked(self, raws: Iterator[pa.Table], *, fast: bool = False) -> Iterator[pa.Table]:
        """``raws`` checked; a batch is yielded only while the file has shown no problem.
        ``fast``: stop at the first problem (the line-by-line reader will name them all)."""
        for raw in raws:
            checked = check_batch(
                raw, source=self.source, first_row=self.rows_read, fields=self.checked_fields
            )
            self.rows_read += raw.num_rows
            check_rows(self.rows_read, self.source, self.limits)
            self._note(checked)
            if fast and self.total_problems:
                raise NotVectorisedError("a problem to name")
            if not self.total_problems:
                yield checked.table(self.fields)

    def _jsonl_checked(self) -> Iterator[pa.Table]:
        """JSON Lines parsed by Arrow (``records.jsonl``); at a block it could read differently,
        or at the first problem, the file is read again line by line from the start, its
        batches already yielded skipped (the same lines gave the same records), so that the
        records and the problems are exactly the line-by-line reader's."""
        yielded = 0
        try:
            for batch in self._checked(self._jsonl_fast(), fast=True):
                yielded += 1
                yield batch
            return
        except (NotVectorisedError, InputError):
            pass
        self.problems, self.total_problems, self.rows_read = [], 0, 0
        for done, batch in enumerate(self._checked(self._jsonl())):
            if done >= yielded:
                yield batch

    def _jsonl_fast(self) -> Iterator[pa.Table]:
        empty = True
        for raw in jsonl_tables(self.path, rows=self.batch_rows):
            empty = False
            yield raw.select(self._read_names(raw.column_names))
        if empty:  # no records: what an empty table lacks is said line by line
            raise NotVectorisedError("no records")

    def _note(self, checked: CheckedBatch) -> None:
        room = MAX_PROBLEMS - len(self.problems)
        self.problems.extend(checked.problems[: max(0, room)])
        self.total_problems += checked.total

    def _note_problems(self, problems: list[Problem], total: int) -> None:
        room = MAX_PROBLEMS - len(self.problems)
        self.problems.extend(problems[: max(0, room)])
        self.total_problems += total

    def _read_names(self, names: Sequence[str]) -> list[str]:
        check_header(list(names), source=self.source)
        wanted = set(self.checked_fields)
        if "document_number_hash" in wanted:
            wanted.add("document_number")
        return [n for n in names if n in wanted]

    def _raw_batches(self) -> Iterator[pa.Table]:
        if self.fmt == "parquet":
            yield from self._parquet()
        elif self.fmt == "jsonl":
            yield from self._jsonl()
        else:  # a PAXLST manifest is small and checked whole, all or nothing per message
            table = read_paxlst(self.path, reporting_country=self.reporting_country)
            self.total_rows = table.num_rows
            for start in range(0, table.num_rows, self.batch_rows):
                yield table.slice(start, self.batch_rows)

    def _parquet(self) -> Iterator[pa.Table]:
        try:
            schema = pq.read_schema(self.path)
            names = self._read_names(schema.names)
            encoded = [
                n
                for n in names
                if _encoded_on_reading(n) and pa.types.is_string(schema.field(n).type)
            ]
            # pre_buffer: a row group's column chunks read in a few coalesced reads
            reader = pq.ParquetFile(self.path, read_dictionary=encoded, pre_buffer=True)
            self.total_rows = reader.metadata.num_rows
            empty = True
            for batch in reader.iter_batches(batch_size=self.batch_rows, columns=names):
                empty = False
                yield pa.Table.from_batches([batch])
            if empty:  # no rows: the header is still checked (a required column missing)
                yield schema.empty_table().select(names)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InputError(
                [
                    Problem(
                        where=self.source,
                        rule=f"not a readable Parquet file: {exc}",
                        rule_zh=f"不是可读取的 Parquet 文件：{exc}",
                    )
                ]
            ) from None

    def _csv_checked(self) -> Iterator[pa.Table]:
        header = csv_header(self.path)
        names = self._read_names(header)
        required = [n for n, spec in INPUT_FIELDS.items() if spec.required]
        pieces = self.path.stat().st_size > 2 * CSV_PIECE_BYTES
        if not pieces or any(n not in names for n in required):
            # small, or a required column missing (a problem per batch, as ever): one thread
            yield from self._checked(self._csv(names))
            return
        group: list[pa.Table] = []
        size = 0
        try:
            for raw, piece_checked in self._csv_pieces_checked(header, names):
                checked = piece_checked
                if checked.total:  # again, with its rows' real numbers
                    checked = check_batch(
                        raw,
                        source=self.source,
                        first_row=self.rows_read,
                        fields=self.checked_fields,
                    )
                self.rows_read += raw.num_rows
                check_rows(self.rows_read, self.source, self.limits)
                self._note(checked)
                if self.total_problems:
                    group = []
                    continue
                group.append(checked.table(self.fields))
                size += raw.num_rows
                if size >= self.batch_rows:
                    yield pa.concat_tables(group)
                    group, size = [], 0
        except _PieceNotParsedError:
            if group:
                yield pa.concat_tables(group)
            yield from self._checked(self._csv(names, skip=self.rows_read))
            return
        if group:
            yield pa.concat_tables(group)
        elif not self.rows_read:  # no records: the one-thread reader's empty batch
            yield from self._checked(self._csv(names))

    def _csv_pieces_checked(
        self, header: list[str], names: list[str]
    ) -> Iterator[tuple[pa.Table, CheckedBatch]]:
        """Each piece of the file parsed and checked (rows counted from 0) by one of
        ``CSV_THREADS`` threads, in the file's order, a few pieces ahead."""
        read = pacsv.ReadOptions(column_names=header, use_threads=False, block_size=CSV_BLOCK_BYTES)
        convert = _csv_convert(names)

        def parse_and_check(piece: memoryview) -> tuple[pa.Table, CheckedBatch]:
            raw = pacsv.read_csv(pa.py_buffer(piece), read_options=read, convert_options=convert)
            return raw, check_batch(raw, source=self.source, fields=self.checked_fields)

        ahead: deque[Future[tuple[pa.Table, CheckedBatch]]] = deque()
        with ThreadPoolExecutor(CSV_THREADS, thread_name_prefix="palermo-csv") as pool:
            try:
                for piece in _csv_pieces(self.path, CSV_PIECE_BYTES, 2 * CSV_THREADS + 2):
                    ahead.append(pool.submit(parse_and_check, piece))
                    if len(ahead) > 2 * CSV_THREADS:
                        yield _parsed(ahead.popleft())
                while ahead:
                    yield _parsed(ahead.popleft())
            finally:
                for waiting in ahead:
                    waiting.cancel()

    def _csv(self, names: list[str], *, skip: int = 0) -> Iterator[pa.Table]:
        """The file read by one thread, in batches; the first ``skip`` records left out."""
        convert = _csv_convert(names)
        pending: list[pa.RecordBatch] = []
        size = 0
        try:
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                convert_options=convert,
            )
            for read in reader:
                batch = read
                if skip:
                    dropped = min(skip, batch.num_rows)
                    batch, skip = batch.slice(dropped), skip - dropped
                    if not batch.num_rows:
                        continue
                pending.append(batch)
                size += batch.num_rows
                if size >= self.batch_rows:
                    yield pa.Table.from_batches(pending)
                    pending, size = [], 0
        except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
            raise InputError(
                [
                    Problem(
                        where=self.source,
                        rule=f"malformed CSV: {exc}",
                        rule_zh=f"CSV 格式有误：{exc}",
                    )
                ]
            ) from None
        if pending or not self.rows_read:
            yield pa.Table.from_batches(pending, schema=reader.schema)

    def _jsonl(self) -> Iterator[pa.Table]:
        empty = True
        for chunk, problems, total in jsonl_chunks(self.path, rows=self.batch_rows):
            self._note_problems(problems, total)
            raw = table_from_dicts(chunk)
            empty = False
            yield raw.select(self._read_names(raw.column_names))
        if empty:  # no records: what an empty table lacks is still said
            yield table_from_dicts([])


class _PieceNotParsedError(Exception):
    """Arrow could not parse a piece of a CSV file: the one-thread reader takes over there."""


def _parsed(future: Future[tuple[pa.Table, CheckedBatch]]) -> tuple[pa.Table, CheckedBatch]:
    try:
        return future.result()
    except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
        raise _PieceNotParsedError from exc


def _csv_convert(names: list[str]) -> pacsv.ConvertOptions:
    """How the columns ``names`` of a CSV file are read (categorical text dictionary-encoded)."""
    return pacsv.ConvertOptions(
        include_columns=names,
        column_types={n: _ENCODED if _encoded_on_reading(n) else pa.string() for n in names},
        null_values=[""],  # "NA" is Namibia, never missing
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )


def _csv_pieces(path: Path, piece_bytes: int, buffers: int) -> Iterator[memoryview]:
    """The records of a CSV file after its header line, in pieces of about ``piece_bytes``
    that end at a line break (the last piece where the file ends).

    The pieces are read into ``buffers`` buffers taken in turn, so that a 3 GB file costs no
    fresh memory (and its page faults) per piece: a piece's buffer is filled again ``buffers``
    pieces later, when it must have been parsed (Arrow copies what it parses)."""
    ring = [bytearray(piece_bytes) for _ in range(max(1, buffers))]
    turn = 0
    rest = b""
    with path.open("rb") as fh:
        fh.readline()  # the header (``csv_header``)
        while True:
            buf = ring[turn]
            turn = (turn + 1) % len(ring)
            if len(rest) >= len(buf):  # a record longer than a piece: a bigger buffer
                buf = bytearray(2 * len(rest))
            view = memoryview(buf)
            view[: len(rest)] = rest
            size = len(rest) + (fh.readinto(view[len(rest) :]) or 0)
            if size == len(rest):  # the end of the file
                if rest:
                    yield memoryview(bytes(rest))
                return
            cut = buf.rfind(b"\n", 0, size) + 1
            if cut:
                yield view[:cut]
            rest = bytes(view[cut:size])


def read_record_batches(
    path: str | Path,
    *,
    fields: Sequence[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    reporting_country: str | None = None,
    limits: Limits = NO_LIMITS,
) -> RecordBatches:
    """The records of a CSV, Parquet, JSON Lines or PAXLST file in validated batches of about
    ``batch_rows`` records, each holding ``fields`` (default: every input field).

    Raises ``InputError`` - at once for a missing or unreadable file or a bad header, after the
    last batch for bad values - with the same problems ``read_records`` names.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(where=str(path), rule="file not found", rule_zh="找不到文件")])
    if not path.is_file():
        raise InputError([Problem(where=str(path), rule="not a file", rule_zh="不是文件")])
    chosen = tuple(INPUT_FIELDS) if fields is None else tuple(fields)
    unknown = [f for f in chosen if f not in INPUT_FIELDS]
    if unknown:
        raise KeyError(f"not input fields: {', '.join(unknown)}")
    return RecordBatches(
        path,
        fields=chosen,
        batch_rows=batch_rows,
        reporting_country=reporting_country,
        limits=limits,
    )


def duplicate_id_problem(source: str, row: int, first: int, record_id: str) -> Problem:
    """A record id given again at ``row`` (first at ``first``): each record needs its own."""
    return Problem(
        at=Location.row(source, row),
        field="record_id",
        value=record_id,
        rule=f"the same record id as row {first}: each record needs its own",
        rule_zh=f"与第 {first} 行的记录编号相同：每条记录须有自己的编号",
    )
