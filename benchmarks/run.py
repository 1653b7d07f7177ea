"""The engine benchmark (``make bench``): measured and reported, never asserted.

1. Generate N synthetic travellers (default 10 million) with ``palermo synth travellers`` in a
   child process, as Parquet and as CSV; time it.
2. End to end: ``palermo screen`` (the 16 shipped profiles) on the Parquet file and on the CSV
   file, each in a child process: wall time and peak memory (the child's maximum RSS) - beside
   the whole-table path of the same run (``read_records`` + ``screen_table`` + one write), the
   baseline.
3. Engine, two profile sets, each against its hand-written DuckDB SQL in the same run (the
   plain query, one boolean per profile, and the best one: a prefilter, then each distinct
   comparison once): 100 variants of the shipped profiles (much sharing), and 100 random
   selective profiles (3-5 circumstances, each flagging under 0.3% of a sample; the seed is
   printed). Records per second and peak memory (RSS sampled every 10 ms, DuckDB included).
   The records are read as ``palermo screen`` reads them (categorical columns
   dictionary-encoded), for the engine and the SQL alike.
4. A row-by-row pandas loop on a sample (extrapolated to N, and reported as extrapolated).
5. Real-time: one traveller at a time against 500 profiles with ``Screener``: median and p99.

Results go to ``benchmarks/results/engine.json`` (with the machine and its load) and are
printed. ``python benchmarks/run.py --n 200000`` is a quick check (``engine-quick.json``);
``--engine-only`` runs step 3 alone and keeps the results file's other sections (marked
``earlier_run``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from baselines import handwritten_sql, handwritten_sql_best, pandas_loop
from palermo.profiles import EXAMPLES_DIR
from palermo.profiles.ast import Comparison, Profile, comparisons
from palermo.profiles.profile_set import ProfileSet, screening_day
from palermo.records import read_records
from palermo.records.schema import INPUT_FIELDS
from palermo.records.stream import read_record_batches
from palermo.screening.batch import screen_table
from palermo.screening.pipeline import input_fields
from palermo.screening.realtime import Screener
from profile_variants import variants
from random_profiles import random_selective

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {
    "generate_seconds_10m": 60.0,
    "end_to_end_parquet_records_per_second": 2_000_000.0,
    "end_to_end_csv_records_per_second": 500_000.0,
    "end_to_end_peak_memory_bytes": 4 * 1024**3,
    "engine_records_per_second": 5_000_000.0,
    "ratio_to_best_handwritten_sql": 0.5,
    "realtime_median_ms": 1.0,
    "realtime_p99_ms": 5.0,
}
# the whole-table path, the baseline of the end-to-end figures (as `palermo screen` ran before)
WHOLE_TABLE = """
import sys, pyarrow.parquet as pq
from palermo.profiles import load_profile_set
from palermo.records import read_records
from palermo.screening import screen_table
hits = screen_table(read_records(sys.argv[1]), load_profile_set(sys.argv[2]))
pq.write_table(hits, sys.argv[3])
print(hits.num_rows)
"""
T = TypeVar("T")


class RssSampler:
    """The highest resident set size of this process seen while running (every 10 ms)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE")

    def rss(self) -> int:
        return int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1]) * self._page

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self._stop.wait(0.01)

    def __enter__(self) -> RssSampler:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def timed(func: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="ascii").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": memory,
        "os": platform.platform(),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pyarrow": pa.__version__,
    }


