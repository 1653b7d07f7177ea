from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from palermo.errors import InputError
from palermo.records import ARROW_SCHEMA, derive, derive_arrow, read_records
from palermo.records.hashing import document_hash

HEADER = "record_id,event_kind,port,event_date,nationality,sex,date_of_birth,transit,obs_fearful"


def _csv(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "travellers.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_valid_csv_becomes_canonical_records(tmp_path: Path) -> None:
    path = _csv(tmp_path, "r1,entry,PVG,2026-03-01,CN,F,2001-05-02,TH;MY,yes")
    table = read_records(path)
    assert table.schema == ARROW_SCHEMA
    row = table.to_pylist()[0]
    assert row["event_date"] == dt.date(2026, 3, 1)
    assert row["transit"] == ["TH", "MY"]
    assert row["obs_fearful"] is True
    assert row["declared_purpose"] is None


def test_na_is_namibia_and_not_missing(tmp_path: Path) -> None:
    path = _csv(tmp_path, "r1,entry,WDH,2026-03-01,NA,M,1990-01-01,,")
    assert read_records(path).column("nationality").to_pylist() == ["NA"]


def test_every_broken_value_is_named_with_row_field_value_and_rule(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "r1,entry,PVG,2026-03-01,CN,F,2001-05-02,,",
        "r2,arrival,PVG,2026-13-01,XX,Q,2001-05-02,ZZ,maybe",
    )
    with pytest.raises(InputError) as info:
        read_records(path)
    message = str(info.value)
    assert "row 2: field 'event_kind' value 'arrival': must be one of entry, exit" in message
    assert "field 'event_date' value '2026-13-01': must be a date written YYYY-MM-DD" in message
    assert "field 'nationality' value 'XX': must be an ISO 3166-1 alpha-2" in message
    assert "field 'sex' value 'Q'" in message
    assert "field 'obs_fearful' value 'maybe': must be true or false" in message
    assert "field 'transit'" in message
    assert info.value.total == 6


def test_a_missing_required_field_is_reported(tmp_path: Path) -> None:
    path = _csv(tmp_path, "r1,entry,,2026-03-01,CN,F,2001-05-02,,")
    with pytest.raises(InputError, match="row 1: field 'port': required field is missing"):
        read_records(path)


def test_an_unknown_column_is_refused_rather_than_silently_dropped(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "r1,entry,PVG,2026-03-01,CN",
        header="record_id,event_kind,port,event_date,natonality",
    )
    with pytest.raises(InputError, match="field 'natonality': unknown column"):
        read_records(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_records(tmp_path / "nope.csv")


def test_an_unknown_file_type_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("x")
    with pytest.raises(InputError, match=r"unknown file type '\.xlsx'"):
        read_records(path)


def test_document_numbers_are_replaced_by_their_keyed_hash(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "r1,entry,PVG,2026-03-01,E12345678",
        header="record_id,event_kind,port,event_date,document_number",
    )
    table = read_records(path)
    assert "document_number" not in table.column_names
    assert table.column("document_number_hash").to_pylist() == [document_hash("E12345678")]
    assert "E12345678" not in str(table.to_pylist())


def test_jsonl_and_parquet_read_the_same_records_as_csv(tmp_path: Path) -> None:
    csv_table = read_records(_csv(tmp_path, "r1,exit,PVG,2026-03-01,CN,F,2001-05-02,TH,false"))
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text(
        json.dumps(
            {
                "record_id": "r1",
                "event_kind": "exit",
                "port": "PVG",
                "event_date": "2026-03-01",
                "nationality": "CN",
                "sex": "F",
                "date_of_birth": "2001-05-02",
                "transit": ["TH"],
                "obs_fearful": False,
            }
        )
        + "\n"
    )
    parquet = tmp_path / "t.parquet"
    pq.write_table(csv_table, parquet)
    assert read_records(jsonl).equals(csv_table)
    assert read_records(parquet).equals(csv_table)


def test_a_jsonl_line_that_is_not_an_object_is_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"record_id": "r1"}\n[1, 2]\n{bad\n')
    with pytest.raises(InputError) as info:
        read_records(path)
    assert "line 2: each line must be a JSON object" in str(info.value)
    assert "line 3: invalid JSON" in str(info.value)


def test_derived_fields_agree_between_the_row_and_the_column_definitions() -> None:
    rows = [
        {
            "event_date": dt.date(2026, 3, 1),
            "date_of_birth": dt.date(2008, 3, 1),
            "booking_date": dt.date(2026, 2, 28),
            "document_issue_date": dt.date(2026, 1, 1),
            "transit": ["TH", "MY"],
        },
        {
            "event_date": dt.date(2026, 3, 1),
            "date_of_birth": dt.date(2008, 3, 2),
            "booking_date": None,
            "document_issue_date": None,
            "transit": None,
        },
    ]
    table = pa.Table.from_pylist(
        [{name: row.get(name) for name in ARROW_SCHEMA.names} for row in rows], schema=ARROW_SCHEMA
    )
    columns = derive_arrow(table).to_pylist()
    for row, col in zip(rows, columns, strict=True):
        for name, value in derive(row).items():
            assert col[name] == value, name
    assert [c["age_at_travel"] for c in columns] == [18, 17]
    assert [c["is_minor"] for c in columns] == [False, True]


def test_numbers_are_checked_for_form_and_range(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "r1,entry,PVG,2026-03-01,2,100.5",
        "r2,entry,PVG,2026-03-01,2.5,abc",
        "r3,entry,PVG,2026-03-01,0,-3",
        "r4,entry,PVG,2026-03-01,99999999999999999999,1e3",
        header="record_id,event_kind,port,event_date,group_size,declared_cash",
    )
    with pytest.raises(InputError) as info:
        read_records(path)
    message = str(info.value)
    assert "row 2: field 'group_size' value '2.5': must be a whole number" in message
    assert "row 2: field 'declared_cash' value 'abc': must be a number" in message
    assert "row 3: field 'group_size' value '0': must be at least 1" in message
    assert "row 3: field 'declared_cash' value '-3': must be at least 0" in message
    assert "row 4: field 'group_size'" in message
    assert "row 1" not in message
    assert "declared_cash' value '1e3'" not in message


def test_transit_lists_from_parquet_are_validated_per_row(tmp_path: Path) -> None:
    raw = pa.table(
        {
            "record_id": ["a", "b", "c"],
            "event_kind": ["entry"] * 3,
            "port": ["PVG"] * 3,
            "event_date": ["2026-03-01"] * 3,
            "transit": pa.array([["th", "MY"], None, ["TH", "QQ"]], pa.list_(pa.string())),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(raw, path)
    with pytest.raises(InputError) as info:
        read_records(path)
    assert info.value.total == 1
    assert "row 3: field 'transit'" in str(info.value)
    raw = raw.set_column(4, "transit", pa.array([["th", "MY"], None, []], pa.list_(pa.string())))
    pq.write_table(raw, path)
    assert read_records(path).column("transit").to_pylist() == [["TH", "MY"], None, []]


def test_many_broken_rows_are_counted_but_only_the_first_are_listed(tmp_path: Path) -> None:
    rows = [f"r{i},arrival,PVG,2026-03-01,CN,F,2001-05-02,," for i in range(500)]
    with pytest.raises(InputError) as info:
        read_records(_csv(tmp_path, *rows))
    assert info.value.total == 500
    assert "and 480 more problem(s)" in str(info.value)


def test_a_file_without_a_required_column_is_refused_naming_the_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "r1,entry,2026-03-01", header="record_id,event_kind,event_date")
    with pytest.raises(InputError) as info:
        read_records(path)
    assert f"{path}: field 'port': required column is missing" in str(info.value)
    assert info.value.total == 1


@pytest.mark.parametrize("value", ["0000-01-01", "1899-12-31", "2101-01-01"])
def test_a_date_outside_1900_to_2100_is_refused_rather_than_crashing(
    tmp_path: Path, value: str
) -> None:
    path = _csv(tmp_path, f"r1,entry,PVG,2026-03-01,CN,F,{value},,")
    with pytest.raises(InputError, match="must be a date between 1900-01-01 and 2100-12-31"):
        read_records(path)


def test_a_day_that_does_not_exist_is_refused_not_moved_to_the_next_month(tmp_path: Path) -> None:
    path = _csv(tmp_path, "r1,entry,PVG,2026-02-30,CN,F,2001-02-29,,")
    with pytest.raises(InputError) as info:
        read_records(path)
    assert [(p.field, p.value) for p in info.value.problems] == [
        ("event_date", "2026-02-30"),
        ("date_of_birth", "2001-02-29"),
    ]


def test_a_plain_document_number_is_kept_only_as_the_keyed_hash_of_its_normal_form(
    tmp_path: Path,
) -> None:
    header = "record_id,event_kind,port,event_date,document_number"
    path = _csv(
        tmp_path,
        "r1,entry,PVG,2026-03-01,e 123-45<",
        "r2,entry,PVG,2026-03-01,",
        "r3,entry,PVG,2026-03-01,Ｅ１２３",
        header=header,
    )
    table = read_records(path)
    assert "document_number" not in table.column_names
    assert table.column("document_number_hash").to_pylist() == [
        document_hash("E12345"),
        None,
        document_hash("Ｅ１２３"),
    ]
