"""Batch screening: a whole table of traveller records against a profile set, on DuckDB or Spark.

``screen_table(table, profile_set, engine="duckdb")`` returns one row per hit (``HIT_SCHEMA``),
ordered by record (input order) then profile (set order), identical on every engine.

How it runs with ``engine="duckdb"`` (one machine): when every profile has a term on one
scalar field (an ``all`` of circumstances, as profiles are written), ``screening.columnar``
screens in NumPy over small integer codes - its plan chosen once per profile set on the first
records screened and kept in ``_COLUMNAR`` - in ``batch_rows`` steps, reporting progress after
each. Otherwise the profiles in force are compiled through Ibis to two SQL queries, once per
profile set, day and input schema, and kept in ``SQL_PLANS`` for every later batch and call.
The first query scans the records zero-copy from Arrow, in one query with DuckDB's own threads
(or in ``batch_rows`` steps), and returns the row numbers of the records where some profile
fires - a factored test in which shared comparisons are evaluated once (see
``compile_ibis``). The derived fields the profiles use are computed once per table in Arrow.
The second query evaluates every distinct comparison and profile once on those few records.
On Spark the table becomes a DataFrame and the single Ibis expression runs through Ibis'
PySpark backend. Either way the hits are unpivoted to one row per hit in NumPy, and the words
of each hit are built once per profile and pattern of matched comparisons, then joined.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from palermo.errors import InputError, Problem
from palermo.profiles.ast import Comparison, Profile, comparisons
from palermo.profiles.compile_ibis import DERIVED_INPUTS, compile_ibis, derived_columns
from palermo.profiles.explain import Explainer
from palermo.profiles.profile_set import ProfileSet, screening_criteria, screening_day
from palermo.records.schema import DERIVED, FIELDS, INPUT_FIELDS, derive_arrow, derive_arrow_fields
from palermo.screening.columnar import ColumnarPlan
from palermo.screening.columnar import choose as choose_columnar
from palermo.screening.hits import HIT_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from palermo.screening.watchlists import WatchlistIndex

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
DEFAULT_BATCH_ROWS = 1_000_000_000  # one query: DuckDB parallelises the scan itself
_ROW = "_palermo_row"
_VIEW = "palermo_records"
_HITS = "palermo_hits"
_view_ids = itertools.count()


@dataclass(frozen=True, slots=True)
class _Compiled:
    profiles: tuple[Profile, ...]
    criteria: tuple[Any, ...]
    columns: tuple[str, ...]  # fields the profiles use (derived ones included), record_id first
    derived: tuple[str, ...]  # the derived fields among them
    inputs: tuple[str, ...]  # the input columns the engine reads to compute them


def _prepare(profile_set: ProfileSet, on: dt.date) -> _Compiled:
    profiles = profile_set.in_force(on)
    criteria = tuple(screening_criteria(p) for p in profiles)
    used = {c.field for tree in criteria for c in comparisons(tree)}
    derived = tuple(f for f in DERIVED if f in used)
    needed = used | {"record_id"} | {i for f in derived for i in DERIVED_INPUTS[f]}
    columns = tuple(f for f in FIELDS if f in used or f == "record_id")
    inputs = tuple(f for f in INPUT_FIELDS if f in needed)
    return _Compiled(profiles, criteria, columns, derived, inputs)


def _row_numbers(first_row: int, n: int) -> pa.Array:
    return pa.array(np.arange(first_row, first_row + n, dtype=np.int64))


def _engine_input(batch: pa.Table, compiled: _Compiled, first_row: int) -> pa.Table:
    """The columns the profiles use, derived ones computed in Arrow, and the row number."""
    if compiled.derived:
        batch = derive_arrow(batch)
    out = batch.select(list(compiled.columns))
    return out.append_column(_ROW, _row_numbers(first_row, batch.num_rows))


def _duckdb_input(batch: pa.Table, compiled: _Compiled, first_row: int) -> pa.Table:
    """The input columns the query reads (zero-copy), the derived fields the profiles use
    (computed once here, in Arrow: in SQL each comparison recomputed its field, twice the
    cost of the random benchmark set's selection) and the row number."""
    out = batch.select(list(compiled.inputs))
    if compiled.derived:
        derived = derive_arrow_fields(batch, compiled.derived)
        for name in compiled.derived:
            out = out.append_column(name, derived.column(name))
    return out.append_column(_ROW, _row_numbers(first_row, batch.num_rows))


def screening_columns(profile_set: ProfileSet, on: dt.date | None = None) -> tuple[str, ...]:
    """The input columns ``screen_table`` reads for the profiles in force on ``on``.

    A table with only these columns (e.g. ``pyarrow.parquet.read_table(path, columns=...)``)
    screens the same as one with every column, in less memory.
    """
    compiled = _prepare(profile_set, on or screening_day())
    needed = set(compiled.inputs)
    if compiled.derived:  # the Spark path derives every field in Arrow
        needed |= {name for inputs in DERIVED_INPUTS.values() for name in inputs}
    return tuple(f for f in INPUT_FIELDS if f in needed)


def _check_columns(table: pa.Table, profile_set: ProfileSet, on: dt.date) -> None:
    needed = screening_columns(profile_set, on)
    missing = [name for name in needed if name not in table.column_names]
    if missing:
        raise InputError(
            [
                Problem(
                    where="records table",
                    where_zh="记录表",
                    rule="missing column(s) the profiles use: "
                    + ", ".join(missing)
                    + " (read records with palermo.records.read_records)",
                    rule_zh="缺少风险画像所用的列："
                    + "、".join(missing)
                    + "（请用 palermo.records.read_records 读取记录）",
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
    watchlists: WatchlistIndex | None = None,
) -> pa.Table:
    """Screen a table of canonical records (``ARROW_SCHEMA``) against the profiles in force.

    The table needs the columns of ``ARROW_SCHEMA`` that the profiles use (``screening_columns``).

    ``on``: the day of screening (default today) - profiles past review or not yet valid do not
    fire. ``batch_rows``: records per DuckDB query (default: the whole table in one query).
    ``progress(n)`` is called with the number of records screened so far, after each batch.
    ``spark``: a session for ``engine="spark"`` (default: a local session started and stopped
    here). ``watchlists``: also match the records against these lists (hits with
    ``source='watchlist'``, after each record's profile hits, as the real-time Screener gives).
    """
    hits = _screen_profiles(
        table,
        profile_set,
        engine=engine,
        on=on,
        batch_rows=batch_rows,
        progress=progress,
        spark=spark,
    )
    if watchlists is None:
        return hits
    from palermo.screening.watchlists.screening import merge_hits

    return merge_hits(table, hits, watchlists)


def _screen_profiles(
    table: pa.Table,
    profile_set: ProfileSet,
    *,
    engine: Engine,
    on: dt.date | None,
    batch_rows: int,
    progress: Callable[[int], None] | None,
    spark: SparkSession | None,
) -> pa.Table:
    on = on or screening_day()
    _check_columns(table, profile_set, on)
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
            [
                Problem(
                    where="engine",
                    value=engine,
                    rule="engine is one of " + ", ".join(ENGINES),
                    rule_zh="引擎必须是以下之一：" + "、".join(ENGINES),
                )
            ]
        )
    return _assemble(flagged, compiled, profile_set)


# ---------------------------------------------------------------- DuckDB


@dataclass(frozen=True, slots=True)
class SqlPlan:
    """A profile set compiled to two DuckDB queries.

    ``select_sql`` reads the view ``palermo_records`` and returns the row numbers of the records
    where some profile fires; ``truth_sql`` reads those records (the view ``palermo_hits``) and
    returns their row number, record id, ``c{i}`` and ``p{j}`` columns.
    """

    select_sql: str
    truth_sql: str
    comparisons: tuple[Comparison, ...]  # column c{i} is comparisons[i]
    profile_columns: tuple[str, ...]  # column p{j} is the j-th profile in force


class SqlPlans:
    """Compiled queries, kept by profile set version, profiles in force and input schema.

    Compiling 100 profiles through Ibis takes longer than screening a million records with the
    result, so a query is compiled once and reused by every batch and every later call with the
    same set. Bounded (least recently used goes first) and safe to share between threads.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[str, ...], SqlPlan] = OrderedDict()
        self._lock = threading.Lock()
        self.compilations = 0  # how many queries (or columnar plans) were compiled, not found

    def get(self, key: tuple[str, ...], build: Callable[[], SqlPlan]) -> SqlPlan:
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        plan = build()  # outside the lock: a race only compiles the same query twice
        with self._lock:
            self.compilations += 1
            self._plans[key] = plan
            while len(self._plans) > self.size:
                self._plans.popitem(last=False)
        return plan

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self.compilations = 0
        with _PLANS_LOCK:
            _COLUMNAR.clear()


SQL_PLANS = SqlPlans()


def _duckdb_plan(compiled: _Compiled, profile_set: ProfileSet, schema: pa.Schema) -> SqlPlan:
    def over(name: str) -> ibis.Table:
        records = ibis.table(ibis.Schema.from_pyarrow(schema), name=name)
        missing = [f for f in compiled.derived if f not in schema.names]
        return records.mutate(**derived_columns(records, missing)) if missing else records

    def build() -> SqlPlan:
        lists = profile_set.lists
        select = compile_ibis(over(_VIEW), compiled.criteria, lists, keep=(_ROW,))
        truth = compile_ibis(
            over(_HITS), compiled.criteria, lists, keep=(_ROW, "record_id"), only_hits=False
        )
        return SqlPlan(
            select_sql=str(ibis.to_sql(select.selection, dialect="duckdb", pretty=False)),
            truth_sql=str(ibis.to_sql(truth.expr, dialect="duckdb", pretty=False)),
            comparisons=truth.comparisons,
            profile_columns=truth.profile_columns,
        )

    key = (
        profile_set.version,
        ",".join(f"{p.id}@{p.version}" for p in compiled.profiles),
        str(schema),
    )
    return SQL_PLANS.get(key, build)


PLAN_SAMPLE_ROWS = 200_000  # the records the columnar plan is measured on
_PLANS_LOCK = threading.Lock()


#: screen with ``screening.columnar`` when it applies (the DuckDB queries otherwise)
COLUMNAR = True
_COLUMNAR: OrderedDict[tuple[str, ...], ColumnarPlan | None] = OrderedDict()


def _columnar_plan(
    compiled: _Compiled, profile_set: ProfileSet, table: pa.Table
) -> ColumnarPlan | None:
    """The columnar plan of these profiles, its groups measured on the first table's first
    records and kept like the compiled queries; None when some profile does not allow it."""
    key = (profile_set.version, ",".join(f"{p.id}@{p.version}" for p in compiled.profiles))
    with _PLANS_LOCK:
        if key in _COLUMNAR:
            _COLUMNAR.move_to_end(key)
            return _COLUMNAR[key]
    sample = table.slice(0, PLAN_SAMPLE_ROWS)
    plan = choose_columnar(compiled.criteria, profile_set.lists, sample)
    with _PLANS_LOCK:
        if plan is not None:
            SQL_PLANS.compilations += 1
        _COLUMNAR[key] = plan
        while len(_COLUMNAR) > SQL_PLANS.size:
            _COLUMNAR.popitem(last=False)
    return plan


_DATABASE: dict[int, duckdb.DuckDBPyConnection] = {}  # by process id: never reused after fork
_DATABASE_LOCK = threading.Lock()


def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process (opening one costs tens of milliseconds)."""
    pid = os.getpid()
    with _DATABASE_LOCK:
        if pid not in _DATABASE:
            _DATABASE.clear()
            _DATABASE[pid] = duckdb.connect()
        return _DATABASE[pid]


def _run_duckdb(
    table: pa.Table,
    compiled: _Compiled,
    profile_set: ProfileSet,
    batch_rows: int,
    progress: Callable[[int], None] | None,
) -> _Flagged:
    """Select the rows with a hit (one query per batch), then evaluate them in one query -
    or, when the profiles allow it, the columnar path (``screening.columnar``) in NumPy."""
    step = max(1, batch_rows)
    columnar = _columnar_plan(compiled, profile_set, table) if COLUMNAR else None
    if columnar is not None:
        parts = []
        for start in range(0, table.num_rows, step):
            parts.append(columnar.flagged(table.slice(start, step), start))
            if progress:
                progress(min(table.num_rows, start + step))
        return _Flagged(pa.concat_tables(parts), columnar.comparisons, columnar.profile_columns)
    records = _duckdb_input(table, compiled, 0)  # zero-copy but for the row numbers
    plan = _duckdb_plan(compiled, profile_set, records.schema)
    con = _database().cursor()  # its own connection: the views below are seen by it alone
    try:
        selected: list[Any] = []
        for start in range(0, table.num_rows, step):
            part = records.slice(start, step)  # an Arrow scan: nothing is copied
            con.register(_VIEW, part)
            rows = con.sql(plan.select_sql).to_arrow_table().column(_ROW)
            selected.append(rows.to_numpy())
            con.unregister(_VIEW)
            if progress:
                progress(min(table.num_rows, start + step))
        at = np.sort(np.concatenate(selected)) if selected else np.empty(0, np.int64)
        con.register(_HITS, records.take(pa.array(at)))
        flagged = con.sql(plan.truth_sql).to_arrow_table()
        con.unregister(_HITS)
    finally:
        con.close()
    return _Flagged(flagged, plan.comparisons, plan.profile_columns)


# ---------------------------------------------------------------- Spark


#: the driver's heap in local mode: Spark's default (1g) ran out at a million records handed
#: over from Arrow; the JVM takes the heap as it needs it, up to this
DRIVER_MEMORY = "4g"


def local_spark_session(
    cores: int = 2, driver_memory: str = DRIVER_MEMORY, *, master: str | None = None
) -> SparkSession:
    """A quiet Spark session (no UI, few shuffle partitions, UTC), local with ``cores`` cores
    unless ``master`` names a cluster (``spark://host:7077``, ``yarn``, ``k8s://...``: what
    ``spark-submit --master`` takes). ``driver_memory`` applies only when this starts the JVM
    (the first session of the process)."""
    from pyspark.sql import SparkSession

    # Python code run by the executors (``screening.spark_pipeline``) needs this interpreter,
    # with Palermo and its libraries, not whichever ``python3`` comes first on the path
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master or f"local[{cores}]")
        .appName("palermo-screen")
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, cores)))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # a dataset's directories listed by the driver, not by a Spark job of one task per
        # directory: a year partitioned by day took 7 s to list that way, the driver 0.1 s
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
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


