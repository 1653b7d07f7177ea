"""Permission-checked reads of cases: the only way views and the API reach a case.

A user sees the cases of their own agency and those shared with it by a share still in effect
(not revoked, not expired, its agreement not ended); anything else is "not found", so
guessing ids reveals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case as DbCase
from django.db.models import F, Max, Q, QuerySet, When
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
    CaseService,
    CaseShare,
    CaseTask,
    Consent,
    notes_in_order,
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


def _shared_with(user: User) -> QuerySet[CaseShare]:
    """Shares in effect that make a case visible to the user's agency, of the user's world
    only (a training case never shows to a live user, even were a share to cross the wall)."""
    return CaseShare.objects.in_effect().filter(
        world_q(user, "case__agency"), agency_id=user.agency_id
    )


def _visible(user: User) -> Q:
    """The agency's own cases (always of the user's world) and those shared with it.

    The shared cases are one uncorrelated subquery: a correlated ``EXISTS`` per case and a
    join to the agency for the world made every list scan and sort all the cases."""
    return Q(agency_id=user.agency_id) | Q(pk__in=_shared_with(user).values("case_id"))


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
    the query's tokens are hashed with the index keys, the names are never decrypted).

    One pass over the index: the rows holding any token of any reading, grouped by case, with
    a flag per token (held under any configured key); a case is kept when one reading has
    every flag. Was one subquery per token of each reading, intersected row by row and
    joined by ``OR``: three to seventeen times slower with 100,000 cases."""
    readings = [list(dict.fromkeys(alt)) for alt in query_digest_sets(query, keyring())]
    tokens = list(dict.fromkeys(token for reading in readings for token in reading))
    if not tokens:
        return Q(pk__in=[])
    flag = {token: f"token_{i}" for i, token in enumerate(tokens)}
    held = {flag[token]: Max(DbCase(When(digest__in=token, then=1), default=0)) for token in tokens}
    every = reduce(or_, (Q(**{flag[token]: 1 for token in reading}) for reading in readings))
    rows = (
        CaseNameToken.objects.filter(digest__in=set().union(*tokens))
        .values("case_id")
        .annotate(**held)
        .filter(every)
    )
    return Q(pk__in=rows.values("case_id"))


def _starts_with(field: str, prefix: str) -> Q:
    """``field`` begins with ``prefix`` (upper case). On SQLite also as a range, which the
    unique index answers (its ``LIKE`` ignores case, so it cannot use the index; the range is
    exact under SQLite's binary collation, not under PostgreSQL's language collations)."""
    begins = Q(**{f"{field}__startswith": prefix})
    if connection.vendor != "sqlite":
        return begins
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return begins & Q(**{f"{field}__gte": prefix, f"{field}__lt": following})


def case_list(*, user: User, status: str = "", search: CaseSearch | None = None) -> QuerySet[Case]:
    """Cases the user may see, newest first, with only the columns a list shows; ``search``
    narrows them by status, reference or pseudonymous id, name (roles that may read
    identities only) and assignment."""
    if not _may_work_on_cases(user):
        return Case.objects.none()
    search = search or CaseSearch(status=status)
    query = search.query.strip()
    cases = Case.objects.all()
    own = Q(agency_id=user.agency_id)
    if query and connection.vendor == "sqlite":
        # a search reads the few cases it names through the name or reference index; left
        # to itself SQLite (no statistics) would walk every case of the agency in date order
        # and test each: the agency is compared as an expression no index answers
        # (PostgreSQL's planner knows from its statistics; there the trick misleads it)
        cases = cases.alias(agency_unindexed=F("agency_id") + 0)
        own = Q(agency_unindexed=user.agency_id)
    # nothing shared with the agency (most agencies): its own cases alone, read newest first
    # straight from the (agency, opened_at) index
    if _shared_with(user).exists():
        own |= Q(pk__in=_shared_with(user).values("case_id"))
    cases = cases.filter(own)
    if search.status:
        cases = cases.filter(status=search.status)
    if search.mine:
        cases = cases.filter(assigned_to_id=user.pk)
    if query and is_reference(query):
        text = query.strip().upper()
        field = "person__pseudonym" if text.startswith("P") else "reference"
        cases = cases.filter(_starts_with(field, text))
    elif query:
        if not has_role(user, NAME_SEARCH_ROLES):
            return Case.objects.none()
        cases = cases.filter(_name_matches(query))
    return (
        cases.select_related("assigned_to")
        .only(*LIST_FIELDS, "assigned_to__username")
        .order_by("-opened_at", "-id")
    )


def case_page(
    *, user: User, search: CaseSearch, number: str | int | None, per_page: int = 50
) -> Page[Case]:
    """One page of ``case_list`` (the page number as typed; out of range gives the last).

    A search (name or reference) reads the ids of every case it finds once, in order, and
    then the page's rows by id: counting and paging the query itself would run the search
    twice. The whole list is counted and paged by its index instead."""
    cases = case_list(user=user, search=search)
    if not search.query.strip():
        return Paginator(cases, per_page).get_page(number)
    ids = Paginator(list(cases.values_list("pk", flat=True)), per_page).get_page(number)
    found = Case.objects.filter(pk__in=list(ids.object_list)).select_related("assigned_to")
    rows = {case.pk: case for case in found.only(*LIST_FIELDS, "assigned_to__username")}
    # the paginator counts and numbers the ids, one per case
    counted = cast("Paginator[Case]", ids.paginator)
    return Page([rows[pk] for pk in ids.object_list], ids.number, counted)


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


def case_personal_data(
    *, user: User, case: Case, purpose: str, request: HttpRequest | None = None
) -> PersonalData | None:
    """The decrypted identity, for roles that need them; the read is audited (with the dated
    notes, tasks, services and attachments, which the case page shows to the same roles)."""
    if not may_read_personal_data(user, case):
        return None
    person = case.person
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=case,
        fields=[*PERSONAL_FIELDS, "case_notes", "tasks", "services", "attachments"],
        purpose=purpose,
        request=request,
        detail={"person": person.pseudonym},
    )
    return PersonalData(
        pseudonym=person.pseudonym,
        full_name=person.full_name,
        document_number=person.document_number,
        contact=person.contact,
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
    return list(notes_in_order(case))


def case_tasks(*, user: User, case: Case) -> list[CaseTask]:
    """The case's tasks: open ones by due date, then done ones (roles that may read the
    person's data; a task may name them)."""
    case_get(user=user, pk=case.pk)
    if not may_read_personal_data(user, case):
        return []
    tasks = case.tasks.select_related("assigned_to", "done_by", "created_by")
    return sorted(tasks, key=lambda t: (t.done_at is not None, t.due_on, t.pk))


def case_services(*, user: User, case: Case) -> list[CaseService]:
    """Services provided to the person, newest first (roles that may read the person's data:
    what was provided may name them)."""
    case_get(user=user, pk=case.pk)
    if not may_read_personal_data(user, case):
        return []
    records = case.services.select_related("recorded_by")
    return list(records.order_by("-provided_on", "-id"))


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
