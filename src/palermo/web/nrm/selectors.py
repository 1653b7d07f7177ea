"""Permission-checked reads of identifications: the referring agency and the competent
authority see an identification; anyone else gets "not found". The grounds and the reasons
are decrypted only here, only for those who need them (``grounds_readable``: the authority's
decision makers, the owning agency's roles that read the person's data), and each such read is
audited."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case
from palermo.web.lib.roles import (
    COMPETENT_AUTHORITY_KINDS,
    NRM_DECISION_ROLES,
    NRM_GROUNDS_OWNER_ROLES,
    NRM_ROLES,
    has_role,
)
from palermo.web.nrm.models import (
    DUE_STATES,
    Decision,
    Identification,
    ReconsiderationRequest,
)


def _is_authority(user: User) -> bool:
    return has_role(user, NRM_DECISION_ROLES) and user.agency.kind in COMPETENT_AUTHORITY_KINDS


def grounds_readable(*, user: User, identification: Identification) -> bool:
    """Whether ``user`` reads the grounds and the decisions' reasons: a decision maker of the
    deciding authority, or a role reading the person's data at the agency owning the case."""
    if _is_authority(user) and user.agency_id == identification.competent_authority_id:
        return True
    return user.agency_id == identification.case.agency_id and has_role(
        user, NRM_GROUNDS_OWNER_ROLES
    )


def identifications_due(*, user: User) -> QuerySet[Identification]:
    """What the user's competent authority has to decide, the earliest due first."""
    if not _is_authority(user):
        return Identification.objects.none()
    return (
        Identification.objects.filter(
            competent_authority_id=user.agency_id, state__in=[s.value for s in DUE_STATES]
        )
        .select_related("case", "referring_agency")
        .order_by("due_on", "referred_at", "id")
    )


