"""Permission-checked reads of interviews: the agency's own, by kind; reading answers is
audited."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.interviews.access import FIRST_LINE_ROLES, SECOND_LINE_ROLES
from palermo.web.interviews.models import Interview, InterviewKind
from palermo.web.lib.errors import NotPermittedError
from palermo.web.screening.models import DispositionKind, Hit


def _require(user: Any, roles: frozenset[Any]) -> None:
    if not (user.is_authenticated and user.is_active and user.role in roles):
        raise NotPermittedError(_("Your role does not give access to this."))


def interview_list(*, user: Any) -> QuerySet[Interview]:
    """The agency's interviews of the kinds the user's role runs, newest first."""
    _require(user, FIRST_LINE_ROLES | SECOND_LINE_ROLES)
    kinds = [InterviewKind.FIRST_LINE.value]
    if user.role in SECOND_LINE_ROLES:
        kinds.append(InterviewKind.SECOND_LINE.value)
    return (
        Interview.objects.filter(agency_id=user.agency_id, kind__in=kinds)
        .select_related("started_by")
        .order_by("-started_at", "-id")
    )


def interview_get(
    *, user: Any, pk: int, kind: InterviewKind, purpose: str, request: Any = None
) -> Interview:
    _require(user, FIRST_LINE_ROLES if kind is InterviewKind.FIRST_LINE else SECOND_LINE_ROLES)
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


def referrals_waiting(*, user: Any) -> QuerySet[Hit]:
    """Hits referred to a second-line interview that no interview has taken up yet."""
    _require(user, SECOND_LINE_ROLES)
    started = Interview.objects.filter(hit=OuterRef("pk"))
    return (
        Hit.objects.filter(agency_id=user.agency_id, status=DispositionKind.REFERRED.value)
        .exclude(Exists(started))
        .select_related("traveller", "disposition")
        .order_by("created_at")
    )


def referred_hit_get(*, user: Any, pk: int) -> Hit:
    _require(user, SECOND_LINE_ROLES)
    try:
        return Hit.objects.get(
            pk=pk, agency_id=user.agency_id, status=DispositionKind.REFERRED.value
        )
    except Hit.DoesNotExist:
        raise Http404 from None
