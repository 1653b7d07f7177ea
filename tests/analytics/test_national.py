"""The dashboards' aggregations at national scale (palermo.analytics.national): the same Ibis
expressions give the same figures on DuckDB and on Spark, and the figures are the counts a
person would take by hand from the same files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from palermo.analytics.national import FIGURES, figures_duckdb, figures_spark, write_synthetic


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_synthetic(
        tmp_path_factory.mktemp("national"), screenings=60_000, cases=3_000, batch=25_000
    )


def test_the_figures_are_the_counts_taken_by_hand_from_the_files(files: tuple[Path, Path]) -> None:
    screenings, cases = (pq.read_table(p).to_pylist() for p in files)
    figures = figures_duckdb(*files)
    months = Counter(r["event_date"].strftime("%Y-%m") for r in screenings)
    hits = Counter(r["event_date"].strftime("%Y-%m") for r in screenings if r["profile"])
    assert figures["screenings_per_month"] == [(m, months[m], hits[m]) for m in sorted(months)]
    statuses = Counter(r["status"] for r in cases)
    assert figures["cases_by_status"] == sorted(statuses.items())
    waiting = sum(1 for r in screenings if r["profile"] and r["disposition"] is None)
    assert sum(n for _, d, n in figures["hits_by_port_and_disposition"] if d == "(waiting)") == (
        waiting
    )
    referred = [r for r in cases if r["days_to_referral"] is not None]
    assert sum(row[1] for row in figures["days_to_referral"]) == len(referred)
    assert sum(row[2] for row in figures["days_to_referral"]) == sum(
        r["days_to_referral"] <= 7 for r in referred
    )


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_gives_every_dashboard_figure_as_duckdb_does(files: tuple[Path, Path]) -> None:
    from palermo.screening import local_spark_session

    session = local_spark_session(cores=1)
    session.sparkContext.setLogLevel("ERROR")
    try:
        on_spark = figures_spark(*files, session)
    finally:
        session.stop()
    on_duckdb = figures_duckdb(*files)
    assert set(on_spark) == set(FIGURES)
    for name in FIGURES:
        assert on_spark[name] == on_duckdb[name], name
