"""CSV, Parquet and JSON Lines fuzzing: valid traveller files with mutated cells, headers,
rows and types (and Parquet files with flipped bytes) are read or refused with an
``InputError``, by the whole-file reader and by the streamed one alike."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st
from mutations import FUZZ, WORK_DIR, odd_value, read_or_refused

from palermo.records.limits import Limits
from palermo.records.readers import read_records
from palermo.records.stream import read_record_batches

COLUMNS = [
    "record_id", "event_kind", "port", "event_date", "sex", "date_of_birth", "nationality",
    "transit", "group_size", "obs_document_held_by_other", "document_number", "surname",
]  # fmt: skip
ROW = [
    "r1", "entry", "PVG", "2026-03-01", "F", "1990-05-04", "VN", "SG;HK", "2", "true",
    "E1234567", "NGUYEN",
]  # fmt: skip
EXTRA_COLUMNS = ["record_id", "transit", "unknown_column", "document_number_hash", "", " sex"]


@st.composite
def mutated_rows(draw: st.DrawFn) -> tuple[list[str], list[list[object]]]:
    header = list(COLUMNS)
    rows: list[list[object]] = [list(ROW) for _ in range(draw(st.integers(0, 4)))]
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["cell", "cell", "header", "drop_col", "short", "long"]))
        if kind == "cell" and rows and rows[0]:
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, max(0, len(rows[r]) - 1)))
            rows[r][c : c + 1] = [draw(st.one_of(odd_value, st.integers(), st.floats(), st.none()))]
        elif kind == "header" and header:
            header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(EXTRA_COLUMNS))
        elif kind == "drop_col" and header:
            c = draw(st.integers(0, len(header) - 1))
            del header[c]
            for row in rows:
                del row[c : c + 1]
        elif kind == "short" and rows:
            rows[-1] = rows[-1][: draw(st.integers(0, len(rows[-1])))]
        elif kind == "long" and rows:
            rows[-1] = [*rows[-1], draw(odd_value)]
    return header, rows


def read_both_ways(path: object) -> None:
    """``read_records`` (with limits) and ``read_record_batches``: a table or an InputError."""
    for read in (
        lambda: read_records(path, limits=Limits(max_rows=100, max_decompressed_bytes=10**7)),
        lambda: list(read_record_batches(path, batch_rows=2)),
    ):
        read_or_refused(read)


@FUZZ
@given(mutated_rows())
def test_a_mutated_csv_file_is_read_or_refused(case: tuple[list[str], list[list[object]]]) -> None:
    header, rows = case
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path = WORK_DIR / "people.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    read_both_ways(path)


@FUZZ
@given(mutated_rows(), st.booleans())
def test_a_mutated_json_lines_file_is_read_or_refused(
    case: tuple[list[str], list[list[object]]], broken_line: bool
) -> None:
    header, rows = case
    lines = [json.dumps(dict(zip(header, row, strict=False)), default=str) for row in rows]
    if broken_line:
        lines.append(json.dumps(rows[0] if rows else [1])[:-1])
    path = WORK_DIR / "people.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read_both_ways(path)


ARROW_VALUES = st.one_of(
    st.none(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.booleans(), odd_value,
    st.dates(), st.datetimes(), st.lists(odd_value, max_size=3), st.binary(max_size=5),
)  # fmt: skip


@FUZZ
@given(mutated_rows(), st.data())
def test_a_mutated_parquet_file_is_read_or_refused(
    case: tuple[list[str], list[list[object]]], data: st.DataObject
) -> None:
    header, rows = case
    columns: dict[str, pa.Array] = {}
    for c, name in enumerate(dict.fromkeys(header)):
        if data.draw(st.booleans()):  # a typed column: whatever Arrow makes of the values
            kind = data.draw(ARROW_VALUES)
            values = [kind for _ in rows]
        else:
            values = [str(row[c]) if c < len(row) and row[c] is not None else None for row in rows]
        try:
            columns[name or "blank"] = pa.array(values)
        except (pa.ArrowException, OverflowError):
            columns[name or "blank"] = pa.array([str(v) for v in values])
    path = WORK_DIR / "people.parquet"
    pq.write_table(pa.table(columns) if columns else pa.table({"x": pa.array([1])}), path)
    if data.draw(st.integers(0, 3)) == 0:  # flip bytes of the file itself
        raw = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        path.write_bytes(bytes(raw))
    read_both_ways(path)
