"""Batch screening: a whole table of traveller records against a profile set, on DuckDB or Spark.

``screen_table(table, profile_set, engine="duckdb")`` returns one row per hit (``HIT_SCHEMA``),
ordered by record (input order) then profile (set order), identical on every engine.

How it runs: the profiles in force are compiled once to an Ibis expression (each distinct
comparison evaluated once per record, see ``compile_ibis``). On DuckDB the records are fed in
batches (zero-copy Arrow scans) so a progress callback can report; on Spark the table becomes a
DataFrame and runs through Ibis' PySpark backend. Only rows with a hit come back, with the truth
of their comparisons, and the words of each hit are built once per distinct pattern.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from palermo.errors import InputError, Problem
from palermo.profiles.ast import Comparison, Profile, comparisons
from palermo.profiles.compile_ibis import compile_ibis
from palermo.profiles.explain import Explainer
from palermo.profiles.profile_set import ProfileSet, screening_criteria, screening_day
from palermo.records.schema import DERIVED, FIELDS, INPUT_FIELDS, derive_arrow
from palermo.screening.hits import HIT_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
DEFAULT_BATCH_ROWS = 1_000_000
_ROW = "_palermo_row"
_VIEW = "palermo_records"
_view_ids = itertools.count()


@dataclass(frozen=True, slots=True)
class _Compiled:
    profiles: tuple[Profile, ...]
    criteria: tuple[Any, ...]
    columns: tuple[str, ...]  # input columns the engine needs
    needs_derived: bool


def _prepare(profile_set: ProfileSet, on: dt.date) -> _Compiled:
    profiles = profile_set.in_force(on)
    criteria = tuple(screening_criteria(p) for p in profiles)
    used = {c.field for tree in criteria for c in comparisons(tree)}
    needs_derived = any(f in DERIVED for f in used)
    columns = tuple(f for f in FIELDS if f in used or f == "record_id")
    return _Compiled(profiles, criteria, columns, needs_derived)


def _engine_input(batch: pa.Table, compiled: _Compiled, first_row: int) -> pa.Table:
    if compiled.needs_derived:
        batch = derive_arrow(batch)
    out = batch.select(list(compiled.columns))
    rows = pa.array(range(first_row, first_row + batch.num_rows), type=pa.int64())
    return out.append_column(_ROW, rows)


def _check_columns(table: pa.Table) -> None:
    missing = [name for name in INPUT_FIELDS if name not in table.column_names]
    if missing:
        raise InputError(
            [
                Problem(
                    where="records table",
                    rule="missing column(s) "
                    + ", ".join(missing)
                    + ": read records with palermo.records.read_records",
                )
            ]
        )


def screen_table(
    table: pa.Table,
    profile_set: ProfileSet,
    *,
    engine: Engine = "duckdb",
    on: dt.date | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
    spark: SparkSession | None = None,
) -> pa.Table:
    """Screen a table of canonical records (``ARROW_SCHEMA``) against the profiles in force.

    ``on``: the day of screening (default today) - profiles past review or not yet valid do not
    fire. ``progress(n)`` is called with the number of records screened so far. ``spark``: a
    session for ``engine="spark"`` (default: a local session started and stopped here).
    """
    _check_columns(table)
    on = on or screening_day()
    compiled = _prepare(profile_set, on)
    if not compiled.profiles or table.num_rows == 0:
        if progress:
            progress(table.num_rows)
        return HIT_SCHEMA.empty_table()
    if engine == "duckdb":
        flagged = _run_duckdb(table, compiled, profile_set, batch_rows, progress)
    elif engine == "spark":
        flagged = _run_spark(table, compiled, profile_set, spark)
        if progress:
            progress(table.num_rows)
    else:
        raise InputError(
            [Problem(where="engine", value=engine, rule="engine is one of " + ", ".join(ENGINES))]
        )
    return _assemble(flagged, compiled, profile_set)


def _run_duckdb(
    table: pa.Table,
    compiled: _Compiled,
    profile_set: ProfileSet,
    batch_rows: int,
    progress: Callable[[int], None] | None,
) -> _Flagged:
    con = ibis.duckdb.connect()
    raw = con.con  # the DuckDB connection under Ibis: batches are re-registered under one name
    try:
        first = _engine_input(table.slice(0, min(batch_rows, table.num_rows)), compiled, 0)
        raw.register(_VIEW, first)
        unbound = ibis.table(ibis.Schema.from_pyarrow(first.schema), name=_VIEW)
        plan = compile_ibis(unbound, compiled.criteria, profile_set.lists, keep=(_ROW, "record_id"))
        sql = str(ibis.to_sql(plan.expr, dialect="duckdb"))  # compiled once for every batch
        parts: list[pa.Table] = []
        done = 0
        while done < table.num_rows:
            batch = first if done == 0 else None
            if batch is None:
                batch = _engine_input(table.slice(done, batch_rows), compiled, done)
                raw.register(_VIEW, batch)
            parts.append(raw.sql(sql).to_arrow_table())
            done += batch.num_rows
            if progress:
                progress(done)
        raw.unregister(_VIEW)
    finally:
        con.disconnect()
    return _Flagged(_concat(parts), plan.comparisons, plan.profile_columns)


def local_spark_session(cores: int = 2) -> SparkSession:
    """A quiet local Spark session (no UI, few shuffle partitions, UTC)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("palermo-screen")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, cores)))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def _run_spark(
    table: pa.Table, compiled: _Compiled, profile_set: ProfileSet, spark: SparkSession | None
) -> _Flagged:
    own = spark is None
    session = local_spark_session() if spark is None else spark
    view = f"{_VIEW}_{next(_view_ids)}"
    try:
        data = _engine_input(table, compiled, 0)
        frame = session.createDataFrame(data)
        frame.createOrReplaceTempView(view)
        con = ibis.pyspark.connect(session)
        plan = compile_ibis(
            con.table(view), compiled.criteria, profile_set.lists, keep=(_ROW, "record_id")
        )
        # Ibis' PySpark backend compiles; the rows come back as Arrow directly (Ibis' own
        # to_pyarrow goes through pandas, which is slower and warns under pandas 3).
        result = session.sql(str(con.compile(plan.expr))).toArrow()
        session.catalog.dropTempView(view)
    finally:
        if own:
            session.stop()
    return _Flagged(result, plan.comparisons, plan.profile_columns)


