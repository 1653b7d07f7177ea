"""The counts CTDC publishes, computed from an analysis table as Ibis expressions on DuckDB.

Each statistic is one ``group_by(...).aggregate(count)`` Ibis expression over an unbound table,
compiled to DuckDB SQL (as the screening engine does), so the same expressions can later run on
Spark for a national dataset. Flags are three-state: every exploitation type and means of
control reports yes, no and missing, and its share of all rows and of the rows where it was
recorded (CTDC's recommended denominator). Every result carries CTDC's required attribution.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import pyarrow as pa

from palermo.interchange.ctdc import (
    AGE_BANDS,
    ATTRIBUTION,
    EXPLOITATION_TYPES,
    MEANS_OF_CONTROL,
    layout_of,
)
from palermo.privacy.cells import suppress_small_cells

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_VIEW = "ctdc"
_view_ids = itertools.count()

#: (key in the summary, column) of the categorical counts
DIMENSIONS = (
    ("by_year", "yearOfRegistration"),
    ("by_country_of_exploitation", "CountryOfExploitation"),
    ("by_citizenship", "citizenship"),
    ("by_gender", "gender"),
    ("by_age_band", "ageBroad"),
)


def count_expr(schema: pa.Schema, column: str, name: str = _VIEW) -> ibis.Table:
    """Rows per value of ``column`` (missing included, as null), over the table ``name``."""
    table = ibis.table(ibis.Schema.from_pyarrow(schema), name=name)
    return table.group_by(column).aggregate(count=table.count())


def _ordered(counts: dict[Any, int], column: str) -> list[dict[str, Any]]:
    """``[{"value": v, "count": n}]``: age bands in band order, others sorted, missing last."""
    present = [v for v in counts if v is not None]
    if column == "ageBroad":
        present.sort(key=lambda v: AGE_BANDS.index(v) if v in AGE_BANDS else len(AGE_BANDS))
    else:
        present.sort()
    keys = present + ([None] if None in counts else [])
    return [{"value": v, "count": counts[v]} for v in keys]


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _flag(counts: dict[Any, int], rows: int) -> dict[str, Any]:
    yes, no = counts.get(True, 0), counts.get(False, 0)
    return {
        "yes": yes,
        "no": no,
        "missing": counts.get(None, 0),
        "percent_of_all_rows": _share(yes, rows),
        "percent_of_recorded": _share(yes, yes + no),
    }


def _withhold_flag(flag: dict[str, Any], k: int) -> int:
    keys = ("yes", "no", "missing")
    withheld = suppress_small_cells([flag[key] for key in keys], k)
    for key, hide in zip(keys, withheld, strict=True):
        if hide:
            flag[key] = None
    if any(withheld):
        flag["percent_of_all_rows"] = flag["percent_of_recorded"] = None
    return sum(withheld)


def withhold_small_cells(summary: dict[str, Any], k: int) -> dict[str, Any]:
    """``summary`` with every count under ``k`` withheld (``null``), with complementary cells
    so that none can be recovered from the total; shares built on a withheld count go too."""
    withheld = 0
    for key, _column in DIMENSIONS:
        items = summary[key]
        for item, hide in zip(
            items, suppress_small_cells([i["count"] for i in items], k), strict=True
        ):
            if hide:
                item["count"] = None
                withheld += 1
    if any(i["value"] == "Female" and i["count"] is None for i in summary["by_gender"]):
        summary["percent_female"] = None
    for group in ("exploitation_types", "means_of_control"):
        for flag in summary.get(group, {}).values():
            withheld += _withhold_flag(flag, k)
    summary["small_cells"] = {"k": k, "withheld": withheld, "rule": SMALL_CELL_RULE}
    return summary


SMALL_CELL_RULE = (
    "counts from 1 to k-1 withheld (null); when one cell of a table is withheld, the smallest "
    "other non-zero cell is withheld too"
)


Counts = Callable[[str], dict[Any, int]]


def _statistics(table: pa.Table, counts: Counts) -> dict[str, Any]:
    names = set(table.column_names)
    rows = table.num_rows
    summary: dict[str, Any] = {
        "attribution": ATTRIBUTION,
        "layout": layout_of(table),
        "rows": rows,
    }
    for key, column in DIMENSIONS:
        summary[key] = _ordered(counts(column), column)
    summary["percent_female"] = _share(counts("gender").get("Female", 0), rows)
    summary["exploitation_types"] = {
        c: _flag(counts(c), rows) for c in EXPLOITATION_TYPES if c in names
    }
    if any(c in names for c in MEANS_OF_CONTROL):
        summary["means_of_control"] = {c: _flag(counts(c), rows) for c in MEANS_OF_CONTROL}
    return summary


def summarise(
    table: pa.Table, *, min_count: int | None = None, spark: SparkSession | None = None
) -> dict[str, Any]:
    """The statistics of a CTDC analysis table, ready for JSON: on DuckDB, or on ``spark``
    (the same Ibis expressions); ``min_count``: withhold counts below it
    (``withhold_small_cells``)."""
    summary = _on_duckdb(table) if spark is None else _on_spark(table, spark)
    return summary if min_count is None else withhold_small_cells(summary, min_count)


def _on_duckdb(table: pa.Table) -> dict[str, Any]:
    con = duckdb.connect()
    try:
        con.register(_VIEW, table)

        def counts(column: str) -> dict[Any, int]:
            sql = ibis.to_sql(count_expr(table.schema, column), dialect="duckdb", pretty=False)
            return {value: int(n) for value, n in con.execute(str(sql)).fetchall()}

        return _statistics(table, counts)
    finally:
        con.close()


def _on_spark(table: pa.Table, spark: SparkSession) -> dict[str, Any]:
    view = f"{_VIEW}_{next(_view_ids)}"
    spark.createDataFrame(table).createOrReplaceTempView(view)
    try:

        def counts(column: str) -> dict[Any, int]:
            expr = count_expr(table.schema, column, name=view)
            sql = ibis.to_sql(expr, dialect="pyspark", pretty=False)
            return {row[0]: int(row[1]) for row in spark.sql(str(sql)).collect()}

        return _statistics(table, counts)
    finally:
        spark.catalog.dropTempView(view)
