"""Reads of the audit log (auditors only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.web.audit.models import AuditEntry
from palermo.web.audit.purposes import purposes_matching
from palermo.web.lib.roles import AUDIT_ROLES, Person, require_role
from palermo.web.lib.training import in_training


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    purpose: str = ""
    since: date | None = None
    until: date | None = None
    case_reference: str = ""


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_search(*, user: Person, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries matching ``filters``, newest first. Auditors oversee every agency of their
    world: a live auditor never sees what trainees did in a training agency, an auditor of a
    training agency only that (entries without an agency - the command line - are live)."""
    require_role(user, AUDIT_ROLES, what=_("search the audit log"))
    if in_training(user):
        entries = AuditEntry.objects.filter(actor__agency__is_training=True)
    else:  # exclude, not filter: entries with no actor (the command line, unknown log-ins) stay
        entries = AuditEntry.objects.exclude(actor__agency__is_training=True)
    if filters.actor:
        entries = entries.filter(actor_label__iexact=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    if filters.purpose:
        entries = entries.filter(purposes_matching(filters.purpose))
    if filters.case_reference:
        entries = entries.filter(_about_case(filters.case_reference.strip().upper()))
    if filters.since:
        entries = entries.filter(at__gte=_start_of(filters.since))
    if filters.until:
        entries = entries.filter(at__lt=_start_of(filters.until + timedelta(days=1)))
    return entries.order_by("-seq")


def _about_case(reference: str) -> Q:
    """Entries about the case with ``reference``: the case itself (by its id) and what is
    written about it (notes, tasks, attachments, consents: their detail names the case)."""
    # the cases app writes to the audit log, so the log looks its model up by name rather than
    # importing it (no import cycle between the two apps)
    case_model = apps.get_model("cases", "Case")
    pk = case_model.objects.filter(reference=reference).values_list("pk", flat=True).first()
    about = Q(detail__case=reference)
    if pk is not None:
        about |= Q(object_type="cases.case", object_id=str(pk))
    return about
