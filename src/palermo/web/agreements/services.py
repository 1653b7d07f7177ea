"""Writes on data-sharing agreements (record, end) and the check every transfer of case data
makes: ``agreement_for_transfer`` finds the agreement in force between the two agencies that
covers the purpose, or raises ``AgreementRequiredError`` saying what is missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.web.accounts.models import Agency, User
from palermo.web.accounts.roles import Role
from palermo.web.agreements.access import AGREEMENT_ROLES
from palermo.web.agreements.models import (
    TRANSFER_PURPOSE_LABELS,
    DataSharingAgreement,
    TransferPurpose,
)
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem


class AgreementRequiredError(NotPermittedError):
    """No written data-sharing agreement in force covers this transfer."""


def _require_role(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role in AGREEMENT_ROLES):
        raise NotPermittedError(
            _("Your role does not allow you to manage data-sharing agreements.")
        )


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
    request: Any = None,
) -> DataSharingAgreement:
    """Record a signed agreement between two or more agencies; a supervisor records only
    agreements their own agency is party to."""
    _require_role(actor)
    where = gettext_lazy("data-sharing agreement")
    party_list = list({a.pk: a for a in parties}.values())
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
    if actor.role != Role.ADMINISTRATOR and actor.agency_id not in {a.pk for a in party_list}:
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
    return agreement


def agreement_end(
    *, actor: User, agreement: DataSharingAgreement, reason: str, request: Any = None
) -> DataSharingAgreement:
    """End an agreement before its date (terminated, breached...): no new transfer uses it."""
    _require_role(actor)
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
        agreement.revoked_at = timezone.now()
        agreement.revoked_by = actor
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
        if latest.revoked_at is not None:
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
