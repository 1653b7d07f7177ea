"""Scheduled tasks: planned as ordinary django-tasks rows with a ``run_after`` time.

Each workers' housekeeping calls ``plan_scheduled()``: for every enabled schedule it makes
sure the next run is planned. The plan is a ``ScheduledRun`` row (unique per name and time)
written in the transaction that enqueues the task, so several workers plan it once; a run
missed while no worker was up is run when one starts (its ``run_after`` has passed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from palermo.web.jobs.models import ScheduledRun


@dataclass(frozen=True)
class Schedule:
    name: str
    task_path: str  # "module.task" (imported when planning: apps register nothing here)
    next_due: Callable[[dt.datetime], dt.datetime]
    enabled: Callable[[], bool]


def daily_at(hour: int) -> Callable[[dt.datetime], dt.datetime]:
    """The next ``hour``:00 in the configured time zone strictly after ``now``."""

    def next_due(now: dt.datetime) -> dt.datetime:
        local = timezone.localtime(now)
        due = local.replace(hour=hour, minute=0, second=0, microsecond=0)
        if due <= local:
            due += dt.timedelta(days=1)
        return due

    return next_due


def hourly(now: dt.datetime) -> dt.datetime:
    """The next full hour strictly after ``now``."""
    return now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        name="retention-daily",
        task_path="palermo.web.retention.tasks.retention_daily",
        next_due=daily_at(2),
        enabled=lambda: bool(getattr(settings, "RETENTION_DAILY", True)),
    ),
    Schedule(
        name="referrals-overdue",
        task_path="palermo.web.referrals.tasks.referrals_overdue",
        next_due=hourly,
        enabled=lambda: bool(getattr(settings, "REFERRAL_ESCALATION", True)),
    ),
    Schedule(
        name="nrm-overdue-daily",
        task_path="palermo.web.nrm.tasks.identifications_overdue",
        next_due=daily_at(6),
        enabled=lambda: bool(getattr(settings, "NRM_OVERDUE_DAILY", True)),
    ),
    Schedule(
        name="return-follow-ups-daily",
        task_path="palermo.web.consular.tasks.follow_ups_daily",
        next_due=daily_at(7),
        enabled=lambda: bool(getattr(settings, "RETURN_FOLLOWUP_DAILY", True)),
    ),
    Schedule(
        name="certificate-reminders-daily",
        task_path="palermo.web.certificates.tasks.certificate_reminders_daily",
        next_due=daily_at(8),
        enabled=lambda: bool(getattr(settings, "CERTIFICATE_REMINDERS_DAILY", True)),
    ),
    Schedule(
        name="profile-reviews-daily",
        task_path="palermo.web.outcomes.tasks.profile_reviews_daily",
        next_due=daily_at(5),
        enabled=lambda: bool(getattr(settings, "PROFILE_REVIEWS_DAILY", True)),
    ),
)


def _task(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


def plan_scheduled(*, now: dt.datetime | None = None) -> list[str]:
    """Plan the next run of every enabled schedule that has none planned; the names planned."""
    now = now or timezone.now()
    planned: list[str] = []
    for schedule in SCHEDULES:
        if not schedule.enabled():
            continue
        if ScheduledRun.objects.filter(name=schedule.name, due_at__gt=now).exists():
            continue
        due = schedule.next_due(now)
        try:
            with transaction.atomic():
                result = _task(schedule.task_path).using(run_after=due).enqueue()
                ScheduledRun.objects.create(name=schedule.name, due_at=due, task_id=result.id)
        except IntegrityError:
            continue  # another worker planned it a moment ago
        planned.append(schedule.name)
    return planned
