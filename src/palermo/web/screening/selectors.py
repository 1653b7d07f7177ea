"""Permission-checked reads of screened travellers, hits and batch jobs.

Users see what their own agency screened; anything else is "not found". Reading a traveller's
record is personal data and is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy

from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.roles import BATCH_ROLES, HIT_ROLES, require_role
from palermo.web.screening.forms import record_from_json
from palermo.web.screening.models import BatchJob, Hit, Traveller

_SEE_HITS = gettext_lazy("see the hit queue")
_SEE_BATCHES = gettext_lazy("see batch screening jobs")


@dataclass(frozen=True, slots=True)
class HitFilters:
    profile: str = ""
    status: str = ""
    port: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    batch: int | None = None


def hit_list(*, user: Any, filters: HitFilters) -> QuerySet[Hit]:
    """The agency's hit queue, oldest waiting first within the newest screenings."""
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    hits = Hit.objects.filter(agency_id=user.agency_id).select_related("traveller")
    if filters.profile:
        hits = hits.filter(rule_id=filters.profile)
    if filters.status:
        hits = hits.filter(status=filters.status)
    if filters.port:
        hits = hits.filter(port__iexact=filters.port)
    if filters.since:
        hits = hits.filter(event_date__gte=filters.since)
    if filters.until:
        hits = hits.filter(event_date__lte=filters.until)
    if filters.batch:
        hits = hits.filter(traveller__batch_id=filters.batch)
    return hits.order_by("-created_at", "-id")


def hit_profiles(*, user: Any) -> list[str]:
    """The profile ids that have hits in the agency's queue (for the filter)."""
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    return list(
        Hit.objects.filter(agency_id=user.agency_id)
        .order_by("rule_id")
        .values_list("rule_id", flat=True)
        .distinct()
    )


def hit_get(*, user: Any, pk: int) -> Hit:
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    try:
        return (
            Hit.objects.select_related("traveller", "disposition", "disposition__decided_by")
            .prefetch_related("corrections__previous_decided_by", "corrections__corrected_by")
            .get(pk=pk, agency_id=user.agency_id)
        )
    except Hit.DoesNotExist:
        raise Http404 from None


def traveller_get(*, user: Any, pk: int, purpose: str, request: Any = None) -> Traveller:
    """A screened traveller of the user's agency; reading the record is audited."""
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    try:
        traveller = Traveller.objects.get(pk=pk, agency_id=user.agency_id)
    except Traveller.DoesNotExist:
        raise Http404 from None
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=traveller,
        fields=["record"],
        purpose=purpose,
        request=request,
    )
    return traveller


def traveller_record(traveller: Traveller) -> dict[str, Any]:
    return record_from_json(traveller.record)


def traveller_hits(*, user: Any, traveller: Traveller) -> QuerySet[Hit]:
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    return (
        Hit.objects.filter(traveller=traveller, agency_id=user.agency_id)
        .select_related("disposition", "disposition__decided_by")
        .prefetch_related("corrections__previous_decided_by", "corrections__corrected_by")
        .order_by("-weight", "id")
    )


def batch_job_list(*, user: Any) -> QuerySet[BatchJob]:
    require_role(user, BATCH_ROLES, what=_SEE_BATCHES)
    return (
        BatchJob.objects.filter(agency_id=user.agency_id)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )


def batch_job_get(*, user: Any, pk: int) -> BatchJob:
    require_role(user, BATCH_ROLES, what=_SEE_BATCHES)
    try:
        return BatchJob.objects.select_related("uploaded_by").get(pk=pk, agency_id=user.agency_id)
    except BatchJob.DoesNotExist:
        raise Http404 from None
