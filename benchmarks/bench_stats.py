"""The dashboards' aggregations at national scale on DuckDB and on Spark in local mode.

The same Ibis expressions (``palermo.analytics.national``: screenings per month, hits by port
and disposition, hits by profile, cases by status and per month, days to referral) over
Parquet files of synthetic screenings and cases, run on DuckDB embedded and on Spark
(``local[2]``, its own Parquet reader), cold (first run) and warm (median of the repeats); the
two engines' figures are compared row by row. Spark's ratio is against DuckDB measured in the
same run, on the same files, under the same load. Measures, never asserts.

    .venv/bin/python benchmarks/bench_stats.py [--screenings 10000000] [--cases 100000]
        [--driver-memory 6g] [--repeat 3] [--dir DIR]

Sizing for the 2-core, 24 GiB machine shared with other work: ``local[2]`` (one task per core),
4 shuffle partitions (the aggregates are a few thousand rows), 2 MiB file splits, a 6 GiB
driver heap (local mode runs the executors inside the driver; Spark's default 1 GiB ran out at
a million rows handed over from Arrow; reading Parquet itself needs far less, the heap is a
ceiling the JVM grows into), DuckDB limited to the same 2 threads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from palermo.analytics.national import figures_duckdb, figures_spark, write_synthetic
from run import machine

RESULTS = Path(__file__).resolve().parent / "results" / "stats.json"


def _timed(run: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    out = run()
    return time.perf_counter() - began, out


def _spark(driver_memory: str) -> Any:
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("palermo-bench-stats")
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        # the file is a few dozen MiB (dictionary-encoded): split it by row group (a million
        # rows each) so both cores read, instead of one 128 MiB split
        .config("spark.sql.files.maxPartitionBytes", str(2 * 2**20))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenings", type=int, default=10_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="palermo-bench-stats-"))
    load_before = os.getloadavg()[0]
    generate, (screenings, cases) = _timed(
        lambda: write_synthetic(folder, screenings=args.screenings, cases=args.cases)
    )
    print(f"generated {args.screenings:,} screenings and {args.cases:,} cases in {generate:.1f} s "
          f"({screenings.stat().st_size / 2**20:.0f} MiB Parquet)")  # fmt: skip

    duck_cold, reference = _timed(lambda: figures_duckdb(screenings, cases, threads=2))
    duck_warm = [_timed(lambda: figures_duckdb(screenings, cases, threads=2))[0]
                 for _ in range(args.repeat)]  # fmt: skip

    start, session = _timed(lambda: _spark(args.driver_memory))
    session.sparkContext.setLogLevel("ERROR")
    try:
        spark_cold, on_spark = _timed(lambda: figures_spark(screenings, cases, session))
        spark_warm = [_timed(lambda: figures_spark(screenings, cases, session))[0]
                      for _ in range(args.repeat)]  # fmt: skip
        heap = session.sparkContext._jvm.java.lang.Runtime.getRuntime()  # type: ignore[union-attr]
        heap_used = (heap.totalMemory() - heap.freeMemory()) / 2**20
        heap_max = heap.maxMemory() / 2**20
    finally:
        session.stop()
    same = on_spark == reference
    d_warm, s_warm = statistics.median(duck_warm), statistics.median(spark_warm)
    rows = [
        ("DuckDB (2 threads), first run", duck_cold, 1.0),
        ("DuckDB, warm (median)", d_warm, 1.0),
        ("Spark local[2], session start", start, None),
        ("Spark, first run", spark_cold, spark_cold / duck_cold),
        ("Spark, warm (median)", s_warm, s_warm / d_warm),
    ]
    print(f"\n6 dashboard figures over {args.screenings:,} screenings and {args.cases:,} cases; "
          f"figures identical on both engines: {same}")  # fmt: skip
    for label, seconds, ratio in rows:
        shown = "" if ratio is None else f"  ({ratio:.1f}× DuckDB)"
        print(f"  {label:<32} {seconds:8.2f} s{shown}")
    print(f"  Spark heap used at the end {heap_used:.0f} MiB of {heap_max:.0f} MiB "
          f"(spark.driver.memory {args.driver_memory})")  # fmt: skip
    result = {
        "benchmark": "bench_stats",
        "screenings": args.screenings,
        "cases": args.cases,
        "repeat": args.repeat,
        "generate_seconds": round(generate, 2),
        "duckdb": {"first": round(duck_cold, 3), "warm": [round(t, 3) for t in duck_warm]},
        "spark": {
            "session_start": round(start, 2),
            "first": round(spark_cold, 3),
            "warm": [round(t, 3) for t in spark_warm],
            "driver_memory": args.driver_memory,
            "heap_used_mib": round(heap_used),
            "heap_max_mib": round(heap_max),
        },
        "ratio_spark_to_duckdb": {
            "first": round(spark_cold / duck_cold, 2),
            "warm": round(s_warm / d_warm, 2),
        },
        "identical": same,
        "load_average_1min_before": round(load_before, 2),
        "machine": machine(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
