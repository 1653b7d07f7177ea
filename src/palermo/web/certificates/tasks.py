"""The daily refresher reminder as a background task (planned by ``palermo.web.jobs.schedule``)."""

from __future__ import annotations

from django_tasks import task

from palermo.web.certificates.services import certificate_reminders_send


@task()
def certificate_reminders_daily() -> dict[str, int]:
    """Tell the holders of certificates ending soon to take a refresher (each once)."""
    return {"reminded": certificate_reminders_send()}
