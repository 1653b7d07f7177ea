"""JSON Lines parsed by Arrow (``records.jsonl``) give exactly what the line-by-line reader
gives: the same batches of records, or the same problems (file, line or row, field, value,
rule) - on generated files with every kind of JSON value, blank lines, broken lines, two
objects on a line, a byte order mark, control characters and lone carriage returns."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mutations import FUZZ, WORK_DIR, odd_value

from palermo.errors import InputError
from palermo.records.jsonl import NotVectorisedError
from palermo.records.stream import RecordBatches, read_record_batches

VALID = {
    "record_id": "r1", "event_kind": "entry", "port": "PVG", "event_date": "2026-03-01",
    "sex": "F", "date_of_birth": "1990-05-04", "nationality": "VN", "transit": ["SG", "HK"],
    "group_size": 2, "declared_cash": 1950.0, "obs_fearful": True, "surname": "NGUYEN",
}  # fmt: skip
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    odd_value,
    st.lists(st.one_of(odd_value, st.sampled_from(["TH", "MY", "fr"]), st.none()), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=1),
    st.sampled_from(["2026-03-01", "12:00", "2026-03-01T10:00:00", "true", "3", "1e3"]),
)
ODD_LINES = st.sampled_from(
    ["", "   ", "{", "[1]", '{"record_id": "x"} {"record_id": "y"}', '{"a": NaN}',
     '{"record_id": "r", "record_id": "s"}', "\ufeff{}", '{"surname": "a\tb"}', "\x1c",
     '{"declared_cash": Infinity}', '{"group_size": 1.5}', '{"surname": "a\rb"}']
)  # fmt: skip


def line_by_line(path: Path, batch_rows: int) -> object:
    """What the line-by-line reader alone gives: the batches, or the error's problems."""
    original = RecordBatches._jsonl_fast

    def refuse(self: RecordBatches) -> object:
        raise NotVectorisedError("the line-by-line reader, for the comparison")

    RecordBatches._jsonl_fast = refuse  # type: ignore[assignment,method-assign]
    try:
        return outcome(path, batch_rows)
    finally:
        RecordBatches._jsonl_fast = original  # type: ignore[method-assign]


def outcome(path: Path, batch_rows: int) -> object:
    try:
        return [b.to_pylist() for b in read_record_batches(path, batch_rows=batch_rows)]
    except InputError as exc:
        return ("refused", exc.total, list(exc.problems))


@st.composite
def json_lines(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 7))):
        record = dict(VALID, record_id=f"r{len(lines)}")
        for _ in range(draw(st.integers(0, 2))):
            field = draw(st.sampled_from([*VALID, "unknown_column", "document_number"]))
            record[field] = draw(JSON_VALUES)
        if draw(st.integers(0, 5)) == 0:
            del record[draw(st.sampled_from(list(record)))]
        lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())))
        if draw(st.integers(0, 6)) == 0:
            lines.append(draw(ODD_LINES))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(lines) + (end if lines else "")


@FUZZ
@given(json_lines(), st.integers(1, 4))
def test_arrow_and_the_line_by_line_reader_give_the_same_records_or_problems(
    text: str, batch_rows: int
) -> None:
    path = WORK_DIR / "vectorised.jsonl"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    assert outcome(path, batch_rows) == line_by_line(path, batch_rows)


def test_a_clean_file_is_parsed_by_arrow_not_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.jsonl"
    rows = [dict(VALID, record_id=f"r{i}", declared_cash=i * 10.5) for i in range(5)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")

    def not_line_by_line(self: RecordBatches) -> object:
        raise AssertionError("read line by line")

    monkeypatch.setattr(RecordBatches, "_jsonl", not_line_by_line)
    batches = list(read_record_batches(path, batch_rows=2))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    table = pa.concat_tables(batches)
    assert table.column("declared_cash").to_pylist() == [0.0, 10.5, 21.0, 31.5, 42.0]
    assert table.column("transit").to_pylist() == [["SG", "HK"]] * 5
    assert table.column("obs_fearful").to_pylist() == [True] * 5


def test_a_problem_after_clean_batches_names_its_line_as_before(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [json.dumps(dict(VALID, record_id=f"r{i}")) for i in range(6)]
    lines[4] = lines[4][:-1]  # line 5 cut short
    lines.append(json.dumps(dict(VALID, record_id="r6", group_size=1.5)))  # not a whole number
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[list[str]] = []

    def read() -> None:
        for batch in read_record_batches(path, batch_rows=2):
            seen.append(batch.column("record_id").to_pylist())

    with pytest.raises(InputError) as caught:
        read()
    assert seen == [["r0", "r1"], ["r2", "r3"]]  # the clean batches before the broken one
    wheres = [p.where for p in caught.value.problems]
    assert wheres == [f"{path} line 5", f"{path} row 6"]
    assert caught.value.problems[1].field == "group_size"
    assert line_by_line(path, 2) == outcome(path, 2)
