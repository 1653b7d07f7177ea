"""What the background workers leave in the database beside django-tasks' own task rows.

``WorkerBeat``: one row per running worker, touched every few seconds; a task still marked
running whose worker stopped beating was cut short (the process was killed) and is resumed or
failed by ``palermo.web.jobs.recovery``. ``ScheduledRun``: one row per planned run of a
scheduled task, unique per name and time, so that several workers plan it once.
"""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"


class ScheduledRun(models.Model):
    name = models.CharField(max_length=64)
    due_at = models.DateTimeField()
    task_id = models.CharField(max_length=64)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("name", "due_at"), name="scheduled_run_once"),
        )

    def __str__(self) -> str:
        return f"{self.name} at {self.due_at:%Y-%m-%d %H:%M}"
