"""A file is bounded before its data is read: rows and decompressed size of a Parquet file from
its metadata, CSV and JSON Lines counted while read, bytes on disk; malformed JSON Lines (not
UTF-8, nested past the stack, 5,000-digit numbers) are problems, not crashes."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from palermo.errors import InputError
from palermo.records.limits import Limits
from palermo.records.readers import read_records

HEADER = "record_id,event_kind,port,event_date\n"


def constant_column(value: str, rows: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(rows, dtype=np.int32)), pa.array([value])
    )


def zstd_parquet_of(path: Path, rows: int) -> Path:
    """The attack's file: millions of identical rows compressing to well under a megabyte."""
    table = pa.table(
        {
            "record_id": constant_column("r1", rows),
            "event_kind": constant_column("entry", rows),
            "port": constant_column("PVG", rows),
            "event_date": constant_column("2026-03-01", rows),
        }
    )
    pq.write_table(table, path, compression="zstd")
    return path


def test_a_small_parquet_file_of_5_million_rows_is_refused_from_its_metadata(
    tmp_path: Path,
) -> None:
    path = zstd_parquet_of(tmp_path / "bomb.parquet", 5_000_000)
    assert path.stat().st_size < 1_000_000
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        read_records(path, limits=Limits(max_rows=1_000_000))
    assert "more than 1,000,000 rows" in str(caught.value)
    assert "文件超过 1,000,000 行" in str(caught.value)
    # nothing was decoded: refusing takes the time of reading a footer, not 5M rows
    assert time.perf_counter() - started < 5


def test_parquet_data_larger_than_the_decompressed_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    names = pa.array([f"{i:05d}" + "X" * 1000 for i in range(2000)])  # distinct: no dictionary
    pq.write_table(
        pa.table({"record_id": pa.array([f"r{i}" for i in range(2000)]), "surname": names}), path
    )
    with pytest.raises(InputError, match="once decompressed"):
        read_records(path, limits=Limits(max_decompressed_bytes=100_000))


def test_csv_with_more_rows_than_allowed_is_refused_while_read(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "r,entry,PVG,2026-03-01\n" * 50, encoding="utf-8")
    with pytest.raises(InputError, match="more than 10 rows"):
        read_records(path, limits=Limits(max_rows=10))
    assert read_records(path, limits=Limits(max_rows=50)).num_rows == 50


def test_json_lines_with_more_rows_than_allowed_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    line = '{"record_id": "r", "event_kind": "entry", "port": "PVG", "event_date": "2026-03-01"}\n'
    path.write_text(line * 20, encoding="utf-8")
    with pytest.raises(InputError, match="more than 5 rows"):
        read_records(path, limits=Limits(max_rows=5))


def test_a_file_larger_than_allowed_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "r,entry,PVG,2026-03-01\n" * 100, encoding="utf-8")
    with pytest.raises(InputError, match="larger than 1,000 bytes"):
        read_records(path, limits=Limits(max_bytes=1_000))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"record_id": "r\xff"}\n', "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "invalid JSON"),
        (b'{"record_id": ' + b"9" * 5000 + b"}\n", "invalid JSON"),
    ],
    ids=["latin-1", "deep", "digits"],
)
def test_malformed_json_lines_are_a_problem_naming_the_line(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_records(path)
    assert caught.value.problems[0].where == f"{path} line 1"
    assert reason in caught.value.problems[0].rule


def test_records_check_takes_the_limits_as_options_and_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from palermo.cli.main import app

    path = zstd_parquet_of(tmp_path / "bomb.parquet", 5_000_000)
    result = CliRunner().invoke(app, ["records", "check", str(path), "--max-rows", "1000"])
    assert result.exit_code == 2
    assert "more than 1,000 rows" in result.output
    small = tmp_path / "m.csv"
    small.write_text(HEADER + "r,entry,PVG,2026-03-01\n" * 30, encoding="utf-8")
    result = CliRunner().invoke(app, ["records", "check", str(small), "--max-rows", "10"])
    assert result.exit_code == 2
    assert "more than 10 rows" in result.output
