"""Reads of referrals: the sending and the receiving agency see a referral; anyone else gets
"not found". The receiver reads the case only through the referral's field set, while the
referral is open or done and the consents (or the override) and the agreement still hold."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from palermo.web.accounts.models import Agency, User
from palermo.web.administration.services import national_agency_id
from palermo.web.audit.models import AuditAction
from palermo.web.audit.purposes import purpose_text
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case, CaseNote, notes_in_order
from palermo.web.directory.models import ServiceProvider
from palermo.web.lib.roles import (
    DIRECTORY_ROLES,
    NO_CASE_CONTENT_ROLES,
    PERSONAL_DATA_ROLES,
    REFERRAL_FIGURES_ROLES,
    REFERRAL_ROLES,
    has_role,
    require_role,
)
from palermo.web.lib.training import same_world
from palermo.web.referrals.models import (
    READABLE_STATES,
    SHAREABLE_FIELDS,
    Referral,
    ReferralState,
)


def _may_see(user: User) -> bool:
    return has_role(user, REFERRAL_ROLES) and not has_role(user, NO_CASE_CONTENT_ROLES)


def referral_list(*, user: User, direction: str = "", state: str = "") -> QuerySet[Referral]:
    """Referrals the user's agency sent (``direction="sent"``), received (``"received"``) or
    both, newest first."""
    if not _may_see(user):
        return Referral.objects.none()
    sent = Q(sender_agency_id=user.agency_id)
    received = Q(recipient_id=user.agency_id)
    scope = {"sent": sent, "received": received}.get(direction, sent | received)
    referrals = Referral.objects.filter(scope).select_related(
        "case", "sender_agency", "recipient", "sent_by", "provider"
    )
    if state:
        referrals = referrals.filter(state=state)
    return referrals.order_by("-sent_at", "-id")


def referral_get(*, user: User, pk: int) -> Referral:
    """One referral of the user's agency (sent or received), or ``Http404``."""
    found = referral_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def case_referrals(*, user: User, case: Case) -> QuerySet[Referral]:
    """The referrals of a case the user's agency owns (the case page's panel)."""
    if case.agency_id != user.agency_id:
        return Referral.objects.none()
    return referral_list(user=user).filter(case=case)


def sharing_holds(referral: Referral) -> bool:
    """Whether the receiver may read the shared fields now: the referral is open or done,
    the consents it rests on are not withdrawn (or it was an override) and the agreement is
    still in force."""
    if ReferralState(referral.state) not in READABLE_STATES:
        return False
    if not referral.agreement.in_force(timezone.localdate()):
        return False
    if referral.is_override:
        return True
    return all(
        consent is not None and consent.withdrawn_at is None
        for consent in (referral.consent_disclose, referral.consent_services)
    )


@dataclass(frozen=True, slots=True)
class SharedField:
    """One field of the case a referral shares: ``value`` for the person's data, ``notes``
    (oldest first, dated, with their authors) for the case notes."""

    name: str
    label: Promise
    value: str
    notes: tuple[CaseNote, ...] = ()


def referral_shared_fields(
    *, user: User, referral: Referral, request: HttpRequest | None = None
) -> list[SharedField] | None:
    """For the receiving agency: the referral's fields of the case (decrypted, the read
    audited), only for roles that read personal data and while ``sharing_holds``; otherwise
    ``None``. The sending agency reads its case on the case page."""
    if referral.recipient_id != user.agency_id or not has_role(user, PERSONAL_DATA_ROLES):
        return None
    if not sharing_holds(referral):
        return None
    case = referral.case
    values = {
        "full_name": case.person.full_name,
        "contact": case.person.contact,
        "document_number": case.person.document_number,
    }
    shown = [
        SharedField(f, SHAREABLE_FIELDS[f], "", tuple(notes_in_order(case)))
        if f == "notes"
        else SharedField(f, SHAREABLE_FIELDS[f], values[f])
        for f in referral.fields
    ]
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=case,
        fields=list(referral.fields),
        purpose=purpose_text("referral {reference}", reference=referral.reference),
        request=request,
        detail={"referral": referral.reference},
    )
    return shown


# ------------------------------------------------------------------ figures (item 7)


@dataclass(frozen=True, slots=True)
class Stage:
    """How long one stage took over the referrals that went through it, in hours."""

    count: int
    median_hours: float | None
    mean_hours: float | None


def _stage(hours: list[float]) -> Stage:
    if not hours:
        return Stage(0, None, None)
    return Stage(len(hours), round(statistics.median(hours), 2), round(statistics.fmean(hours), 2))


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class AgencyFigures:
    """The referrals of one agency (as receiver or as sender) over the period."""

    agency_id: int
    agency: str
    sent: int
    awaiting_answer: int
    overdue: int
    accepted: int  # accepted at some point (and since done or withdrawn or still open)
    declined: int
    done: int
    revoked: int
    acceptance_rate: float | None  # accepted / answered
    sent_to_answer: Stage
    accepted_to_done: Stage
    sent_to_done: Stage


@dataclass(frozen=True, slots=True)
class ReferralFigures:
    by_recipient: list[AgencyFigures]
    by_sender: list[AgencyFigures]
    # from a case's opening to its first referral, over the cases first referred in the period
    case_opened_to_first_referral: Stage


