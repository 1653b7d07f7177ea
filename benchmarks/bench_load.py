"""The screening API under a log-in flood (measured, never asserted).

``palermo serve`` (waitress, a second process, as in ``bench_web.py``) with ``--profiles``
active profiles; an open-loop generator sends ``POST /api/screenings`` at ``--rate`` requests
per second for ``--seconds``:

1. baseline: the API alone;
2. flood: the same load while ``--flood-threads`` clients (default 4) post log-in attempts
   with random user names and passwords to ``/accounts/login/`` at ``--flood-rate`` attempts
   per second (default 14, the attack of issue 14, which pushed the API's p95 from 10 to
   472 ms), from 127.0.0.1.

Both runs are in the same process against the same server, so the ratio flood / baseline is
the figure to read. Reported: p50, p95, p99 and max latency, errors, achieved rates, and the
log-in answers by status (200: the form again, 403: refused, 429: rate limited).

Results are printed and written to ``benchmarks/results/load.json`` under ``runs[<database>]``.

    .venv/bin/python benchmarks/bench_load.py
    .venv/bin/python benchmarks/bench_load.py --database postgres --seconds 30
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import secrets
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from bench_web import (
    free_port,
    load,
    on_database,
    record_run,
    setup_django,
    start_server,
    travellers,
    wait_until_up,
    world,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "load.json"


class LoginFlood:
    """Open-loop log-in attempts with random names until stopped."""

    def __init__(self, port: int, rate: float, threads: int) -> None:
        self.port, self.rate, self.threads = port, rate, threads
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.checked: list[tuple[float, float]] = []
        """(sent, answered) of every attempt not refused 429: each cost a password check."""
        self._due: queue.Queue[int | None] = queue.Queue(maxsize=threads * 4)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
        self._clock = threading.Thread(target=self._tick, daemon=True)
        self.started = 0.0
        self.elapsed = 0.0

    def _connect(self) -> tuple[http.client.HTTPConnection, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        response.read()
        token = ""
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("csrftoken="):
                token = header.split(";", 1)[0].split("=", 1)[1]
        return conn, token

    def _work(self) -> None:
        conn: http.client.HTTPConnection | None = None
        token = ""
        while True:
            if self._due.get() is None:
                if conn is not None:
                    conn.close()
                return
            sent = time.perf_counter()
            try:
                if conn is None:
                    conn, token = self._connect()
                body = urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": token,
                        "username": "flood-" + secrets.token_hex(6),
                        "password": secrets.token_urlsafe(12),
                    }
                )
                conn.request(
                    "POST",
                    "/accounts/login/",
                    body=body,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": f"csrftoken={token}",
                    },
                )
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                if conn is not None:
                    conn.close()
                conn = None  # a new connection (and CSRF cookie) for the next attempt
            answered = time.perf_counter()
            with self._lock:
                self.statuses[status] += 1
                self.latencies.append(answered - sent)
                if status.isdigit() and status != "429":
                    self.checked.append((sent, answered))

    def _tick(self) -> None:
        i = 0
        while not self._stop.is_set():
            wait = self.started + i / self.rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                self._due.put(i, timeout=1)
            except queue.Full:
                with self._lock:
                    self.statuses["not sent (clients busy)"] += 1
            i += 1
        while True:  # attempts not yet taken are dropped: the flood ends now
            try:
                self._due.get_nowait()
            except queue.Empty:
                break
        for _ in self._workers:
            self._due.put(None)

    def start(self) -> None:
        self.started = time.perf_counter()
        for worker in self._workers:
            worker.start()
        self._clock.start()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._clock.join(timeout=30)
        for worker in self._workers:
            worker.join(timeout=30)
        self.elapsed = time.perf_counter() - self.started
        ordered = sorted(self.latencies)
        answered = len(ordered)
        return {
            "target_rate": self.rate,
            "clients": self.threads,
            "attempts_answered": answered,
            "achieved_rate": round(answered / self.elapsed, 1) if self.elapsed else 0.0,
            "statuses": dict(self.statuses),
            "p50_ms": round(ordered[answered // 2] * 1000, 1) if ordered else 0.0,
            "p99_ms": round(ordered[min(answered - 1, int(0.99 * answered))] * 1000, 1)
            if ordered
            else 0.0,
        }


SLOW_SECONDS = 0.050
"""The target's p99: a request slower than this is "slow" in ``slow_requests``."""


