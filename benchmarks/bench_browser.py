"""Benchmark of the front line in the browser (measured, never asserted).

What an officer and a case worker wait for, as Chromium (Debian's, through Playwright) shows
it, against ``palermo serve`` (waitress, 127.0.0.1, a second process):

1. The desk round trip: on the screening desk, a traveller typed in (observations ticked) and
   *Screen* clicked, until the hits are on the page (the result's heading in ``#result``):
   ``--screens`` times (default 30), with ``--profiles`` active profiles (default 500).
2. The case search with ``--cases`` cases (default 100,000, names in the keyed blind index):
   the case list's search box, a query typed and *Search* clicked, until htmx has swapped the
   rows in: ``--searches`` times (default 30), two in three by a name (Latin or Chinese
   characters, each matching about ten cases), one in three by a reference's beginning.

Each figure is printed with its ratio to a baseline measured in the same run and browser: the
home page loaded (navigation to its ``load`` event). Targets from issue 9: desk p95 < 300 ms,
case search p95 < 200 ms (the script reports, it does not judge).

``--database sqlite`` (default) or ``postgres`` (a database ``palermo_bench_<pid>`` on
``--postgres-server``, dropped at the end). Results: ``benchmarks/results/browser.json`` under
``runs["<database>"]``.

    .venv/bin/python benchmarks/bench_browser.py
    .venv/bin/python benchmarks/bench_browser.py --database postgres --cases 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "browser.json"
sys.path.insert(0, str(HERE))

from bench_web import (  # noqa: E402
    free_port,
    make_cases,
    on_database,
    percentile_ms,
    record_run,
    setup_django,
    start_server,
    wait_until_up,
    world,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SURNAMES = [
    "Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
    "Nguyen", "Tran", "Le", "Pham", "Aung", "Kyaw", "Soe", "Htun", "Thapa", "Gurung",
]  # fmt: skip
GIVEN = [f"{a}{b}" for a in ("Xiao", "Wei", "Hong", "Mei", "Jun") for b in ("ming", "li", "fang")]
HAN = {"Zhang": "张", "Wang": "王", "Li": "李", "Liu": "刘", "Chen": "陈"}
HAN_GIVEN = {"Xiaoming": "晓明", "Weili": "伟力", "Meifang": "美芳"}


def person_name(i: int) -> str:
    return f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[(i // len(SURNAMES)) % len(GIVEN)]}"


def index_case_names(count: int) -> float:
    """Give the bulk-made cases names from small pools (about ``count`` / 300 cases share a
    name) and their blind-index tokens, as ``case_open`` does. Returns seconds taken."""
    from django.db import transaction

    from palermo.web.cases.models import Case, CaseNameToken, Person
    from palermo.web.lib.blind_index import name_digests
    from palermo.web.lib.crypto import keyring

    started = time.perf_counter()
    ring = keyring()
    digests = {i: name_digests(person_name(i), ring) for i in range(len(SURNAMES) * len(GIVEN))}
    rows = list(Case.objects.order_by("pk").values_list("pk", "person_id"))
    for first in range(0, len(rows), 2_000):
        with transaction.atomic():
            chunk = rows[first : first + 2_000]
            people, tokens = [], []
            for offset, (case_id, person_id) in enumerate(chunk):
                i = (first + offset) % len(digests)
                people.append(Person(pk=person_id, full_name=person_name(i)))
                tokens += [
                    CaseNameToken(case_id=case_id, key_id=k, digest=d) for k, d in digests[i]
                ]
            Person.objects.bulk_update(people, ["full_name"])
            CaseNameToken.objects.bulk_create(tokens)
    return time.perf_counter() - started


def session_cookie(user: Any) -> dict[str, Any]:
    """A logged-in session for ``user`` (second factor confirmed), as a browser cookie."""
    from django.conf import settings
    from django.test import Client

    from palermo.web.testsupport import verify_session_with_second_factor

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    verify_session_with_second_factor(client, user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": "http://127.0.0.1"}


def summary(seconds: list[float], baseline_ms: float) -> dict[str, Any]:
    ordered = sorted(seconds)
    p95 = percentile_ms(ordered, 0.95)
    return {
        "n": len(ordered),
        "p50_ms": round(percentile_ms(ordered, 0.50), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "p95_over_home_page_p50": round(p95 / baseline_ms, 2) if baseline_ms else None,
    }


def home_page_loads(page: Any, base: str, n: int) -> float:
    times = []
    for _ in range(n + 1):
        started = time.perf_counter()
        page.goto(f"{base}/", wait_until="load")
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]) * 1000


def desk_round_trips(page: Any, base: str, n: int) -> list[float]:
    times = []
    today = dt.date.today().isoformat()  # noqa: DTZ011  (the server's day is the machine's)
    for i in range(n + 1):
        page.goto(f"{base}/screening/desk/")
        page.select_option("#id_event_kind", "exit")
        page.fill("#id_port", "PEK")
        page.fill("#id_event_date", today)
        page.fill("#id_surname", SURNAMES[i % len(SURNAMES)].upper())
        page.fill("#id_given_names", "WEI")
        page.fill("#id_date_of_birth", "1990-03-07")
        page.fill("#id_nationality", "MM")
        for name in ("document_held_by_other", "companion_answers", "fearful"):
            page.check(f"#id_obs_{name}")
        started = time.perf_counter()
        page.click("form.desk button.primary")
        page.wait_for_selector("#result h2")
        times.append(time.perf_counter() - started)
    return times[1:]  # the first warms the server's caches


def case_searches(page: Any, base: str, n: int, cases: int) -> tuple[list[float], list[int]]:
    rng = random.Random(9)
    page.goto(f"{base}/cases/")
    times, found = [], []
    for i in range(n + 1):
        if i % 3 == 2:
            # a reference's beginning (bench references: C-B and seven digits)
            query = f"C-B{rng.randrange(max(1, cases // 10_000)):03d}"
        else:
            surname = rng.choice(list(HAN)) if i % 3 == 1 else rng.choice(SURNAMES)
            given = rng.choice(list(HAN_GIVEN)) if i % 3 == 1 else rng.choice(GIVEN)
            query = f"{surname} {given}"
            if i % 3 == 1:  # the same name in Chinese characters
                query = HAN[surname] + HAN_GIVEN[given]
        page.fill("#id_q", query)
        started = time.perf_counter()
        page.click("form.filters button[type=submit]")
        page.wait_for_selector("form.filters.htmx-request", state="detached")
        page.wait_for_selector("#case-rows table")
        times.append(time.perf_counter() - started)
        caption = page.inner_text("#case-rows caption")
        found.append(int("".join(ch for ch in caption.split()[0] if ch.isdigit()) or 0))
    return times[1:], found[1:]


def run(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="palermo-bench-browser-") as tmp:
        work = Path(tmp)
        setup_django(work / "data", database_url)
        agency, _token = world(args.profiles)
        from palermo.web.testsupport import make_user

        officer = make_user("officer", agency=agency, role="first_line_officer")
        started = time.perf_counter()
        worker = make_cases(agency, args.cases)
        created = time.perf_counter() - started
        indexed = index_case_names(args.cases)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(port, threads=args.threads)
        # sessions made before Playwright's event loop runs (Django refuses queries inside it)
        officer_cookie, worker_cookie = session_cookie(officer), session_cookie(worker)
        try:
            try:
                wait_until_up(port, timeout=180)
            except RuntimeError:
                server.terminate()
                raise RuntimeError(server.communicate(timeout=30)[1].decode()[-2000:]) from None
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    desk_context = browser.new_context(viewport={"width": 1280, "height": 900})
                    desk_context.add_cookies([officer_cookie])
                    page = desk_context.new_page()
                    baseline = home_page_loads(page, base, 10)
                    desk = desk_round_trips(page, base, args.screens)
                    case_context = browser.new_context(viewport={"width": 1280, "height": 900})
                    case_context.add_cookies([worker_cookie])
                    page = case_context.new_page()
                    search, found = case_searches(page, base, args.searches, args.cases)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connection

        vendor = connection.vendor
    return {
        "database": vendor,
        "server": f"waitress, {args.threads} threads, 127.0.0.1",
        "home_page_load_p50_ms": round(baseline, 1),
        "desk_round_trip": {
            "active_profiles": args.profiles,
            "target_p95_ms": 300,
            **summary(desk, baseline),
        },
        "case_search": {
            "cases": args.cases,
            "create_seconds": round(created, 1),
            "index_seconds": round(indexed, 1),
            "target_p95_ms": 200,
            "median_cases_found": statistics.median(found) if found else 0,
            **summary(search, baseline),
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=500)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--screens", type=int, default=30)
    parser.add_argument("--searches", type=int, default=30)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    record_run(RESULTS, args.database, on_database(args, run))


if __name__ == "__main__":
    main()
