"""Permission-checked reads for the dashboards: counts, never a person.

Scope: a supervisor or auditor sees their own agency's figures; one of the national body's
agency (``PALERMO_NATIONAL_AGENCY``, the coordinator) sees every agency's and may narrow to
one. Asking for another agency's figures without being national is "not found" (404), as
everywhere else. Only counts, medians and codes leave here: no name, record or reason.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from palermo.interchange.ctdc_export import CaseFacts
from palermo.web.academy.models import KnowledgeTestAttempt, Phase
from palermo.web.accounts.models import Agency, User
from palermo.web.administration.services import national_agency_id
from palermo.web.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Consent,
    ConsentPurpose,
    VictimOutcome,
)
from palermo.web.certificates.models import Certificate
from palermo.web.interviews.models import Interview
from palermo.web.lib.roles import REPORT_ROLES, require_role
from palermo.web.lib.training import in_training, same_world
from palermo.web.nrm.models import Identification
from palermo.web.referrals.models import Referral, ReferralState
from palermo.web.screening.models import PENDING, BatchJob, Disposition, Hit, JobStatus

_SEE_REPORTS = gettext_lazy("see the dashboards")

# The waiting queue's age bands: (upper bound, code). The last band has no upper bound.
QUEUE_AGE_BANDS: tuple[tuple[dt.timedelta | None, str], ...] = (
    (dt.timedelta(hours=1), "lt_1h"),
    (dt.timedelta(hours=4), "1h_4h"),
    (dt.timedelta(hours=24), "4h_24h"),
    (dt.timedelta(days=3), "1d_3d"),
    (None, "gt_3d"),
)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose figures, over which days (``start`` and ``end`` inclusive), at which port."""

    agency_ids: tuple[int, ...] | None  # None: every agency of the world (the national body)
    start: dt.date
    end: dt.date
    port: str = ""
    # whose world "every agency" is: live figures never count a training agency's rows, and
    # a training agency's figures never a live one's (web/lib/training.py)
    training: bool = False

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: from the start of ``start`` to the end of ``end``."""
        tz = timezone.get_current_timezone()
        since = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        until = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return since, until

    def agencies(self, field: str = "agency_id") -> Q:
        if self.agency_ids is None:
            return Q(**{f"{field.removesuffix('_id')}__is_training": self.training})
        return Q(**{f"{field}__in": self.agency_ids})


def is_national(user: User) -> bool:
    national = national_agency_id()
    return national is not None and user.agency_id == national


def report_scope(
    *, user: User, start: dt.date, end: dt.date, agency_id: int | None = None, port: str = ""
) -> Scope:
    """The scope ``user`` may read: their agency, or (national body) all or the one asked."""
    require_role(user, REPORT_ROLES, what=_SEE_REPORTS)
    if is_national(user):
        if agency_id is not None and not report_agencies(user=user).filter(pk=agency_id).exists():
            raise Http404  # an agency of the other world (training or live)
        ids = None if agency_id is None else (agency_id,)
    elif agency_id is None or agency_id == user.agency_id:
        ids = (user.agency_id,)
    else:
        raise Http404
    return Scope(
        agency_ids=ids, start=start, end=end, port=port.strip(), training=in_training(user)
    )


def report_agencies(*, user: User) -> QuerySet[Agency]:
    """The agencies ``user`` may choose between (all for the national body, else their own)."""
    require_role(user, REPORT_ROLES, what=_SEE_REPORTS)
    agencies = Agency.objects.order_by("name")
    if is_national(user):
        return same_world(agencies, user, "")
    return agencies.filter(pk=user.agency_id)


def _hits(scope: Scope) -> QuerySet[Hit]:
    since, until = scope.window()
    hits = Hit.objects.filter(scope.agencies(), created_at__gte=since, created_at__lt=until)
    if scope.port:
        hits = hits.filter(port__icontains=scope.port)
    return hits


def hits_by(scope: Scope, field: str) -> list[dict[str, Any]]:
    """Hits in the period per ``field`` (``port``, ``title_en``/``title_zh``) and status."""
    rows = _hits(scope).values(field, "status").annotate(n=Count("id")).order_by(field, "status")
    return [{"key": row[field], "status": row["status"], "n": row["n"]} for row in rows]


def hits_per_month(scope: Scope) -> list[dict[str, Any]]:
    rows = (
        _hits(scope)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return [{"month": row["month"].strftime("%Y-%m"), "n": row["n"]} for row in rows]


def queue_age(scope: Scope, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Hits waiting for a disposition now, by how long they have waited (the period and port
    filters do not apply: the queue is what waits today)."""
    waiting = Hit.objects.filter(scope.agencies(), status=PENDING)
    counts: dict[str, Any] = {}
    lower: dt.timedelta | None = None
    for upper, code in QUEUE_AGE_BANDS:
        band = Q()
        if upper is not None:
            band &= Q(created_at__gt=now - upper)
        if lower is not None:
            band &= Q(created_at__lte=now - lower)
        counts[code] = Count("id", filter=band)
        lower = upper
    totals = waiting.aggregate(**counts)
    return [{"band": code, "n": totals[code] or 0} for _, code in QUEUE_AGE_BANDS]


