"""Mask screening records kept longer than the retention period (reference
rights-and-data-protection.md, section 2 design note: records without a referral or case are
masked after 6 months).

A traveller is kept in full while any of its hits was referred to a second-line interview or
has an interview (and so possibly a case). Every other traveller screened before the cut-off
is masked: the encrypted record keeps only the coded, non-identifying fields used for
statistics and fairness monitoring; the source record id, the hit explanations (which quote
the traveller's values) and the officers' free-text reasons are removed. Masking is one
transaction with its audit entry; running it again masks only what is new.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.statistics import analyze_after_bulk_load
from palermo.web.retention.models import MaskedTraveller
from palermo.web.screening.models import (
    Disposition,
    DispositionKind,
    Hit,
    Traveller,
    TravellerNameToken,
)

# What a masked record keeps: the event and coded circumstances (no names, dates of birth,
# documents, contacts, sponsors, group references or observations).
KEPT_FIELDS = (
    "event_kind",
    "port",
    "event_date",
    "nationality",
    "sex",
    "trip_type",
    "ticket_paid_by",
    "declared_purpose",
    "visa_type",
    "sponsor_kind",
    "offered_job_sector",
)
MASKED_FIELDS = ("record", "record_id", "reasons", "reason")
MASKED_REASON = "[masked]"


@dataclass(frozen=True, slots=True)
class RetentionReport:
    cutoff: dt.datetime
    days: int
    due: int  # travellers past the period without referral or case, not yet masked
    kept_linked: int  # past the period but kept: referred, interviewed or in a case
    masked: int  # masked by this run (0 on a dry run)


def default_retention_days() -> int:
    return int(getattr(settings, "SCREENING_RETENTION_DAYS", 183))


def _linked() -> Q:
    referred = (DispositionKind.REFERRED.value, DispositionKind.INVESTIGATOR.value)
    return Q(hits__disposition__kind__in=referred) | Q(hits__interviews__isnull=False)


def _past(cutoff: dt.datetime) -> QuerySet[Traveller]:
    return Traveller.objects.filter(screened_at__lt=cutoff, masking__isnull=True)


def masked_record(traveller: Traveller) -> str:
    """The record with only the kept fields and a record id that points nowhere."""
    raw = json.loads(traveller.record)
    kept = {k: raw[k] for k in KEPT_FIELDS if k in raw}
    kept["record_id"] = f"masked-{traveller.pk}"
    return json.dumps(kept)


def retention_run(
    *, apply: bool, days: int | None = None, now: dt.datetime | None = None, actor_label: str = ""
) -> RetentionReport:
    """Count (dry run) or mask (``apply``) the travellers screened more than ``days`` ago
    (default ``PALERMO_SCREENING_RETENTION_DAYS``, 183) without a referral or case."""
    period = days if days is not None else default_retention_days()
    cutoff = (now or timezone.now()) - dt.timedelta(days=period)
    past = _past(cutoff)
    linked_ids = set(past.filter(_linked()).values_list("pk", flat=True))
    due_ids = sorted(set(past.values_list("pk", flat=True)) - linked_ids)
    if not apply:
        return RetentionReport(cutoff, period, len(due_ids), len(linked_ids), 0)
    masked_at = timezone.now()
    with transaction.atomic():
        for traveller in Traveller.objects.select_for_update().filter(pk__in=due_ids):
            traveller.record = masked_record(traveller)
            traveller.record_id = f"masked-{traveller.pk}"
            traveller.save(update_fields=["record", "record_id"])
        Hit.objects.filter(traveller_id__in=due_ids).update(reasons=None)
        # the name index goes with the names: a masked traveller is found by no name
        TravellerNameToken.objects.filter(traveller_id__in=due_ids).delete()
        Disposition.objects.filter(hit__traveller_id__in=due_ids).update(reason=MASKED_REASON)
        MaskedTraveller.objects.bulk_create(
            [
                MaskedTraveller(traveller_id=pk, masked_at=masked_at, retention_days=period)
                for pk in due_ids
            ]
        )
        audit_record(
            actor=None,
            actor_label=actor_label or "palermo web retention",
            action=AuditAction.UPDATE,
            object_type="screening.traveller",
            fields=MASKED_FIELDS,
            purpose="retention: screening records masked",
            detail={"masked": len(due_ids), "kept_linked": len(linked_ids), "days": period},
        )
        # name tokens deleted, masked rows added: the planner's figures are stale
        analyze_after_bulk_load(MaskedTraveller, TravellerNameToken, rows=len(due_ids))
    return RetentionReport(cutoff, period, len(due_ids), len(linked_ids), len(due_ids))
