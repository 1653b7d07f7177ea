"""A Parquet dataset partitioned by day, screened by Spark's executors (``screen_dataset``), gives
the hits ``screen_file`` gives on DuckDB from one file of the same records, and refuses what it
refuses: no hits file, each problem named by file, row in that file, record id, field and value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
import test_engines_agree as agree  # the random records and profile sets of the engine tests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from palermo.errors import InputError
from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.profile_set import ProfileSet
from palermo.screening.pipeline import screen_file
from palermo.screening.spark_pipeline import screen_dataset

TODAY = agree.TODAY
pytestmark = [
    pytest.mark.spark,
    # py4j leaves its sockets to the garbage collector after the session stops
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from palermo.screening import local_spark_session

    session = local_spark_session(cores=1)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _records(rows: list[dict[str, Any]]) -> pa.Table:
    """Random records whose required fields are there (``as_table`` leaves them to chance)."""
    full = []
    for i, row in enumerate(rows):
        full.append(
            {
                **row,
                "port": "PVG",
                "event_kind": row["event_kind"] or "entry",
                "event_date": row["event_date"] or agree.DATES[i % 4],
            }
        )
    return agree.as_table(full)


def _dataset(table: pa.Table, root: Path, partition: str) -> Path:
    """``table`` as Parquet files (a few records each) under ``partition=YYYY-MM-DD/``."""
    if partition != "event_date":
        table = table.rename_columns(
            [partition if n == "event_date" else n for n in table.column_names]
        )
    pads.write_dataset(
        table,
        root,
        format="parquet",
        partitioning=[partition],
        partitioning_flavor="hive",
        max_rows_per_file=4,
        max_rows_per_group=4,
    )
    return root


def _sorted(hits: pa.Table) -> list[dict[str, Any]]:
    """By record id; each record's hits in the order they came (a stable sort)."""
    return sorted(hits.to_pylist(), key=lambda hit: hit["record_id"])


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(agree.records, min_size=1, max_size=30),
    profile_set=agree.profile_sets(),
    partition=st.sampled_from(["event_date", "day"]),
    batch_rows=st.integers(min_value=1, max_value=12),
    bad=st.none() | st.integers(min_value=0),
)
def test_a_dataset_partitioned_by_day_gives_on_spark_the_hits_and_problems_of_duckdb(
    spark: Any,
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[dict[str, Any]],
    profile_set: ProfileSet,
    partition: str,
    batch_rows: int,
    bad: int | None,
) -> None:
    work = tmp_path_factory.mktemp("spark")
    table = _records(rows)
    if bad is not None:  # one record with a sex no rule allows
        sex = [None] * table.num_rows
        sex[bad % table.num_rows] = "Q"
        table = table.set_column(table.schema.get_field_index("sex"), "sex", pa.array(sex))
    one_file = work / "records.parquet"
    pq.write_table(table, one_file)
    dataset = _dataset(table, work / "dataset", partition)
    on_duckdb, on_spark = work / "duckdb.parquet", work / "spark.parquet"
    refused: InputError | None = None
    try:
        screen_file(one_file, profile_set, on_duckdb, on=TODAY)
    except InputError as exc:
        refused = exc
    event("refused" if refused is not None else "screened")
    if refused is not None:
        with pytest.raises(InputError) as spark_refused:
            screen_dataset(
                dataset, profile_set, on_spark, spark=spark, on=TODAY, batch_rows=batch_rows
            )
        ids = table.column("record_id").to_pylist()
        expected = {
            (ids[p.at.number("row") - 1], p.field, p.value, p.rule, p.rule_zh)
            for p in refused.problems
        }
        note, *problems = spark_refused.value.problems
        assert {_said(p) for p in problems} == expected
        assert spark_refused.value.total == refused.total + 1
        assert all(p.where.startswith(str(dataset)) for p in problems)
        assert "no order across its files" in note.rule
        assert "没有顺序" in note.rule_zh
        assert bad is None or (ids[bad % len(ids)], "sex") in {_said(p)[:2] for p in problems}
        assert sorted(p.name for p in work.iterdir()) == ["dataset", "records.parquet"]
        return
    assert bad is None
    summary = screen_dataset(
        dataset, profile_set, on_spark, spark=spark, on=TODAY, batch_rows=batch_rows
    )
    assert _sorted(pq.read_table(on_spark)) == _sorted(pq.read_table(on_duckdb))
    assert pq.read_schema(on_spark) == pq.read_schema(on_duckdb)
    assert (summary.records, summary.hits) == (len(rows), pq.read_table(on_duckdb).num_rows)


