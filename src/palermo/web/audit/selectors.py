"""Reads of the audit log (auditors only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.web.audit.models import AuditEntry
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
        entries = entries.filter(purpose__icontains=filters.purpose)
    if filters.since:
        entries = entries.filter(at__gte=_start_of(filters.since))
    if filters.until:
        entries = entries.filter(at__lt=_start_of(filters.until + timedelta(days=1)))
    return entries.order_by("-seq")
