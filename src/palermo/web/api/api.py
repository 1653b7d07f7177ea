"""The API object, its error mapping and its operations.

Each operation sits next to its input and output schemas and declares its roles with
``auth=TokenAuth(...)``; reads go through selectors and writes through services, exactly like
the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from ninja import Body, Field, NinjaAPI, Schema

from palermo.errors import InputError, PalermoError
from palermo.interchange.htcds import FIELDS
from palermo.web.accounts.models import Agency
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.api.auth import TokenAuth
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases import selectors as case_selectors
from palermo.web.cases import services as case_services
from palermo.web.cases.models import VictimOutcome
from palermo.web.certificates.codes import (
    CertificateNotGenuineError,
    certificate_check,
    format_code,
    split_code,
)
from palermo.web.directory import selectors as provider_selectors
from palermo.web.exchange import selectors as exchange_selectors
from palermo.web.exchange import services as exchange_services
from palermo.web.lib.errors import (
    RETRY_AFTER_SECONDS,
    DatabaseUnavailableError,
    http_status,
    unavailable_database,
)
from palermo.web.lib.params import id_param
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import error_reasons, problem, problem_json
from palermo.web.lib.roles import (
    ALL_ROLES,
    CASE_OPENING_ROLES,
    CASE_ROLES,
    CASE_WORK_ROLES,
    DESK_ROLES,
    EXCHANGE_EXPORT_ROLES,
    EXCHANGE_IMPORT_ROLES,
    HIT_ROLES,
    NRM_DECISION_ROLES,
    NRM_REFERRING_ROLES,
    NRM_ROLES,
    REFERRAL_RESPOND_ROLES,
    REFERRAL_ROLES,
    REFERRAL_SEND_ROLES,
    RoleSet,
)
from palermo.web.nrm import selectors as nrm_selectors
from palermo.web.nrm import services as nrm_services
from palermo.web.nrm.models import IdentificationState
from palermo.web.referrals import selectors as referral_selectors
from palermo.web.referrals import services as referral_services

#: an API operation, returned as it is by the decorator that routes it
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

api = NinjaAPI(
    title="Palermo API",
    version="1",
    urls_namespace="api",
    docs_decorator=allow(ALL_ROLES),
    description=(
        "System-to-system screening, hit dispositions, cases, referrals and identification "
        "decisions. 系统间筛查、命中处置、个案、转介和身份认定决定。"
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


class NoteOut(Schema):
    """A dated note: when, by whom (account), where it came from (``written`` on the case,
    ``opening`` with the case, ``carried_over`` from the former narrative box, ``received``
    from a partner abroad) and the text. Never changed once written."""

    at: dt.datetime
    author: str
    origin: str
    text: str


class CaseOut(CaseRowOut):
    version: int
    pseudonym: str
    agency: str
    full_name: str | None = None
    document_number: str | None = None
    contact: str | None = None
    # oldest first; ``None`` for a role that does not read the person's data
    notes: list[NoteOut] | None = None


class CaseCreateIn(Schema):
    """A case opened directly (a person who came forward, an NGO's own case); the note, if
    given, becomes the case's first dated note, signed by the token's account."""

    full_name: str = Field(max_length=500)
    outcome: str
    document_number: str = Field("", max_length=100)
    contact: str = Field("", max_length=500)
    note: str = Field("", max_length=20_000)


class CaseNoteIn(Schema):
    text: str = Field(max_length=20_000)


def _note_out(note: Any) -> NoteOut:
    return NoteOut(
        at=note.at,
        author=note.author.get_username(),
        origin=note.origin or "written",
        text=note.text,
    )


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
        notes=[_note_out(n) for n in case_selectors.case_notes(user=request.user, case=case)]
        if personal
        else None,
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
    "/cases",
    response=answers(CaseOut, 400),
    auth=TokenAuth(CASE_OPENING_ROLES),
    url_name="case_open",
)
def case_open(request: AuthenticatedRequest, payload: CaseCreateIn) -> Any:
    if payload.outcome == VictimOutcome.CHILD_AT_RISK.value:
        # a child's case carries its child-protection referral: the child interview opens it
        raise InputError(
            [
                problem(
                    where=gettext_lazy("case"),
                    field="outcome",
                    value=payload.outcome,
                    rule=gettext_lazy(
                        "a child's case is opened from the child interview, which sends the "
                        "referral to child protection with it"
                    ),
                )
            ]
        )
    case = case_services.case_open(
        actor=request.user,
        full_name=payload.full_name,
        outcome=payload.outcome,
        document_number=payload.document_number,
        contact=payload.contact,
        note=payload.note,
        request=request,
    )
    return _case_out(request, case_selectors.case_get(user=request.user, pk=case.pk))


@api.post(
    "/cases/{case_id}/notes",
    response=answers(NoteOut, 400, 404, 409),
    auth=TokenAuth(CASE_WORK_ROLES),
    url_name="case_note_add",
)
def case_note_add(request: AuthenticatedRequest, case_id: int, payload: CaseNoteIn) -> Any:
    case = case_selectors.case_get(user=request.user, pk=id_param(case_id, name="case_id"))
    note = case_services.case_note_add(
        actor=request.user, case=case, text=payload.text, request=request
    )
    return _note_out(note)


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


# ------------------------------------------------------------------ referrals


class ReferralOut(Schema):
    """A referral as its sending or receiving agency sees it; ``shared`` only for the
    receiver (the referral type's fields, while sharing holds), ``None`` otherwise."""

    id: int
    reference: str
    case_reference: str
    kind: str
    referral_type: str
    service: str
    sender_agency: str
    recipient: str
    state: str
    fields: list[str]
    override: bool
    sent_at: dt.datetime
    respond_by: dt.datetime
    responded_at: dt.datetime | None = None
    decline_reason: str = ""
    completed_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoke_reason: str = ""
    escalated_at: dt.datetime | None = None
    shared: dict[str, str] | None = None
    # the case's dated notes, when the referral's type shares them (``shared`` is not None)
    shared_notes: list[NoteOut] | None = None


class ReferralSendIn(Schema):
    case_id: int
    recipient_id: int
    service: str
    referral_type: str = ""
    kind: str = "referral"
    provider_id: int | None = None
    message: str = Field("", max_length=2000)
    legal_basis: str = Field("", max_length=300)
    override_reason: str = Field("", max_length=500)


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class NoteIn(Schema):
    note: str = Field("", max_length=500)


def _agency(value: int, *, field: str, where: str | Promise) -> Agency:
    """The agency a request names by id (any agency: which one may receive is the service's
    rule), or a 422 naming the field."""
    agency = Agency.objects.filter(pk=id_param(value, name=field)).first()
    if agency is None:
        raise InputError(
            [problem(where=where, field=field, value=value, rule=gettext_lazy("no such agency"))]
        )
    return agency


def _referral_out(request: AuthenticatedRequest, referral: Any) -> ReferralOut:
    shared = referral_selectors.referral_shared_fields(
        user=request.user, referral=referral, request=request
    )
    return ReferralOut(
        id=referral.pk,
        reference=referral.reference,
        case_reference=referral.case.reference,
        kind=referral.kind,
        referral_type=referral.referral_type,
        service=referral.service,
        sender_agency=referral.sender_agency.name,
        recipient=referral.recipient.name,
        state=referral.state,
        fields=list(referral.fields),
        override=referral.is_override,
        sent_at=referral.sent_at,
        respond_by=referral.respond_by,
        responded_at=referral.responded_at,
        decline_reason=referral.decline_reason,
        completed_at=referral.completed_at,
        revoked_at=referral.revoked_at,
        revoke_reason=referral.revoke_reason,
        escalated_at=referral.escalated_at,
        shared={f.name: f.value for f in shared if f.name != "notes"}
        if shared is not None
        else None,
        shared_notes=next(
            ([_note_out(n) for n in f.notes] for f in shared or [] if f.name == "notes"), None
        ),
    )


def _referral(request: AuthenticatedRequest, referral_id: int) -> Any:
    pk = id_param(referral_id, name="referral_id")
    return referral_selectors.referral_get(user=request.user, pk=pk)


@api.get(
    "/referrals",
    response=answers(list[ReferralOut]),
    auth=TokenAuth(REFERRAL_ROLES),
    url_name="referral_list",
)
def referral_list(
    request: AuthenticatedRequest, direction: str = "", state: str = "", limit: int = 50
) -> Any:
    """Referrals the token's agency sent (``direction=sent``), received (``received``) or
    both, newest first."""
    if not 1 <= limit <= 500:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("query"),
                    field="limit",
                    value=limit,
                    rule=gettext_lazy("1 to 500"),
                )
            ]
        )
    rows = referral_selectors.referral_list(user=request.user, direction=direction, state=state)
    return [_referral_out(request, r) for r in rows[:limit]]


