"""The engine benchmark (``make bench``): measured and reported, never asserted.

1. Generate N synthetic travellers (default 10 million) with ``palermo synth travellers`` in a
   child process; time it.
2. Screen them against 100 profiles (variants of the shipped examples) on DuckDB with
   ``screen_table``: records per second and peak memory (RSS sampled every 10 ms, DuckDB
   included).
3. In the same run: the hand-written DuckDB SQL of the same 100 profiles, and a row-by-row
   pandas loop on a sample (extrapolated to N, and reported as extrapolated).
4. Real-time: one traveller at a time against 500 profiles with ``Screener``: median and p99.

Results go to ``benchmarks/results/engine.json`` (with the machine) and are printed.
``python benchmarks/run.py --n 200000`` is a quick check (written to ``engine-quick.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
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

from baselines import handwritten_sql, pandas_loop
from palermo.profiles.profile_set import screening_day
from palermo.screening.batch import screen_table, screening_columns
from palermo.screening.realtime import Screener
from profile_variants import variants

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {
    "generate_seconds_10m": 60.0,
    "records_per_second": 3_000_000.0,
    "ratio_to_handwritten_sql": 1.2,
    "peak_memory_bytes": 4 * 1024**3,
    "realtime_median_ms": 1.0,
    "realtime_p99_ms": 5.0,
}
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


def generate(n: int, seed: int, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "palermo.cli.main", "synth", "travellers",
           "--n", str(n), "--seed", str(seed), "--out", str(out)]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc, wall = timed(lambda: subprocess.run(cmd, check=True, capture_output=True, text=True))
    inner = re.search(r"time 用时: ([\d.]+) s", proc.stdout)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "travellers": n,
        "seconds_wall_incl_start_up": round(wall, 2),
        "seconds_generating_and_writing": float(inner.group(1)) if inner else None,
        "travellers_per_second": round(n / wall),
        "peak_memory_bytes": max(peak_kib, before) * 1024,
        "file_bytes": out.stat().st_size,
    }


def best_of(runs: int, func: Callable[[], T]) -> tuple[T, float]:
    results = [timed(func) for _ in range(runs)]
    return results[0][0], min(seconds for _, seconds in results)


def bench(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    population = work / f"travellers-{args.n}.parquet"
    print(f"generating {args.n:,} travellers ...", flush=True)
    gen = generate(args.n, args.seed, population)
    print(f"  {gen['seconds_wall_incl_start_up']} s", flush=True)

    on = screening_day()
    profiles = variants(args.profiles)
    # A screening run reads only the columns its profiles use, as `palermo screen` would.
    columns = list(screening_columns(profiles))
    table, load_seconds = timed(lambda: pq.read_table(population, columns=columns))
    print(f"screening against {len(profiles.profiles)} profiles on DuckDB ...", flush=True)
    rss_before = RssSampler().rss()
    engine_runs: list[float] = []
    peak = 0
    hit_count = 0
    for _ in range(args.repeat):
        with RssSampler() as sampler:
            hits, seconds = timed(lambda: screen_table(table, profiles, engine="duckdb", on=on))
        engine_runs.append(seconds)
        peak = max(peak, sampler.peak)
        hit_count = hits.num_rows
        del hits  # the next run must not be measured holding this one's hits
    engine_seconds = min(engine_runs)
    print(f"  {engine_seconds:.2f} s, {hit_count:,} hits", flush=True)

    sql = handwritten_sql(profiles, on)
    con = duckdb.connect()
    con.register("records", table)
    sql_runs: list[float] = []
    flagged = pa.table({})
    for _ in range(args.repeat):
        flagged, seconds = timed(lambda: con.sql(sql).to_arrow_table())
        sql_runs.append(seconds)
    sql_seconds = min(sql_runs)
    sql_hits = sum(
        int(pc.sum(pc.cast(flagged.column(c), pa.int64())).as_py() or 0)
        for c in flagged.column_names
        if c.startswith("p")
    )
    con.close()
    print(f"  hand-written SQL {sql_seconds:.2f} s, {sql_hits:,} hits", flush=True)

    sample = table.slice(0, min(args.pandas_sample, table.num_rows))
    frame = sample.to_pandas()
    pandas_hits, pandas_seconds = timed(lambda: pandas_loop(frame, profiles, on))
    sample_engine_hits = screen_table(sample, profiles, engine="duckdb", on=on).num_rows
    pandas_extrapolated = pandas_seconds / sample.num_rows * table.num_rows
    print(f"  pandas loop {pandas_seconds:.1f} s on {sample.num_rows:,} rows", flush=True)

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
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]

    rate = table.num_rows / engine_seconds
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "generate": gen,
        "load_parquet_seconds": round(load_seconds, 2),
        "batch": {
            "records": table.num_rows,
            "profiles": len(profiles.profiles),
            "engine": "duckdb",
            "runs": args.repeat,
            "seconds": round(engine_seconds, 3),
            "records_per_second": round(rate),
            "hits": hit_count,
            "columns_read": len(columns),
            "peak_memory_bytes": peak,
            "memory_before_screening_bytes": rss_before,
            "handwritten_sql_seconds": round(sql_seconds, 3),
            "handwritten_sql_hits": sql_hits,
            "ratio_to_handwritten_sql": round(engine_seconds / sql_seconds, 2),
            "pandas_loop_sample_rows": sample.num_rows,
            "pandas_loop_sample_seconds": round(pandas_seconds, 2),
            "pandas_loop_sample_hits": pandas_hits,
            "engine_sample_hits": sample_engine_hits,
            "pandas_loop_extrapolated_seconds": round(pandas_extrapolated),
            "ratio_pandas_loop_to_engine_extrapolated": round(pandas_extrapolated / engine_seconds),
        },
        "realtime": {
            "profiles": len(rt_profiles.profiles),
            "calls": len(latencies),
            "median_ms": round(statistics.median(latencies), 4),
            "p99_ms": round(p99, 4),
            "max_ms": round(latencies[-1], 4),
        },
        "targets": TARGETS,
    }


def report(result: dict[str, Any]) -> None:
    g, b, r, m = result["generate"], result["batch"], result["realtime"], result["machine"]
    gib = 1024**3
    print()
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_bytes'] / gib:.0f} GiB; "
          f"Python {m['python']}, DuckDB {m['duckdb']}, Ibis {m['ibis']}")  # fmt: skip
    print(f"generate {g['travellers']:,} travellers: {g['seconds_wall_incl_start_up']} s "
          "(target < 60 s for 10 million), "
          f"peak {g['peak_memory_bytes'] / gib:.2f} GiB")  # fmt: skip
    print(f"screen {b['records']:,} x {b['profiles']} profiles on DuckDB: {b['seconds']} s = "
          f"{b['records_per_second']:,} records/s (target >= 3,000,000), "
          f"{b['hits']:,} hits")  # fmt: skip
    print(f"peak memory while screening: {b['peak_memory_bytes'] / gib:.2f} GiB "
          f"(records loaded before: {b['memory_before_screening_bytes'] / gib:.2f} GiB; "
          "target < 4 GiB)")  # fmt: skip
    print(f"hand-written SQL: {b['handwritten_sql_seconds']} s, {b['handwritten_sql_hits']:,} "
          f"hits; engine / SQL = {b['ratio_to_handwritten_sql']}x (target <= 1.2x)")  # fmt: skip
    print(f"pandas row loop: {b['pandas_loop_sample_seconds']} s for "
          f"{b['pandas_loop_sample_rows']:,} rows -> extrapolated "
          f"{b['pandas_loop_extrapolated_seconds']:,} s for {b['records']:,} "
          f"({b['ratio_pandas_loop_to_engine_extrapolated']:,}x the engine; hits on the sample: "
          f"pandas {b['pandas_loop_sample_hits']:,}, "
          f"engine {b['engine_sample_hits']:,})")  # fmt: skip
    print(f"real time, one traveller x {r['profiles']} profiles: median {r['median_ms']} ms "
          f"(target < 1), p99 {r['p99_ms']} ms (target < 5)")  # fmt: skip
    if b["hits"] != b["handwritten_sql_hits"]:
        print("WARNING: the engine and the hand-written SQL disagree on the number of hits")
    if b["pandas_loop_sample_hits"] != b["engine_sample_hits"]:
        print("WARNING: the engine and the pandas loop disagree on the sample")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="travellers to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--realtime-profiles", type=int, default=500)
    parser.add_argument("--realtime-samples", type=int, default=5_000)
    parser.add_argument("--pandas-sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of engine and SQL; best kept")
    parser.add_argument("--work-dir", default="var/bench")
    parser.add_argument("--out", default=None, help="JSON file (default: results/engine.json)")
    args = parser.parse_args(argv)
    result = bench(args)
    report(result)
    default = "engine.json" if args.n >= 10_000_000 else "engine-quick.json"
    out = Path(args.out) if args.out else RESULTS / default
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
