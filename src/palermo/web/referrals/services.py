"""Writes on referrals: send, accept, decline, complete, revoke, and the escalation of
unanswered ones. Each step runs in one transaction with its audit entry, its line on the
case's timeline and its notifications.

``referral_send`` is the public entry point for other apps (an automatic child-protection
referral, a consular hand-over): keep its signature stable (ARCHITECTURE.md).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.accounts.models import Agency, User
from palermo.web.agreements.services import agreement_for_transfer
from palermo.web.audit.models import AuditAction
from palermo.web.audit.purposes import purpose_text
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case, CaseEventKind, CaseStatus, Consent, ConsentPurpose
from palermo.web.cases.services import (
    case_event_add,
    case_transfer_ownership,
    sharing_consent,
)
from palermo.web.directory.models import ServiceProvider, ServiceType
from palermo.web.lib.errors import ConsentRequiredError, NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import (
    CONSENT_OVERRIDE_ROLES,
    REFERRAL_RESPOND_ROLES,
    REFERRAL_SEND_ROLES,
    Role,
    require_role,
)
from palermo.web.lib.training import refuse_if_training
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.services import notification_send
from palermo.web.referrals.models import (
    DEFAULT_TYPE,
    OPEN_STATES,
    REFERRAL_TYPES,
    Referral,
    ReferralKind,
    ReferralState,
    ReferralTypeCode,
    response_time,
)

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_WHERE = gettext_lazy("referral")


def _reference() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"R-{body[:4]}-{body[4:]}"


def _bad(field: str, rule: Any, value: Any = None) -> InputError:
    return InputError([problem(where=_WHERE, field=field, value=value, rule=rule)])


def services_consent(*, case: Case) -> Consent | None:
    """The person's newest active consent to receive assistance (services), if any."""
    return (
        Consent.objects.filter(
            case=case, purpose=ConsentPurpose.ASSISTANCE.value, withdrawn_at__isnull=True
        )
        .order_by("-given_at")
        .first()
    )


def _consents(
    actor: User, case: Case, recipient: Agency, legal_basis: str, override_reason: str
) -> tuple[Consent | None, Consent | None]:
    """Both consents, or an override by a role allowed to make one (legal basis and reason),
    or ``ConsentRequiredError`` naming what is missing."""
    disclose = sharing_consent(case=case, recipient=recipient)
    services = services_consent(case=case)
    if disclose is not None and services is not None:
        return disclose, services
    if actor.role not in CONSENT_OVERRIDE_ROLES:
        missing = []
        if disclose is None:
            missing.append(
                _("to the disclosure of their data to %(agency)s") % {"agency": recipient.name}
            )
        if services is None:
            missing.append(_("to receiving assistance"))
        raise ConsentRequiredError(
            _(
                "The person has not consented %(missing)s (or withdrew consent). Record their "
                "consent on the case first; only a supervisor may refer without it, stating "
                "the legal basis and the reason."
            )
            % {"missing": _(" and ").join(missing)}
        )
    if not legal_basis.strip():
        raise _bad("legal_basis", gettext_lazy("referring without consent needs the legal basis"))
    if not override_reason.strip():
        raise _bad("override_reason", gettext_lazy("referring without consent needs a reason"))
    return disclose, services


def _check_request(
    *,
    actor: User,
    case: Case,
    recipient: Agency,
    service: str,
    referral_type: str,
    kind: str,
    provider: ServiceProvider | None,
) -> None:
    if case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can refer it."))
    if case.status == CaseStatus.CLOSED.value:
        raise TransitionRefusedError(_("A closed case cannot be referred."))
    if recipient.pk == case.agency_id:
        raise _bad("recipient", gettext_lazy("the case is already yours"))
    if service not in {s.value for s in ServiceType}:
        raise _bad("service", gettext_lazy("unknown"), service)
    if referral_type not in {t.value for t in ReferralTypeCode}:
        raise _bad("referral_type", gettext_lazy("unknown"), referral_type)
    if kind not in {k.value for k in ReferralKind}:
        raise _bad("kind", gettext_lazy("unknown"), kind)
    if kind == ReferralKind.TRANSFER and referral_type != ReferralTypeCode.FULL_CASE:
        raise _bad("referral_type", gettext_lazy("a transfer sends the whole case file"))
    if provider is not None and (
        provider.agency_id != recipient.pk
        or not provider.active
        or f",{service}," not in provider.services
    ):
        raise _bad("provider", gettext_lazy("this provider does not offer that service here"))
    open_ones = Referral.objects.filter(case=case, state__in=[s.value for s in OPEN_STATES])
    if open_ones.filter(recipient=recipient, service=service).exists():
        raise TransitionRefusedError(
            _("The case already has an open referral to %(agency)s for this service.")
            % {"agency": recipient.name}
        )
    if kind == ReferralKind.TRANSFER and open_ones.filter(kind=ReferralKind.TRANSFER).exists():
        raise TransitionRefusedError(_("The case already has an open transfer."))