def _said(problem: Any) -> tuple[str, str, Any, str, str]:
    """A problem from the dataset as (record id, field, value, rule, rule in Chinese)."""
    record_id = problem.where.rsplit("record id '", 1)[1].rstrip("'")
    assert f"记录编号 '{record_id}'" in problem.where_zh
    return (record_id, problem.field, problem.value, problem.rule, problem.rule_zh)


def test_a_bad_day_in_a_partition_is_named_with_its_file_row_and_record(
    spark: Any, tmp_path: Path
) -> None:
    table = _records([dict.fromkeys(agree.RECORD_VALUES) for _ in range(3)])
    dataset = _dataset(table, tmp_path / "dataset", "day")
    bad_day = dataset / "day=2026-02-30"
    (dataset / f"day={agree.DATES[1].isoformat()}").rename(bad_day)
    with pytest.raises(InputError) as refused:
        screen_dataset(
            dataset, load_profile_set(EXAMPLES_DIR), tmp_path / "hits.parquet", spark=spark
        )
    [problem] = refused.value.problems[1:]
    [file] = bad_day.iterdir()
    assert problem.where == f"{file} row 1, record id 'r001'"
    assert problem.where_zh == f"{file} 第 1 行，记录编号 'r001'"
    assert (problem.field, problem.value) == ("event_date", "2026-02-30")
    assert refused.value.total == 2
    assert not (tmp_path / "hits.parquet").exists()


def test_watchlists_and_plain_document_numbers_give_the_hits_of_duckdb(
    spark: Any, tmp_path: Path
) -> None:
    from palermo.screening.watchlists import WatchlistIndex
    from palermo.screening.watchlists.synthetic import synthetic_watchlist

    watchlist, people = synthetic_watchlist(50, seed=3)
    index = WatchlistIndex([watchlist])
    rows = [
        {
            "record_id": f"r{i}",
            "event_kind": "exit",
            "port": "PVG",
            "event_date": agree.DATES[i % 3],
            "surname": person.surname if i % 2 else "Other",
            "given_names": " ".join(person.given),
            "date_of_birth": person.date_of_birth,
            "document_number": f"E{i:07d}",
            "obs_document_held_by_other": True,
            "obs_companion_answers": bool(i % 3),
        }
        for i, person in enumerate(people[:20])
    ]
    table = pa.Table.from_pylist(rows)
    one_file = tmp_path / "records.parquet"
    pq.write_table(table, one_file)
    dataset = _dataset(table, tmp_path / "dataset", "event_date")
    profile_set = load_profile_set(EXAMPLES_DIR)
    on_duckdb, on_spark = tmp_path / "duckdb.parquet", tmp_path / "spark.parquet"
    screen_file(one_file, profile_set, on_duckdb, on=TODAY, watchlists=index)
    summary = screen_dataset(
        dataset, profile_set, on_spark, spark=spark, on=TODAY, watchlists=index
    )
    expected = pq.read_table(on_duckdb)
    assert _sorted(pq.read_table(on_spark)) == _sorted(expected)
    assert summary.by_profile["watchlist"] > 0
    assert summary.records == 20


def test_a_damaged_file_in_a_dataset_is_named_and_no_hits_are_written(
    spark: Any, tmp_path: Path
) -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    table = _records([{**dict.fromkeys(agree.RECORD_VALUES), "obs_fearful": True}] * 3)
    dataset = _dataset(table, tmp_path / "dataset", "event_date")
    damaged = dataset / "event_date=2026-05-02" / "cut-short.parquet"
    damaged.parent.mkdir()
    damaged.write_bytes(b"PAR1" + b"not a footer" * 50 + b"PAR1")
    out = tmp_path / "hits.parquet"
    with pytest.raises(InputError) as refused:
        screen_dataset(dataset, profile_set, out, spark=spark, on=TODAY)
    (problem,) = refused.value.problems
    assert problem.where == str(damaged)
    assert "Spark could not read this file of the dataset" in problem.rule
    assert "Spark 无法读取数据集中的此文件" in problem.rule_zh
    assert not out.exists()
    assert not [p.name for p in tmp_path.glob(".*.tmp")]