def time_to_disposition(scope: Scope) -> list[dict[str, Any]]:
    """Per disposition: how many, and the median and longest hours from hit to decision."""
    since, until = scope.window()
    decided = Disposition.objects.filter(
        scope.agencies("hit__agency_id"), decided_at__gte=since, decided_at__lt=until
    )
    if scope.port:
        decided = decided.filter(hit__port__icontains=scope.port)
    waits: dict[str, list[float]] = {}
    for kind, created, decided_at in decided.values_list("kind", "hit__created_at", "decided_at"):
        waits.setdefault(kind, []).append((decided_at - created).total_seconds() / 3600)
    return [
        {
            "kind": kind,
            "count": len(spans),
            "median_hours": round(statistics.median(spans), 1),
            "longest_hours": round(max(spans), 1),
        }
        for kind, spans in sorted(waits.items())
    ]


def batch_records_per_month(scope: Scope) -> list[dict[str, Any]]:
    """Records screened in batches that finished, per month of upload (no port: a batch
    mixes ports)."""
    since, until = scope.window()
    rows = (
        BatchJob.objects.filter(
            scope.agencies(), status=JobStatus.DONE, created_at__gte=since, created_at__lt=until
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(records=Sum("record_count"), hits=Sum("hit_count"))
        .order_by("month")
    )
    return [
        {"month": r["month"].strftime("%Y-%m"), "records": r["records"], "hits": r["hits"]}
        for r in rows
    ]


def _cases(scope: Scope) -> QuerySet[Case]:
    since, until = scope.window()
    return Case.objects.filter(scope.agencies(), opened_at__gte=since, opened_at__lt=until)


def cases_by_stage(scope: Scope) -> list[dict[str, Any]]:
    """Cases opened in the period, by where they stand now (every stage, zeros included)."""
    found = dict(_cases(scope).values_list("status").annotate(n=Count("id")).order_by())
    return [{"status": status.value, "n": found.get(status.value, 0)} for status in CaseStatus]


def cases_per_month(scope: Scope) -> list[dict[str, Any]]:
    rows = (
        _cases(scope)
        .annotate(month=TruncMonth("opened_at"))
        .values("month", "outcome")
        .annotate(n=Count("id"))
        .order_by("month", "outcome")
    )
    return [
        {"month": r["month"].strftime("%Y-%m"), "outcome": r["outcome"], "n": r["n"]} for r in rows
    ]


def children_in_cases(scope: Scope) -> dict[str, int]:
    """Cases opened in the period, and how many of them were referred to child protection."""
    cases = _cases(scope)
    children = CaseEvent.objects.filter(case__in=cases, kind=CaseEventKind.CHILD_PROTECTION).values(
        "case_id"
    )
    return {"cases": cases.count(), "children": cases.filter(pk__in=children).count()}


def days_to_referral(scope: Scope) -> list[float]:
    """Days from opening to the first move to "referred", for cases opened in the period that
    were referred."""
    events = CaseEvent.objects.filter(
        case__in=_cases(scope), kind=CaseEventKind.STATUS, detail__to=CaseStatus.REFERRED.value
    ).values_list("case_id", "case__opened_at", "at")
    first: dict[int, float] = {}
    for case_id, opened, at in events:
        days = (at - opened).total_seconds() / 86400
        first[case_id] = min(days, first.get(case_id, days))
    return sorted(first.values())


def summarise_waits(values: Iterable[float]) -> dict[str, float | int | None]:
    items = sorted(values)
    if not items:
        return {"count": 0, "median": None, "longest": None}
    return {
        "count": len(items),
        "median": round(statistics.median(items), 1),
        "longest": round(items[-1], 1),
    }


def hits_disposed_within(scope: Scope, hours: int) -> tuple[int, int]:
    """Hits created in the period, and how many had a disposition within ``hours``."""
    hits = _hits(scope)
    total = hits.count()
    quick = 0
    limit = dt.timedelta(hours=hours)
    for created, decided in hits.filter(disposition__isnull=False).values_list(
        "created_at", "disposition__decided_at"
    ):
        quick += decided - created <= limit
    return total, quick


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def measure_value(scope: Scope, measure: str, param: int | None) -> float | None:
    """One action-plan measure (``palermo.analytics.action_plan.MEASURES``) over ``scope``:
    a count, or a percentage (``None`` when there is nothing to divide by)."""
    if measure == "cases_opened":
        return float(_cases(scope).count())
    if measure == "presumed_victims":
        return float(_cases(scope).filter(outcome=VictimOutcome.PRESUMED.value).count())
    if measure == "children_referred_to_child_protection":
        return float(children_in_cases(scope)["children"])
    if measure == "share_cases_referred_within_days":
        days = days_to_referral(scope)
        return _share(sum(d <= (param or 0) for d in days), _cases(scope).count())
    if measure == "share_hits_disposed_within_hours":
        total, quick = hits_disposed_within(scope, param or 0)
        return _share(quick, total)
    if measure == "records_screened":
        return float(sum(r["records"] or 0 for r in batch_records_per_month(scope)))
    if measure == "officials_trained":
        return float(officials_trained(scope))
    if measure == "officials_trained_scoring_at_least":
        return float(officials_trained(scope, min_percent=param or 0))
    if measure == "officials_certified":
        return float(officials_certified(scope))
    raise ValueError(f"no computation for measure {measure!r}")


def officials_trained(scope: Scope, min_percent: int | None = None) -> int:
    """Officials who completed a course in the period: distinct people who took a cohort's
    after-course knowledge test then (scoring at least ``min_percent`` when given), counted
    for the agency of the account enrolled; simulated cohorts' trainees are not people and
    never count, nor do the trainers' own test runs without an account."""
    since, until = scope.window()
    attempts = KnowledgeTestAttempt.objects.filter(
        scope.agencies("enrolment__trainee__agency_id"),
        kind=Phase.POST,
        taken_at__gte=since,
        taken_at__lt=until,
        enrolment__trainee__isnull=False,
        enrolment__cohort__simulated=False,
    )
    if min_percent is not None:
        attempts = attempts.filter(percent__gte=min_percent)
    return attempts.values("enrolment__trainee_id").distinct().count()


def officials_certified(scope: Scope) -> int:
    """Officials holding a training certificate issued in the period and not revoked (the
    certificates app's pass rule: ``PALERMO_CERTIFICATE_PASS_PERCENT``), once each, for the
    agency of the holder's account."""
    return (
        Certificate.objects.filter(
            scope.agencies("holder__agency_id"),
            issued_on__gte=scope.start,
            issued_on__lte=scope.end,
            revoked_at__isnull=True,
        )
        .values("holder_id")
        .distinct()
        .count()
    )


def _identifications(scope: Scope) -> QuerySet[Identification]:
    """Cases referred to a competent authority in the period, by or to an agency in scope."""
    since, until = scope.window()
    found = Identification.objects.filter(referred_at__gte=since, referred_at__lt=until)
    if scope.agency_ids is None:  # every agency of the world (training cases stay apart)
        return found.filter(scope.agencies("referring_agency_id"))
    return found.filter(
        Q(referring_agency_id__in=scope.agency_ids) | Q(competent_authority_id__in=scope.agency_ids)
    )


def identifications_by_state(scope: Scope) -> list[dict[str, Any]]:
    rows = _identifications(scope).values("state").annotate(n=Count("id")).order_by("state")
    return [{"state": r["state"], "n": r["n"]} for r in rows]


def identification_times(scope: Scope) -> list[dict[str, Any]]:
    """Days from hit to referral, and from referral to the first-stage and to the conclusive
    decision (the first of each stage), with how many identifications have each figure."""
    spans: dict[str, list[float]] = {"hit_to_referral": [], "to_first_stage": [],
                                     "to_conclusive": []}  # fmt: skip
    fields = ("hit_at", "referred_at", "first_stage_at", "conclusive_at")
    for hit_at, referred, first, conclusive in _identifications(scope).values_list(*fields):
        for key, start, end in (
            ("hit_to_referral", hit_at, referred),
            ("to_first_stage", referred, first),
            ("to_conclusive", referred, conclusive),
        ):
            if start is not None and end is not None:
                spans[key].append((end - start).total_seconds() / 86400)
    return [{"step": key, **summarise_waits(days)} for key, days in spans.items() if days]


def _referrals(scope: Scope) -> QuerySet[Referral]:
    """Referrals sent in the period by or to an agency in scope."""
    since, until = scope.window()
    found = Referral.objects.filter(sent_at__gte=since, sent_at__lt=until)
    if scope.agency_ids is not None:
        found = found.filter(
            Q(sender_agency_id__in=scope.agency_ids) | Q(recipient_id__in=scope.agency_ids)
        )
    return found


def referrals_by_recipient(scope: Scope) -> list[dict[str, Any]]:
    rows = (
        _referrals(scope)
        .values("recipient__name", "state")
        .annotate(n=Count("id"))
        .order_by("recipient__name", "state")
    )
    return [{"agency": r["recipient__name"], "state": r["state"], "n": r["n"]} for r in rows]


def referrals_by_service(scope: Scope) -> list[dict[str, Any]]:
    """Per service: sent, accepted (including delivered), declined, the acceptance rate among
    those answered, and the median hours from sending to the answer."""
    accepted = {ReferralState.ACCEPTED.value, ReferralState.DONE.value}
    groups: dict[str, dict[str, Any]] = {}
    fields = ("service", "state", "sent_at", "responded_at")
    for service, state, sent, answered in _referrals(scope).values_list(*fields):
        group = groups.setdefault(service, {"sent": 0, "accepted": 0, "declined": 0, "waits": []})
        group["sent"] += 1
        group["accepted"] += state in accepted
        group["declined"] += state == ReferralState.DECLINED.value
        if answered is not None:
            group["waits"].append((answered - sent).total_seconds() / 3600)
    return [
        {
            "service": service,
            "sent": g["sent"],
            "accepted": g["accepted"],
            "declined": g["declined"],
            "rate": _share(g["accepted"], g["accepted"] + g["declined"]),
            "median_hours": round(statistics.median(g["waits"]), 1) if g["waits"] else None,
        }
        for service, g in sorted(groups.items())
    ]


def _date(value: object) -> dt.date | None:
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _assessed_sets(result_json: str) -> dict[str, str]:
    try:
        result = json.loads(result_json or "{}")
    except ValueError:
        return {}
    sets = result.get("sets", []) if isinstance(result, dict) else []
    return {
        str(s["set"]): str(s.get("outcome", "")) for s in sets if isinstance(s, dict) and "set" in s
    }


def statistics_case_facts(scope: Scope) -> tuple[list[CaseFacts], int]:
    """The facts a statistical release needs of every case opened in the period whose person
    consents (now: a statistics consent not withdrawn) to use in statistics, and how many cases
    of the period were left out for want of that consent. Reads the screened record and the
    assessment (both encrypted) of the case's interview; no name, reference or text leaves."""
    cases = _cases(scope)
    consenting = Consent.objects.filter(
        purpose=ConsentPurpose.STATISTICS, withdrawn_at__isnull=True
    ).values("case_id")
    kept = cases.filter(pk__in=consenting)
    interviews: dict[int, Interview] = {}
    for interview in (
        Interview.objects.filter(case__in=kept)
        .select_related("hit__traveller")
        .order_by("started_at")
    ):
        assert interview.case_id is not None
        interviews[interview.case_id] = interview  # the latest interview of the case
    facts = []
    for case in kept.order_by("opened_at", "pk"):
        found = interviews.get(case.pk)
        record: dict[str, Any] = {}
        if found is not None and found.hit is not None:
            try:
                loaded = json.loads(found.hit.traveller.record or "{}")
            except ValueError:
                loaded = {}
            record = loaded if isinstance(loaded, dict) else {}
        facts.append(
            CaseFacts(
                opened=timezone.localdate(case.opened_at),
                outcome=case.outcome,
                sex=record.get("sex") or None,
                date_of_birth=_date(record.get("date_of_birth")),
                nationality=record.get("nationality") or None,
                event_kind=record.get("event_kind") or None,
                destination=record.get("destination") or None,
                assessed_sets=_assessed_sets(found.result) if found else None,
            )
        )
    return facts, cases.count() - len(facts)
