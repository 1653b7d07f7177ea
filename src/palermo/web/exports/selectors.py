"""Permission-checked reads for exports. Each builds on the owning app's selector (the same
agency scoping, the same "not found" for what the user may not see) and adds the export's
own role check."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditEntry
from palermo.web.audit.selectors import AuditFilters, audit_search
from palermo.web.cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseService,
    CaseShare,
    CaseTask,
    Consent,
)
from palermo.web.cases.selectors import (
    case_consents,
    case_get,
    case_notes,
    case_services,
    case_shares,
    case_tasks,
    case_timeline,
    may_read_personal_data,
)
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import (
    AUDIT_EXPORT_ROLES,
    CASE_EXPORT_ROLES,
    HIT_EXPORT_ROLES,
    require_role,
)
from palermo.web.screening.models import Hit
from palermo.web.screening.selectors import HitFilters, hit_list

_EXPORT = gettext_lazy("take this export")


def hit_export_list(
    *, user: User, filters: HitFilters, personal: bool
) -> tuple[QuerySet[Hit], int]:
    """The agency's hits matching the queue's filters, fixed at this moment (hits screened
    while the file is written are left out, so the count in the audit log is the count in
    the file), and how many there are. The encrypted record is loaded only for personal
    fields."""
    require_role(user, HIT_EXPORT_ROLES, what=_EXPORT)
    # the reasons (encrypted) are read for every row: the export is the audited read
    hits = hit_list(user=user, filters=filters).select_related("disposition").defer(None)
    bounds = hits.order_by().aggregate(count=Count("id"), last=Max("id"))
    hits = hits.filter(id__lte=bounds["last"] or 0)
    if not personal:
        hits = hits.defer("traveller__record")
    return hits, int(bounds["count"])


def audit_export_list(*, user: User, filters: AuditFilters) -> tuple[QuerySet[AuditEntry], int]:
    """The auditors' search results, fixed before the export's own entry is written."""
    require_role(user, AUDIT_EXPORT_ROLES, what=_EXPORT)
    entries = audit_search(user=user, filters=filters)
    bounds = entries.order_by().aggregate(count=Count("id"), last=Max("seq"))
    return entries.filter(seq__lte=bounds["last"] or 0), int(bounds["count"])


def case_export_get(*, user: User, pk: int) -> Case:
    """A case the user may export: visible to them (else ``Http404``) and their agency's own
    (a case shared with the agency is not theirs to pass on)."""
    case = case_get(user=user, pk=pk)  # first: who cannot see the case learns nothing (404)
    require_role(user, CASE_EXPORT_ROLES, what=_EXPORT)
    if case.agency_id != user.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can export it."))
    return case


def case_export_parts(
    *, user: User, case: Case
) -> tuple[list[CaseEvent], list[Consent], list[CaseShare]]:
    return (
        list(case_timeline(user=user, case=case)),
        list(case_consents(user=user, case=case)),
        list(case_shares(user=user, case=case)),
    )


def case_work_parts(
    *, user: User, case: Case
) -> tuple[list[CaseNote], list[CaseTask], list[CaseService]]:
    """The case's dated notes, tasks and services provided (empty for a role that does not
    read the person's data: each may name the person)."""
    return (
        case_notes(user=user, case=case),
        case_tasks(user=user, case=case),
        case_services(user=user, case=case),
    )


def may_export_personal_data(user: User, case: Case) -> bool:
    return may_read_personal_data(user, case)
