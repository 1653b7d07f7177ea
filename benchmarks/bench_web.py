"""Benchmark of the web application (measured, never asserted).

1. The screening API under load: ``palermo serve`` (waitress, 127.0.0.1, a second process) with
   ``--profiles`` active profiles (default 500, variants of the shipped examples); an open-loop
   generator in this process sends ``POST /api/screenings`` at ``--rate`` requests per second
   (default 100) for ``--seconds`` (default 20), synthetic travellers as bodies; p50, p99 and
   max latency and the error count.
2. The case list with ``--cases`` cases (default 100,000): rendering time of the first page
   for a case worker (in-process Django test client, median of ``--renders``).
3. Optional, ``--export-hits N`` (default 0: skipped): N hits (two per traveller, records
   encrypted) and the hit queue's CSV export (``POST /exports/hits/``) as a risk analyst,
   streamed from the server before the API load: time to the first byte and to the whole
   file, its size, and the server process's resident memory before and at its peak while
   streaming (``/proc/<pid>/status``, sampled every 10 ms, the process and its children).

``--database sqlite`` (default: a file in a temporary data directory) or ``--database
postgres``: a database ``palermo_bench_<pid>`` created on ``--postgres-server`` (default
``postgres://postgres@127.0.0.1:5432``) and dropped at the end.

``--workers N`` (N > 1) serves with gunicorn's N processes instead of one waitress process.

Results are printed and written to ``benchmarks/results/web.json`` under ``runs["<database>,
<server>"]`` (a run keeps the figures of the other databases and servers).

    .venv/bin/python benchmarks/bench_web.py
    .venv/bin/python benchmarks/bench_web.py --database postgres
    .venv/bin/python benchmarks/bench_web.py --seconds 5 --cases 10000
    .venv/bin/python benchmarks/bench_web.py --export-hits 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.cookies
import json
import os
import platform
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "web.json"
sys.path.insert(0, str(HERE))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_postgres_database(server: str) -> tuple[str, str]:
    """A fresh, empty bench database on ``server``: (its URL, its name)."""
    import psycopg

    name = f"palermo_bench_{os.getpid()}"
    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server.rstrip('/')}/{name}", name


def drop_postgres_database(server: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on_database(
    args: argparse.Namespace, run: Callable[[argparse.Namespace, str], dict[str, Any]]
) -> dict[str, Any]:
    """``run(args, database_url)`` on SQLite (``--database sqlite``: URL empty) or on a fresh
    PostgreSQL database on ``--postgres-server``, dropped afterwards whatever happens."""
    database_url, pg_name = "", ""
    if args.database == "postgres":
        database_url, pg_name = create_postgres_database(args.postgres_server)
    try:
        return run(args, database_url)
    finally:
        if pg_name:
            drop_postgres_database(args.postgres_server, pg_name)


def machine() -> dict[str, Any]:
    """The machine a benchmark ran on, stored with its figures."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def record_run(results: Path, key: str, result: dict[str, Any]) -> None:
    """Keep ``result`` as the run ``key`` of the ``results`` file (other runs kept), with the
    machine, and print it."""
    previous = json.loads(results.read_text(encoding="utf-8")) if results.exists() else {}
    runs = previous.get("runs", {}) if isinstance(previous, dict) else {}
    runs[key] = result
    everything = {"machine": machine(), "runs": runs}
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps(everything, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


def setup_django(data_dir: Path, database_url: str = "") -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PALERMO_DATA_DIR"] = str(data_dir)
    os.environ["PALERMO_DATABASE_URL"] = database_url
    os.environ.setdefault("PALERMO_SECRET_KEY", "bench-only-" + "z" * 50)
    os.environ["DJANGO_SETTINGS_MODULE"] = "palermo.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def profile_texts(count: int) -> dict[str, str]:
    from palermo.profiles.profile_set import profile_document
    from profile_variants import variants

    texts = {}
    for p in variants(count).profiles:
        doc = profile_document(p)
        doc["valid_from"], doc["review_by"] = p.valid_from, p.review_by
        texts[p.id] = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    return texts


def world(profiles: int) -> tuple[Any, str]:
    """Agency, users, ``profiles`` active profiles and an API token for a border system."""
    from django.utils import timezone

    from palermo.web.accounts.models import Agency
    from palermo.web.accounts.services import api_token_create
    from palermo.web.profiles import services
    from palermo.web.profiles.models import ProfileVersion, RiskProfile
    from palermo.web.profiles.registry import named_list_texts
    from palermo.web.testsupport import make_user

    agency = Agency.objects.create(name="Bench post", kind="border_post", code="bench")
    analyst = make_user("analyst", agency=agency, role="risk_analyst")
    supervisor = make_user("supervisor", agency=agency, role="supervisor")
    services.shipped_lists_install(analyst=analyst, approver=supervisor)
    now = timezone.now()
    texts = profile_texts(profiles)
    from palermo.profiles.loader import profile_set_from_texts

    built = profile_set_from_texts({f"{k}.yaml": v for k, v in texts.items()}, named_list_texts())
    for p in built.profiles:  # bulk: the workflow itself is tested, not benchmarked
        rp = RiskProfile.objects.create(profile_id=p.id, created_at=now)
        ProfileVersion.objects.create(
            profile=rp,
            version=p.version,
            source_name=f"{p.id}.yaml",
            yaml_text=texts[p.id],
            title_en=p.title.en[:300],
            title_zh=p.title.zh[:300],
            owner=p.owner,
            valid_from=p.valid_from,
            review_by=p.review_by,
            status="active",
            author=analyst,
            approved_by=supervisor,
            agency=agency,
            created_at=now,
        )
    services._refresh_active_stamp()
    _record, token = api_token_create(
        name="border system", agency=agency, role="first_line_officer", created_by=supervisor
    )
    return agency, token


def travellers(count: int, work: Path) -> list[bytes]:
    """Synthetic travellers as API request bodies: those the API accepts. The generator draws
    the dates apart, so a few are born after their document was issued or their journey, a
    422 that would count as an error of the server."""
    from palermo.synth.write import write_population

    out = work / "bench-travellers.parquet"
    write_population(out, count, 7, truth=work / "bench-truth.parquet")
    bodies = []
    for row in pq.read_table(out).to_pylist():
        plain = {
            k: (
                v.isoformat()
                if isinstance(v, dt.date)
                else ";".join(v)
                if isinstance(v, list)
                else v
            )
            for k, v in row.items()
            if v is not None
        }
        born = plain.get("date_of_birth", "")
        later = [plain.get(k, "") for k in ("document_issue_date", "event_date")]
        if not born or all(not d or born <= d for d in later):
            bodies.append(json.dumps(plain).encode("utf-8"))
    return bodies


def percentile_ms(ordered: list[float], q: float) -> float:
    """The ``q`` quantile of sorted seconds, in milliseconds (0 for none)."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def load(
    port: int,
    token: str,
    bodies: list[bytes],
    rate: float,
    seconds: float,
    *,
    give_up_after: float | None = None,
    timeline: list[tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """Open loop: request i is due at start + i / rate; latency is measured from sending.

    With ``give_up_after``, a request not sent within that many seconds after the run's end
    (the server is too slow to keep up) is not sent and counts as an error. ``timeline``, if
    given, receives (``time.perf_counter()`` when sent, seconds taken) of every answer."""
    total = int(rate * seconds)
    due: queue.Queue[int | None] = queue.Queue()
    latencies: list[float] = []
    lateness: list[float] = []
    errors: list[str] = []
    hits = [0]
    answers: list[tuple[float, float]] = [] if timeline is None else timeline
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            i = due.get()
            if i is None:
                conn.close()
                return
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))
            sent = time.perf_counter()
            if give_up_after is not None and sent > start + seconds + give_up_after:
                with lock:
                    errors.append(f"not sent: over {give_up_after:g} s behind")
                continue
            try:
                conn.request(
                    "POST",
                    "/api/screenings",
                    body=bodies[i % len(bodies)],
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                response = conn.getresponse()
                payload = response.read()
                took = time.perf_counter() - sent
                with lock:
                    latencies.append(took)
                    answers.append((sent, took))
                    lateness.append(max(0.0, sent - (start + i / rate)))
                    if response.status != 200:
                        errors.append(f"{response.status} {payload[:120]!r}")
                    else:
                        hits[0] += len(json.loads(payload)["hits"])
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(16)]
    for t in threads:
        t.start()
    for i in range(total):
        due.put(i)
    for _ in threads:
        due.put(None)
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return percentile_ms(ordered, q)

    return {
        "requests": total,
        "completed": len(latencies),
        "achieved_rate": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p95_ms": round(pct(0.95), 2),
        "p99_ms": round(pct(0.99), 2),
        "max_ms": round(pct(1.0), 2),
        "mean_ms": round(statistics.fmean(ordered or [0.0]) * 1000, 2),
        "p99_send_lateness_ms": round(percentile_ms(sorted(lateness), 0.99), 2),
        "errors": len(errors),
        "error_examples": errors[:5],
        "hits_returned": hits[0],
    }


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def make_cases(agency: Any, count: int) -> Any:
    """``count`` cases at ``agency`` (encrypted personal fields), in bulk."""
    from django.utils import timezone

    from palermo.web.cases.models import Case, Person
    from palermo.web.testsupport import make_user

    opener = make_user("interviewer", agency=agency, role="second_line_interviewer")
    worker = make_user("caseworker", agency=agency, role="case_worker")
    now = timezone.now()
    batch = 5_000
    for first in range(0, count, batch):
        n = min(batch, count - first)
        people = Person.objects.bulk_create(
            [
                Person(
                    pseudonym=f"P-B{first + i:07d}",
                    agency=agency,
                    full_name=f"Person {first + i}",
                    document_number=f"E{first + i:08d}",
                    contact="",
                    created_at=now,
                )
                for i in range(n)
            ]
        )
        Case.objects.bulk_create(
            [
                Case(
                    reference=f"C-B{first + i:07d}",
                    agency=agency,
                    person=person,
                    status=("identified", "referred", "assisted", "closed")[(first + i) % 4],
                    outcome=("possible", "presumed")[(first + i) % 2],
                    opened_by=opener,
                    opened_at=now - dt.timedelta(minutes=first + i),
                    updated_at=now,
                    updated_by=opener,
                )
                for i, person in enumerate(people)
            ]
        )
    from palermo.web.lib.statistics import analyze_after_bulk_load

    analyze_after_bulk_load(Person, Case, rows=count)  # PostgreSQL: as a real bulk load does
    return worker


def make_hits(agency: Any, count: int, bodies: list[bytes]) -> Any:
    """``count`` pending hits at ``agency``, two per traveller (records encrypted), in bulk; the
    risk analyst who exports them."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from palermo.web.screening.models import PENDING, Hit, Traveller

    analyst = get_user_model().objects.get(username="analyst")
    now = timezone.now()
    batch = 5_000  # travellers per round
    travellers_needed = (count + 1) // 2
    made = 0
    for first in range(0, travellers_needed, batch):
        n = min(batch, travellers_needed - first)
        screened = Traveller.objects.bulk_create(
            [
                Traveller(
                    agency=agency,
                    screened_by=analyst,
                    screened_at=now - dt.timedelta(seconds=first + i),
                    record_id=f"bench-{first + i:07d}",
                    event_kind="entry",
                    port="PEK",
                    event_date=dt.date(2026, 11, 1),
                    record=bodies[(first + i) % len(bodies)].decode("utf-8"),
                    set_version="bench",
                )
                for i in range(n)
            ]
        )
        hits = []
        for traveller in screened:
            for k in range(min(2, count - made)):
                made += 1
                hits.append(
                    Hit(
                        traveller=traveller,
                        agency=agency,
                        rule_id=f"bench-profile-{k}",
                        rule_version="1",
                        weight=0.7,
                        title_en="Travel pattern of a recruited worker",
                        title_zh="被招募工人的出行模式",
                        reasons=Hit.reasons_text(
                            ["ticket bought by a third party", "first trip abroad"],
                            ["机票由第三方购买", "首次出境"],
                        ),
                        indicators=["BRD-01", "BRD-07"],
                        set_version="bench",
                        status=PENDING,
                        port="PEK",
                        event_date=dt.date(2026, 11, 1),
                        created_at=traveller.screened_at,
                    )
                )
        Hit.objects.bulk_create(hits, batch_size=2_000)
    from palermo.web.lib.statistics import analyze_after_bulk_load

    analyze_after_bulk_load(Traveller, Hit, rows=made)  # PostgreSQL: as a real bulk load does
    return analyst


def process_tree_rss(pid: int) -> int:
    """Resident memory (bytes) of ``pid`` and its descendants; 0 where /proc cannot say."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
        pending.extend(int(child) for child in children)
    return total


def hit_export_stream(port: int, analyst: Any, server_pid: int, hits: int) -> dict[str, Any]:
    """The whole hit queue as CSV from the running server, as ``analyst``."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(analyst)  # a session row the server reads from the same database
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

    def cookie_header() -> str:
        return "; ".join(f"{k}={v}" for k, v in cookies.items())

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/exports/hits/", headers={"Cookie": cookie_header()})
    page = conn.getresponse()
    page.read()
    assert page.status == 200, page.status
    for header in page.headers.get_all("Set-Cookie") or []:
        jar = http.cookies.SimpleCookie(header)
        cookies.update({k: morsel.value for k, morsel in jar.items()})
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": cookies[settings.CSRF_COOKIE_NAME]})
    rss_before = process_tree_rss(server_pid)
    peak = [rss_before]
    streaming = threading.Event()
    streaming.set()

    def sample() -> None:
        while streaming.is_set():
            peak[0] = max(peak[0], process_tree_rss(server_pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    conn.request(
        "POST",
        "/exports/hits/",
        body=body,
        headers={
            "Cookie": cookie_header(),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    response = conn.getresponse()
    assert response.status == 200, (response.status, response.read()[:500])
    first_byte = 0.0
    size = lines = 0
    while chunk := response.read(64 * 1024):
        if not size:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
    total = time.perf_counter() - started
    streaming.clear()
    sampler.join()
    conn.close()
    return {
        "hits": hits,
        "rows": lines - 1,  # the header line
        "first_byte_ms": round(first_byte * 1000, 1),
        "seconds": round(total, 2),
        "rows_per_second": round((lines - 1) / total),
        "mib": round(size / 2**20, 1),
        "server_rss_before_mib": round(rss_before / 2**20, 1),
        "server_rss_peak_mib": round(peak[0] / 2**20, 1),
    }


def case_list_render(worker: Any, renders: int) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    from palermo.web.testsupport import verify_session_with_second_factor

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(worker)
    verify_session_with_second_factor(client, worker)  # case workers confirm with a code
    url = reverse("cases:list")
    times = []
    for _ in range(renders + 1):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    times = times[1:]  # the first render warms caches
    return {
        "renders": renders,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument(
        "--export-hits",
        type=int,
        default=0,
        metavar="N",
        help="also stream the hit queue's CSV export with N hits (0: skip)",
    )
    parser.add_argument("--threads", type=int, default=16, help="palermo serve --threads")
    parser.add_argument("--workers", type=int, default=1, help="palermo serve --workers")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    server = "waitress" if args.workers == 1 else "gunicorn"
    record_run(RESULTS, f"{args.database}, {server}", on_database(args, run))


def start_server(
    port: int, *, threads: int, workers: int | None = None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """``palermo serve`` in a second process on 127.0.0.1:``port`` (``bench_load.py`` too).

    Its log (stderr) goes to the file ``log`` (default: an anonymous temporary file), never
    to a pipe: nobody reads a pipe while the benchmark runs, and once its 64 KiB are full
    every server thread that logs (a 4xx answer, waitress's "task queue depth") blocks on the
    write, holding the logging lock, and the server stops answering - the log-in flood's 429
    answers filled it within a minute (issue 14: the 204 "errors" on PostgreSQL)."""
    command = [sys.executable, "-m", "palermo.cli.main", "serve", "--port", str(port)]
    command += ["--threads", str(threads)]
    if workers is not None:
        command += ["--workers", str(workers)]
    env = {**os.environ, "PALERMO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    with log.open("wb") if log is not None else tempfile.TemporaryFile() as stderr:
        # the child has its own copy of the file descriptor
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def run(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="palermo-bench-web-") as tmp:
        work = Path(tmp)
        setup_django(work / "data", database_url)
        agency, token = world(args.profiles)
        bodies = travellers(2_000, work)
        export: dict[str, Any] = {}
        if args.export_hits:
            started = time.perf_counter()
            analyst = make_hits(agency, args.export_hits, bodies)
            export["create_seconds"] = round(time.perf_counter() - started, 1)
        port = free_port()
        server = start_server(port, threads=args.threads, workers=args.workers)
        try:
            wait_until_up(port)
            if args.export_hits:  # before the load: the queue holds exactly N hits
                export.update(hit_export_stream(port, analyst, server.pid, args.export_hits))
            warm = load(port, token, bodies, 20, 1)  # compile the plan, open connections
            load_before = os.getloadavg()[0]
            api = load(port, token, bodies, args.rate, args.seconds)
            # other work on the machine shows in the tail: the run reports the load it had
            api["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        finally:
            server.terminate()
            server.wait(timeout=30)
        api["warm_up_errors"] = warm["errors"]
        started = time.perf_counter()
        worker = make_cases(agency, args.cases)
        created = time.perf_counter() - started
        cases = case_list_render(worker, args.renders)
        cases["cases"] = args.cases
        cases["create_seconds"] = round(created, 1)

        from django.db import connection

        vendor = connection.vendor
    return {
        "database": vendor,
        "server": (
            f"waitress, {args.threads} threads"
            if args.workers == 1
            else f"gunicorn, {args.workers} processes x {args.threads} threads"
        )
        + ", 127.0.0.1",
        "screening_api": {
            "active_profiles": args.profiles,
            "target_rate": args.rate,
            "seconds": args.seconds,
            **api,
        },
        "case_list": cases,
        **({"hit_export": export} if export else {}),
    }


if __name__ == "__main__":
    main()
