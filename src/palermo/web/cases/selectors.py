"""Permission-checked reads of cases: the only way views and the API reach a case.

A user sees the cases of their own agency and those shared with it by a share still in effect
(not revoked, not expired, its agreement not ended); anything else is "not found", so
guessing ids reveals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import (
    PERSONAL_FIELDS,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNameToken,
    CaseNote,
    CaseShare,
    CaseTask,
    Consent,
)
from palermo.web.lib.blind_index import query_digest_sets
from palermo.web.lib.crypto import keyring
from palermo.web.lib.roles import (
    CASE_ROLES,
    NAME_SEARCH_ROLES,
    NO_CASE_CONTENT_ROLES,
    PERSONAL_DATA_ROLES,
    has_role,
)
from palermo.web.lib.sealed import unseal_chunks
from palermo.web.lib.training import world_q

LIST_FIELDS = (
    "id",
    "reference",
    "status",
    "outcome",
    "opened_at",
    "updated_at",
    "agency_id",
    "assigned_to_id",
)
# a case reference or a pseudonymous id, whole or its beginning: "C-7K2M-9QXA", "c-7k2m", "P-..."
_REFERENCE = re.compile(r"^\s*([CP])-([0-9A-Z]{0,4})(-[0-9A-Z]{0,4})?\s*$", re.IGNORECASE)


def _visible(user: User) -> Q:
    """The agency's own cases and those shared with it, of the user's world only (a training
    case never shows to a live user, even were a share to cross the wall)."""
    shared = CaseShare.objects.in_effect().filter(case=OuterRef("pk"), agency_id=user.agency_id)
    return (Q(agency_id=user.agency_id) | Q(Exists(shared))) & world_q(user)


def _may_work_on_cases(user: User) -> bool:
    """Administrators never see case content, even were a role set widened by mistake."""
    return has_role(user, CASE_ROLES) and not has_role(user, NO_CASE_CONTENT_ROLES)


@dataclass(frozen=True, slots=True)
class CaseSearch:
    status: str = ""
    # a case reference, a pseudonymous id, or (roles that may read identities) a name
    query: str = ""
    # only the cases assigned to the user
    mine: bool = False


def is_reference(query: str) -> bool:
    """Whether ``query`` reads as a case reference or pseudonymous id (or its beginning).

    >>> is_reference("C-7K2M-9QXA"), is_reference("p-7k2m"), is_reference("Li Wei")
    (True, True, False)
    """
    return _REFERENCE.match(query) is not None


def _name_matches(query: str) -> Q:
    """Cases whose person's name holds every token of one reading of ``query`` (blind index:
    the query's tokens are hashed with the index keys, the names are never decrypted)."""
    matches = Q(pk__in=[])
    for alternative in query_digest_sets(query, keyring()):
        one = Q()
        for digests in alternative:
            one &= Q(pk__in=CaseNameToken.objects.filter(digest__in=digests).values("case_id"))
        matches |= one
    return matches


def case_list(*, user: User, status: str = "", search: CaseSearch | None = None) -> QuerySet[Case]:
    """Cases the user may see, newest first, with only the columns a list shows; ``search``
    narrows them by status, reference or pseudonymous id, name (roles that may read
    identities only) and assignment."""
    if not _may_work_on_cases(user):
        return Case.objects.none()
    search = search or CaseSearch(status=status)
    cases = Case.objects.filter(_visible(user))
    if search.status:
        cases = cases.filter(status=search.status)
    if search.mine:
        cases = cases.filter(assigned_to_id=user.pk)
    query = search.query.strip()
    if query and is_reference(query):
        text = query.upper()
        if text.startswith("P"):
            cases = cases.filter(person__pseudonym__startswith=text)
        else:
            cases = cases.filter(reference__startswith=text)
    elif query:
        if not has_role(user, NAME_SEARCH_ROLES):
            return Case.objects.none()
        cases = cases.filter(_name_matches(query))
    return (
        cases.select_related("assigned_to")
        .only(*LIST_FIELDS, "assigned_to__username")
        .order_by("-opened_at", "-id")
    )


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
        fields=[*PERSONAL_FIELDS, "notes", "case_notes", "tasks", "attachments"],
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


def case_notes(*, user: User, case: Case) -> list[CaseNote]:
    """The case's notes, oldest first, for roles that may read the person's data (the read is
    audited with the identity, ``case_personal_data``); otherwise none."""
    case_get(user=user, pk=case.pk)
    if not may_read_personal_data(user, case):
        return []
    return list(case.case_notes.select_related("author").order_by("at", "id"))


def case_tasks(*, user: User, case: Case) -> list[CaseTask]:
    """The case's tasks: open ones by due date, then done ones (roles that may read the
    person's data; a task may name them)."""
    case_get(user=user, pk=case.pk)
    if not may_read_personal_data(user, case):
        return []
    tasks = case.tasks.select_related("assigned_to", "done_by", "created_by")
    return sorted(tasks, key=lambda t: (t.done_at is not None, t.due_on, t.pk))


def case_attachments(*, user: User, case: Case) -> list[CaseAttachment]:
    case_get(user=user, pk=case.pk)
    if not may_read_personal_data(user, case):
        return []
    return list(case.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"))


def task_get(*, user: User, case: Case, pk: int) -> CaseTask:
    case_get(user=user, pk=case.pk)
    task = CaseTask.objects.select_related("case").filter(case=case, pk=pk).first()
    if task is None:
        raise Http404
    return task


def attachment_open(
    *, user: User, case: Case, pk: int, request: HttpRequest | None = None
) -> tuple[CaseAttachment, Iterator[bytes]]:
    """One attachment and its content, decrypted as it is read; the read is audited.
    ``Http404`` unless the user may read the person's data of this case."""
    case_get(user=user, pk=case.pk)
    if not may_read_personal_data(user, case):
        raise Http404
    attachment = CaseAttachment.objects.filter(case=case, pk=pk).first()
    if attachment is None:
        raise Http404
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=attachment,
        fields=["file_name", "content"],
        purpose="case attachment",
        request=request,
        detail={"case": case.reference},
    )
    path = Path(settings.DATA_DIR) / "attachments" / attachment.stored_name
    return attachment, unseal_chunks(path, keyring())


def open_tasks_for(*, user: User) -> QuerySet[CaseTask]:
    """Open tasks of the user's agency's open cases that are for the user, by due date."""
    if not has_role(user, PERSONAL_DATA_ROLES):
        return CaseTask.objects.none()
    return (
        CaseTask.objects.filter(
            assigned_to_id=user.pk, done_at__isnull=True, case__agency_id=user.agency_id
        )
        .exclude(case__status="closed")
        .select_related("case")
        .order_by("due_on", "id")
    )
