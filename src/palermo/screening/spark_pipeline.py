"""A Parquet dataset screened on Spark, for inputs too large for one machine: what
``palermo screen --engine spark`` runs.

``screen_dataset(path, profile_set, out)`` is ``screening.pipeline.screen_file`` spread over
Spark's executors. Spark reads ``path`` itself - one Parquet file, or a directory of them with
Hive-style partitions (``event_date=2026-05-01/``, ``day=2026-05-01/``) - and only the columns
the screening needs (``pipeline.input_fields``) and those a rule can reject
(``records.stream.fields_to_check``). Each executor takes its share of the records as Arrow
batches (``DataFrame.mapInArrow``), gathers them into batches of ``batch_rows`` records, and
runs on each the very code one machine runs: ``records.readers.check_batch`` (the same rules,
the same problems) and ``screen_table(engine="duckdb")`` (the same hits, watchlists included).
The rules are not written again in Spark SQL.

How partition columns become record fields: Spark gives each partition column as text (type
inference is turned off while the dataset is read), checked by the rules of the field of that
name, like a CSV value - ``event_date=2026-02-30/`` is a bad date, named with its files'
records. A partition column ``day`` is read as ``event_date`` when the files hold no
``event_date`` column; when they do, ``day`` only sorts the files and is not read. Any other
partition column must be an input field (``port=PVG/``), or the dataset is refused as a file
with an unknown column is.

What comes back to the driver stays small whatever the input: per batch, its count of records,
of travellers flagged and of problems; the first ``MAX_PROBLEMS`` problems; never the records.
The hits are sorted by Spark (record id, then each record's hits in the order one machine gives
them: profiles in set order, then watchlist entries) and written by the executors to a
temporary directory beside ``out``, which the driver then copies, row group by row group, into
a temporary file renamed over ``out`` (``atomic_path``): the same ``HIT_SCHEMA`` file
``screen_file`` writes, in record-id order rather than file order (a dataset's records have no
order across its files). On a cluster, Palermo must be installed on the executors as on the
driver, and ``out`` must be on storage they share.

A dataset with any problem raises ``InputError`` and leaves no hits file. Rows are counted
within each file (Spark's ``_metadata.row_index``): each problem names its file, its row there
and the record id, and a first line says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from palermo.errors import InputError, Location, Problem
from palermo.lib.files import atomic_path
from palermo.profiles.profile_set import ProfileSet, screening_day
from palermo.records.hashing import document_hash_array, hash_key
from palermo.records.readers import MAX_PROBLEMS, check_batch, check_header
from palermo.records.stream import encode_categorical, fields_to_check
from palermo.screening.batch import local_spark_session, screen_table
from palermo.screening.hits import HIT_SCHEMA
from palermo.screening.pipeline import ScreenSummary, input_fields

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from palermo.screening.watchlists import WatchlistIndex

#: records an executor checks and screens at a time (Spark hands them over 10,000 at a time)
SPARK_BATCH_ROWS = 200_000
#: a partition column read as ``event_date`` when the files hold none
DAY_PARTITION = "day"
_INFER = "spark.sql.sources.partitionColumnTypeInference.enabled"
_FILE = "_palermo_file"
_ROW = "_palermo_row"  # the record's row in its file, from 0
_SEQ = "_palermo_seq"  # a hit's place in its batch's hits
_KIND = "_palermo_kind"
_STATS, _PROBLEM, _HIT = 0, 1, 2

# What the executors send back: one schema for three kinds of row (``_KIND``): a batch's
# counts, a problem, a hit. The columns of the other kinds are null.
_OUTPUT_COLUMNS: tuple[tuple[str, str], ...] = (
    (_KIND, "tinyint"),
    ("record_id", "string"),
    ("source", "string"),
    ("rule_id", "string"),
    ("rule_version", "string"),
    ("weight", "double"),
    ("title_en", "string"),
    ("title_zh", "string"),
    ("matched_en", "array<string>"),
    ("matched_zh", "array<string>"),
    ("set_version", "string"),
    (_FILE, "string"),
    (_ROW, "bigint"),
    (_SEQ, "bigint"),
    ("problem_field", "string"),
    ("problem_value", "string"),  # JSON: the value as the problem shows it
    ("problem_rule", "string"),
    ("problem_rule_zh", "string"),
    ("records", "bigint"),
    ("flagged", "bigint"),
    ("problems", "bigint"),
)


@dataclass(frozen=True, slots=True)
class _Job:
    """What every executor needs, shipped with each task (the watchlists once, broadcast)."""

    profile_set: ProfileSet
    on: dt.date
    fields: tuple[str, ...]
    checked_fields: tuple[str, ...]
    batch_rows: int
    output: pa.Schema
    hash_key: bytes | None  # only when the dataset holds plain document numbers
    watchlists: Any  # a Broadcast of the lists' indexes as bytes, or None
    watchlist_version: str | None


def screen_dataset(
    path: str | Path,
    profile_set: ProfileSet,
    out: str | Path,
    *,
    spark: SparkSession | None = None,
    on: dt.date | None = None,
    watchlists: WatchlistIndex | None = None,
    batch_rows: int = SPARK_BATCH_ROWS,
    master: str | None = None,
) -> ScreenSummary:
    """Screen a Parquet file or dataset directory on Spark, writing the hits (``HIT_SCHEMA``,
    sorted by record id) to the Parquet file ``out``; see the module's description.

    ``spark``: the session to run on (default: one started and stopped here, on ``master``,
    or local on every core when ``master`` is ``None``). On a cluster the input and the
    folder of ``out`` must be on storage every node reads and writes (the executors write the
    sorted hits beside ``out`` before the driver copies them into it).
    """
    on = on or screening_day()
    out = Path(out)
    _check_exists(path)
    fields = input_fields(profile_set, on, watchlists=watchlists is not None)
    own = spark is None
    session = _session(master) if spark is None else spark
    try:
        frame, hashing = _records(session, str(path), fields)
        job = _Job(
            profile_set=profile_set,
            on=on,
            fields=fields,
            checked_fields=fields_to_check(fields),
            batch_rows=max(1, batch_rows),
            output=_arrow_output_schema(),
            hash_key=hash_key() if hashing else None,
            watchlists=_broadcast(session, watchlists),
            watchlist_version=watchlists.version if watchlists is not None else None,
        )
        try:
            return _run(session, frame, job, str(path), out)
        except Exception as exc:  # Py4J's error: Spark's own exception is only in its text
            failure = _read_failure(exc)
            if failure is None:
                raise
            raise failure from None
    finally:
        if own:
            session.stop()


_FAILED_READ = re.compile(r"FAILED_READ_FILE[^\n]*?reading file (?P<file>\S+?)\.?\s")
_CAUSE = re.compile(r"^Caused by: (?:[\w.$]+: )?(?P<cause>.+)$", re.MULTILINE)


def _read_failure(exc: Exception) -> InputError | None:
    """A file of the dataset that an executor could not read in the middle of the run
    (damaged, cut short, not Parquet) as a named problem; ``None`` for any other failure."""
    text = str(exc)
    found = _FAILED_READ.search(text)
    if found is None:
        return None
    cause = _CAUSE.search(text)
    said = (cause.group("cause") if cause else "unreadable").strip()[:300]
    return InputError(
        [
            Problem(
                where=_shown_file(found.group("file")) or found.group("file"),
                rule=f"Spark could not read this file of the dataset: {said}; no hits written. "
                "Replace or remove the file and screen the dataset again",
                rule_zh=f"Spark 无法读取数据集中的此文件：{said}；未写入命中结果。请替换或移除"
                "该文件后重新筛查数据集",
            )
        ]
    )


def _check_exists(path: str | Path) -> None:
    """A local path that is not there is named at once (a URI is left to Spark)."""
    text = str(path)
    if "://" in text:
        return
    local = Path(text)
    if not local.exists():
        raise InputError([Problem(where=text, rule="file not found", rule_zh="找不到文件")])


def _first_line(exc: Exception) -> str:
    """What Spark or Py4J said first (their texts go on with a Java stack trace)."""
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), "")


def _spark_problem(source: str, exc: Exception) -> InputError:
    first = _first_line(exc) or type(exc).__name__
    return InputError(
        [
            Problem(
                where=source,
                rule=f"not a readable Parquet file or dataset: {first}",
                rule_zh=f"不是可读取的 Parquet 文件或数据集：{first}",
            )
        ]
    )


def _records(session: SparkSession, source: str, fields: Sequence[str]) -> tuple[DataFrame, bool]:
    """The dataset's columns to check and screen, as record fields (see the module's
    description), with each record's file and row there; whether document numbers come plain
    (then hashed in the executors with this machine's key)."""
    from pyspark.errors import PySparkException
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own idiom

    before = session.conf.get(_INFER, None)
    session.conf.set(_INFER, "false")  # partition values as text, checked like a CSV's
    try:
        frame = session.read.parquet(source)
        names = list(frame.columns)
    except PySparkException as exc:
        raise _spark_problem(source, exc) from None
    finally:
        if before is None:
            session.conf.unset(_INFER)
        else:
            session.conf.set(_INFER, before)
    columns = {name: F.col(f"`{name}`") for name in names if name != DAY_PARTITION}
    if DAY_PARTITION in names and "event_date" not in columns:
        columns["event_date"] = F.col(DAY_PARTITION)
    check_header(list(columns), source=source)
    wanted = set(fields_to_check(fields))
    hashing = "document_number" in columns and "document_number_hash" in wanted
    if hashing:
        wanted.add("document_number")
    chosen = [column.alias(name) for name, column in columns.items() if name in wanted]
    file = F.col("_metadata.file_path").alias(_FILE)
    try:
        selected = frame.select(*chosen, file, F.col("_metadata.row_index").alias(_ROW))
    except PySparkException:  # a reader without row numbers: problems name file and record
        selected = frame.select(*chosen, file, F.lit(None).cast("bigint").alias(_ROW))
    _check_types(selected, source, fields)
    return selected, hashing


def _check_types(frame: DataFrame, source: str, fields: Sequence[str]) -> None:
    """The checks a dataset passes on its columns alone, before any record is read: a required
    column missing, a column of a type no field takes - as ``check_batch`` says them."""
    from pyspark.errors import PySparkException
    from pyspark.sql.pandas.types import to_arrow_schema

    try:
        schema = to_arrow_schema(frame.drop(_FILE, _ROW).schema)
    except (PySparkException, TypeError, ValueError) as exc:  # a type Arrow cannot take
        raise _spark_problem(source, exc) from None
    checked = check_batch(schema.empty_table(), source=source, fields=fields_to_check(fields))
    if checked.total:
        raise InputError(checked.problems, total=checked.total)


def _output_struct() -> StructType:
    """The Spark schema of what the executors send back (``_OUTPUT_COLUMNS``)."""
    from pyspark.sql import types as T  # noqa: N812 - Spark's own idiom

    kinds = {
        "tinyint": T.ByteType(),
        "string": T.StringType(),
        "double": T.DoubleType(),
        "bigint": T.LongType(),
        "array<string>": T.ArrayType(T.StringType()),
    }
    return T.StructType([T.StructField(name, kinds[kind]) for name, kind in _OUTPUT_COLUMNS])


def _arrow_output_schema() -> pa.Schema:
    """The Arrow schema Spark expects the executors' batches in."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(_output_struct())


def _broadcast(session: SparkSession, watchlists: WatchlistIndex | None) -> Any:
    if watchlists is None:
        return None
    parts = tuple(part.to_bytes() for part in watchlists.parts)
    return session.sparkContext.broadcast(parts)


# ---------------------------------------------------------------- in the driver


def _run(
    session: SparkSession, frame: DataFrame, job: _Job, source: str, out: Path
) -> ScreenSummary:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F  # noqa: N812

    screened = frame.mapInArrow(functools.partial(_screen_partition, job), _output_struct())
    screened = screened.persist(StorageLevel.DISK_ONLY)  # screened once, read twice
    try:
        counts = (
            screened.where(F.col(_KIND) == _STATS)
            .agg(
                F.sum("records").alias("records"),
                F.sum("flagged").alias("flagged"),
                F.sum("problems").alias("problems"),
            )
            .first()
        )
        assert counts is not None  # an aggregate has one row
        records, flagged, problems = (
            int(counts[k] or 0) for k in ("records", "flagged", "problems")
        )
        if problems:
            raise _dataset_error(screened, source, problems)
        summary = ScreenSummary(records=records, flagged=flagged)
        _write_hits(screened, out, summary)
        return summary
    finally:
        screened.unpersist()


_MASTER = re.compile(r"yarn|local(\[(\d+|\*)(,\d+)?\])?|spark://\S+|k8s://\S+")
"""The master URLs Spark takes (``local-cluster`` is Spark's own testing mode: not offered)."""


def _session(master: str | None) -> SparkSession:
    """A session of its own: local on every core, or on ``master``; a master Spark cannot
    start on is a named problem (exit 2), not a Java stack trace."""
    if master is None:
        return local_spark_session(cores=os.cpu_count() or 2)
    if not _MASTER.fullmatch(master):
        raise InputError(
            [
                Problem(
                    where="--spark-master",
                    value=master,
                    rule="a Spark master is yarn, local, local[N], spark://host:port or "
                    "k8s://https://host:port (what spark-submit --master takes)",
                    rule_zh="Spark master 应为 yarn、local、local[N]、spark://主机:端口 或 "
                    "k8s://https://主机:端口（与 spark-submit --master 相同）",
                )
            ]
        )
    try:
        return local_spark_session(master=master)
    except Exception as exc:  # Py4J's or PySpark's: which one depends on where Spark failed
        said = _first_line(exc)
        raise InputError(
            [
                Problem(
                    where="--spark-master",
                    value=master,
                    rule=f"Spark could not start on this master: {said[:300]}",
                    rule_zh=f"Spark 无法在此 master 上启动：{said[:300]}",
                )
            ]
        ) from None


def _dataset_error(screened: DataFrame, source: str, total: int) -> InputError:
    from pyspark.sql import functions as F  # noqa: N812

    rows = (
        screened.where(F.col(_KIND) == _PROBLEM)
        .orderBy(_FILE, _ROW, "problem_field")
        .limit(MAX_PROBLEMS)
        .collect()
    )
    note = Problem(
        where=source,
        rule=f"{total} problem(s) in the dataset, no hits written. A dataset's records have no "
        "order across its files: each problem names its file, its row in that file and its "
        "record id",
        rule_zh=f"数据集中有 {total} 个问题，未写入命中结果。数据集的记录在各文件之间没有顺序："
        "每个问题注明所在文件、该文件中的行号及记录编号",
    )
    return InputError([note, *(_problem(row.asDict()) for row in rows)], total=total + 1)


def _problem(row: dict[str, Any]) -> Problem:
    """A problem an executor found, said with its file, row in that file and record id."""
    file, number, record_id = _shown_file(row[_FILE]), row[_ROW], row["record_id"]
    shown = f"'{record_id}'" if record_id is not None else None
    at = Location.row(file, number + 1) if file is not None and number is not None else None
    en = at.text("en") if at is not None else (file or "")
    zh = at.text("zh") if at is not None else (file or "")
    value = json.loads(row["problem_value"]) if row["problem_value"] is not None else None
    return Problem(
        at=at,
        where=f"{en}, record id {shown}" if shown else f"{en}, no record id",
        where_zh=f"{zh}，记录编号 {shown}" if shown else f"{zh}，无记录编号",
        field=row["problem_field"],
        value=value,
        rule=row["problem_rule"],
        rule_zh=row["problem_rule_zh"],
    )


def _shown_file(uri: str | None) -> str | None:
    """A file as a person finds it: Spark's ``file:`` URI of a local file as its path."""
    if uri is None:
        return None
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _write_hits(screened: DataFrame, out: Path, summary: ScreenSummary) -> None:
    """The hits sorted and written by Spark beside ``out``, then copied into ``out`` one row
    group at a time (the driver never holds more), counted on the way."""
    from pyspark.sql import functions as F  # noqa: N812

    hits = (
        screened.where(F.col(_KIND) == _HIT)
        .orderBy("record_id", _FILE, _ROW, _SEQ)
        .select(*HIT_SCHEMA.names)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    # named as ``atomic_path`` names its files (the process id in it): a run killed here
    # leaves a folder that the next write of ``out`` (``atomic_path`` below) removes
    work = Path(
        tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".tmp", dir=out.parent)
    )
    try:
        written = work / "hits"
        hits.write.parquet(str(written))
        parts = sorted(written.glob("part-*"))  # range-partitioned: in order by name
        with atomic_path(out) as tmp, pq.ParquetWriter(tmp, HIT_SCHEMA) as writer:
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches():
                    table = pa.Table.from_batches([batch]).cast(HIT_SCHEMA)
                    writer.write_table(table)
                    _count(summary, table)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _count(summary: ScreenSummary, hits: pa.Table) -> None:
    summary.hits += hits.num_rows
    profile = pc.equal(hits.column("source"), "profile")
    ids = pc.filter(hits.column("rule_id"), profile).to_pylist()
    summary.by_profile.update(ids)
    summary.by_profile["watchlist"] += hits.num_rows - len(ids)


# ---------------------------------------------------------------- in the executors


def _screen_partition(job: _Job, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """One task's records, ``job.batch_rows`` at a time: checked, and screened while no batch
    of this task has shown a problem (the dataset is refused then; its problems still count)."""
    pending: list[pa.RecordBatch] = []
    size = 0
    clean = True
    for batch in batches:
        pending.append(batch)
        size += batch.num_rows
        if size >= job.batch_rows:
            out, clean = _screen_batch(job, pa.Table.from_batches(pending), screen=clean)
            yield from out
            pending, size = [], 0
    if pending:
        out, clean = _screen_batch(job, pa.Table.from_batches(pending), screen=clean)
        yield from out


def _screen_batch(job: _Job, raw: pa.Table, *, screen: bool) -> tuple[list[pa.RecordBatch], bool]:
    raw = raw.combine_chunks()
    files, rows = raw.column(_FILE), raw.column(_ROW)
    raw = encode_categorical(_plain(raw.drop_columns([_FILE, _ROW])))
    if job.hash_key is not None and "document_number" in raw.column_names:
        # as check_batch hashes them, but with the driver's key (executors have none of their own)
        hashed = document_hash_array(raw.column("document_number"), key=job.hash_key)
        raw = raw.drop_columns(["document_number"]).append_column("document_number_hash", hashed)
    checked = check_batch(raw, source="", fields=job.checked_fields)
    n = raw.num_rows
    if checked.total:
        ids = checked.columns["record_id"]
        found = _problem_rows(job, checked.problems, files, rows, ids)
        return [
            _rows(job, _STATS, 1, records=[n], flagged=[0], problems=[checked.total]),
            found,
        ], False
    if not screen:
        return [_rows(job, _STATS, 1, records=[n], flagged=[0], problems=[0])], False
    hits = screen_table(
        checked.table(job.fields),
        job.profile_set,
        engine="duckdb",
        on=job.on,
        watchlists=_watchlists(job),
    )
    flagged = pc.count_distinct(hits.column("record_id")).as_py() if hits.num_rows else 0
    stats = _rows(job, _STATS, 1, records=[n], flagged=[flagged], problems=[0])
    if not hits.num_rows:
        return [stats], True
    k = hits.num_rows
    found = _rows(
        job,
        _HIT,
        k,
        **{name: hits.column(name) for name in HIT_SCHEMA.names},
        **{
            _FILE: pa.repeat(files[0], k),
            _ROW: pa.repeat(rows[0], k),
            _SEQ: pa.array(np.arange(k, dtype=np.int64)),
        },
    )
    return [stats, found], True


def _plain(raw: pa.Table) -> pa.Table:
    """Spark's large text and list types as the readers' (what ``check_batch`` takes)."""
    for i, field in enumerate(raw.schema):
        plain = _plain_type(field.type)
        if plain != field.type:
            raw = raw.set_column(i, field.name, pc.cast(raw.column(i), plain))
    return raw


def _plain_type(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_large_string(kind):
        return pa.string()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.list_(_plain_type(kind.value_type))
    return kind


def _problem_rows(
    job: _Job,
    problems: Sequence[Problem],
    files: pa.ChunkedArray,
    rows: pa.ChunkedArray,
    ids: pa.Array,
) -> pa.RecordBatch:
    """The problems of a batch with their record's file, row there and id."""
    at = [p.at.number("row") if p.at is not None else None for p in problems]
    index = pa.array([None if n is None else n - 1 for n in at], pa.int64())

    def take(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        return pc.take(column, index)  # a null index takes a null

    return _rows(
        job,
        _PROBLEM,
        len(problems),
        record_id=take(pc.cast(ids, pa.string())),
        **{_FILE: take(files), _ROW: take(rows)},
        problem_field=[p.field for p in problems],
        problem_value=[
            None if p.value is None else json.dumps(p.value, ensure_ascii=False, default=str)
            for p in problems
        ],
        problem_rule=[p.rule for p in problems],
        problem_rule_zh=[p.rule_zh for p in problems],
    )


def _rows(job: _Job, kind: int, n: int, **columns: Any) -> pa.RecordBatch:
    """``n`` rows of the output schema, of kind ``kind``; columns not given are null."""
    arrays = []
    for field in job.output:
        if field.name == _KIND:
            arrays.append(pa.array(np.full(n, kind, dtype=np.int8), field.type))
        elif field.name in columns:
            given = columns[field.name]
            if isinstance(given, pa.ChunkedArray):
                given = given.combine_chunks()
            arrays.append(
                pa.array(given, field.type) if isinstance(given, list) else given.cast(field.type)
            )
        else:
            arrays.append(pa.nulls(n, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=job.output)


_WATCHLISTS: dict[str, WatchlistIndex] = {}  # in each executor process, by lists' version
_WATCHLISTS_LOCK = threading.Lock()


def _watchlists(job: _Job) -> WatchlistIndex | None:
    """The job's watchlists, rebuilt once per executor process from the broadcast bytes."""
    if job.watchlists is None or job.watchlist_version is None:
        return None
    from palermo.screening.watchlists import WatchlistIndex
    from palermo.screening.watchlists.listindex import ListIndex

    with _WATCHLISTS_LOCK:
        index = _WATCHLISTS.get(job.watchlist_version)
        if index is None:
            _WATCHLISTS.clear()
            index = WatchlistIndex.from_parts(
                [ListIndex.from_bytes(b) for b in job.watchlists.value]
            )
            _WATCHLISTS[job.watchlist_version] = index
        return index
