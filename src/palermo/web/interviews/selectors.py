"""Permission-checked reads of interviews: the agency's own, by kind; reading answers is
audited."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.interviews.models import Interview, InterviewKind
from palermo.web.lib.roles import FIRST_LINE_ROLES, SECOND_LINE_ROLES, has_role, require_role
from palermo.web.screening.models import DispositionKind, Hit

_SEE_INTERVIEWS = gettext_lazy("see these interviews")


def interview_list(*, user: User) -> QuerySet[Interview]:
    """The agency's interviews of the kinds the user's role runs, newest first."""
    require_role(user, FIRST_LINE_ROLES | SECOND_LINE_ROLES, what=_SEE_INTERVIEWS)
    kinds = [InterviewKind.FIRST_LINE.value]
    if user.role in SECOND_LINE_ROLES:
        kinds.append(InterviewKind.SECOND_LINE.value)
    return (
        Interview.objects.filter(agency_id=user.agency_id, kind__in=kinds)
        .select_related("started_by")
        .order_by("-started_at", "-id")
    )


def interview_get(
    *, user: User, pk: int, kind: InterviewKind, purpose: str, request: HttpRequest | None = None
) -> Interview:
    require_role(
        user,
        FIRST_LINE_ROLES if kind is InterviewKind.FIRST_LINE else SECOND_LINE_ROLES,
        what=_SEE_INTERVIEWS,
    )
    try:
        interview = Interview.objects.select_related("started_by", "hit").get(
            pk=pk, agency_id=user.agency_id, kind=kind.value
        )
    except Interview.DoesNotExist:
        raise Http404 from None
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=interview,
        fields=["answers", "result"],
        purpose=purpose,
        request=request,
    )
    return interview


def referrals_waiting(*, user: User) -> QuerySet[Hit]:
    """Hits referred to a second-line interview that no interview has taken up yet."""
    require_role(user, SECOND_LINE_ROLES, what=_SEE_INTERVIEWS)
    # a first-line screen from the same hit does not take the referral up; an interview does
    started = Interview.objects.filter(hit=OuterRef("pk"), kind=InterviewKind.SECOND_LINE.value)
    return (
        Hit.objects.filter(agency_id=user.agency_id, status=DispositionKind.REFERRED.value)
        .exclude(Exists(started))
        .select_related("traveller", "disposition")
        .order_by("created_at")
    )


def referred_hit_get(*, user: User, pk: int) -> Hit:
    require_role(user, SECOND_LINE_ROLES, what=_SEE_INTERVIEWS)
    try:
        return Hit.objects.get(
            pk=pk, agency_id=user.agency_id, status=DispositionKind.REFERRED.value
        )
    except Hit.DoesNotExist:
        raise Http404 from None


def screened_hit_get(*, user: User, pk: int) -> Hit:
    """Any hit of the agency, for a first-line screen started from the traveller it concerns."""
    require_role(user, FIRST_LINE_ROLES, what=_SEE_INTERVIEWS)
    try:
        return Hit.objects.get(pk=pk, agency_id=user.agency_id)
    except Hit.DoesNotExist:
        raise Http404 from None


def interview_by_reference(*, user: User, reference: str) -> Interview:
    """An interview of the agency by its reference, of a kind the user's role runs."""
    require_role(user, FIRST_LINE_ROLES, what=_SEE_INTERVIEWS)
    kinds = [InterviewKind.FIRST_LINE.value]
    if has_role(user, SECOND_LINE_ROLES):
        kinds.append(InterviewKind.SECOND_LINE.value)
    try:
        return Interview.objects.get(reference=reference, agency_id=user.agency_id, kind__in=kinds)
    except Interview.DoesNotExist:
        raise Http404 from None
