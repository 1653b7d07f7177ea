"""Writes of the outcomes app: the review notice (issue 11 item 3). As a profile version's
review date nears, its outcomes since it became active go to the people who hold it - the
approver who signed it and the analysts and supervisors of its holding agency - once per
review date (``ReviewNotice``, unique per version and date), by the daily task
``profile-reviews-daily``.

And a mined candidate made a draft profile (issue 11 item 7).

The mining page shows each candidate with a signed token of its items and evidence (Django's
``signing``, bound to the person who mined it, valid for a day), so the evidence a draft
carries is the evidence the miner computed, not whatever a form sends. The draft goes through
``profiles.services.profile_upload`` (validated again, rights guard included, audited) and
then the normal four-eyes workflow, which refuses to submit it until a person has written its
rationale (``check_submission``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from palermo.analytics.backtest import Rate
from palermo.analytics.mining import Candidate, Item, draft_yaml
from palermo.errors import InputError
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.problems import problem
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import PROFILE_ROLES, require_role
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.services import notification_send
from palermo.web.outcomes.models import ReviewNotice
from palermo.web.outcomes.selectors import PER, ReviewOutcome, review_for_holders
from palermo.web.profiles.models import ProfileVersion, RiskProfile
from palermo.web.profiles.services import profile_upload

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


# ---------------------------------------------------------------- mined drafts (item 7)

SALT = "palermo.outcomes.mined-candidate"
TOKEN_MAX_AGE = 24 * 3600
REVIEW_AFTER_DAYS = 365


def candidate_token(
    *, user: User, candidate: Candidate, source: tuple[str, str], index: int
) -> str:
    """The signed token of one candidate as the page shows it."""
    return signing.dumps(
        {
            "user": user.pk,
            "index": index,
            "items": [[it.field, it.op, it.value] for it in candidate.items],
            "counts": [
                candidate.cases,
                candidate.case_total,
                candidate.baseline,
                candidate.baseline_total,
                candidate.lift,
                candidate.lift_low,
                candidate.lift_high,
                candidate.baseline_stored,
            ],
            "source": list(source),
        },
        salt=SALT,
        compress=True,
    )


def _candidate(token: str, actor: User) -> tuple[Candidate, tuple[str, str]]:
    try:
        data: dict[str, Any] = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        data = {}
    if data.get("user") != actor.pk:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("candidate"),
                    rule=gettext_lazy(
                        "this candidate is older than a day or was not mined by you; run the "
                        "mining again"
                    ),
                )
            ]
        )
    items = tuple(Item(str(f), str(op), value) for f, op, value in data["items"])
    cases, case_total, base, base_total, lift, low, high, stored = data["counts"]
    candidate = Candidate(items, cases, case_total, base, base_total, lift, low, high, stored)
    en, zh = data["source"]
    return candidate, (str(en), str(zh))


def _free_index(candidate: Candidate, owner: str, today: dt.date) -> int:
    """The first index whose draft id no profile holds yet."""
    taken = set(
        RiskProfile.objects.filter(profile_id__startswith="mined-").values_list(
            "profile_id", flat=True
        )
    )
    index = 1
    while True:
        text = draft_yaml(candidate, index=index, owner=owner, valid_from=today, review_by=today)
        pid = text.split("\n", 1)[0].removeprefix("id: ").strip()
        if pid not in taken:
            return index
        index += 1


def mined_draft_create(
    *,
    actor: User,
    token: str,
    rationale_en: str = "",
    rationale_zh: str = "",
    request: HttpRequest | None = None,
) -> ProfileVersion:
    """A draft profile from a mined candidate, carrying its evidence. The rationale may be
    written now (in both languages) or later, in a new version; until then the draft cannot
    be submitted for approval."""
    require_role(actor, PROFILE_ROLES, what=gettext_lazy("work on risk profiles"))
    candidate, source = _candidate(token, actor)
    en, zh = rationale_en.strip(), rationale_zh.strip()
    if bool(en) != bool(zh):
        missing = "rationale_zh" if en else "rationale_en"
        raise InputError(
            [
                problem(
                    where=gettext_lazy("rationale"),
                    field=missing,
                    rule=gettext_lazy(
                        "write the rationale in both languages, or leave both empty to write "
                        "them later"
                    ),
                )
            ]
        )
    today = timezone.localdate()
    owner = str(actor.agency.name)[:200] if actor.agency_id else "Risk analysis"
    text = draft_yaml(
        candidate,
        index=_free_index(candidate, owner, today),
        owner=owner,
        valid_from=today,
        review_by=today + dt.timedelta(days=REVIEW_AFTER_DAYS),
        source=source,
        rationale=(en, zh) if en else None,
    )
    return profile_upload(actor=actor, source_name="mined.yaml", text=text, request=request)