def identification_get(*, user: User, pk: int) -> Identification:
    """One identification of the user's agency (referring or deciding), else ``Http404``."""
    if not has_role(user, NRM_ROLES):
        raise Http404
    found = (
        Identification.objects.filter(
            Q(referring_agency_id=user.agency_id) | Q(competent_authority_id=user.agency_id),
            pk=pk,
        )
        .select_related("case", "referring_agency", "competent_authority", "referred_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def identification_list(*, user: User, state: str = "") -> QuerySet[Identification]:
    """Identifications the user's agency referred or decides, newest first; ``state`` one of
    ``IdentificationState`` (``""``: all)."""
    if not has_role(user, NRM_ROLES):
        return Identification.objects.none()
    found = Identification.objects.filter(
        Q(referring_agency_id=user.agency_id) | Q(competent_authority_id=user.agency_id)
    )
    if state:
        found = found.filter(state=state)
    return found.select_related("case", "referring_agency", "competent_authority").order_by(
        "-referred_at", "-id"
    )


def identifications_of_case(*, user: User, case: Case) -> QuerySet[Identification]:
    """The case's identifications the user's agency is party to (the case page's panel)."""
    if not has_role(user, NRM_ROLES):
        return Identification.objects.none()
    return (
        Identification.objects.filter(
            Q(referring_agency_id=user.agency_id) | Q(competent_authority_id=user.agency_id),
            case=case,
        )
        .select_related("competent_authority")
        .order_by("referred_at", "id")
    )


@dataclass(frozen=True, slots=True)
class ShownDecision:
    stage: str
    stage_label: str
    positive: bool
    reasons: str
    decided_by: str
    decided_at: datetime
    reconsideration: bool


@dataclass(frozen=True, slots=True)
class ShownRequest:
    stage_label: str
    reason: str
    requested_by: str
    requested_at: datetime
    due_on: date
    answered: bool


@dataclass(frozen=True, slots=True)
class IdentificationFile:
    """``grounds_shown`` False: ``summary`` and every reason are empty (not the reader's to
    read); the decisions' stages, outcomes and dates are there all the same."""

    grounds_shown: bool
    summary: str
    decisions: list[ShownDecision]
    requests: list[ShownRequest]


def identification_file(
    *, user: User, identification: Identification, request: HttpRequest | None = None
) -> IdentificationFile:
    """The grounds, the decisions with their reasons and the requests for reconsideration,
    for a party to the identification; the grounds and reasons are decrypted only for a reader
    ``grounds_readable`` allows, and that read is audited."""
    identification_get(user=user, pk=identification.pk)
    shown = grounds_readable(user=user, identification=identification)
    decisions: list[Decision] = list(
        identification.decisions.select_related("decided_by").order_by("decided_at", "id")
    )
    asked: list[ReconsiderationRequest] = list(
        identification.reconsiderations.select_related("requested_by", "decision").order_by(
            "requested_at", "id"
        )
    )
    answered = set(Decision.objects.filter(answers__in=asked).values_list("answers_id", flat=True))
    if shown:
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=identification,
            fields=["summary", "reasons"],
            purpose="identification file",
            request=request,
            detail={"case": identification.case.reference},
        )
    return IdentificationFile(
        grounds_shown=shown,
        summary=identification.summary if shown else "",
        decisions=[
            ShownDecision(
                stage=d.stage,
                stage_label=d.get_stage_display(),
                positive=d.positive,
                reasons=d.reasons if shown else "",
                decided_by=d.decided_by.get_username(),
                decided_at=d.decided_at,
                reconsideration=d.answers_id is not None,
            )
            for d in decisions
        ],
        requests=[
            ShownRequest(
                stage_label=r.decision.get_stage_display(),
                reason=r.reason if shown else "",
                requested_by=r.requested_by.get_username(),
                requested_at=r.requested_at,
                due_on=r.due_on,
                answered=r.pk in answered,
            )
            for r in asked
        ],
    )


@dataclass(frozen=True, slots=True)
class StageTimes:
    """How many identifications have a figure, and their median and longest, in days."""

    count: int
    median_days: float | None
    longest_days: float | None


@dataclass(frozen=True, slots=True)
class IdentificationFigures:
    referrals: int
    first_stage_positive: int
    first_stage_negative: int
    conclusive_positive: int
    conclusive_negative: int
    overdue: int
    hit_to_referral: StageTimes
    referral_to_first_stage: StageTimes
    referral_to_conclusive: StageTimes


def _times(pairs: list[tuple[datetime | None, datetime | None]]) -> StageTimes:
    days = [
        (end - start).total_seconds() / 86400
        for start, end in pairs
        if start is not None and end is not None
    ]
    if not days:
        return StageTimes(0, None, None)
    return StageTimes(len(days), round(statistics.median(days), 1), round(max(days), 1))


def identification_figures(*, user: User) -> IdentificationFigures:
    """Times and counts of the user's competent authority, for reporting: hit to referral,
    referral to the first-stage and to the conclusive decision; first decisions by outcome
    (a reconsidered decision is counted as first decided)."""
    if not _is_authority(user):
        rows: list[Identification] = []
    else:
        rows = list(
            Identification.objects.filter(competent_authority_id=user.agency_id).only(
                "id", "state", "due_on", "hit_at", "referred_at", "first_stage_at", "conclusive_at"
            )
        )
    first = {
        d.identification_id: d.positive
        for d in Decision.objects.filter(identification__in=rows, answers__isnull=True)
        .order_by("decided_at")
        .only("identification_id", "stage", "positive")
        if d.stage == "first_stage"
    }
    conclusive = {
        d.identification_id: d.positive
        for d in Decision.objects.filter(
            identification__in=rows, answers__isnull=True, stage="conclusive"
        ).only("identification_id", "positive")
    }
    today = timezone.localdate(timezone.now())
    return IdentificationFigures(
        referrals=len(rows),
        first_stage_positive=sum(1 for v in first.values() if v),
        first_stage_negative=sum(1 for v in first.values() if not v),
        conclusive_positive=sum(1 for v in conclusive.values() if v),
        conclusive_negative=sum(1 for v in conclusive.values() if not v),
        overdue=sum(
            1
            for r in rows
            if r.state in {s.value for s in DUE_STATES} and r.due_on and r.due_on < today
        ),
        hit_to_referral=_times([(r.hit_at, r.referred_at) for r in rows]),
        referral_to_first_stage=_times([(r.referred_at, r.first_stage_at) for r in rows]),
        referral_to_conclusive=_times([(r.referred_at, r.conclusive_at) for r in rows]),
    )