def referral_url(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def _params(referral: Referral, **extra: Any) -> dict[str, Any]:
    """What a referral notification says: references, agency names and labels (no person)."""
    return {
        "reference": referral.reference,
        "sender": referral.sender_agency.name,
        "recipient": referral.recipient.name,
        "service": referral.service_label,
        **extra,
    }


def referral_send(
    *,
    actor: User,
    case: Case,
    recipient: Agency,
    service: ServiceType | str,
    referral_type: ReferralTypeCode | str | None = None,
    kind: ReferralKind | str = ReferralKind.REFERRAL,
    provider: ServiceProvider | None = None,
    message: str = "",
    legal_basis: str = "",
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Refer ``case`` to ``recipient`` for ``service``; returns the referral, state "sent".

    ``referral_type`` fixes the fields the receiver sees (default: the service's usual type,
    ``DEFAULT_TYPE``); ``kind="transfer"`` moves the case to the recipient when it accepts
    (type ``full_case``). Needs: the actor in ``REFERRAL_SEND_ROLES`` at the owning agency;
    the person's consent to disclosure to ``recipient`` and to receiving assistance, or - only
    for ``CONSENT_OVERRIDE_ROLES`` - ``legal_basis`` and ``override_reason``; a data-sharing
    agreement in force covering the type's purpose. Refusals: ``NotPermittedError``,
    ``ConsentRequiredError``, ``AgreementRequiredError``, ``TransitionRefusedError`` (closed
    case, an open referral to the same agency for the same service), ``InputError``.
    The receiving agency is notified; the answer is due within ``response_time(service)``.
    """
    require_role(actor, REFERRAL_SEND_ROLES, what=gettext_lazy("refer a case"))
    refuse_if_training(case, recipient)  # the sandbox's wall: training stays training
    service = str(service)
    type_code = str(referral_type or "")
    if not type_code and service in {s.value for s in ServiceType}:
        type_code = DEFAULT_TYPE[ServiceType(service)].value
    _check_request(
        actor=actor,
        case=case,
        recipient=recipient,
        service=service,
        referral_type=type_code,
        kind=str(kind),
        provider=provider,
    )
    disclose, services = _consents(actor, case, recipient, legal_basis, override_reason)
    spec = REFERRAL_TYPES[ReferralTypeCode(type_code)]
    agreement = agreement_for_transfer(
        sender=case.agency, recipient=recipient, purpose=spec.transfer_purpose.value
    )
    override = disclose is None or services is None
    now = timezone.now()
    with transaction.atomic():
        referral = Referral.objects.create(
            reference=_reference(),
            case=case,
            kind=str(kind),
            referral_type=type_code,
            fields=list(spec.fields),
            service=service,
            provider=provider,
            sender_agency=case.agency,
            recipient=recipient,
            message=message.strip(),
            agreement=agreement,
            consent_disclose=disclose,
            consent_services=services,
            legal_basis=legal_basis.strip()[:300] if override else "",
            override_reason=override_reason.strip()[:500] if override else "",
            state=ReferralState.SENT.value,
            sent_by=actor,
            sent_at=now,
            respond_by=now + response_time(service),
        )
        case_event_add(
            case=case,
            actor=actor,
            kind=CaseEventKind.REFERRAL,
            step="sent",
            reference=referral.reference,
            service=service,
            agency=recipient.name,
            override=override,
        )
        audit_record(
            actor=actor,
            action=AuditAction.SHARE,
            obj=referral,
            fields=list(spec.fields),
            purpose=purpose_text("referral: {service}", service=service),
            request=request,
            detail={
                "case": case.reference,
                "to_agency": recipient.pk,
                "kind": str(kind),
                "type": type_code,
                "override": override,
                "agreement": agreement.reference,
            },
        )
        notification_send(
            actor=actor,
            kind=NotificationKind.REFERRAL_RECEIVED,
            agency=recipient,
            roles=REFERRAL_RESPOND_ROLES,
            about=referral,
            url=referral_url(referral),
            params=_params(referral, due=_when(referral.respond_by)),
            request=request,
        )
    return referral


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "sender_agency", "recipient", "sent_by")
        .get(pk=referral.pk)
    )


def _as_receiver(actor: User, referral: Referral, what: Any) -> None:
    require_role(actor, REFERRAL_RESPOND_ROLES, what=what)
    if referral.recipient_id != actor.agency_id:
        raise NotPermittedError(_("Only the receiving agency answers a referral."))


def _require_state(referral: Referral, *states: ReferralState) -> None:
    if referral.state not in {s.value for s in states}:
        raise TransitionRefusedError(
            _("This referral is %(state)s: that step is no longer possible.")
            % {"state": str(referral.state_label).lower()}
        )


def _record_step(
    referral: Referral,
    actor: User,
    *,
    step: str,
    fields: list[str],
    reason: str = "",
    request: HttpRequest | None,
) -> None:
    """The step on the case's timeline and in the audit log (in the caller's transaction)."""
    case_event_add(
        case=referral.case,
        actor=actor,
        kind=CaseEventKind.REFERRAL,
        step=step,
        reason=reason,
        reference=referral.reference,
        agency=(
            referral.sender_agency.name
            if actor.agency_id == referral.recipient_id
            else referral.recipient.name
        ),
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=referral,
        fields=fields,
        purpose=f"referral {step}",
        request=request,
        detail={"case": referral.case.reference, "state": referral.state},
    )


def _tell_sender(
    referral: Referral,
    actor: User,
    kind: NotificationKind,
    request: HttpRequest | None,
    **extra: Any,
) -> None:
    notification_send(
        actor=actor,
        kind=kind,
        recipient=referral.sent_by,
        about=referral,
        url=referral_url(referral),
        params=_params(referral, **extra),
        request=request,
    )


def referral_accept(
    *, actor: User, referral: Referral, request: HttpRequest | None = None
) -> Referral:
    """The receiving agency accepts: a referral becomes "accepted"; a transfer moves the case
    to the receiving agency and is then done. The sender is notified."""
    _as_receiver(actor, referral, gettext_lazy("accept a referral"))
    with transaction.atomic():
        referral = _locked(referral)
        _require_state(referral, ReferralState.SENT)
        now = timezone.now()
        referral.responded_at = now
        referral.responded_by = actor
        changed = ["state", "responded_at", "responded_by"]
        if referral.kind == ReferralKind.TRANSFER:
            referral.state = ReferralState.DONE.value
            referral.completed_at = now
            referral.completed_by = actor
            changed += ["completed_at", "completed_by"]
        else:
            referral.state = ReferralState.ACCEPTED.value
        referral.save(update_fields=changed)
        _record_step(referral, actor, step="accepted", fields=changed, request=request)
        if referral.kind == ReferralKind.TRANSFER:
            case_transfer_ownership(
                actor=actor,
                case=referral.case,
                to_agency=referral.recipient,
                referral_reference=referral.reference,
                request=request,
            )
        _tell_sender(referral, actor, NotificationKind.REFERRAL_ACCEPTED, request)
    return referral


def _reason(field: str, reason: str) -> str:
    if not reason.strip():
        raise _bad(field, gettext_lazy("give the reason"))
    return reason.strip()[:500]


def referral_decline(
    *, actor: User, referral: Referral, reason: str, request: HttpRequest | None = None
) -> Referral:
    """The receiving agency declines, with a reason; the sender is notified and may refer
    elsewhere. The receiver no longer sees the shared fields."""
    _as_receiver(actor, referral, gettext_lazy("decline a referral"))
    text = _reason("reason", reason)
    with transaction.atomic():
        referral = _locked(referral)
        _require_state(referral, ReferralState.SENT)
        referral.state = ReferralState.DECLINED.value
        referral.responded_at = timezone.now()
        referral.responded_by = actor
        referral.decline_reason = text
        changed = ["state", "responded_at", "responded_by", "decline_reason"]
        referral.save(update_fields=changed)
        _record_step(referral, actor, step="declined", fields=changed, reason=text, request=request)
        _tell_sender(referral, actor, NotificationKind.REFERRAL_DECLINED, request, reason=text)
    return referral


def referral_complete(
    *, actor: User, referral: Referral, note: str = "", request: HttpRequest | None = None
) -> Referral:
    """The receiving agency records the service as delivered (accepted -> done)."""
    _as_receiver(actor, referral, gettext_lazy("record a referral as done"))
    with transaction.atomic():
        referral = _locked(referral)
        _require_state(referral, ReferralState.ACCEPTED)
        referral.state = ReferralState.DONE.value
        referral.completed_at = timezone.now()
        referral.completed_by = actor
        referral.completion_note = note.strip()[:500]
        changed = ["state", "completed_at", "completed_by", "completion_note"]
        referral.save(update_fields=changed)
        _record_step(
            referral, actor, step="done", fields=changed, reason=note.strip(), request=request
        )
        _tell_sender(referral, actor, NotificationKind.REFERRAL_COMPLETED, request)
    return referral


def referral_revoke(
    *, actor: User, referral: Referral, reason: str, request: HttpRequest | None = None
) -> Referral:
    """The sending agency withdraws a referral that is sent or accepted, with a reason; the
    receiver stops seeing the shared fields at once and is notified."""
    require_role(actor, REFERRAL_SEND_ROLES, what=gettext_lazy("withdraw a referral"))
    if referral.sender_agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the sending agency withdraws a referral."))
    text = _reason("reason", reason)
    with transaction.atomic():
        referral = _locked(referral)
        _require_state(referral, ReferralState.SENT, ReferralState.ACCEPTED)
        referral.state = ReferralState.REVOKED.value
        referral.revoked_at = timezone.now()
        referral.revoked_by = actor
        referral.revoke_reason = text
        changed = ["state", "revoked_at", "revoked_by", "revoke_reason"]
        referral.save(update_fields=changed)
        _record_step(referral, actor, step="revoked", fields=changed, reason=text, request=request)
        notification_send(
            actor=actor,
            kind=NotificationKind.REFERRAL_REVOKED,
            agency=referral.recipient,
            roles=REFERRAL_RESPOND_ROLES,
            about=referral,
            url=referral_url(referral),
            params=_params(referral, reason=text),
            request=request,
        )
    return referral


def referrals_escalate_overdue(*, now: datetime | None = None) -> list[str]:
    """Every referral still unanswered past its due time, not yet escalated: the sending
    agency's supervisors and the receiving agency's responders are told, once. The
    references escalated (the scheduled task's report)."""
    now = now or timezone.now()
    escalated: list[str] = []
    overdue = Referral.objects.filter(
        state=ReferralState.SENT.value, respond_by__lt=now, escalated_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            referral = (
                Referral.objects.select_for_update(of=("self",))
                .select_related("sender_agency", "recipient", "case")
                .get(pk=pk)
            )
            if referral.state != ReferralState.SENT.value or referral.escalated_at is not None:
                continue
            referral.escalated_at = now
            referral.save(update_fields=["escalated_at"])
            audit_record(
                actor=None,
                actor_label="scheduled task",
                action=AuditAction.UPDATE,
                obj=referral,
                fields=["escalated_at"],
                purpose="referral overdue",
                detail={"case": referral.case.reference, "due": referral.respond_by.isoformat()},
            )
            params = _params(referral, due=_when(referral.respond_by))
            notification_send(
                actor=None,
                kind=NotificationKind.REFERRAL_OVERDUE,
                agency=referral.sender_agency,
                roles=[Role.SUPERVISOR],
                about=referral,
                url=referral_url(referral),
                params=params,
            )
            notification_send(
                actor=None,
                kind=NotificationKind.REFERRAL_OVERDUE_RECEIVER,
                agency=referral.recipient,
                roles=REFERRAL_RESPOND_ROLES,
                about=referral,
                url=referral_url(referral),
                params=params,
            )
        escalated.append(referral.reference)
    return escalated
