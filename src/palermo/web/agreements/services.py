"""Writes on data-sharing agreements (record, sign for each party, end) and the check every
transfer of case data makes: ``agreement_for_transfer`` finds the agreement in force (signed
by every party) between the two agencies that covers the purpose, or raises
``AgreementRequiredError`` saying what is missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.web.accounts.models import Agency, User
from palermo.web.agreements.models import (
    TRANSFER_PURPOSE_LABELS,
    AgreementSignature,
    DataSharingAgreement,
    TransferPurpose,
)
from palermo.web.agreements.signals import agreement_ended
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import AGREEMENT_ROLES, require_role
from palermo.web.lib.training import refuse_agencies_across_worlds


class AgreementRequiredError(NotPermittedError):
    """No written data-sharing agreement in force covers this transfer."""


def agreement_create(
    *,
    actor: User,
    reference: str,
    title: str,
    document_id: str,
    parties: Iterable[Agency],
    purposes: Iterable[str],
    valid_from: dt.date,
    valid_to: dt.date,
    signed_by: str,
    signed_on: dt.date,
    request: HttpRequest | None = None,
) -> DataSharingAgreement:
    """Record a signed agreement between two or more agencies; a supervisor records only
    agreements their own agency is party to."""
    require_role(actor, AGREEMENT_ROLES, what=_("manage data-sharing agreements"))
    where = gettext_lazy("data-sharing agreement")
    party_list = list({a.pk: a for a in parties}.values())
    refuse_agencies_across_worlds(party_list)
    purpose_list = sorted(set(purposes))
    problems: list[Problem] = []
    for name, value in (
        ("reference", reference),
        ("title", title),
        ("document_id", document_id),
        ("signed_by", signed_by),
    ):
        if not value.strip():
            problems.append(problem(where=where, field=name, rule=gettext_lazy("is required")))
    if len(party_list) < 2:
        problems.append(
            problem(where=where, field="parties", rule=gettext_lazy("name at least two agencies"))
        )
    if not purpose_list or any(p not in set(TransferPurpose) for p in purpose_list):
        problems.append(
            problem(
                where=where, field="purposes", rule=gettext_lazy("choose the purposes it covers")
            )
        )
    if valid_to < valid_from:
        problems.append(
            problem(
                where=where,
                field="valid_to",
                rule=gettext_lazy("must not be before the start date"),
            )
        )
    if signed_on > valid_to:
        problems.append(
            problem(
                where=where, field="signed_on", rule=gettext_lazy("must not be after the end date")
            )
        )
    if actor.agency_id not in {a.pk for a in party_list}:
        problems.append(
            problem(
                where=where, field="parties", rule=gettext_lazy("your own agency must be a party")
            )
        )
    if DataSharingAgreement.objects.filter(reference=reference.strip()).exists():
        problems.append(
            problem(
                where=where, field="reference", rule=gettext_lazy("an agreement with it exists")
            )
        )
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.create(
            reference=reference.strip()[:60],
            title=title.strip()[:200],
            document_id=document_id.strip()[:120],
            purposes=purpose_list,
            valid_from=valid_from,
            valid_to=valid_to,
            signed_by=signed_by.strip()[:300],
            signed_on=signed_on,
            created_by=actor,
            created_at=timezone.now(),
        )
        agreement.parties.set(party_list)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=agreement,
            purpose="data-sharing agreement recorded",
            request=request,
            detail={"parties": sorted(a.pk for a in party_list), "purposes": purpose_list},
        )
        _sign(actor, agreement, request)
    return agreement


def _require_signatory(actor: User, agreement: DataSharingAgreement) -> None:
    """A supervisor or administrator of one of the parties."""
    require_role(actor, AGREEMENT_ROLES, what=_("manage data-sharing agreements"))
    if not agreement.parties.filter(pk=actor.agency_id).exists():
        raise NotPermittedError(
            _("Only a signatory of an agency that is party to the agreement may do this.")
        )


def _sign(actor: User, agreement: DataSharingAgreement, request: HttpRequest | None) -> None:
    """Sign for the actor's agency; the last party's signature puts the agreement in force."""
    AgreementSignature.objects.create(
        agreement=agreement, agency_id=actor.agency_id, signed_by=actor, signed_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=agreement,
        purpose="data-sharing agreement signed",
        request=request,
        detail={"agency": actor.agency_id},
    )
    unsigned = agreement.parties.exclude(
        pk__in=AgreementSignature.objects.filter(agreement=agreement).values("agency_id")
    )
    if not unsigned.exists():
        agreement.in_force_since = timezone.now()
        agreement.save(update_fields=["in_force_since"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=agreement,
            fields=["in_force_since"],
            purpose="data-sharing agreement signed by every party",
            request=request,
        )


def agreement_sign(
    *, actor: User, agreement: DataSharingAgreement, request: HttpRequest | None = None
) -> DataSharingAgreement:
    """A signatory (supervisor or administrator) of a party agency signs for that agency."""
    _require_signatory(actor, agreement)
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.revoked_at is not None:
            raise TransitionRefusedError(_("This agreement has already been ended."))
        if agreement.signatures.filter(agency_id=actor.agency_id).exists():
            raise TransitionRefusedError(_("Your agency has already signed this agreement."))
        _sign(actor, agreement, request)
    return agreement


def agreement_signatures(agreement: DataSharingAgreement) -> list[tuple[Agency, User | None]]:
    """Each party with the person who signed for it (``None``: not yet)."""
    signed = {s.agency_id: s.signed_by for s in agreement.signatures.select_related("signed_by")}
    return [(party, signed.get(party.pk)) for party in agreement.parties.order_by("name")]


def agreement_end(
    *, actor: User, agreement: DataSharingAgreement, reason: str, request: HttpRequest | None = None
) -> DataSharingAgreement:
    """End an agreement (terminated, breached...): its shares end with it.

    Before it is in force one signatory may withdraw it (nothing was shared under it). Once in
    force, ending takes two people of the parties: the first asks (with the reason), a second
    signatory - of any party, so no party can keep the other bound - confirms; then every
    share made under it is revoked in the same transaction (``agreement_ended``)."""
    _require_signatory(actor, agreement)
    if not reason.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("data-sharing agreement"),
                    field="reason",
                    rule=gettext_lazy("is required"),
                )
            ]
        )
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.revoked_at is not None:
            raise TransitionRefusedError(_("This agreement has already been ended."))
        if agreement.in_force_since is not None and agreement.end_requested_at is None:
            agreement.end_requested_by = actor
            agreement.end_requested_at = timezone.now()
            agreement.revoke_reason = reason.strip()[:500]
            agreement.save(update_fields=["end_requested_by", "end_requested_at", "revoke_reason"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=agreement,
                fields=["end_requested_at", "revoke_reason"],
                purpose="data-sharing agreement end requested",
                request=request,
            )
            return agreement
        if agreement.end_requested_by_id == actor.pk:
            raise TransitionRefusedError(
                _("A second signatory of a party must confirm the end you asked for.")
            )
        agreement.revoked_at = timezone.now()
        agreement.revoked_by = actor
        if agreement.end_requested_at is None:
            agreement.revoke_reason = reason.strip()[:500]
        agreement.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=agreement,
            fields=["revoked_at", "revoke_reason"],
            purpose="data-sharing agreement ended",
            request=request,
        )
        agreement_ended.send(
            sender=DataSharingAgreement, agreement=agreement, actor=actor, request=request
        )
    return agreement


def agreement_for_transfer(
    *, sender: Agency, recipient: Agency, purpose: str, on: dt.date | None = None
) -> DataSharingAgreement:
    """The agreement in force on ``on`` (default today) between both agencies that covers
    ``purpose``; otherwise ``AgreementRequiredError`` naming what is missing."""
    day = on or timezone.localdate()
    label = str(TRANSFER_PURPOSE_LABELS.get(purpose, purpose))
    between = list(
        DataSharingAgreement.objects.filter(parties=sender).filter(parties=recipient).distinct()
    )
    for agreement in sorted(between, key=lambda a: a.valid_to, reverse=True):
        if agreement.in_force(day) and purpose in agreement.purposes:
            return agreement
    names = {"sender": sender.name, "recipient": recipient.name, "purpose": label}
    if not between:
        message = _(
            "No written data-sharing agreement exists between %(sender)s and %(recipient)s. "
            "An administrator or supervisor must record one before the first transfer."
        )
    elif not [a for a in between if a.in_force(day)]:
        latest = max(between, key=lambda a: a.valid_to)
        names["reference"] = latest.reference
        names["date"] = latest.valid_to.isoformat()
        if latest.awaiting_signatures:
            names["missing"] = ", ".join(
                party.name for party, signer in agreement_signatures(latest) if signer is None
            )
            message = _(
                "The data-sharing agreement %(reference)s between %(sender)s and %(recipient)s "
                "is not in force: it awaits the signature of %(missing)s."
            )
        elif latest.revoked_at is not None:
            message = _(
                "The data-sharing agreement %(reference)s between %(sender)s and %(recipient)s "
                "has been ended; record a new one before sharing."
            )
        elif latest.valid_from > day:
            message = _(
                "The data-sharing agreement %(reference)s between %(sender)s and %(recipient)s "
                "is not yet in force."
            )
        else:
            message = _(
                "The data-sharing agreement %(reference)s between %(sender)s and %(recipient)s "
                "expired on %(date)s; renew it before sharing."
            )
    else:
        in_force = [a for a in between if a.in_force(day)]
        names["reference"] = ", ".join(a.reference for a in in_force)
        message = _(
            "The data-sharing agreement %(reference)s between %(sender)s and %(recipient)s "
            "does not cover the purpose “%(purpose)s”."
        )
    raise AgreementRequiredError(message % names)
