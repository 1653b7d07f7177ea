"""Writes of the outcomes app: the review notice (issue 11 item 3). As a profile version's
review date nears, its outcomes since it became active go to the people who hold it - the
approver who signed it and the analysts and supervisors of its holding agency - once per
review date (``ReviewNotice``, unique per version and date), by the daily task
``profile-reviews-daily``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from palermo.analytics.backtest import Rate
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import PROFILE_ROLES
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.services import notification_send
from palermo.web.outcomes.models import ReviewNotice
from palermo.web.outcomes.selectors import PER, ReviewOutcome, review_for_holders
from palermo.web.profiles.models import ProfileVersion

BELOW_FLOOR = gettext_lazy(" Even the upper bound of its yield is below the floor: review it.")


def _scaled(rate: Rate, scale: int, unit: str = "") -> str:
    """ "12.5 (8.1–18.8)": a rate per ``scale`` with its Wilson 95% interval; "–" if no one."""
    if rate.travellers == 0:
        return "–"
    share, low, high = (
        number_format(round(v * scale, 1), 1) for v in (rate.share, rate.low, rate.high)
    )
    return f"{share}{unit} ({low}–{high})"


def _params(review: ReviewOutcome) -> dict[str, str | int | Promise]:
    o = review.outcome
    return {
        "profile": review.version.profile.profile_id,
        "version": review.version.version,
        "due": review.version.review_by.isoformat(),
        "since": review.period.since.isoformat(),
        "hits": o.hits,
        "second_line": _scaled(o.second_line, 100, "%"),
        "victims": _scaled(o.victims, 100),
        "minutes": "–" if o.minutes_per_hit is None else f"{o.minutes_per_hit:.1f}",
        "yield": _scaled(o.yield_, PER),
        "floor": BELOW_FLOOR if o.low_yield else "",
    }


def _tell(version: ProfileVersion, today: dt.date) -> bool:
    """Tell the holders of ``version`` once for its review date; whether this call did."""
    review = review_for_holders(version, today)
    try:
        with transaction.atomic():
            notice = ReviewNotice.objects.create(
                version=version, review_by=version.review_by, sent_at=timezone.now()
            )
            notice.notification = notification_send(
                actor=None,
                kind=NotificationKind.PROFILE_REVIEW_DUE,
                recipient=version.approved_by,
                agency=version.agency,
                roles=PROFILE_ROLES,
                about=version,
                url=reverse("outcomes:review", kwargs={"pk": version.pk}),
                params=_params(review),
            )
            notice.save(update_fields=["notification"])
            audit_record(
                actor=None,
                actor_label="scheduled task",
                action=AuditAction.CREATE,
                obj=notice,
                purpose="profile review due",
                detail={"version": version.pk, "review_by": version.review_by.isoformat()},
            )
    except IntegrityError:
        return False  # told already (another worker a moment ago)
    return True


def profile_reviews_notify(*, today: dt.date | None = None) -> list[int]:
    """Every active profile version whose review date is at most
    ``PALERMO_PROFILE_REVIEW_NOTICE_DAYS`` away (or past) and whose holders were not told for
    that date: its outcomes since activation are sent to them. The versions told."""
    day = today or timezone.localdate()
    horizon = day + dt.timedelta(days=int(settings.PROFILE_REVIEW_NOTICE_DAYS))
    told_already = ReviewNotice.objects.values_list("version_id", "review_by")
    candidates = (
        ProfileVersion.objects.filter(status=ReviewStatus.ACTIVE.value, review_by__lte=horizon)
        .select_related("profile", "agency", "approved_by")
        .order_by("pk")
    )
    told: list[int] = []
    done = set(told_already)
    for version in candidates:
        if (version.pk, version.review_by) in done:
            continue
        if _tell(version, day):
            told.append(version.pk)
    return told
