"""Permission-checked reads of cases: the only way views and the API reach a case.

A user sees the cases of their own agency and those shared with it by a share still in effect
(not revoked, not expired, its agreement not ended); anything else is "not found", so
guessing ids reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import PERSONAL_FIELDS, Case, CaseEvent, CaseShare, Consent
from palermo.web.lib.roles import CASE_ROLES, NO_CASE_CONTENT_ROLES, PERSONAL_DATA_ROLES, has_role

LIST_FIELDS = (
    "id",
    "reference",
    "status",
    "outcome",
    "opened_at",
    "updated_at",
    "agency_id",
)


def _visible(user: User) -> Q:
    shared = CaseShare.objects.in_effect().filter(case=OuterRef("pk"), agency_id=user.agency_id)
    return Q(agency_id=user.agency_id) | Q(Exists(shared))


def _may_work_on_cases(user: User) -> bool:
    """Administrators never see case content, even were a role set widened by mistake."""
    return has_role(user, CASE_ROLES) and not has_role(user, NO_CASE_CONTENT_ROLES)


def case_list(*, user: User, status: str = "") -> QuerySet[Case]:
    """Cases the user may see, newest first, with only the columns a list shows."""
    if not _may_work_on_cases(user):
        return Case.objects.none()
    cases = Case.objects.filter(_visible(user))
    if status:
        cases = cases.filter(status=status)
    return cases.only(*LIST_FIELDS).order_by("-opened_at", "-id")


def case_get(*, user: User, pk: int) -> Case:
    """One case the user may see, or ``Http404``."""
    if not _may_work_on_cases(user):
        raise Http404
    cases = Case.objects.filter(_visible(user)).select_related("agency", "person", "opened_by")
    case = cases.filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def may_read_personal_data(user: User, case: Case) -> bool:
    return bool(
        has_role(user, PERSONAL_DATA_ROLES)
        and (
            case.agency_id == user.agency_id
            or CaseShare.objects.in_effect().filter(case=case, agency_id=user.agency_id).exists()
        )
    )


@dataclass(frozen=True, slots=True)
class PersonalData:
    pseudonym: str
    full_name: str
    document_number: str
    contact: str
    notes: str


def case_personal_data(
    *, user: User, case: Case, purpose: str, request: HttpRequest | None = None
) -> PersonalData | None:
    """The decrypted identity and notes, for roles that need them; the read is audited."""
    if not may_read_personal_data(user, case):
        return None
    person = case.person
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=case,
        fields=[*PERSONAL_FIELDS, "notes"],
        purpose=purpose,
        request=request,
        detail={"person": person.pseudonym},
    )
    return PersonalData(
        pseudonym=person.pseudonym,
        full_name=person.full_name,
        document_number=person.document_number,
        contact=person.contact,
        notes=case.notes or "",
    )


def case_timeline(*, user: User, case: Case) -> QuerySet[CaseEvent]:
    case_get(user=user, pk=case.pk)
    return case.events.select_related("actor").order_by("at", "id")


def case_consents(*, user: User, case: Case) -> QuerySet[Consent]:
    case_get(user=user, pk=case.pk)
    return case.consents.select_related("recipient", "recorded_by").order_by("given_at", "id")


def case_shares(*, user: User, case: Case) -> QuerySet[CaseShare]:
    case_get(user=user, pk=case.pk)
    return case.shares.select_related("agency", "shared_by").order_by("shared_at", "id")


def consent_get(*, user: User, pk: int) -> Consent:
    consent = Consent.objects.select_related("case").filter(pk=pk).first()
    if consent is None:
        raise Http404
    case_get(user=user, pk=consent.case_id)
    return consent


def share_get(*, user: User, case: Case, pk: int) -> CaseShare:
    """A share of ``case`` (which the user may see), or ``Http404``."""
    case_get(user=user, pk=case.pk)
    share = CaseShare.objects.filter(case=case, pk=pk).select_related("agency", "agreement").first()
    if share is None:
        raise Http404
    return share