def run_child(cmd: list[str]) -> tuple[str, float, int]:
    """Run a child process: its output, wall seconds and its own peak resident memory (bytes,
    from ``wait4``: the maximum RSS of that child alone)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(cmd[:5])} failed: {err.read()[-2000:]}")
        return out.read(), wall, usage.ru_maxrss * 1024


def generate(n: int, seed: int, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "palermo.cli.main", "synth", "travellers",
           "--n", str(n), "--seed", str(seed), "--out", str(out)]  # fmt: skip
    stdout, wall, _ = run_child(cmd)
    inner = re.search(r"time 用时: ([\d.]+) s", stdout)
    return {
        "travellers": n,
        "format": out.suffix.lstrip("."),
        "seconds_wall_incl_start_up": round(wall, 2),
        "seconds_generating_and_writing": float(inner.group(1)) if inner else None,
        "travellers_per_second": round(n / wall),
        "file_bytes": out.stat().st_size,
    }


def end_to_end(source: Path, work: Path, n: int) -> dict[str, Any]:
    """``palermo screen`` on ``source`` and the whole-table path, each in a fresh process."""
    streamed = work / f"hits-streamed-{source.suffix.lstrip('.')}.parquet"
    whole = work / f"hits-whole-{source.suffix.lstrip('.')}.parquet"
    cmd = [sys.executable, "-m", "palermo.cli.main", "screen", str(source),
           "--profiles", str(EXAMPLES_DIR), "--out", str(streamed)]  # fmt: skip
    _, wall, peak = run_child(cmd)
    _, whole_wall, whole_peak = run_child(
        [sys.executable, "-c", WHOLE_TABLE, str(source), str(EXAMPLES_DIR), str(whole)]
    )
    same = pq.read_table(streamed).equals(pq.read_table(whole))
    return {
        "records": n,
        "seconds_wall": round(wall, 2),
        "records_per_second": round(n / wall),
        "peak_memory_bytes": peak,
        "hits": pq.ParquetFile(streamed).metadata.num_rows,
        "whole_table_seconds_wall": round(whole_wall, 2),
        "whole_table_peak_memory_bytes": whole_peak,
        "speed_up_over_whole_table": round(whole_wall / wall, 2),
        "same_hits_as_whole_table": same,
    }


def _jsonl_end_to_end(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """JSON Lines (``--jsonl-n`` travellers: a JSON Lines day is large on disk): the streamed
    path parses with Arrow, the whole-table baseline line by line with ``json``."""
    if not args.jsonl_n:
        return {}
    jsonl = work / f"travellers-{args.jsonl_n}.jsonl"
    generate(args.jsonl_n, args.seed, jsonl)
    return {"jsonl": end_to_end(jsonl, work, args.jsonl_n)}


def validation(source: Path, n: int) -> dict[str, Any]:
    """Every field of every record read and checked: streamed (``palermo records check``) and
    whole (``read_records``, the baseline), in this process."""
    rows, streamed = timed(lambda: sum(b.num_rows for b in read_record_batches(source)))
    table, whole = timed(lambda: read_records(source))
    assert rows == table.num_rows == n
    del table
    return {
        "records": n,
        "fields": len(INPUT_FIELDS),
        "streamed_seconds": round(streamed, 2),
        "records_per_second": round(n / streamed),
        "whole_table_seconds": round(whole, 2),
        "speed_up_over_whole_table": round(whole / streamed, 2),
    }


def best_of(runs: int, func: Callable[[], T]) -> tuple[T, float]:
    results = [timed(func) for _ in range(runs)]
    return results[0][0], min(seconds for _, seconds in results)


def _read_as_screened(path: Path, profiles: ProfileSet) -> pa.Table:
    """The records as ``palermo screen`` reads them (categorical columns encoded), checked."""
    fields = input_fields(profiles, screening_day())
    batches = list(read_record_batches(path, fields=fields, batch_rows=1 << 62))
    return pa.concat_tables(batches)


def _hits_in(flagged: pa.Table) -> int:
    return sum(
        int(pc.sum(pc.cast(flagged.column(c), pa.int64())).as_py() or 0)
        for c in flagged.column_names
        if c.startswith("p")
    )


def engine_on(label: str, profiles: ProfileSet, table: pa.Table, repeat: int) -> dict[str, Any]:
    """The engine and the two hand-written queries on one profile set, same input, same run."""
    on = screening_day()
    print(f"{label}: {len(profiles.profiles)} profiles on DuckDB ...", flush=True)
    runs: list[float] = []
    peak = 0
    hits = 0
    for _ in range(repeat):
        with RssSampler() as sampler:
            result, seconds = timed(lambda: screen_table(table, profiles, engine="duckdb", on=on))
        runs.append(seconds)
        peak = max(peak, sampler.peak)
        hits = result.num_rows
        del result  # the next run must not be measured holding this one's hits
    engine = min(runs)
    con = duckdb.connect()
    con.register("records", table)
    sql: dict[str, tuple[float, int]] = {}
    for name, query in (
        ("plain", handwritten_sql(profiles, on)),
        ("best", handwritten_sql_best(profiles, on)),
    ):
        flagged, seconds = best_of(repeat, lambda q=query: con.sql(q).to_arrow_table())
        sql[name] = (seconds, _hits_in(flagged))
    con.close()
    comparisons = {c for p in profiles.profiles for c in _comparisons(p)}
    print(f"  engine {engine:.2f} s, SQL {sql['plain'][0]:.2f} s, best SQL {sql['best'][0]:.2f} s",
          flush=True)  # fmt: skip
    return {
        "profiles": len(profiles.profiles),
        "distinct_comparisons": len(comparisons),
        "records": table.num_rows,
        "runs": repeat,
        "seconds": round(engine, 3),
        "records_per_second": round(table.num_rows / engine),
        "hits": hits,
        "peak_memory_bytes": peak,
        "handwritten_sql_seconds": round(sql["plain"][0], 3),
        "handwritten_sql_hits": sql["plain"][1],
        "ratio_to_handwritten_sql": round(engine / sql["plain"][0], 2),
        "best_handwritten_sql_seconds": round(sql["best"][0], 3),
        "best_handwritten_sql_hits": sql["best"][1],
        "ratio_to_best_handwritten_sql": round(engine / sql["best"][0], 2),
    }


def _comparisons(profile: Profile) -> list[Comparison]:
    return list(comparisons(profile.criteria))


def pandas_and_realtime(n: int, population: Path, args: argparse.Namespace) -> dict[str, Any]:
    on = screening_day()
    profiles = variants(args.profiles)
    first = next(pq.ParquetFile(population).iter_batches(batch_size=args.pandas_sample))
    sample = pa.Table.from_batches([first])
    frame = sample.to_pandas()
    pandas_hits, pandas_seconds = timed(lambda: pandas_loop(frame, profiles, on))
    engine_hits = screen_table(sample, profiles, engine="duckdb", on=on).num_rows
    rt_profiles = variants(args.realtime_profiles)
    screener = Screener(rt_profiles)
    # real-time calls get whole records (every field), as a booth or an API would send them
    first_rows = next(pq.ParquetFile(population).iter_batches(batch_size=args.realtime_samples))
    records = first_rows.to_pylist()
    for record in records[:200]:  # warm up
        screener.screen(record)
    latencies = []
    for record in records:
        started = time.perf_counter_ns()
        screener.screen(record)
        latencies.append((time.perf_counter_ns() - started) / 1e6)
    latencies.sort()
    return {
        "pandas_loop": {
            "sample_rows": sample.num_rows,
            "sample_seconds": round(pandas_seconds, 2),
            "sample_hits": pandas_hits,
            "engine_sample_hits": engine_hits,
            "extrapolated_seconds": round(pandas_seconds / sample.num_rows * n),
        },
        "realtime": {
            "profiles": len(rt_profiles.profiles),
            "calls": len(latencies),
            "median_ms": round(statistics.median(latencies), 4),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 4),
            "max_ms": round(latencies[-1], 4),
        },
    }


def bench(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    parquet = work / f"travellers-{args.n}.parquet"
    csv = work / f"travellers-{args.n}.csv"
    if args.engine_only:
        print(f"generating {args.n:,} travellers (Parquet) ...", flush=True)
        gen = [generate(args.n, args.seed, parquet)]
    else:
        print(f"generating {args.n:,} travellers (Parquet, CSV) ...", flush=True)
        gen = [generate(args.n, args.seed, parquet), generate(args.n, args.seed, csv)]
        print("palermo screen end to end, Parquet and CSV ...", flush=True)
        e2e = {"parquet": end_to_end(parquet, work, args.n), "csv": end_to_end(csv, work, args.n)}
        if args.only == "end-to-end":  # the pipeline around the engine alone
            return {
                "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "machine": machine(),
                "load_average_1min_at_start": round(load_before, 2),
                "generate": gen,
                "end_to_end": e2e | _jsonl_end_to_end(args, work),
                "targets": TARGETS,
            }
        print("validation of every field ...", flush=True)
        checked = {"parquet": validation(parquet, args.n), "csv": validation(csv, args.n)}
    shipped = variants(args.profiles)
    sample = pq.read_table(parquet).slice(0, min(args.n, 200_000))
    seed = args.random_seed
    print(f"random selective profiles: seed {seed}", flush=True)
    chosen, drawn = random_selective(args.profiles, seed, sample)
    del sample
    engine: dict[str, Any] = {}
    table = pa.table({})
    for label, profiles in (("variants", shipped), ("random", chosen)):
        table = _read_as_screened(parquet, profiles)
        engine[label] = engine_on(label, profiles, table, args.repeat)
    engine["random"]["seed"] = seed
    engine["random"]["candidates_drawn"] = drawn
    del table
    if args.engine_only:
        return {
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "load_average_1min_at_start": round(load_before, 2),
            "generate": gen,
            "engine": engine,
            "targets": TARGETS,
        }
    rest = pandas_and_realtime(args.n, parquet, args)
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_1min_at_start": round(load_before, 2),
        "generate": gen,
        "end_to_end": e2e,
        "validation": checked,
        "engine": engine,
        **rest,
        "targets": TARGETS,
    }


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"


def merged(result: dict[str, Any], out: Path) -> dict[str, Any]:
    """An engine-only run written over a full run's file: the engine section (and its machine
    and load) replaced, every other section kept and marked as from the earlier run."""
    if not out.exists():
        return result
    earlier = json.loads(out.read_text(encoding="utf-8"))
    kept = [k for k in earlier if k not in result and k != "earlier_run"]
    return {
        **{k: earlier[k] for k in kept},
        **result,
        "earlier_run": {
            "sections": kept,
            "measured_at": earlier.get("measured_at"),
            "machine": earlier.get("machine"),
            "load_average_1min_at_start": earlier.get("load_average_1min_at_start"),
        },
    }


def report(result: dict[str, Any]) -> None:
    m = result["machine"]
    print()
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_bytes'] / 1024**3:.0f} GiB; "
          f"Python {m['python']}, DuckDB {m['duckdb']}; load average "
          f"{result['load_average_1min_at_start']} at start, "
          f"{m['load_average_1min']} at end")  # fmt: skip
    for g in result["generate"]:
        print(f"generate {g['travellers']:,} travellers ({g['format']}): "
              f"{g['seconds_wall_incl_start_up']} s")  # fmt: skip
    for fmt, e in result.get("end_to_end", {}).items():
        print(f"palermo screen, {fmt}: {e['seconds_wall']} s = {e['records_per_second']:,} "
              f"records/s, peak {_gib(e['peak_memory_bytes'])}; whole-table path "
              f"{e['whole_table_seconds_wall']} s, peak {_gib(e['whole_table_peak_memory_bytes'])} "
              f"({e['speed_up_over_whole_table']}x faster; same hits: "
              f"{e['same_hits_as_whole_table']})")  # fmt: skip
    for fmt, v in result.get("validation", {}).items():
        print(f"every field of every record checked, {fmt}: {v['streamed_seconds']} s = "
              f"{v['records_per_second']:,} records/s; whole table {v['whole_table_seconds']} s "
              f"({v['speed_up_over_whole_table']}x)")  # fmt: skip
    for label, b in result["engine"].items():
        print(f"engine, {label} ({b['profiles']} profiles, {b['distinct_comparisons']} distinct "
              f"comparisons): {b['seconds']} s = {b['records_per_second']:,} records/s, "
              f"{b['hits']:,} hits; hand-written SQL {b['handwritten_sql_seconds']} s "
              f"({b['ratio_to_handwritten_sql']}x), best hand-written SQL "
              f"{b['best_handwritten_sql_seconds']} s "
              f"({b['ratio_to_best_handwritten_sql']}x)")  # fmt: skip
        if not b["hits"] == b["handwritten_sql_hits"] == b["best_handwritten_sql_hits"]:
            print(f"WARNING: {label}: the engine and the hand-written SQL disagree on hits")
    if "pandas_loop" not in result:
        return
    pl, r = result["pandas_loop"], result["realtime"]
    print(f"pandas row loop: {pl['sample_seconds']} s for {pl['sample_rows']:,} rows "
          f"(extrapolated {pl['extrapolated_seconds']:,} s; hits pandas {pl['sample_hits']:,}, "
          f"engine {pl['engine_sample_hits']:,})")  # fmt: skip
    print(f"real time, one traveller x {r['profiles']} profiles: median {r['median_ms']} ms, "
          f"p99 {r['p99_ms']} ms")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="travellers to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--random-seed", type=int, default=2026, help="of the random profiles")
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--realtime-profiles", type=int, default=500)
    parser.add_argument("--realtime-samples", type=int, default=5_000)
    parser.add_argument("--pandas-sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of engine and SQL; best kept")
    parser.add_argument("--work-dir", default="var/bench")
    parser.add_argument(
        "--only", choices=["all", "end-to-end"], default="all", help="end-to-end: no engine part"
    )
    parser.add_argument(
        "--jsonl-n", type=int, default=0, help="with --only end-to-end: JSON Lines travellers"
    )
    parser.add_argument("--out", default=None, help="JSON file (default: results/engine.json)")
    parser.add_argument(
        "--engine-only",
        action="store_true",
        help="only the engine against the hand-written SQL (generating Parquet first); the "
        "results file's other sections are kept, marked as from the earlier run",
    )
    args = parser.parse_args(argv)
    result = bench(args)
    if args.only == "all":
        report(result)
    default = "engine.json" if args.n >= 10_000_000 else "engine-quick.json"
    out = Path(args.out) if args.out else RESULTS / default
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.engine_only:
        result = merged(result, out)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