@api.get(
    "/referrals/{referral_id}",
    response=answers(ReferralOut, 400, 404),
    auth=TokenAuth(REFERRAL_ROLES),
    url_name="referral_detail",
)
def referral_detail(request: AuthenticatedRequest, referral_id: int) -> Any:
    return _referral_out(request, _referral(request, referral_id))


@api.post(
    "/referrals",
    response=answers(ReferralOut, 400, 404, 409),
    auth=TokenAuth(REFERRAL_SEND_ROLES),
    url_name="referral_send",
)
def referral_send(request: AuthenticatedRequest, payload: ReferralSendIn) -> Any:
    """Refer a case of the token's agency (both consents or an override; an agreement)."""
    case = case_selectors.case_get(user=request.user, pk=id_param(payload.case_id, name="case_id"))
    recipient = _agency(payload.recipient_id, field="recipient_id", where=gettext_lazy("referral"))
    provider = None
    if payload.provider_id is not None:
        provider = provider_selectors.provider_get(
            user=request.user, pk=id_param(payload.provider_id, name="provider_id")
        )
    referral = referral_services.referral_send(
        actor=request.user,
        case=case,
        recipient=recipient,
        service=payload.service,
        referral_type=payload.referral_type or None,
        kind=payload.kind,
        provider=provider,
        message=payload.message,
        legal_basis=payload.legal_basis,
        override_reason=payload.override_reason,
        request=request,
    )
    return _referral_out(request, referral)


