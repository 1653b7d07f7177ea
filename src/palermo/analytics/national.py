"""The dashboards' aggregations at national scale: one set of Ibis expressions over Parquet
files of screenings and cases, run on DuckDB embedded or on Spark (the same expressions,
compiled per dialect, as the screening engine and the CTDC statistics do).

The web dashboards count an agency's rows in its database; a national body holding every
post's screenings (tens of millions of rows) runs these instead. The tables:

``screenings``: one row per screened traveller: ``port`` (text), ``event_date`` (date),
``profile`` (the first profile that fired, null without a hit), ``disposition`` (null while a
hit waits, or without one).

``cases``: one row per case: ``opened_on`` (date), ``status``, ``outcome``, ``child`` (bool),
``days_to_referral`` (float, null when not referred).

Each figure is a ``group_by(...).aggregate(...)`` ordered by its keys, so both engines return
the same rows in the same order (tests/analytics/test_national.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SCREENINGS_SCHEMA = ibis.schema(
    {"port": "string", "event_date": "date", "profile": "string", "disposition": "string"}
)
CASES_SCHEMA = ibis.schema(
    {
        "opened_on": "date",
        "status": "string",
        "outcome": "string",
        "child": "boolean",
        "days_to_referral": "float64",
    }
)
Figure = Callable[[ir.Table, ir.Table], ir.Table]


def _month(column: ir.DateValue) -> ir.StringValue:
    return column.strftime("%Y-%m")


def screenings_per_month(s: ir.Table, c: ir.Table) -> ir.Table:
    by = s.mutate(month=_month(s.event_date), hit=s.profile.notnull().cast("int64"))
    return by.group_by("month").aggregate(screened=by.count(), hits=by.hit.sum()).order_by("month")


def hits_by_port_and_disposition(s: ir.Table, c: ir.Table) -> ir.Table:
    hits = s.filter(s.profile.notnull()).mutate(disposition=s.disposition.fill_null("(waiting)"))
    return (
        hits.group_by(["port", "disposition"])
        .aggregate(n=hits.count())
        .order_by(["port", "disposition"])
    )


def hits_by_profile(s: ir.Table, c: ir.Table) -> ir.Table:
    hits = s.filter(s.profile.notnull())
    return (
        hits.group_by("profile")
        .aggregate(n=hits.count(), disposed=hits.disposition.notnull().cast("int64").sum())
        .order_by("profile")
    )


def cases_by_status(s: ir.Table, c: ir.Table) -> ir.Table:
    return c.group_by("status").aggregate(n=c.count()).order_by("status")


def cases_per_month(s: ir.Table, c: ir.Table) -> ir.Table:
    by = c.mutate(month=_month(c.opened_on), child_int=c.child.cast("int64"))
    return (
        by.group_by(["month", "outcome"])
        .aggregate(n=by.count(), children=by.child_int.sum())
        .order_by(["month", "outcome"])
    )


def days_to_referral(s: ir.Table, c: ir.Table) -> ir.Table:
    referred = c.filter(c.days_to_referral.notnull())
    by = referred.mutate(month=_month(referred.opened_on))
    return (
        by.group_by("month")
        .aggregate(
            referred=by.count(),
            within_7_days=(by.days_to_referral <= 7).cast("int64").sum(),
            longest=by.days_to_referral.max(),
        )
        .order_by("month")
    )


FIGURES: dict[str, Figure] = {
    f.__name__: f
    for f in (
        screenings_per_month,
        hits_by_port_and_disposition,
        hits_by_profile,
        cases_by_status,
        cases_per_month,
        days_to_referral,
    )
}


def _expressions(screenings: str, cases: str) -> dict[str, ir.Table]:
    s = ibis.table(SCREENINGS_SCHEMA, name=screenings)
    c = ibis.table(CASES_SCHEMA, name=cases)
    return {name: figure(s, c) for name, figure in FIGURES.items()}


Rows = list[tuple[Any, ...]]


def figures_duckdb(screenings: Path, cases: Path, *, threads: int | None = None) -> dict[str, Rows]:
    """Every figure from the two Parquet files on DuckDB (embedded, this process)."""
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.read_parquet(str(screenings)).create_view("screenings")
        con.read_parquet(str(cases)).create_view("cases")
        out = {}
        for name, expr in _expressions("screenings", "cases").items():
            sql = str(ibis.to_sql(expr, dialect="duckdb", pretty=False))
            out[name] = [tuple(row) for row in con.execute(sql).fetchall()]
        return out
    finally:
        con.close()


def figures_spark(screenings: Path, cases: Path, spark: SparkSession) -> dict[str, Rows]:
    """The same figures on ``spark``: the files are read by Spark's own Parquet reader (the
    data never pass through the Python driver)."""
    ibis.pyspark.connect(spark)  # loads the backend (and its options) the compiler reads
    spark.read.parquet(str(screenings)).createOrReplaceTempView("screenings")
    spark.read.parquet(str(cases)).createOrReplaceTempView("cases")
    try:
        out = {}
        for name, expr in _expressions("screenings", "cases").items():
            sql = str(ibis.to_sql(expr, dialect="pyspark", pretty=False))
            out[name] = [tuple(row) for row in spark.sql(sql).collect()]
        return out
    finally:
        spark.catalog.dropTempView("screenings")
        spark.catalog.dropTempView("cases")


def write_synthetic(
    folder: Path, *, screenings: int, cases: int, seed: int = 13, batch: int = 1_000_000
) -> tuple[Path, Path]:
    """Synthetic screenings and cases as Parquet for the benchmark and tests (about 1% of
    travellers with a hit, most hits disposed; 40 ports, 16 profiles, two years), written in
    batches so memory stays bounded."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    ports = np.array([f"Port {i:02d}" for i in range(40)], dtype=object)
    profiles = np.array([f"profile-{i:02d}" for i in range(16)], dtype=object)
    dispositions = np.array(["no_action", "referred", "referred_second_line"], dtype=object)
    start = np.datetime64("2025-01-01")
    folder.mkdir(parents=True, exist_ok=True)
    s_path, c_path = folder / "screenings.parquet", folder / "cases.parquet"
    with pq.ParquetWriter(s_path, pa.schema(SCREENINGS_SCHEMA.to_pyarrow())) as writer:
        for offset in range(0, screenings, batch):
            n = min(batch, screenings - offset)
            hit = rng.random(n) < 0.01
            disposed = hit & (rng.random(n) < 0.9)
            profile = pa.array(profiles[rng.integers(0, 16, n)], pa.string(), mask=~hit)
            disposition = pa.array(dispositions[rng.integers(0, 3, n)], pa.string(), mask=~disposed)
            writer.write_table(
                pa.table(
                    {
                        "port": ports[rng.integers(0, 40, n)],
                        "event_date": start + rng.integers(0, 730, n).astype("timedelta64[D]"),
                        "profile": profile,
                        "disposition": disposition,
                    },
                    schema=pa.schema(SCREENINGS_SCHEMA.to_pyarrow()),
                )
            )
    referred = rng.random(cases) < 0.7
    days = np.round(rng.exponential(6.0, cases), 2)
    table = pa.table(
        {
            "opened_on": start + rng.integers(0, 730, cases).astype("timedelta64[D]"),
            "status": np.array(["identified", "referred", "assisted", "closed"], dtype=object)[
                rng.integers(0, 4, cases)
            ],
            "outcome": np.array(["possible", "presumed", "child_at_risk"], dtype=object)[
                rng.integers(0, 3, cases)
            ],
            "child": rng.random(cases) < 0.2,
            "days_to_referral": pa.array(np.where(referred, days, np.nan), from_pandas=True),
        },
        schema=pa.schema(CASES_SCHEMA.to_pyarrow()),
    )
    pq.write_table(table, c_path)
    return s_path, c_path
