"""Batch screening as a background task (django-tasks, database backend).

``batch_job_create`` enqueues ``screen_batch`` in the transaction that creates the job; a
worker (``palermo.web.jobs.worker``) runs it. Running it twice is harmless: only a queued job is
claimed, and a job's travellers and hits are written in one transaction with its ``done``
status. When the worker dies mid-run, ``palermo.web.jobs.recovery`` calls
``batch_job_worker_lost``: the job is queued again, or failed with the reason.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from palermo.web.jobs.recovery import on_housekeeping, on_worker_lost
from palermo.web.lib.queue import register
from palermo.web.screening.services import (
    batch_job_run,
    batch_job_worker_lost,
    batch_uploads_sweep,
)

on_housekeeping(batch_uploads_sweep)


@task()
def screen_batch(job_id: int) -> str:
    job = batch_job_run(job_id=job_id)
    return job.status if job is not None else "not queued"


register("screen_batch", screen_batch)


@on_worker_lost(screen_batch)
def _screen_batch_lost(
    args: list[Any], kwargs: dict[str, Any], *, resumed: bool, reason: str
) -> None:
    job_id = int(kwargs["job_id"] if "job_id" in kwargs else args[0])
    batch_job_worker_lost(job_id=job_id, resumed=resumed, reason=reason)
