"""The daily follow-up check as a background task (planned by ``palermo.web.jobs.schedule``)."""

from __future__ import annotations

from django_tasks import task

from palermo.web.consular.services import follow_ups_notify


@task()
def follow_ups_daily() -> dict[str, int]:
    """Announce the follow-ups after return that fell due (each once, however often it runs)."""
    return {"announced": follow_ups_notify()}