@dataclass(frozen=True, slots=True)
class _Codes:
    index: Any  # numpy int array: which of ``words`` explains each row
    words: list[tuple[tuple[str, ...], tuple[str, ...]]]


def _explanation_codes(
    bits: Sequence[Any],
    explain: Callable[[tuple[bool, ...]], tuple[tuple[str, ...], tuple[str, ...]]],
) -> _Codes:
    """Group rows by the truth pattern of a profile's comparisons; explain each pattern once."""
    n = len(bits[0]) if bits else 0
    if len(bits) <= 62:
        code = np.zeros(n, dtype=np.int64)
        for k, column in enumerate(bits):
            code |= column.astype(np.int64) << k
        unique, inverse = np.unique(code, return_inverse=True)
        words = [explain(tuple(bool((int(u) >> k) & 1) for k in range(len(bits)))) for u in unique]
        return _Codes(inverse.reshape(-1).astype(np.int64), words)
    patterns: dict[tuple[bool, ...], int] = {}
    index = np.empty(n, dtype=np.int64)
    for row, pattern in enumerate(zip(*bits, strict=True)):
        key = tuple(bool(b) for b in pattern)
        index[row] = patterns.setdefault(key, len(patterns))
    return _Codes(index, [explain(key) for key in patterns])


@dataclass(frozen=True, slots=True)
class _Flagged:
    table: pa.Table  # _ROW, record_id, c{i}, p{j}: only rows where some profile fired
    comparisons: tuple[Comparison, ...]
    profile_columns: tuple[str, ...]


def _concat(parts: Sequence[pa.Table]) -> pa.Table:
    return pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def _assemble(flagged: _Flagged, compiled: _Compiled, profile_set: ProfileSet) -> pa.Table:
    """One row per (record, profile) that fired, with the words of each hit."""
    result = flagged.table.combine_chunks()
    if result.num_rows == 0:
        return HIT_SCHEMA.empty_table()
    column_of = {c: f"c{i}" for i, c in enumerate(flagged.comparisons)}
    explainer = Explainer(compiled.profiles, profile_set.lists)
    rows_parts: list[pa.Array] = []
    ids_parts: list[pa.Array] = []
    profile_parts: list[pa.Array] = []
    reason_parts: list[pa.Array] = []
    reasons_en: list[list[str]] = []
    reasons_zh: list[list[str]] = []
    for j, pcol in enumerate(flagged.profile_columns):
        mask = result.column(pcol)
        if not pc.any(mask).as_py():
            continue
        hit_rows = result.filter(mask)
        comps = explainer.comparisons_of[j]
        bits = [
            np.asarray(hit_rows.column(column_of[c]).to_numpy(zero_copy_only=False), dtype=bool)
            for c in comps
        ]
        codes = _explanation_codes(bits, functools.partial(explainer.explain, j))
        offset = len(reasons_en)
        for en, zh in codes.words:
            reasons_en.append(list(en))
            reasons_zh.append(list(zh))
        rows_parts.append(hit_rows.column(_ROW).combine_chunks())
        ids_parts.append(hit_rows.column("record_id").combine_chunks())
        profile_parts.append(pa.array([j] * hit_rows.num_rows, type=pa.int32()))
        reason_parts.append(pa.array(codes.index + offset, type=pa.int32()))
    if not rows_parts:
        return HIT_SCHEMA.empty_table()
    hits = pa.table(
        {
            "row": pa.concat_arrays(rows_parts),
            "record_id": pa.concat_arrays(ids_parts),
            "profile": pa.concat_arrays(profile_parts),
            "reason": pa.concat_arrays(reason_parts),
        }
    ).sort_by([("row", "ascending"), ("profile", "ascending")])
    profile_index = hits.column("profile")
    reason_index = hits.column("reason")
    profiles = compiled.profiles

    def per_profile(values: list[Any], type_: pa.DataType) -> pa.ChunkedArray:
        return pc.take(pa.array(values, type=type_), profile_index)

    n = hits.num_rows
    return pa.table(
        {
            "record_id": hits.column("record_id"),
            "source": pa.array(["profile"] * n, pa.string()),
            "rule_id": per_profile([p.id for p in profiles], pa.string()),
            "rule_version": per_profile([str(p.version) for p in profiles], pa.string()),
            "weight": per_profile([p.weight for p in profiles], pa.float64()),
            "title_en": per_profile([p.title.en for p in profiles], pa.string()),
            "title_zh": per_profile([p.title.zh for p in profiles], pa.string()),
            "matched_en": pc.take(pa.array(reasons_en, pa.list_(pa.string())), reason_index),
            "matched_zh": pc.take(pa.array(reasons_zh, pa.list_(pa.string())), reason_index),
            "set_version": pa.array([profile_set.version] * n, pa.string()),
        },
        schema=HIT_SCHEMA,
    )
