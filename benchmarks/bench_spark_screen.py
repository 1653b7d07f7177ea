"""``palermo screen --engine spark`` on a dataset partitioned by day, beside ``palermo screen`` on
DuckDB, on the same synthetic travellers: measured and reported, never asserted.

1. ``write_population`` writes N travellers to one Parquet file, which is then rewritten as a
   Hive-style dataset partitioned by day (``event_date=YYYY-MM-DD/``, one directory a day).
2. ``palermo screen`` (the shipped profiles) in a child process on DuckDB, from the one file;
   then ``palermo screen --engine spark`` in a child process from the dataset directory
   (``local[all cores]``: Spark's reader, the per-batch check and screening in Spark's Python
   workers, the hits sorted by Spark). Wall time (the Spark figure includes starting the JVM),
   records per second and peak memory: for DuckDB the child's maximum RSS; for Spark the
   highest sum of the RSS of the whole process tree (driver, JVM, Python workers), sampled
   every 50 ms, and the driver's own peak.
3. The two hits files are compared (Spark's sorted by record id; DuckDB's in file order,
   sorted the same way, stably, before comparing).

Results go to ``benchmarks/results/spark_screen.json`` with the machine and its load.

    .venv/bin/python benchmarks/bench_spark_screen.py [--n 1000000] [--dir DIR]

Local mode on one machine is not a cluster: it says what Spark costs over DuckDB where DuckDB
suffices, and that the executors' code gives the same hits; not how a cluster scales.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from palermo.profiles import EXAMPLES_DIR
from palermo.synth.write import write_population
from run import machine

RESULTS = Path(__file__).resolve().parent / "results" / "spark_screen.json"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc's parent links)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def run_tree(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd``; its wall time, output, the highest summed RSS of its process tree and the
    highest RSS of the child itself (sampled every 50 ms)."""
    peak_tree = peak_child = 0
    done = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        nonlocal peak_tree, peak_child
        while not done.is_set():
            pids = _tree(proc.pid)
            peak_tree = max(peak_tree, sum(_rss(p) for p in pids))
            peak_child = max(peak_child, _rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:6])} failed: {err[-3000:]}")
    return {"wall": wall, "output": out, "peak_tree": peak_tree, "peak_child": peak_child}


def _screen(source: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "palermo.cli.main", "screen", str(source),
            "--profiles", str(EXAMPLES_DIR), "--out", str(out), *extra]  # fmt: skip


def _sorted_by_record(path: Path) -> Any:
    table = pq.read_table(path)
    return table.take(pc.sort_indices(table, [("record_id", "ascending")]))  # a stable sort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="palermo-bench-spark-"))
    folder.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    one_file = folder / "travellers.parquet"
    began = time.perf_counter()
    write_population(one_file, args.n, seed=args.seed)
    dataset = folder / "by-day"
    pads.write_dataset(
        pads.dataset(one_file),
        dataset,
        format="parquet",
        partitioning=["event_date"],
        partitioning_flavor="hive",
        existing_data_behavior="delete_matching",
    )
    days = sum(1 for _ in dataset.iterdir())
    files = sum(1 for _ in dataset.rglob("*.parquet"))
    generated = time.perf_counter() - began
    print(f"{args.n:,} travellers written, then as {files} file(s) in {days} day partition(s): "
          f"{generated:.1f} s")  # fmt: skip

    duck_out, spark_out = folder / "hits-duckdb.parquet", folder / "hits-spark.parquet"
    duck = run_tree(_screen(one_file, duck_out))
    spark = run_tree(_screen(dataset, spark_out, "--engine", "spark"))
    load_after = os.getloadavg()
    same = _sorted_by_record(spark_out).equals(_sorted_by_record(duck_out))
    hits = pq.ParquetFile(duck_out).metadata.num_rows
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()

    def figures(run: dict[str, Any]) -> dict[str, Any]:
        return {
            "seconds_wall": round(run["wall"], 2),
            "records_per_second": round(args.n / run["wall"]),
            "peak_memory_bytes": run["peak_tree"],
            "peak_memory_driver_process_bytes": run["peak_child"],
        }

    result = {
        "benchmark": "bench_spark_screen",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "records": args.n,
        "day_partitions": days,
        "files": files,
        "hits": hits,
        "spark_master": f"local[{os.cpu_count()}]",
        "duckdb": figures(duck),
        "spark_local": figures(spark),
        "ratio_spark_to_duckdb_wall": round(spark["wall"] / duck["wall"], 2),
        "ratio_spark_to_duckdb_peak_memory": round(spark["peak_tree"] / duck["peak_tree"], 2),
        "identical_hits": same,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "uptime_after": uptime,
        "machine": machine(),
    }
    print(f"\npalermo screen on {args.n:,} records ({hits:,} hits); identical hits: {same}")
    for label, run in (
        ("DuckDB, one file", duck),
        (f"Spark local[{os.cpu_count()}], dataset", spark),
    ):
        print(f"  {label:<28} {run['wall']:7.1f} s  {args.n / run['wall']:>10,.0f} records/s  "
              f"peak {run['peak_tree'] / 2**30:5.2f} GiB (process tree), "
              f"{run['peak_child'] / 2**30:5.2f} GiB (the command itself)")  # fmt: skip
    print(f"  Spark ÷ DuckDB: wall {result['ratio_spark_to_duckdb_wall']}×, "
          f"memory {result['ratio_spark_to_duckdb_peak_memory']}×; {uptime}")  # fmt: skip
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
