"""``manage.py run_batch_jobs``: the batch-screening worker (``BATCH_JOBS_MODE=worker``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from palermo.web.screening.services import batch_jobs_run_queued


class Command(BaseCommand):
    help = "Run queued batch screenings; with --once, run those queued now and stop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=2.0)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            done = batch_jobs_run_queued()
            if done:
                self.stdout.write(f"{done} job(s) run")
            if options["once"]:
                return
            time.sleep(max(0.2, float(options["interval"])))
