"""The daily check of identification deadlines (planned by ``palermo.web.jobs.schedule``)."""

from __future__ import annotations

from django_tasks import task

from palermo.web.nrm.services import identifications_overdue_notify


@task()
def identifications_overdue() -> dict[str, list[int]]:
    """Tell the competent authority and the referring agency about every identification
    decision past its deadline (or the recovery period's end) and not recorded; once each."""
    return {"overdue": identifications_overdue_notify()}