def _referral_step_route(step: str, roles: RoleSet) -> Callable[[Endpoint], Endpoint]:
    """The route of one step on a referral: ``POST /referrals/{referral_id}/<step>`` for a
    token of ``roles``, answering the referral (400, 404, 409 with the reasons)."""
    return api.post(
        f"/referrals/{{referral_id}}/{step}",
        response=answers(ReferralOut, 400, 404, 409),
        auth=TokenAuth(roles),
        url_name=f"referral_{step}",
    )


def _referral_step(
    request: AuthenticatedRequest, referral_id: int, step: Callable[..., Any], **given: str
) -> Any:
    """Run the service ``step`` on a referral the token's agency can see (404 otherwise) and
    answer the referral as that agency sees it afterwards."""
    referral = step(
        actor=request.user, referral=_referral(request, referral_id), request=request, **given
    )
    return _referral_out(request, referral)


@_referral_step_route("accept", REFERRAL_RESPOND_ROLES)
def referral_accept(request: AuthenticatedRequest, referral_id: int) -> Any:
    return _referral_step(request, referral_id, referral_services.referral_accept)


@_referral_step_route("decline", REFERRAL_RESPOND_ROLES)
def referral_decline(request: AuthenticatedRequest, referral_id: int, payload: ReasonIn) -> Any:
    return _referral_step(
        request, referral_id, referral_services.referral_decline, reason=payload.reason
    )


@_referral_step_route("complete", REFERRAL_RESPOND_ROLES)
def referral_complete(request: AuthenticatedRequest, referral_id: int, payload: NoteIn) -> Any:
    return _referral_step(
        request, referral_id, referral_services.referral_complete, note=payload.note
    )


@_referral_step_route("revoke", REFERRAL_SEND_ROLES)
def referral_revoke(request: AuthenticatedRequest, referral_id: int, payload: ReasonIn) -> Any:
    return _referral_step(
        request, referral_id, referral_services.referral_revoke, reason=payload.reason
    )


# ------------------------------------------------------------------ identification decisions


class DecisionOut(Schema):
    stage: str
    positive: bool
    reasons: str
    decided_by: str
    decided_at: dt.datetime
    reconsideration: bool


class ReconsiderationOut(Schema):
    reason: str
    requested_by: str
    requested_at: dt.datetime
    due_on: dt.date
    answered: bool


