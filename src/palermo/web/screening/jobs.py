"""Running batch jobs in the background.

``BATCH_JOBS_MODE`` (setting, default ``thread``): ``thread`` runs each job in a daemon thread
of the web process right after the upload; ``worker`` leaves it queued for
``manage.py run_batch_jobs`` (a separate worker process, for national deployments); ``inline``
runs it before the upload's response returns (tests, and very small files).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import close_old_connections

from palermo.web.screening.services import batch_job_run

MODES = ("thread", "worker", "inline")


def jobs_mode() -> str:
    mode = str(getattr(settings, "BATCH_JOBS_MODE", "thread"))
    return mode if mode in MODES else "thread"


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        batch_job_run(job_id=job_id)
    finally:
        close_old_connections()


def dispatch(job_id: int) -> None:
    """Start the job the configured way."""
    mode = jobs_mode()
    if mode == "inline":
        batch_job_run(job_id=job_id)
    elif mode == "thread":
        threading.Thread(
            target=_run_in_thread, args=(job_id,), name=f"batch-job-{job_id}", daemon=True
        ).start()
