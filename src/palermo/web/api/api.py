"""The API object, its error mapping and its operations.

Each operation sits next to its input and output schemas and declares its roles with
``auth=TokenAuth(...)``; reads go through selectors and writes through services, exactly like
the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from ninja import Body, Field, NinjaAPI, Schema

from palermo.errors import InputError, PalermoError
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.api.auth import TokenAuth
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases import selectors as case_selectors
from palermo.web.cases import services as case_services
from palermo.web.lib.errors import (
    RETRY_AFTER_SECONDS,
    DatabaseUnavailableError,
    http_status,
    unavailable_database,
)
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import error_reasons, problem, problem_json
from palermo.web.lib.roles import ALL_ROLES, CASE_ROLES, DESK_ROLES, HIT_ROLES

api = NinjaAPI(
    title="Palermo API",
    version="1",
    urls_namespace="api",
    docs_decorator=allow(ALL_ROLES),
    description=(
        "System-to-system screening, hit dispositions and cases. 系统间筛查、命中处置和个案。"
    ),
)


MAX_OFFSET = 1_000_000_000


class ProblemOut(Schema):
    where: str
    where_zh: str | None = None
    field: str | None = None
    value: Any = None
    rule: str
    rule_zh: str
    line: int | None = None


class ErrorOut(Schema):
    """Every refusal: a domain error gives ``error``, ``reasons`` (both languages) and, for
    input, ``problems``; authentication, a missing object and a malformed request give
    Ninja's ``detail``."""

    error: str | None = None
    reasons: list[str] | None = None
    problems: list[ProblemOut] | None = None
    detail: Any = None


def answers(ok: Any, *statuses: int) -> dict[int, Any]:
    """An operation's documented responses: ``ok`` for 200, ``ErrorOut`` for each refusal
    (401 without a valid token, 403 for a role not declared, 422 for a malformed request are
    always possible)."""
    return {200: ok, **dict.fromkeys(sorted({401, 403, 422, *statuses}), ErrorOut)}


@api.exception_handler(PalermoError)
def domain_error(request: AuthenticatedRequest, exc: PalermoError) -> HttpResponse:
    status, title = http_status(exc)
    body: dict[str, Any] = {"error": title, "reasons": error_reasons(exc, None)}
    if isinstance(exc, InputError):
        body["problems"] = [problem_json(p) for p in exc.problems]
    response = api.create_response(request, body, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request: AuthenticatedRequest, exc: Exception) -> HttpResponse:
    """The database went away mid-request (503) or its disk is full (507): a reason, never
    a 500."""
    return domain_error(request, unavailable_database(exc) or DatabaseUnavailableError())


# ------------------------------------------------------------------ cases


class CaseRowOut(Schema):
    id: int
    reference: str
    status: str
    outcome: str
    opened_at: dt.datetime
    updated_at: dt.datetime


class CaseOut(CaseRowOut):
    version: int
    pseudonym: str
    agency: str
    full_name: str | None = None
    document_number: str | None = None
    contact: str | None = None
    notes: str | None = None


class CaseTransitionIn(Schema):
    expected_version: int
    to_status: str
    reason: str


def _case_out(request: AuthenticatedRequest, case: Any) -> CaseOut:
    personal = case_selectors.case_personal_data(
        user=request.user, case=case, purpose="api case read", request=request
    )
    if personal is None:
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=case,
            purpose="api case read",
            request=request,
        )
    return CaseOut(
        id=case.pk,
        reference=case.reference,
        status=case.status,
        outcome=case.outcome,
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        version=case.version,
        pseudonym=case.person.pseudonym,
        agency=case.agency.name,
        full_name=personal.full_name if personal else None,
        document_number=personal.document_number if personal else None,
        contact=personal.contact if personal else None,
        notes=personal.notes if personal else None,
    )


@api.get(
    "/cases", response=answers(list[CaseRowOut]), auth=TokenAuth(CASE_ROLES), url_name="case_list"
)
def case_list(
    request: AuthenticatedRequest, status: str = "", limit: int = 50, offset: int = 0
) -> Any:
    if not 0 <= offset <= MAX_OFFSET:  # past 64 bits the database refuses the query (was a 500)
        raise InputError(
            [
                problem(
                    where=gettext_lazy("query"),
                    field="offset",
                    value=offset,
                    rule=gettext_lazy("must be a whole number from 0 to 1,000,000,000"),
                )
            ]
        )
    if not 1 <= limit <= 500 or offset < 0:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("query"),
                    field="limit",
                    value=limit,
                    rule=gettext_lazy("1 to 500; offset >= 0"),
                )
            ]
        )
    rows = list(case_selectors.case_list(user=request.user, status=status)[offset : offset + limit])
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        object_type="cases.case",
        purpose="api case list",
        request=request,
        detail={"offset": offset, "limit": limit, "status": status},
    )
    return rows


