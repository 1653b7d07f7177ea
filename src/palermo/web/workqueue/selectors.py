"""What waits for one person, by role: the home page's work queue.

Each item is a count of things the user (or their agency, for shared queues) must do next,
with the page where they are done. Counts only: the home page shows no personal data, so
nothing here is decrypted or needs an audited read. Every count goes through the owning
app's selectors or models with the same agency scope as the pages the items link to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import User
from palermo.web.administration.models import Confirmation
from palermo.web.cases.models import Case, CaseStatus
from palermo.web.cases.selectors import open_tasks_for
from palermo.web.interviews.models import Interview, InterviewStatus
from palermo.web.interviews.selectors import referrals_waiting
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import (
    ADMIN_ROLES,
    CASE_ASSIGN_ROLES,
    CASE_ROLES,
    FIRST_LINE_ROLES,
    HIT_ROLES,
    NOTIFICATION_ROLES,
    PERSONAL_DATA_ROLES,
    PROFILE_ROLES,
    SECOND_LINE_ROLES,
    WATCHLIST_APPROVERS,
    has_role,
)
from palermo.web.notifications.selectors import (
    notification_label,
    notification_list,
    notification_text,
)
from palermo.web.profiles.models import ListVersion, ProfileVersion
from palermo.web.screening.models import PENDING, Hit
from palermo.web.watchlists.models import WatchlistVersion

SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class WorkItem:
    label: str | Promise
    count: int
    url: str
    # "alert": late or waiting on this person; "" otherwise
    tone: str = ""


def _hits(user: User) -> list[WorkItem]:
    if not has_role(user, HIT_ROLES):
        return []
    waiting = Hit.objects.filter(agency_id=user.agency_id, status=PENDING)
    travellers = waiting.values("traveller_id").distinct().count()
    url = reverse("screening:queue") + f"?status={PENDING}"
    return [WorkItem(_("Travellers with hits waiting for a disposition"), travellers, url)]


def _interviews(user: User) -> list[WorkItem]:
    items: list[WorkItem] = []
    if has_role(user, FIRST_LINE_ROLES | SECOND_LINE_ROLES):
        mine = Interview.objects.filter(
            agency_id=user.agency_id,
            started_by=user,
            status=InterviewStatus.IN_PROGRESS.value,
        ).count()
        items.append(WorkItem(_("Your interviews to finish"), mine, reverse("interviews:list")))
    if has_role(user, SECOND_LINE_ROLES):
        referred = referrals_waiting(user=user).count()
        items.append(
            WorkItem(
                _("Travellers referred for a second-line interview"),
                referred,
                reverse("interviews:list"),
                "alert" if referred else "",
            )
        )
    return items


def _cases(user: User, today: dt.date) -> list[WorkItem]:
    if not has_role(user, CASE_ROLES):
        return []
    items: list[WorkItem] = []
    cases_url = reverse("cases:list")
    open_cases = Case.objects.filter(agency_id=user.agency_id).exclude(
        status=CaseStatus.CLOSED.value
    )
    if has_role(user, PERSONAL_DATA_ROLES):
        mine = open_cases.filter(assigned_to=user).count()
        items.append(WorkItem(_("Open cases assigned to you"), mine, cases_url + "?mine=on"))
        tasks = open_tasks_for(user=user)
        late = tasks.filter(due_on__lt=today).count()
        soon = tasks.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(SOON_DAYS)).count()
        items.append(
            WorkItem(_("Your tasks overdue"), late, cases_url + "?mine=on", "alert" if late else "")
        )
        items.append(WorkItem(_("Your tasks due within a week"), soon, cases_url + "?mine=on"))
    if has_role(user, CASE_ASSIGN_ROLES):
        nobody = open_cases.filter(assigned_to__isnull=True).count()
        items.append(WorkItem(_("Open cases nobody carries yet"), nobody, cases_url))
    return items


def _reviews(user: User) -> list[WorkItem]:
    """Versions others submitted that this person may approve (four eyes: never their own)."""
    items: list[WorkItem] = []
    submitted = Q(agency_id=user.agency_id, status=ReviewStatus.SUBMITTED.value) & ~Q(
        author_id=user.pk
    )
    if has_role(user, PROFILE_ROLES):
        profiles = ProfileVersion.objects.filter(submitted).count()
        lists = ListVersion.objects.filter(submitted).count()
        url = reverse("profiles:list")
        items.append(WorkItem(_("Risk profile versions to review"), profiles, url))
        items.append(WorkItem(_("Named list versions to review"), lists, reverse("profiles:lists")))
    if has_role(user, WATCHLIST_APPROVERS):
        lists = WatchlistVersion.objects.filter(submitted).count()
        items.append(
            WorkItem(_("Watchlist versions to review"), lists, reverse("watchlists:index"))
        )
    return items


def _administration(user: User) -> list[WorkItem]:
    if not has_role(user, ADMIN_ROLES):
        return []
    waiting = (
        Confirmation.objects.filter(decided_at__isnull=True, account__agency_id=user.agency_id)
        .exclude(requested_by=user)
        .count()
    )
    return [
        WorkItem(
            _("Account changes waiting for your confirmation"),
            waiting,
            reverse("administration:index"),
        )
    ]


def work_queue(*, user: User) -> list[WorkItem]:
    """Every item of the user's role, in the order of their work (a count of 0 included: the
    page says there is nothing to do rather than leaving it out)."""
    today = timezone.localdate()
    return [
        *_hits(user),
        *_interviews(user),
        *_cases(user, today),
        *_reviews(user),
        *_administration(user),
    ]


def unread_notifications(*, user: User, limit: int = 5) -> tuple[int, list[dict[str, Any]]]:
    """How many notifications the user has not read, and the newest few in words."""
    if not has_role(user, NOTIFICATION_ROLES):
        return 0, []
    unread = notification_list(user=user, unread_only=True)
    newest = [
        {
            "pk": n.pk,
            "label": notification_label(n),
            "text": notification_text(n),
            "at": n.created_at,
        }
        for n in unread[:limit]
    ]
    return unread.count(), newest
