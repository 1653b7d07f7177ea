"""Permission-checked reads of consular cases: only the consulate that keeps a case sees its
consular side (anything else is "not found"); the person's identity, the log's notes and the
travel document numbers only for the roles that read personal data, each read audited."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.consular.models import ConsularCase, FollowUp
from palermo.web.lib.params import parsed_id
from palermo.web.lib.roles import CONSULAR_READ_ROLES, PERSONAL_DATA_ROLES, has_role


def consular_case_list(*, user: User) -> QuerySet[ConsularCase]:
    """The consular cases of the user's consulate, newest first."""
    if not has_role(user, CONSULAR_READ_ROLES):
        return ConsularCase.objects.none()
    return (
        ConsularCase.objects.filter(agency_id=user.agency_id)
        .select_related("case", "case__person", "return_plan")
        .order_by("-opened_at", "-id")
    )


def consular_case_get(*, user: User, case_pk: int) -> ConsularCase:
    """The consular side of case ``case_pk`` at the user's consulate, or ``Http404`` (also for
    a number no database id can be)."""
    if parsed_id(case_pk) is None:
        raise Http404
    found = consular_case_list(user=user).filter(case_id=case_pk).first()
    if found is None:
        raise Http404
    return found


def follow_ups_waiting(*, user: User, today: dt.date | None = None) -> QuerySet[FollowUp]:
    """Follow-ups after return not yet recorded at the user's consulate, those due first."""
    if not has_role(user, CONSULAR_READ_ROLES):
        return FollowUp.objects.none()
    return (
        FollowUp.objects.filter(consular_case__agency_id=user.agency_id, done_at__isnull=True)
        .select_related("consular_case__case")
        .order_by("due_on", "id")
    )


def follow_ups_overdue(*, user: User, today: dt.date | None = None) -> QuerySet[FollowUp]:
    today = today or timezone.localdate()
    return follow_ups_waiting(user=user).filter(due_on__lte=today)


def may_read_consular_notes(user: User, consular_case: ConsularCase) -> bool:
    return has_role(user, PERSONAL_DATA_ROLES) and consular_case.agency_id == user.agency_id


def consular_notes_read(
    *, user: User, consular_case: ConsularCase, request: HttpRequest | None = None
) -> bool:
    """Whether the page may show the log's notes, the assessments' notes and the travel
    document numbers; when it may, the read is audited."""
    if not may_read_consular_notes(user, consular_case):
        return False
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=consular_case,
        fields=["assistance.note", "travel_documents.number", "risk_assessments.notes"],
        purpose="consular case work",
        request=request,
        detail={"case": consular_case.case_id},
    )
    return True
