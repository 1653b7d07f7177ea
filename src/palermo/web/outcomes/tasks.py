"""The daily review notice as a background task (planned by ``palermo.web.jobs.schedule``)."""

from __future__ import annotations

from django_tasks import task

from palermo.web.outcomes.services import profile_reviews_notify


@task()
def profile_reviews_daily() -> dict[str, list[int]]:
    """Send each active profile version's outcomes to its holders as its review date nears
    (once per review date)."""
    return {"told": profile_reviews_notify()}
