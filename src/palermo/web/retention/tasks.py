"""The daily retention run as a background task (planned by ``palermo.web.jobs.schedule``)."""

from __future__ import annotations

from django_tasks import task

from palermo.web.retention.services import retention_run


@task()
def retention_daily() -> dict[str, int]:
    """Mask what passed the retention period since the last run (running it twice masks
    nothing more: each traveller is masked once)."""
    report = retention_run(apply=True, actor_label="scheduled retention run")
    return {"masked": report.masked, "kept_linked": report.kept_linked}
