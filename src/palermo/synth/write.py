"""Writing a population and its ground truth: Parquet, CSV or JSON Lines by file extension.

Batches are written as they are generated (memory stays bounded for ten million travellers),
by a background thread so that writing overlaps generating; both files appear only when
complete (``atomic_path``).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from palermo.errors import InputError, Problem
from palermo.lib.files import atomic_path
from palermo.records.readers import unknown_file_type
from palermo.synth.config import SynthConfig
from palermo.synth.generate import generate_batches

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl"}


def output_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise unknown_file_type(path, FORMATS)
    return fmt


def default_truth_path(out: Path) -> Path:
    """``people.parquet`` -> ``people.truth.parquet`` (always Parquet unless given)."""
    return out.with_name(f"{out.stem}.truth.parquet")


def _flat_lists(table: pa.Table) -> pa.Table:
    """Lists become ``;``-separated text for CSV (the reader's convention for transit)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type):
            table = table.set_column(
                i, pa.field(field.name, pa.string()), pc.binary_join(table.column(i), ";")
            )
    return table


class _Sink:
    """One open output file of one format."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        self.fmt = fmt
        self.path = path
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._fh: Any = None
        if fmt == "parquet":
            self._parquet = pq.ParquetWriter(path, schema, compression="zstd")
        elif fmt == "csv":
            self._csv = pacsv.CSVWriter(path, _flat_lists(schema.empty_table()).schema)
        else:
            self._fh = path.open("w", encoding="utf-8")

    def write(self, table: pa.Table) -> None:
        if self._parquet is not None:
            self._parquet.write_table(table)
        elif self._csv is not None:
            self._csv.write_table(_flat_lists(table))
        else:
            _write_jsonl(self._fh, table)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()
        if self._fh is not None:
            self._fh.close()


def _write_jsonl(fh: Any, table: pa.Table) -> None:
    import duckdb

    con = duckdb.connect()
    try:
        con.register("batch", table)
        # DuckDB renders dates as YYYY-MM-DD, booleans as true/false, lists as JSON arrays
        rows = con.sql("SELECT to_json(batch)::VARCHAR AS j FROM batch").fetchall()
    finally:
        con.close()
    fh.writelines(row[0] + "\n" for row in rows)


@dataclass(frozen=True, slots=True)
class Written:
    records: int
    cases: int
    out: Path
    truth: Path


def _background(
    write: Callable[[pa.Table, pa.Table], None],
) -> tuple[Callable[[pa.Table, pa.Table], None], Callable[[], None]]:
    """A one-slot queue to a writer thread: generating the next batch overlaps writing this one."""
    slots: queue.Queue[tuple[pa.Table, pa.Table] | None] = queue.Queue(maxsize=1)
    errors: list[BaseException] = []

    def run() -> None:
        while (item := slots.get()) is not None:
            if not errors:
                try:
                    write(*item)
                except BaseException as exc:  # reported to the caller in finish()
                    errors.append(exc)

    thread = threading.Thread(target=run, name="palermo-synth-writer", daemon=True)
    thread.start()

    def put(records: pa.Table, truth: pa.Table) -> None:
        if errors:
            raise errors[0]
        slots.put((records, truth))

    def finish() -> None:
        slots.put(None)
        thread.join()
        if errors:
            raise errors[0]

    return put, finish


def write_population(
    out: str | Path,
    n: int,
    seed: int = 0,
    config: SynthConfig | None = None,
    *,
    truth: str | Path | None = None,
    key: bytes | None = None,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Generate ``n`` travellers into ``out`` and the ground truth into ``truth``."""
    out = Path(out)
    truth_path = Path(truth) if truth is not None else default_truth_path(out)
    out_fmt, truth_fmt = output_format(out), output_format(truth_path)
    if out.resolve() == truth_path.resolve():
        raise InputError(
            [
                Problem(
                    where=str(out),
                    rule="records and truth need different files",
                    rule_zh="记录文件和真值文件必须是不同的文件",
                )
            ]
        )
    from palermo.records.schema import ARROW_SCHEMA
    from palermo.synth.generate import TRUTH_SCHEMA

    cases = 0
    with atomic_path(out) as tmp_out, atomic_path(truth_path) as tmp_truth:
        sinks = [_Sink(tmp_out, out_fmt, ARROW_SCHEMA), _Sink(tmp_truth, truth_fmt, TRUTH_SCHEMA)]
        try:

            def write(records: pa.Table, truth_table: pa.Table) -> None:
                sinks[0].write(records)
                sinks[1].write(truth_table)

            put, finish = _background(write)
            done = 0
            try:
                for records, truth_table in generate_batches(n, seed, config, key=key):
                    cases += int(pc.sum(truth_table.column("is_case")).as_py() or 0)
                    put(records, truth_table)
                    done += records.num_rows
                    if progress is not None:
                        progress(done)
            finally:
                finish()
        except BaseException:
            for sink in sinks:
                with contextlib.suppress(Exception):
                    sink.close()
            raise
        for sink in sinks:
            sink.close()
    return Written(records=n, cases=cases, out=out, truth=truth_path)