@api.get(
    "/cases/{case_id}",
    response=answers(CaseOut, 404),
    auth=TokenAuth(CASE_ROLES),
    url_name="case_detail",
)
def case_detail(request: AuthenticatedRequest, case_id: int) -> Any:
    return _case_out(request, case_selectors.case_get(user=request.user, pk=case_id))


@api.post(
    "/cases/{case_id}/transition",
    response=answers(CaseOut, 400, 404, 409),
    auth=TokenAuth(CASE_ROLES),
    url_name="case_transition",
)
def case_transition(request: AuthenticatedRequest, case_id: int, payload: CaseTransitionIn) -> Any:
    case = case_selectors.case_get(user=request.user, pk=case_id)
    case_services.case_transition(
        actor=request.user,
        case=case,
        expected_version=payload.expected_version,
        to_status=payload.to_status,
        reason=payload.reason,
        request=request,
    )
    return _case_out(request, case_selectors.case_get(user=request.user, pk=case_id))


# ------------------------------------------------------------------ screening


class HitOut(Schema):
    rule_id: str
    rule_version: str
    source: str
    weight: float
    title_en: str
    title_zh: str
    reasons_en: list[str]
    reasons_zh: list[str]
    hit_id: int | None = None


class ScreeningOut(Schema):
    control_hit_id: int | None = None  # drawn into the random control sample: its waiting hit
    record_id: str
    traveller_id: int | None
    hits: list[HitOut]


@api.post(
    "/screenings",
    response=answers(ScreeningOut, 400),
    auth=TokenAuth(DESK_ROLES),
    url_name="screen",
)
def screen(request: AuthenticatedRequest, payload: Body[dict[str, Any]]) -> Any:
    """Screen one traveller (canonical record fields); hits come back with their reasons.

    ``mrz``: the document's machine-readable zone (lines joined by a newline) fills the
    document and person fields (the document number only as its keyed hash); a field sent as
    well wins over the zone's. A failed check digit is a 422 naming it.

    Nothing happens to the traveller automatically: every hit waits for a human disposition.
    """
    from palermo.records.mrz import parse_mrz
    from palermo.records.validate_one import validate_record
    from palermo.web.screening import services as screening_services

    # JSON values as sent (numbers, booleans, the transit list): the validator reads each kind
    raw = {k: (None if v == "" else v) for k, v in payload.items() if k != "mrz"}
    zone = payload.get("mrz")
    if isinstance(zone, str) and zone.strip():
        from_zone = parse_mrz(zone).record_fields()
        raw = {
            **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in from_zone.items()},
            **{k: v for k, v in raw.items() if v is not None},
        }
    # the file validator's rules and messages, without building a one-row table
    record = validate_record(raw, source="request body")
    traveller, hits = screening_services.desk_screen(
        actor=request.user, record=record, request=request
    )
    stored = {}
    if traveller is not None:
        stored = {h.rule_id: h.pk for h in traveller.hits.all()}
    return ScreeningOut(
        control_hit_id=stored.get("control-sample") if not hits else None,
        record_id=str(record.get("record_id") or (traveller.record_id if traveller else "")),
        traveller_id=traveller.pk if traveller else None,
        hits=[
            HitOut(
                rule_id=h.rule_id,
                rule_version=h.rule_version,
                source=str(h.source),
                weight=h.weight,
                title_en=h.title_en,
                title_zh=h.title_zh,
                reasons_en=list(h.matched_en),
                reasons_zh=list(h.matched_zh),
                hit_id=stored.get(h.rule_id),
            )
            for h in hits
        ],
    )


class DispositionIn(Schema):
    kind: str
    reason: str
    observed: list[str] = Field(default_factory=list)
    minutes: int | None = Field(default=None, ge=0, le=600)


class DispositionOut(Schema):
    hit_id: int
    status: str


@api.post(
    "/hits/{hit_id}/disposition",
    response=answers(DispositionOut, 400, 404, 409),
    auth=TokenAuth(HIT_ROLES),
    url_name="hit_disposition",
)
def hit_disposition(request: AuthenticatedRequest, hit_id: int, payload: DispositionIn) -> Any:
    from palermo.web.screening import selectors as screening_selectors
    from palermo.web.screening import services as screening_services

    hit = screening_selectors.hit_get(user=request.user, pk=hit_id)
    screening_services.hit_dispose(
        actor=request.user,
        hit=hit,
        kind=payload.kind,
        reason=payload.reason,
        observed=payload.observed,
        minutes=payload.minutes,
        request=request,
    )
    return DispositionOut(hit_id=hit.pk, status=hit.status)