def test_a_spark_master_is_checked_before_spark_starts_and_passed_to_the_session(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed earlier left its sorted hits in a hidden folder beside the output, named
    with its process id: the next run removes it."""
    import subprocess
    import sys

    from typer.testing import CliRunner

    from palermo.cli.main import app
    from palermo.screening import spark_pipeline

    dataset = _dataset(
        _records([{**dict.fromkeys(agree.RECORD_VALUES), "obs_fearful": True}]),
        tmp_path / "dataset",
        "event_date",
    )
    out = tmp_path / "hits.parquet"
    args = ["screen", str(dataset), "--profiles", str(EXAMPLES_DIR), "--out", str(out)]
    runner = CliRunner()

    mistyped = runner.invoke(app, [*args, "--engine", "spark", "--spark-master", "sprak://h:7077"])
    assert mistyped.exit_code == 2, mistyped.output
    assert "--spark-master" in mistyped.output
    assert "a Spark master is yarn, local" in mistyped.output
    assert "Spark master 应为" in mistyped.output
    on_duckdb = runner.invoke(app, [*args, "--spark-master", "local[1]"])
    assert on_duckdb.exit_code == 2, on_duckdb.output
    assert "applies to --engine spark only" in on_duckdb.output
    assert not out.exists()

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    killed = tmp_path / f".hits.parquet.{gone.stdout.strip()}.abc123.tmp"
    (killed / "hits").mkdir(parents=True)
    (killed / "hits" / "part-00000.parquet").write_bytes(b"a killed run's sorted hits")
    started_on: list[str | None] = []

    def session(*, master: str | None = None, **_: Any) -> Any:
        started_on.append(master)
        return spark  # this module's session: one JVM per test process

    monkeypatch.setattr(spark_pipeline, "local_spark_session", session)
    monkeypatch.setattr(spark, "stop", lambda: None)  # the command stops its own session
    monkeypatch.setenv("PALERMO_SPARK_MASTER", "local[1]")
    result = runner.invoke(app, [*args, "--engine", "spark"])
    assert result.exit_code == 0, result.output
    assert started_on == ["local[1]"]
    assert out.exists()
    assert not killed.exists()
    assert not [p.name for p in tmp_path.glob(".*.tmp")]


def test_palermo_screen_on_spark_reads_a_dataset_directory_and_refuses_a_csv(
    spark: Any, tmp_path: Path
) -> None:
    """Last in this file: the command stops the session it finds when it is done."""
    from typer.testing import CliRunner

    from palermo.cli.main import app

    table = _records(
        [{**dict.fromkeys(agree.RECORD_VALUES), "obs_fearful": True} for _ in range(5)]
    )
    table = table.set_column(
        table.schema.get_field_index("obs_visible_injuries"), "obs_visible_injuries",
        pa.array([True, False, True, None, True]),
    )  # fmt: skip
    dataset = _dataset(table, tmp_path / "dataset", "event_date")
    out = tmp_path / "hits.parquet"
    csv = tmp_path / "records.csv"
    csv.write_text("record_id,event_kind,port,event_date\nr1,entry,PVG,2026-05-01\n")
    runner = CliRunner()
    refused = runner.invoke(
        app, ["screen", str(csv), "--profiles", str(EXAMPLES_DIR), "--out", str(out),
              "--engine", "spark"],
    )  # fmt: skip
    assert refused.exit_code == 2, refused.output
    assert "Spark reads Parquet" in refused.output
    assert "Spark 读取 Parquet" in refused.output
    result = runner.invoke(
        app, ["screen", str(dataset), "--profiles", str(EXAMPLES_DIR), "--out", str(out),
              "--engine", "spark"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    hits = pq.read_table(out)
    assert hits.column("record_id").to_pylist() == sorted(hits.column("record_id").to_pylist())
    assert {"r000", "r002", "r004"} <= set(hits.column("record_id").to_pylist())
    assert "records / 记录: 5" in result.output