def _agency_figures(
    agency_id: int, name: str, rows: list[dict[str, Any]], now: datetime
) -> AgencyFigures:
    states = [r["state"] for r in rows]
    answered = [r for r in rows if r["responded_at"] is not None]
    accepted = [r for r in answered if r["state"] != ReferralState.DECLINED.value]
    return AgencyFigures(
        agency_id=agency_id,
        agency=name,
        sent=len(rows),
        awaiting_answer=states.count(ReferralState.SENT.value),
        overdue=sum(
            1 for r in rows if r["state"] == ReferralState.SENT.value and r["respond_by"] < now
        ),
        accepted=len(accepted),
        declined=states.count(ReferralState.DECLINED.value),
        done=states.count(ReferralState.DONE.value),
        revoked=states.count(ReferralState.REVOKED.value),
        acceptance_rate=round(len(accepted) / len(answered), 4) if answered else None,
        sent_to_answer=_stage(
            [h for r in answered if (h := _hours(r["sent_at"], r["responded_at"])) is not None]
        ),
        accepted_to_done=_stage(
            [h for r in accepted if (h := _hours(r["responded_at"], r["completed_at"])) is not None]
        ),
        sent_to_done=_stage(
            [h for r in rows if (h := _hours(r["sent_at"], r["completed_at"])) is not None]
        ),
    )


def _grouped(
    rows: list[dict[str, Any]], key: str, names: dict[int, str], now: datetime
) -> list[AgencyFigures]:
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return sorted(
        (_agency_figures(pk, names.get(pk, str(pk)), group, now) for pk, group in groups.items()),
        key=lambda f: f.agency,
    )


def referral_figures(
    *, user: User, since: datetime | None = None, until: datetime | None = None
) -> ReferralFigures:
    """Counts and stage times of the referrals sent in [``since``, ``until``) that the user's
    agency sent or received (the national body's: all), grouped by receiving and by sending
    agency. Times in hours (median and mean); an acceptance rate over answered referrals."""
    require_role(user, REFERRAL_FIGURES_ROLES, what=gettext_lazy("see referral figures"))
    # the national body's "all": every agency of its world (no training referral in live figures)
    referrals = same_world(Referral.objects.all(), user, "sender_agency")
    national = national_agency_id()
    if national is None or user.agency_id != national:
        referrals = referrals.filter(
            Q(sender_agency_id=user.agency_id) | Q(recipient_id=user.agency_id)
        )
    if since is not None:
        referrals = referrals.filter(sent_at__gte=since)
    if until is not None:
        referrals = referrals.filter(sent_at__lt=until)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in referrals.values(
            "case_id",
            "case__opened_at",
            "sender_agency_id",
            "recipient_id",
            "state",
            "sent_at",
            "respond_by",
            "responded_at",
            "completed_at",
        )
    ]
    ids = {r["sender_agency_id"] for r in rows} | {r["recipient_id"] for r in rows}
    names = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name"))
    first: dict[int, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["sent_at"]):
        first.setdefault(row["case_id"], row)
    now = timezone.now()
    return ReferralFigures(
        by_recipient=_grouped(rows, "recipient_id", names, now),
        by_sender=_grouped(rows, "sender_agency_id", names, now),
        case_opened_to_first_referral=_stage(
            [_hours(r["case__opened_at"], r["sent_at"]) or 0.0 for r in first.values()]
        ),
    )


#: fewer answered referrals than this give no figure (one or two answers say little, and a
#: figure from one referral would tell its sender when that one was answered)
MIN_ANSWERS_FOR_TIMES = 3


@dataclass(frozen=True, slots=True)
class AnswerTimes:
    """How quickly a directory entry answers referrals: hours from sent to accepted or
    declined, over every answered referral of the reader's world (``None``: too few)."""

    answered: int
    median_hours: float | None
    p90_hours: float | None


def _p90(hours: list[float]) -> float:
    """The 90th percentile by the nearest rank: the answer time 90 % of answers met.

    >>> _p90([1.0, 2.0, 3.0]), _p90([float(h) for h in range(1, 21)])
    (3.0, 18.0)
    """
    ordered = sorted(hours)
    rank = -(-9 * len(ordered) // 10)  # ceil(0.9 n)
    return ordered[rank - 1]


def provider_answer_times(
    *, user: User, providers: Iterable[ServiceProvider]
) -> dict[int, AnswerTimes]:
    """For each directory entry (by id), the time from a referral's sending to its answer
    (accepted or declined), median and 90th percentile, from the referral history: referrals
    sent to the entry, or to its agency without naming an entry, for a service it offers.
    Counts only, no referral or case is named; training referrals count for training readers
    only. Entries without an agency in Palermo get none."""
    if not has_role(user, DIRECTORY_ROLES):
        return {}
    entries = [p for p in providers if p.agency_id is not None]
    if not entries:
        return {}
    answered = same_world(
        Referral.objects.filter(responded_at__isnull=False), user, "sender_agency"
    ).filter(
        Q(provider_id__in=[p.pk for p in entries])
        | Q(provider__isnull=True, recipient_id__in={p.agency_id for p in entries})
    )
    hours: dict[int, list[float]] = {p.pk: [] for p in entries}
    fields = ("provider_id", "recipient_id", "service", "sent_at", "responded_at")
    for referral in answered.only(*fields):
        if referral.responded_at is None:  # excluded by the query; for the type checker
            continue
        took = (referral.responded_at - referral.sent_at).total_seconds() / 3600
        if referral.provider_id is not None:
            hours[referral.provider_id].append(took)
            continue
        for p in entries:
            if p.agency_id == referral.recipient_id and referral.service in p.service_list:
                hours[p.pk].append(took)
    return {
        pk: AnswerTimes(len(found), round(statistics.median(found), 1), round(_p90(found), 1))
        if len(found) >= MIN_ANSWERS_FOR_TIMES
        else AnswerTimes(len(found), None, None)
        for pk, found in hours.items()
    }