# ---------------------------------------------------------------- hits


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


def _truth(table: pa.Table, name: str) -> Any:
    """A boolean column as a NumPy array, null read as false."""
    return np.asarray(pc.fill_null(table.column(name), False).to_numpy(), dtype=bool)


def _assemble(flagged: _Flagged, compiled: _Compiled, profile_set: ProfileSet) -> pa.Table:
    """One row per (record, profile) that fired, with the words of each hit."""
    result = flagged.table
    if result.num_rows == 0:
        return HIT_SCHEMA.empty_table()
    column_of = {c: f"c{i}" for i, c in enumerate(flagged.comparisons)}
    truth = functools.cache(functools.partial(_truth, result))
    explainer = Explainer(compiled.profiles, profile_set.lists)
    at_parts: list[Any] = []  # positions in ``result`` of each hit
    profile_parts: list[Any] = []
    reason_parts: list[Any] = []
    reasons_en: list[list[str]] = []
    reasons_zh: list[list[str]] = []
    for j, pcol in enumerate(flagged.profile_columns):
        at = np.flatnonzero(truth(pcol))
        if at.size == 0:
            continue
        bits = [truth(column_of[c])[at] for c in explainer.comparisons_of[j]]
        codes = _explanation_codes(bits, functools.partial(explainer.explain, j))
        offset = len(reasons_en)
        for en, zh in codes.words:
            reasons_en.append(list(en))
            reasons_zh.append(list(zh))
        at_parts.append(at)
        profile_parts.append(np.full(at.size, j, dtype=np.int32))
        reason_parts.append(codes.index + offset)
    if not at_parts:
        return HIT_SCHEMA.empty_table()
    at = np.concatenate(at_parts)
    profile = np.concatenate(profile_parts)
    rows = result.column(_ROW).to_numpy()[at]
    order = np.lexsort((profile, rows))  # by record (input order), then profile (set order)
    at, profile = at[order], profile[order]
    reason = np.concatenate(reason_parts)[order].astype(np.int32)
    profiles = compiled.profiles
    profile_index = pa.array(profile)

    def per_profile(values: list[Any], type_: pa.DataType) -> pa.Array:
        return pc.take(pa.array(values, type=type_), profile_index)

    n = at.size
    return pa.table(
        {
            "record_id": pc.take(result.column("record_id"), pa.array(at)),
            "source": pa.repeat(pa.scalar("profile", pa.string()), n),
            "rule_id": per_profile([p.id for p in profiles], pa.string()),
            "rule_version": per_profile([str(p.version) for p in profiles], pa.string()),
            "weight": per_profile([p.weight for p in profiles], pa.float64()),
            "title_en": per_profile([p.title.en for p in profiles], pa.string()),
            "title_zh": per_profile([p.title.zh for p in profiles], pa.string()),
            "matched_en": pc.take(pa.array(reasons_en, pa.list_(pa.string())), pa.array(reason)),
            "matched_zh": pc.take(pa.array(reasons_zh, pa.list_(pa.string())), pa.array(reason)),
            "set_version": pa.repeat(pa.scalar(profile_set.version, pa.string()), n),
        },
        schema=HIT_SCHEMA,
    )
