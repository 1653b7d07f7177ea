"""The streamed pipeline (``screen_file``) gives exactly the hits of the whole-table path, and a
file with any problem gives no hits file."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import test_engines_agree as agree  # the random records and profile sets of the engine tests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.errors import InputError
from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.profile_set import ProfileSet
from palermo.records import read_records
from palermo.records.schema import FULL_ARROW_SCHEMA
from palermo.screening import screen_table
from palermo.screening.pipeline import iter_hits, screen_file
from palermo.screening.watchlists.index import MATCH_FIELDS

TODAY = agree.TODAY
HEADER = "record_id,event_kind,port,event_date,sex,obs_visible_injuries,declared_cash,transit"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN: written as missing
        return None
    return value


def _write(table: pa.Table, path: Path) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        with path.open("w", encoding="utf-8") as fh:
            for row in table.to_pylist():
                fh.write(json.dumps({k: _jsonable(v) for k, v in row.items()}) + "\n")
    return path


def _hits(path: Path) -> list[dict[str, Any]]:
    return [row for batch in iter_hits(path, batch_rows=4) for row in batch.to_pylist()]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(agree.records, min_size=0, max_size=30),
    profile_set=agree.profile_sets(),
    batch_rows=st.integers(min_value=1, max_value=12),
    suffix=st.sampled_from([".parquet", ".jsonl"]),
)
def test_streamed_screening_gives_the_hits_of_the_whole_table_in_the_same_order(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[dict[str, Any]],
    profile_set: ProfileSet,
    batch_rows: int,
    suffix: str,
) -> None:
    work = tmp_path_factory.mktemp("stream")
    source = _write(agree.as_table(rows), work / f"records{suffix}")
    out = work / "hits.parquet"
    refused: InputError | None = None
    try:
        whole = screen_table(read_records(source), profile_set, on=TODAY)
    except InputError as exc:  # a required field missing: refused the same way, no hits
        refused = exc
    if refused is not None:
        with pytest.raises(InputError) as caught:
            screen_file(source, profile_set, out, on=TODAY, batch_rows=batch_rows)
        assert [str(p) for p in caught.value.problems] == [str(p) for p in refused.problems]
        assert caught.value.total == refused.total
        assert not out.exists()
        return
    summary = screen_file(source, profile_set, out, on=TODAY, batch_rows=batch_rows)
    assert _hits(out) == whole.to_pylist()
    assert (summary.records, summary.hits) == (len(rows), whole.num_rows)


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_csv_screened_in_batches_of_one_record_gives_the_whole_files_hits(
    tmp_path: Path,
) -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    source = _csv(
        tmp_path / "r.csv",
        [
            "r1,entry,PVG,2026-05-20,F,true,,TH;MY",
            "r2,exit, PVG ,2026-05-20,,false,100.5,",
            "r3,entry,PVG,2026-05-20,M,,12,SG",
            '"r4",entry,PVG,2026-05-20,X,TRUE,0,',
        ],
    )
    whole = screen_table(read_records(source), profile_set, on=TODAY)
    screen_file(source, profile_set, tmp_path / "hits.parquet", on=TODAY, batch_rows=1)
    assert whole.num_rows == 2
    assert _hits(tmp_path / "hits.parquet") == whole.to_pylist()


def test_a_bad_value_in_a_later_batch_is_named_by_its_row_in_the_file_and_no_hits_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("palermo.records.stream.CSV_BLOCK_BYTES", 100)  # a few rows a block
    profile_set = load_profile_set(EXAMPLES_DIR)
    good = [f"r{i},entry,PVG,2026-05-20,F,true,,TH" for i in range(7)]
    source = _csv(tmp_path / "r.csv", [*good, "r7,entry,PVG,2026-02-30,F,true,,TH"])
    out = tmp_path / "hits.parquet"
    out.write_bytes(b"an earlier run")
    with pytest.raises(InputError) as caught:
        screen_file(source, profile_set, out, on=TODAY, batch_rows=3)
    problem = caught.value.problems[0]
    assert (problem.where, problem.field, problem.value) == (
        f"{source} row 8",
        "event_date",
        "2026-02-30",
    )
    assert "YYYY-MM-DD" in problem.rule
    assert "日期" in problem.rule_zh
    assert out.read_bytes() == b"an earlier run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hits.parquet", "r.csv"]


def test_a_bad_value_in_a_column_no_profile_uses_still_refuses_the_file(tmp_path: Path) -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    source = _csv(
        tmp_path / "r.csv",
        ["r1,entry,PVG,2026-05-20,F,true,,TH", "r2,entry,PVG,2026-05-20,Q,true,,TH"],
    )
    with pytest.raises(InputError) as caught:
        screen_file(source, profile_set, tmp_path / "hits.parquet", on=TODAY)
    assert [(p.where, p.field, p.value) for p in caught.value.problems] == [
        (f"{source} row 2", "sex", "Q")
    ]
    assert not (tmp_path / "hits.parquet").exists()


def test_every_problem_of_every_batch_is_counted(tmp_path: Path) -> None:
    lines = [f"r{i},entry,PVG,2026-05-20,F,maybe,,TH" for i in range(120)]
    source = _csv(tmp_path / "r.csv", lines)
    with pytest.raises(InputError) as streamed:
        screen_file(source, load_profile_set(EXAMPLES_DIR), tmp_path / "h.parquet", batch_rows=7)
    with pytest.raises(InputError) as whole:
        read_records(source)
    assert streamed.value.total == whole.value.total == 120
    assert [str(p) for p in streamed.value.problems] == [str(p) for p in whole.value.problems]
    assert streamed.value.problems[0].where == f"{source} row 1"


def test_the_fields_watchlist_matching_reads_are_record_fields() -> None:
    assert set(MATCH_FIELDS) <= set(FULL_ARROW_SCHEMA.names)


@pytest.mark.parametrize(
    "module",
    [
        "palermo.screening.pipeline",
        "palermo.screening.columnar",
        "palermo.records.stream",
        "palermo.records.hashing",
    ],
)
def test_the_examples_in_the_pipelines_docstrings_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
    assert result.attempted > 0


def test_records_check_counts_a_large_files_records_and_names_a_bad_one_by_row(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from palermo.cli.main import app

    good = _csv(tmp_path / "good.csv", [f"r{i},entry,PVG,2026-05-20,F,,,TH" for i in range(25)])
    ok = CliRunner().invoke(app, ["records", "check", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "25 valid record(s)" in " ".join(ok.output.split())
    bad = _csv(tmp_path / "bad.csv", ["r1,entry,PVG,2026-05-20,F,,,TH", "r2,entry,PVG,,F,,,TH"])
    refused = CliRunner().invoke(app, ["records", "check", str(bad)])
    assert refused.exit_code == 2
    assert "row 2: field 'event_date'" in " ".join(refused.output.split())


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_outcome(path: Path, batch_rows: int) -> tuple[str, object, object]:
    from palermo.records.stream import read_record_batches

    try:
        batches = list(read_record_batches(path, batch_rows=batch_rows))
    except InputError as exc:
        return "refused", [str(p) for p in exc.problems], exc.total
    rows = [row for batch in batches for row in batch.to_pylist()]
    return "read", rows, len(rows)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(agree.records, min_size=0, max_size=40),
    piece_bytes=st.integers(min_value=1, max_value=600),
    batch_rows=st.integers(min_value=1, max_value=25),
    damage=st.sampled_from(["none", "bad sex", "extra field", "short line"]),
    where=st.floats(min_value=0, max_value=1),
)
def test_a_csv_read_in_pieces_by_two_threads_reads_and_refuses_as_one_thread_does(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, Any]],
    piece_bytes: int,
    batch_rows: int,
    damage: str,
    where: float,
) -> None:
    import csv

    table = agree.as_table(rows)
    lines = [[_csv_text(v) for v in row.values()] for row in table.to_pylist()]
    if lines and damage != "none":
        at = min(len(lines) - 1, int(where * len(lines)))
        if damage == "bad sex":
            lines[at][table.column_names.index("sex")] = "Q"
        elif damage == "extra field":
            lines[at].append("x")
        else:
            lines[at] = lines[at][:3]
    path = tmp_path_factory.mktemp("pieces") / "records.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(table.column_names)
        writer.writerows(lines)
    monkeypatch.setattr("palermo.records.stream.CSV_PIECE_BYTES", 1 << 40)  # one thread
    one_thread = _read_outcome(path, batch_rows)
    monkeypatch.setattr("palermo.records.stream.CSV_PIECE_BYTES", piece_bytes)
    assert _read_outcome(path, batch_rows) == one_thread


def test_a_large_csv_read_in_pieces_gives_the_hits_of_the_whole_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from palermo.records import stream
    from palermo.synth.write import write_population

    source = tmp_path / "travellers.csv"
    write_population(source, 3_000, 11, truth=tmp_path / "truth.parquet")
    pieces: list[int] = []
    real_pieces = stream._csv_pieces

    def counted(*args: Any) -> Any:
        for piece in real_pieces(*args):
            pieces.append(len(piece))
            yield piece

    monkeypatch.setattr(stream, "CSV_PIECE_BYTES", 64 << 10)
    monkeypatch.setattr(stream, "_csv_pieces", counted)
    profile_set = load_profile_set(EXAMPLES_DIR)
    whole = screen_table(read_records(source), profile_set, on=TODAY)
    pieces.clear()
    screen_file(source, profile_set, tmp_path / "hits.parquet", on=TODAY, batch_rows=1_000)
    assert len(pieces) > 4
    assert whole.num_rows > 0
    assert _hits(tmp_path / "hits.parquet") == whole.to_pylist()