def slow_requests(
    timeline: list[tuple[float, float]], checks: list[tuple[float, float]] | None = None
) -> dict[str, Any]:
    """When the requests over ``SLOW_SECONDS`` came: how many, the ten seconds of the run
    with most of them, and (``checks``: the flood's password-checked log-ins, sent and
    answered) how many overlapped a log-in whose password was being checked."""
    if not timeline:
        return {"count": 0}
    start = min(sent for sent, _ in timeline)
    slow = [(sent, took) for sent, took in timeline if took > SLOW_SECONDS]
    by_second = Counter(int(sent - start) for sent, _ in slow)
    result: dict[str, Any] = {
        "count": len(slow),
        "busiest_seconds": dict(sorted(by_second.most_common(10))),
    }
    if checks is not None:
        overlapping = sum(
            1
            for sent, took in slow
            if any(begun < sent + took and sent < ended for begun, ended in checks)
        )
        busy = sum(ended - begun for begun, ended in checks)
        result["during_password_checks"] = overlapping
        result["password_check_seconds"] = round(busy, 1)
        result["password_checks_at_second"] = sorted(
            {int(begun - start) for begun, _ in checks if begun >= start}
        )
    return result


def run(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="palermo-bench-load-") as tmp:
        work = Path(tmp)
        setup_django(work / "data", database_url)
        _agency, token = world(args.profiles)
        bodies = travellers(2_000, work)
        port = free_port()
        server_log = work / "server.log"
        server = start_server(port, threads=args.threads, workers=args.workers, log=server_log)
        try:
            wait_until_up(port, timeout=180)  # a loaded machine takes long to import it all
            # the steady state is measured: every server thread (and process) first compiles
            # the plan and opens its database connection; that cold start is reported apart
            warm_up = load(port, token, bodies, args.rate, args.warm_up)
            load_before = os.getloadavg()[0]
            quiet: list[tuple[float, float]] = []
            baseline = load(
                port, token, bodies, args.rate, args.seconds, give_up_after=30, timeline=quiet
            )
            baseline["slow_requests"] = slow_requests(quiet)
            flood = LoginFlood(port, args.flood_rate, args.flood_threads)
            flood.start()
            # the server may fall far behind: what it could not take within 30 s is an error
            flooded: list[tuple[float, float]] = []
            under_flood = load(
                port, token, bodies, args.rate, args.seconds, give_up_after=30, timeline=flooded
            )
            logins = flood.stop()
            under_flood["slow_requests"] = slow_requests(flooded, flood.checked)
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=30)

        from django.db import connection

        vendor = connection.vendor
        logged = server_log.read_bytes()

    def ratio(key: str) -> float:
        return round(under_flood[key] / baseline[key], 2) if baseline[key] else 0.0

    return {
        "database": vendor,
        "server": (
            f"palermo serve: gunicorn, {args.workers} processes x {args.threads} threads, 127.0.0.1"
            if args.workers
            else f"palermo serve: waitress, {args.threads} threads, 127.0.0.1"
        ),
        "active_profiles": args.profiles,
        "rate": args.rate,
        "seconds": args.seconds,
        "warm_up": {
            "seconds": args.warm_up,
            **{k: warm_up[k] for k in ("completed", "p50_ms", "p99_ms", "max_ms", "errors")},
        },
        "baseline": baseline,
        "under_login_flood": under_flood,
        "login_flood": logins,
        "flood_over_baseline": {k: ratio(k) for k in ("p50_ms", "p95_ms", "p99_ms")},
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        # what the server wrote to its log (to a file: see start_server)
        "server_log": {
            "bytes": len(logged),
            "lines": logged.count(b"\n"),
            "task_queue_depth_warnings": logged.count(b"Task queue depth"),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    # issue 14: about 14 attempts/s pushed the API's p95 from 10 to 472 ms
    parser.add_argument(
        "--warm-up", type=float, default=5.0, help="seconds at --rate before measuring"
    )
    parser.add_argument("--flood-rate", type=float, default=14.0, help="log-in attempts/s")
    parser.add_argument("--flood-threads", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16, help="palermo serve --threads")
    parser.add_argument(
        "--workers", type=int, default=None, help="palermo serve --workers (gunicorn processes)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--label", default="", help="the run's key in load.json (default: database)"
    )
    args = parser.parse_args()
    record_run(RESULTS, args.label or args.database, on_database(args, run))


if __name__ == "__main__":
    main()
