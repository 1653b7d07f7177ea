"""Benchmark of a batch screening through the web application (measured, never asserted).

A synthetic manifest of ``--rows`` travellers (default 2,000,000; Parquet, or ``--format csv``)
is uploaded to the batch page of a running ``palermo serve --no-worker`` (waitress, 127.0.0.1,
a second process) as a logged-in supervisor, and screened by ``palermo web worker`` (a third
process)
against the 16 shipped example profiles. The resident memory of the server and of the worker
(``/proc``, each with its children, sampled every 20 ms) is recorded from before the upload
until the job is done: the growth over each process's idle memory is the figure. The same is
measured in the same run for a manifest of ``--baseline-rows`` (default 200,000): memory that
followed the file would grow tenfold; memory bounded by the batch (``WEB_BATCH_ROWS``) and by
the travellers kept does not.

The manifest limits are raised for the run (``PALERMO_MANIFEST_MAX_ROWS``, ``..._BYTES``,
``..._DECOMPRESSED_BYTES``), as an installation screening a national day's file would.

Results are printed and written to ``benchmarks/results/batch.json`` under
``runs["<database>,<format>"]``, with the machine and its load average.

    .venv/bin/python benchmarks/bench_batch.py
    .venv/bin/python benchmarks/bench_batch.py --rows 500000 --baseline-rows 50000
    .venv/bin/python benchmarks/bench_batch.py --database postgres --format csv
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench_web import (
    free_port,
    on_database,
    process_tree_rss,
    record_run,
    setup_django,
    wait_until_up,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "batch.json"
LIMITS = {
    "PALERMO_MANIFEST_MAX_ROWS": "20000000",
    "PALERMO_MANIFEST_MAX_BYTES": str(8 << 30),
    "PALERMO_MANIFEST_MAX_DECOMPRESSED_BYTES": str(32 << 30),
}


class Sampler:
    """The highest resident memory of each process tree seen while running."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> dict[str, int]:
        return {name: process_tree_rss(pid) for name, pid in self.pids.items()}

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, rss in self.now().items():
                self.peak[name] = max(self.peak[name], rss)
            self._stop.wait(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def manifest(rows: int, fmt: str, work: Path) -> Path:
    from palermo.synth.write import write_population

    out = work / f"manifest-{rows}.{fmt}"
    if not out.exists():
        write_population(out, rows, 11, truth=work / f"truth-{rows}.parquet")
    return out


def logged_in_cookies(user: Any, port: int) -> dict[str, str]:
    """A session for ``user`` (a row the server reads) and the CSRF cookie of the batch page."""
    from django.conf import settings
    from django.test import Client

    from palermo.web.testsupport import verify_session_with_second_factor

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    verify_session_with_second_factor(client, user)  # a supervisor signs in with a second factor
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/screening/batches/", headers={"Cookie": _cookie_header(cookies)})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"batch page: {response.status} {response.getheader('Location')}")
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith(settings.CSRF_COOKIE_NAME + "="):
            cookies[settings.CSRF_COOKIE_NAME] = value.split(";", 1)[0].split("=", 1)[1]
    conn.close()
    return cookies


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def upload(port: int, cookies: dict[str, str], path: Path) -> int:
    """POST the manifest to the batch page as a browser would; the job's id."""
    from django.conf import settings

    boundary = uuid.uuid4().hex
    token = cookies[settings.CSRF_COOKIE_NAME]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="manifest"; filename="{path.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = len(head) + path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    conn.putrequest("POST", "/screening/batches/")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(size))
    conn.putheader("Cookie", _cookie_header(cookies))
    conn.putheader("Referer", f"http://127.0.0.1:{port}/screening/batches/")
    conn.endheaders()
    conn.send(head)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    body = response.read()
    location = response.getheader("Location") or ""
    conn.close()
    if response.status != 302 or "/screening/batches/" not in location:
        raise RuntimeError(f"upload refused: {response.status} {body[:500]!r}")
    return int(location.rstrip("/").rsplit("/", 1)[1])


def wait_for(job_id: int, timeout: float) -> Any:
    from django.db import connection

    from palermo.web.screening.models import BatchJob, JobStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection.close()  # the worker writes from another process: read afresh
        job = BatchJob.objects.get(pk=job_id)
        if job.status not in {JobStatus.QUEUED.value, JobStatus.RUNNING.value}:
            return job
        time.sleep(0.5)
    raise RuntimeError(f"job {job_id} not finished after {timeout:.0f} s")


def settled(pid: int, *, quiet: float = 3.0, timeout: float = 120.0) -> None:
    """Wait until ``pid``'s memory has not changed by more than 1 MiB for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    last, since = process_tree_rss(pid), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.25)
        now = process_tree_rss(pid)
        if abs(now - last) > 1 << 20:
            last, since = now, time.monotonic()


def one_manifest(path: Path, rows: int, port: int, cookies: dict[str, str]) -> dict[str, Any]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "palermo.cli.main", "web", "worker", "--interval", "0.2"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        pids = {"server": SERVER_PID[0], "worker": worker.pid}
        settled(worker.pid)  # the worker's start-up (Django, the active profiles) is not growth
        with Sampler(pids) as sampler:
            idle = sampler.now()
            started = time.perf_counter()
            job_id = upload(port, cookies, path)
            uploaded = time.perf_counter() - started
            job = wait_for(job_id, timeout=3600)
            seconds = time.perf_counter() - started
        if job.status != "done":
            raise RuntimeError(f"job ended {job.status}: {job.problems}")
        growth = {name: sampler.peak[name] - idle[name] for name in pids}
        return {
            "rows": rows,
            "file_bytes": path.stat().st_size,
            "upload_seconds": round(uploaded, 2),
            "seconds_upload_to_done": round(seconds, 2),
            "records_per_second": round(rows / seconds),
            "travellers_stored": job.traveller_count,
            "hits": job.hit_count,
            "idle_rss_bytes": idle,
            "peak_rss_bytes": sampler.peak,
            "growth_bytes": growth,
            "growth_server_plus_worker_bytes": sum(growth.values()),
        }
    finally:
        worker.terminate()  # the figures are taken: a worker slow to stop is killed
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


SERVER_PID = [0]


def run(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    load_at_start = os.getloadavg()[0]
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="palermo-bench-batch-"))
    os.environ.update(LIMITS)
    setup_django(data, database_url)
    from bench_web import world
    from palermo.web.accounts.models import User

    world(16)
    supervisor = User.objects.get(username="supervisor")
    files = {n: manifest(n, args.format, work) for n in (args.baseline_rows, args.rows)}
    port = free_port()
    # the server without its embedded task thread: the upload is measured in the server, the
    # screening in the worker (with the thread, the server process does both)
    server = subprocess.Popen(
        [sys.executable, "-m", "palermo.cli.main", "serve", "--port", str(port), "--no-worker"],
        env={**os.environ, "PALERMO_ALLOWED_HOSTS": "127.0.0.1,localhost"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    SERVER_PID[0] = server.pid
    try:
        wait_until_up(port)
        cookies = logged_in_cookies(supervisor, port)
        figures = {
            "baseline": one_manifest(files[args.baseline_rows], args.baseline_rows, port, cookies),
            "large": one_manifest(files[args.rows], args.rows, port, cookies),
        }
    finally:
        server.terminate()
        server.wait(timeout=60)
    base, large = figures["baseline"], figures["large"]
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_1min_at_start": round(load_at_start, 2),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "format": args.format,
        "profiles": "the 16 shipped examples",
        "generator": "palermo synth travellers (seed 11): about 0.5% embedded cases",
        **figures,
        "rows_ratio": round(args.rows / args.baseline_rows, 1),
        "growth_ratio": round(
            large["growth_server_plus_worker_bytes"]
            / max(1, base["growth_server_plus_worker_bytes"]),
            2,
        ),
        "target_growth_bytes": 1 << 30,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--work-dir", default="var/bench")
    args = parser.parse_args()
    result = on_database(args, run)
    record_run(RESULTS, f"{args.database},{args.format}", result)


if __name__ == "__main__":
    main()
