"""Benchmark of watchlist matching (measured, never asserted).

1. Real time: one traveller at a time against a list of ``--list-size`` entries (default one
   million); p50 and p99 latency of ``WatchlistIndex.match_record`` over ``--probes`` travellers,
   half of them listed people with transformed names, half unrelated. The index is built once,
   written sealed (AES-256-GCM, as the web application keeps it) and loaded again by a new
   process: build against load, with their ratio; the latencies are those of the loaded index.
2. Batch: ``--manifest`` travellers (default one million) against ``--batch-list`` entries
   (default 100,000) with ``WatchlistIndex.match_table``: wall time, candidate pairs, matches.

Results are printed and written to ``benchmarks/results/watchlist.json``.

    .venv/bin/python benchmarks/bench_watchlist.py
    .venv/bin/python benchmarks/bench_watchlist.py --list-size 100000 --manifest 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from palermo.screening.watchlists import WatchlistIndex
from palermo.screening.watchlists.listindex import ListIndex
from palermo.screening.watchlists.matching import traveller_from_record
from palermo.screening.watchlists.synthetic import (
    TRANSFORMS,
    synthetic_watchlist,
    transformed_record,
    travellers,
)
from palermo.web.lib.crypto import KeyRing, new_key
from palermo.web.lib.sealed import seal_file, unseal_bytes

RESULTS = Path(__file__).resolve().parent / "results" / "watchlist.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_index(path: Path, key: str) -> tuple[WatchlistIndex, float]:
    """What a server process does: open the sealed file, map the index, match once."""
    t0 = time.perf_counter()
    part = ListIndex.from_bytes(unseal_bytes(path, KeyRing.from_text(key, source="bench")))
    index = WatchlistIndex.from_parts([part])
    index.match_record({"surname": "ZHANG", "given_names": "Wei"})
    return index, time.perf_counter() - t0


_LOAD_IN_NEW_PROCESS = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from bench_watchlist import load_index
from pathlib import Path
index, seconds = load_index(Path(sys.argv[2]), sys.argv[3])
print(round(seconds, 3), round(time.perf_counter() - t0, 3), len(index))
"""


def bench_realtime(list_size: int, probes: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    watchlist, people = synthetic_watchlist(list_size, seed=seed)
    generated = time.perf_counter()
    built_index = WatchlistIndex([watchlist])
    built = time.perf_counter()
    key = new_key()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.sealed"
        seal_file(path, built_index.parts[0].to_bytes(), KeyRing.from_text(key, source="bench"))
        sealed_at = time.perf_counter()
        file_mb = path.stat().st_size / 2**20
        del built_index
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                _LOAD_IN_NEW_PROCESS,
                str(Path(__file__).parent),
                str(path),
                key,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        new_process_load_s, new_process_total_s = float(out[0]), float(out[1])
        index, _seconds = load_index(path, key)
    rng = random.Random(seed + 1)
    records: list[dict[str, Any]] = []
    for i in range(probes // 2):
        person = people[rng.randrange(len(people))]
        transform = TRANSFORMS[i % len(TRANSFORMS)]
        records.append(transformed_record(person, transform, rng=rng, record_id=f"P{i}"))
    records.extend(travellers(probes - len(records), seed=seed + 2))
    rng.shuffle(records)
    for record in records[:50]:  # warm caches of the code path, not of these travellers
        index.match_record({**record, "record_id": "warm"})
    latencies: list[float] = []
    hits = 0
    candidates = 0
    for record in records:
        t0 = time.perf_counter()
        found = index.match_record(record)
        latencies.append((time.perf_counter() - t0) * 1000)
        hits += bool(found)
    for record in records[:200]:
        candidates += len(index.candidates(traveller_from_record(record)))
    return {
        "list_entries": list_size,
        "travellers": len(records),
        "generate_list_s": round(generated - started, 1),
        "build_index_s": round(built - generated, 1),
        "write_sealed_s": round(sealed_at - built, 1),
        "sealed_file_mib": round(file_mb, 1),
        "new_process_load_s": new_process_load_s,
        "new_process_import_and_load_s": new_process_total_s,
        "build_to_load_ratio": round((built - generated) / new_process_load_s, 1),
        "p50_ms": round(percentile(latencies, 0.50), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "max_ms": round(max(latencies), 3),
        "mean_ms": round(statistics.fmean(latencies), 3),
        "travellers_with_match": hits,
        "mean_candidates": round(candidates / min(200, len(records)), 1),
    }


def bench_batch(list_size: int, manifest: int, seed: int) -> dict[str, Any]:
    watchlist, people = synthetic_watchlist(list_size, seed=seed + 10)
    index = WatchlistIndex([watchlist])
    rng = random.Random(seed + 11)
    listed = manifest // 1000  # one traveller in a thousand is a listed person
    rows: list[dict[str, Any]] = [
        transformed_record(
            people[rng.randrange(len(people))],
            TRANSFORMS[i % len(TRANSFORMS)],
            rng=rng,
            record_id=f"L{i}",
        )
        for i in range(listed)
    ]
    rows.extend(travellers(manifest - listed, seed=seed + 12))
    columns = ("record_id", "surname", "given_names", "name_native", "date_of_birth", "nationality")
    table = pa.table(
        {
            c: pa.array(
                [r.get(c) for r in rows], pa.date32() if c == "date_of_birth" else pa.string()
            )
            for c in columns
        }
    )
    del rows
    t0 = time.perf_counter()
    matches = index.match_table(table)  # cold: builds the entries' key tables too
    t1 = time.perf_counter()
    pairs = index.candidate_pairs(table)
    t2 = time.perf_counter()
    matched = set(matches.column("record_id").to_pylist())
    return {
        "list_entries": list_size,
        "travellers": manifest,
        "listed_travellers": listed,
        "match_table_s": round(t1 - t0, 2),
        "candidate_pairs": len(pairs[0]),
        "blocking_join_warm_s": round(t2 - t1, 2),
        "matches": matches.num_rows,
        "travellers_with_match": len(matched),
        "listed_travellers_with_match": sum(r.startswith("L") for r in matched),
        "unrelated_travellers_matched": sum(r.startswith("T") for r in matched),
        "unrelated_match_rate": round(
            sum(r.startswith("T") for r in matched) / (manifest - listed), 6
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list-size", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=2_000)
    parser.add_argument("--batch-list", type=int, default=100_000)
    parser.add_argument("--manifest", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-realtime", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    # a part skipped keeps its figures from the last run
    result: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    result |= {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    if not args.skip_realtime:
        result["realtime"] = bench_realtime(args.list_size, args.probes, args.seed)
        print("real time:", json.dumps(result["realtime"]))
    if not args.skip_batch:
        result["batch"] = bench_batch(args.batch_list, args.manifest, args.seed)
        print("batch:", json.dumps(result["batch"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