class IdentificationOut(Schema):
    """An identification as the referring agency or the competent authority sees it. The
    grounds, decisions and requests only on the single read; the grounds and the reasons
    (decrypted, the read audited) only for those who need them (``grounds_shown``)."""

    id: int
    case_reference: str
    referring_agency: str
    competent_authority: str
    state: str
    decision_due: str | None = Field(
        description="The stage whose decision is due now. 当前待作决定的阶段。"
    )
    due_on: dt.date | None
    overdue: bool
    recovery_starts_on: dt.date | None
    recovery_ends_on: dt.date | None
    hit_at: dt.datetime | None
    referred_at: dt.datetime
    first_stage_at: dt.datetime | None
    conclusive_at: dt.datetime | None
    grounds_shown: bool | None = Field(
        default=None,
        description=(
            "Whether the grounds and the reasons are given: only to the authority's decision "
            "makers and the owning agency's roles that read the person's data. "
            "是否提供依据和理由：仅限主管机关的决定者及个案所属机构可查看当事人资料的角色。"
        ),
    )
    summary: str | None = None
    decisions: list[DecisionOut] | None = None
    reconsiderations: list[ReconsiderationOut] | None = None


class IdentificationReferIn(Schema):
    case_id: int
    competent_authority_id: int
    summary: str = Field(max_length=10_000, description="The grounds. 依据。")


class DecisionIn(Schema):
    stage: str = Field(
        description="first_stage or conclusive: the decision due now. "
        "first_stage 或 conclusive：当前待作的决定。"
    )
    positive: bool = Field(description="Grounds found. 是否认定存在依据。")
    reasons: str = Field(max_length=10_000)


class ReconsiderationIn(Schema):
    reason: str = Field(max_length=10_000)


def _identification_out(
    request: AuthenticatedRequest, identification: Any, *, file: bool = False
) -> IdentificationOut:
    due = nrm_services.stage_due(identification)
    out = IdentificationOut(
        id=identification.pk,
        case_reference=identification.case.reference,
        referring_agency=identification.referring_agency.name,
        competent_authority=identification.competent_authority.name,
        state=identification.state,
        decision_due=due.value if due is not None else None,
        due_on=identification.due_on,
        overdue=identification.due_on is not None
        and due is not None
        and identification.due_on < timezone.localdate(),
        recovery_starts_on=identification.recovery_starts_on,
        recovery_ends_on=identification.recovery_ends_on,
        hit_at=identification.hit_at,
        referred_at=identification.referred_at,
        first_stage_at=identification.first_stage_at,
        conclusive_at=identification.conclusive_at,
    )
    if file:
        shown = nrm_selectors.identification_file(
            user=request.user, identification=identification, request=request
        )
        out.grounds_shown = shown.grounds_shown
        out.summary = shown.summary if shown.grounds_shown else None
        out.decisions = [
            DecisionOut(
                stage=d.stage,
                positive=d.positive,
                reasons=d.reasons,
                decided_by=d.decided_by,
                decided_at=d.decided_at,
                reconsideration=d.reconsideration,
            )
            for d in shown.decisions
        ]
        out.reconsiderations = [
            ReconsiderationOut(
                reason=r.reason,
                requested_by=r.requested_by,
                requested_at=r.requested_at,
                due_on=r.due_on,
                answered=r.answered,
            )
            for r in shown.requests
        ]
    return out


def _identification(request: AuthenticatedRequest, identification_id: int) -> Any:
    pk = id_param(identification_id, name="identification_id")
    return nrm_selectors.identification_get(user=request.user, pk=pk)


@api.get(
    "/nrm/identifications",
    response=answers(list[IdentificationOut], 400),
    auth=TokenAuth(NRM_ROLES),
    url_name="identification_list",
)
def identification_list(request: AuthenticatedRequest, state: str = "", limit: int = 50) -> Any:
    """Identifications the token's agency referred or decides, newest first (``state``:
    ``awaiting_first_stage``, ``recovery``, ``reconsideration``, ``negative_first_stage``,
    ``concluded_positive``, ``concluded_negative``)."""
    problems = []
    if state and state not in {s.value for s in IdentificationState}:
        problems.append(
            problem(
                where=gettext_lazy("query"),
                field="state",
                value=state,
                rule=gettext_lazy("unknown"),
            )
        )
    if not 1 <= limit <= 500:
        problems.append(
            problem(
                where=gettext_lazy("query"),
                field="limit",
                value=limit,
                rule=gettext_lazy("1 to 500"),
            )
        )
    if problems:
        raise InputError(problems)
    rows = nrm_selectors.identification_list(user=request.user, state=state)
    return [_identification_out(request, i) for i in rows[:limit]]


