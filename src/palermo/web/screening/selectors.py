"""Permission-checked reads of screened travellers, hits and batch jobs.

Users see what their own agency screened; anything else is "not found". Reading a traveller's
record is personal data and is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.blind_index import query_digest_sets
from palermo.web.lib.crypto import keyring
from palermo.web.lib.roles import BATCH_ROLES, HIT_REASON_ROLES, HIT_ROLES, require_role
from palermo.web.screening.forms import record_from_json
from palermo.web.screening.models import BatchJob, Hit, Traveller, TravellerNameToken

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
    # a record id (whole or its beginning) or a traveller's name (blind index)
    query: str = ""
    sort: str = "newest"


# how the queue may be sorted: key -> the order of the grouped rows
SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-latest", "-traveller_id"),
    "oldest": ("latest", "traveller_id"),
    "weight": ("-combined", "-latest", "-traveller_id"),
    "event": ("-event", "-latest", "-traveller_id"),
}


def _traveller_search(user: User, query: str) -> Q:
    """Hits whose traveller's record id starts with ``query``, or whose names hold every token
    of one reading of it (the names' keyed digests; the records stay encrypted)."""
    by_name = Q(pk__in=[])
    for alternative in query_digest_sets(query, keyring()):
        one = Q()
        for digests in alternative:
            one &= Q(
                traveller_id__in=TravellerNameToken.objects.filter(
                    agency_id=user.agency_id, digest__in=digests
                ).values("traveller_id")
            )
        by_name |= one
    return Q(traveller__record_id__startswith=query) | by_name


def hit_list(*, user: User, filters: HitFilters) -> QuerySet[Hit]:
    """The agency's hit queue, oldest waiting first within the newest screenings."""
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    hits = Hit.objects.filter(agency_id=user.agency_id).select_related("traveller").defer("reasons")
    if filters.profile:
        hits = hits.filter(rule_id=filters.profile)
    if filters.status:
        hits = hits.filter(status=filters.status)
    if filters.port:
        hits = hits.filter(port__icontains=filters.port)
    if filters.since:
        hits = hits.filter(event_date__gte=filters.since)
    if filters.until:
        hits = hits.filter(event_date__lte=filters.until)
    if filters.batch:
        hits = hits.filter(traveller__batch_id=filters.batch)
    if filters.query.strip():
        hits = hits.filter(_traveller_search(user, filters.query.strip()))
    return hits.order_by("-created_at", "-id")


def hit_profiles(*, user: User, zh: bool = False) -> list[tuple[str, str]]:
    """(rule id, title) of the profiles and lists with hits in the agency's queue, by title
    (for the filter: a person picks a title, not an id)."""
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    rows = (
        Hit.objects.filter(agency_id=user.agency_id, source="profile")
        .values_list("rule_id", "title_zh" if zh else "title_en")
        .distinct()
    )
    titles: dict[str, str] = {}
    for rule_id, title in rows:
        titles.setdefault(rule_id, title)
    return sorted(titles.items(), key=lambda row: row[1])


def hit_groups(*, user: User, filters: HitFilters) -> QuerySet[Any]:
    """The queue by traveller: one row (traveller id, latest hit) per traveller with a hit
    matching ``filters``, in the order ``filters.sort`` names (newest first by default; by
    combined profile weight; by travel date; oldest first)."""
    return (
        hit_list(user=user, filters=filters)
        .order_by()
        .values("traveller_id")
        .annotate(
            latest=Max("created_at"),
            combined=Sum("weight", filter=Q(source="profile"), default=0.0),
            event=Max("event_date"),
        )
        .order_by(*SORTS.get(filters.sort, SORTS["newest"]))
    )


@dataclass(frozen=True, slots=True)
class TravellerGroup:
    traveller: Traveller
    name: str
    hits: list[Hit]

    @property
    def combined_weight(self) -> float:
        return sum(h.weight for h in self.hits if h.source != "watchlist")

    @property
    def best_score(self) -> float | None:
        return max((h.weight for h in self.hits if h.source == "watchlist"), default=None)

    @property
    def waiting(self) -> int:
        return sum(1 for h in self.hits if h.status == "pending")


def traveller_groups(
    *, user: User, filters: HitFilters, traveller_ids: list[int], request: HttpRequest | None = None
) -> list[TravellerGroup]:
    """The travellers of one queue page with their hits matching ``filters``, each named (the
    record is decrypted for the name: one audit entry for the page)."""
    hits = hit_list(user=user, filters=filters).filter(traveller_id__in=traveller_ids)
    by_traveller: dict[int, list[Hit]] = {}
    for hit in hits.order_by("-weight", "id"):
        by_traveller.setdefault(hit.traveller_id, []).append(hit)
    # the agency's own only: ids from a request name no other agency's traveller
    own = Traveller.objects.filter(pk__in=traveller_ids, agency_id=user.agency_id)
    travellers = {t.pk: t for t in own}
    if travellers:
        audit_record(
            actor=user,
            action=AuditAction.READ,
            object_type="screening.traveller",
            fields=["surname", "given_names"],
            purpose="hit queue",
            request=request,
            detail={"travellers": sorted(travellers)},
        )
    groups = []
    for pk in traveller_ids:
        if pk not in travellers:
            continue
        record = record_from_json(travellers[pk].record)
        name = " ".join(str(record.get(k) or "") for k in ("surname", "given_names")).strip()
        groups.append(TravellerGroup(travellers[pk], name, by_traveller.get(pk, [])))
    return groups


def hit_get(*, user: User, pk: int) -> Hit:
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    try:
        return (
            Hit.objects.select_related("traveller", "disposition", "disposition__decided_by")
            .prefetch_related("corrections__previous_decided_by", "corrections__corrected_by")
            .get(pk=pk, agency_id=user.agency_id)
        )
    except Hit.DoesNotExist:
        raise Http404 from None


def traveller_get(
    *, user: User, pk: int, purpose: str, request: HttpRequest | None = None
) -> Traveller:
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


def traveller_hits(*, user: User, traveller: Traveller) -> QuerySet[Hit]:
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    return (
        Hit.objects.filter(traveller=traveller, agency_id=user.agency_id)
        .select_related("disposition", "disposition__decided_by")
        .prefetch_related(
            "corrections__previous_decided_by", "corrections__corrected_by", "interviews"
        )
        .order_by("-weight", "id")
    )


def batch_job_list(*, user: User) -> QuerySet[BatchJob]:
    require_role(user, BATCH_ROLES, what=_SEE_BATCHES)
    return (
        BatchJob.objects.filter(agency_id=user.agency_id)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )


def batch_job_get(*, user: User, pk: int) -> BatchJob:
    require_role(user, BATCH_ROLES, what=_SEE_BATCHES)
    try:
        return BatchJob.objects.select_related("uploaded_by").get(pk=pk, agency_id=user.agency_id)
    except BatchJob.DoesNotExist:
        raise Http404 from None


def version_labels(hits: Iterable[Hit], *, lang: str) -> dict[int, str]:
    """Each profile hit's version as a person reads it ("v3, approved 29 Nov 2026"), one
    query; watchlist hits carry a content stamp, not a version a person knows, and get none."""
    from palermo.web.profiles.models import ProfileVersion

    wanted = {(h.rule_id, h.rule_version) for h in hits if h.source != "watchlist"}
    numbers = {(rid, int(v)) for rid, v in wanted if v.isdigit()}
    if not numbers:
        return {}
    rows = ProfileVersion.objects.filter(
        profile__profile_id__in={rid for rid, _v in numbers},
        version__in={v for _rid, v in numbers},
    ).values_list("profile__profile_id", "version", "approved_at")
    approved = {(rid, str(v)): at for rid, v, at in rows}
    labels: dict[int, str] = {}
    for h in hits:
        key = (h.rule_id, h.rule_version)
        if key not in wanted or not h.rule_version.isdigit():
            continue
        at = approved.get(key)
        if at is None:
            labels[h.pk] = f"第{h.rule_version}版" if lang == "zh" else f"v{h.rule_version}"
        else:
            day = timezone.localtime(at)
            if lang == "zh":
                labels[h.pk] = f"第{h.rule_version}版，{day.year}年{day.month}月{day.day}日批准"
            else:
                labels[h.pk] = f"v{h.rule_version}, approved {day.day} {day:%b %Y}"
    return labels


def traveller_interviews(*, user: User, traveller: Traveller) -> list[Any]:
    """The interviews started from this traveller's hits (first-line screens and second-line
    interviews), newest first, for the links between traveller, hit, interview and case."""
    require_role(user, HIT_ROLES, what=_SEE_HITS)
    found = [
        interview
        for hit in Hit.objects.filter(traveller=traveller, agency_id=user.agency_id)
        .prefetch_related("interviews")
        .order_by("id")
        for interview in hit.interviews.all()
    ]
    return sorted(found, key=lambda i: i.started_at, reverse=True)


def hit_reasons(
    *,
    user: User,
    hits: Iterable[Hit],
    language: str,
    purpose: str,
    request: HttpRequest | None = None,
) -> dict[int, list[str]]:
    """Why each hit fired, in ``language`` ("zh-hans" or English), decrypted for a role that
    may read them; one audited read (the hits' ids, the field) per call. Hits of other
    agencies are left out."""
    require_role(user, HIT_REASON_ROLES, what=gettext_lazy("read why a hit fired"))
    ids = [hit.pk for hit in hits]
    if not ids:
        return {}
    key = "zh" if language.lower().startswith("zh") else "en"
    rows = Hit.objects.filter(pk__in=ids, agency_id=user.agency_id).values_list("pk", "reasons")
    shown = {pk: list(json.loads(text).get(key, [])) if text else [] for pk, text in rows}
    audit_record(
        actor=user,
        action=AuditAction.READ,
        object_type="screening.hit",
        object_id=str(ids[0]) if len(ids) == 1 else "",
        fields=["reasons"],
        purpose=purpose,
        request=request,
        detail={"hits": sorted(shown)},
    )
    return shown