@api.get(
    "/nrm/identifications/{identification_id}",
    response=answers(IdentificationOut, 400, 404),
    auth=TokenAuth(NRM_ROLES),
    url_name="identification_detail",
)
def identification_detail(request: AuthenticatedRequest, identification_id: int) -> Any:
    """One identification with its grounds, decisions and requests (the read is audited)."""
    return _identification_out(request, _identification(request, identification_id), file=True)


@api.post(
    "/nrm/identifications",
    response=answers(IdentificationOut, 400, 403, 404, 409),
    auth=TokenAuth(NRM_REFERRING_ROLES),
    url_name="identification_refer",
)
def identification_refer(request: AuthenticatedRequest, payload: IdentificationReferIn) -> Any:
    """Submit a case of the token's agency to a competent authority (the person's consent to
    sharing with it is needed); the first-stage decision falls due."""
    case = case_selectors.case_get(user=request.user, pk=id_param(payload.case_id, name="case_id"))
    authority = _agency(
        payload.competent_authority_id,
        field="competent_authority_id",
        where=gettext_lazy("identification"),
    )
    identification = nrm_services.identification_refer(
        actor=request.user,
        case=case,
        competent_authority=authority,
        summary=payload.summary,
        request=request,
    )
    return _identification_out(request, identification)


@api.post(
    "/nrm/identifications/{identification_id}/decisions",
    response=answers(IdentificationOut, 400, 403, 404, 409),
    auth=TokenAuth(NRM_DECISION_ROLES),
    url_name="identification_decide",
)
def identification_decide(
    request: AuthenticatedRequest, identification_id: int, payload: DecisionIn
) -> Any:
    """The competent authority records the decision due now, with its reasons; a positive
    first-stage decision starts the recovery and reflection period."""
    identification = _identification(request, identification_id)
    nrm_services.identification_decide(
        actor=request.user,
        identification=identification,
        stage=payload.stage,
        positive=payload.positive,
        reasons=payload.reasons,
        request=request,
    )
    return _identification_out(request, identification, file=True)


@api.post(
    "/nrm/identifications/{identification_id}/reconsideration",
    response=answers(IdentificationOut, 400, 403, 404, 409),
    auth=TokenAuth(NRM_ROLES),
    url_name="identification_reconsideration",
)
def identification_reconsideration(
    request: AuthenticatedRequest, identification_id: int, payload: ReconsiderationIn
) -> Any:
    """Ask for a decision that found no grounds to be reconsidered; a new decision falls due."""
    identification = _identification(request, identification_id)
    nrm_services.identification_reconsideration_request(
        actor=request.user, identification=identification, reason=payload.reason, request=request
    )
    return _identification_out(request, identification, file=True)


# ------------------------------------------------------------------ cross-border exchange

_PACKAGE_BODY = {
    "requestBody": {
        "required": True,
        "description": "An exchange package as a partner agency sent it (at most 1 MB). "
        "合作机构发送的交换文件包（最大 1 MB）。",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


class ExchangeExportIn(Schema):
    partner: str = Field(max_length=40, description="The partner agency's code. 合作机构代码。")
    details: str = Field(max_length=300, description="Purpose of the transfer. 传送目的。")
    reason: str = Field(default="AdditionalServicesRequired", max_length=40)
    legal_basis: str = Field(default="", max_length=300)
    override_reason: str = Field(default="", max_length=500)
    fields: list[str] = Field(default_factory=list, max_length=20)


class ExchangeExportOut(Schema):
    package_id: str
    partner: str
    fields: list[str]
    basis: str
    package: str = Field(
        description="The package (JSON) to send to the partner. 发给合作机构的文件包。"
    )


class ExchangeReceivedOut(Schema):
    package_id: str
    sender: str
    fields: list[str]
    basis: str
    case_id: int | None = None
    case_reference: str | None = None
    already_received: bool = False


@api.post(
    "/exchange/cases/{case_id}/export",
    response=answers(ExchangeExportOut, 400, 404, 409),
    auth=TokenAuth(EXCHANGE_EXPORT_ROLES),
    url_name="exchange_export",
)
def exchange_export(request: AuthenticatedRequest, case_id: int, payload: ExchangeExportIn) -> Any:
    case = case_selectors.case_get(user=request.user, pk=case_id)
    partner = exchange_selectors.partners_in_use(user=request.user).filter(
        agency__code=payload.partner
    )
    found = partner.first()
    if found is None:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("exchange"),
                    field="partner",
                    value=payload.partner,
                    rule=gettext_lazy("is not a partner agency with a confirmed key"),
                )
            ]
        )
    record, package = exchange_services.package_export(
        actor=request.user,
        case=case,
        wanted=exchange_services.ExportRequest(
            partner=found,
            reason=payload.reason,
            details=payload.details,
            legal_basis=payload.legal_basis,
            override_reason=payload.override_reason,
            override_fields=tuple(payload.fields),
        ),
        request=request,
    )
    return ExchangeExportOut(
        package_id=record.package_id,
        partner=found.agency.code,
        fields=record.fields,
        basis=record.basis,
        package=package.decode("utf-8"),
    )


@api.post(
    "/exchange/import",
    response=answers(ExchangeReceivedOut, 400, 409),
    auth=TokenAuth(EXCHANGE_IMPORT_ROLES),
    url_name="exchange_import",
    openapi_extra=_PACKAGE_BODY,
)
def exchange_import(request: AuthenticatedRequest) -> Any:
    """Receive a package (the request body as sent): signature, schema and consent checked,
    then the case opened with its provenance, all or nothing; a package id only once."""
    record = exchange_services.package_import(
        actor=request.user, data=request.body, request=request
    )
    return ExchangeReceivedOut(
        package_id=record.package_id,
        sender=record.partner.agency.code,
        fields=record.fields,
        basis=record.basis,
        case_id=record.case_id,
        case_reference=record.case.reference,
    )


@api.post(
    "/exchange/verify",
    response=answers(ExchangeReceivedOut, 400, 409),
    auth=TokenAuth(EXCHANGE_IMPORT_ROLES),
    url_name="exchange_verify",
    openapi_extra=_PACKAGE_BODY,
)
def exchange_verify(request: AuthenticatedRequest) -> Any:
    """Check a package as on receipt, without opening a case."""
    checked = exchange_services.package_verify(
        actor=request.user, data=request.body, request=request
    )
    return ExchangeReceivedOut(
        package_id=checked.document["package_id"],
        sender=checked.partner.agency.code,
        fields=[name for name in FIELDS if name in checked.document["fields"]],
        basis=checked.document["consent"]["basis"],
        already_received=checked.replayed,
    )


# ------------------------------------------------------------------ training certificates


class CertificateOut(Schema):
    """What a certificate's verification code says: the public verification page's answer
    (the holder's name, the course, the dates, the state), nothing else about the holder."""

    code: str
    status: str  # valid, expired or revoked
    valid: bool
    expired: bool
    revoked: bool
    holder: str
    course: str
    course_zh: str
    issued_on: dt.date
    valid_until: dt.date


@api.get(
    "/certificates/{code}",
    response=answers(CertificateOut, 404),
    auth=TokenAuth(ALL_ROLES),
    url_name="certificate_verify",
)
def certificate_verify(request: AuthenticatedRequest, code: str) -> Any:
    """Check a training certificate's verification code (as ``/certificates/verify/`` and
    ``palermo academy verify-certificate`` do). A code that cannot be one: 422; a code that no
    certificate of this installation has (unknown, forged, or of a changed certificate): 404;
    both with the reason in English and Chinese."""
    try:
        found = certificate_check(code=code)
    except CertificateNotGenuineError as exc:
        body = {
            "error": str(gettext_lazy("Not genuine.")),
            "reasons": error_reasons(exc, None),
            "problems": [problem_json(p) for p in exc.problems],
        }
        return api.create_response(request, body, status=404)
    # a genuine certificate's answer carries its dates
    assert found.issued_on is not None
    assert found.valid_until is not None
    return CertificateOut(
        code=format_code(*(split_code(code) or ("", ""))),
        status=found.status,
        valid=found.status == "valid",
        expired=found.valid_until < timezone.localdate(),
        revoked=found.status == "revoked",
        holder=found.holder_name,
        course=found.course_title,
        course_zh=found.course_title_zh,
        issued_on=found.issued_on,
        valid_until=found.valid_until,
    )
