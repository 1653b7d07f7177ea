"""Referrals: a case sent from its agency to another agency for one service.

sent -> accepted | declined (a reason) -> done (service delivered); the sender may revoke a
referral that is sent or accepted. A transfer moves the case to the receiving agency when it
is accepted (and is then done). The type of referral fixes which case fields the receiver sees
(need to know); both consents of the person (to disclose to that agency, to receive services)
or a recorded override are needed. Every step keeps its time, for the figures of item 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.agreements.models import TransferPurpose
from palermo.web.cases.models import Case, Consent
from palermo.web.directory.models import SERVICE_TYPE_LABELS, ServiceProvider, ServiceType
from palermo.web.lib.fields import EncryptedTextField


class ReferralState(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DONE = "done"
    REVOKED = "revoked"


REFERRAL_STATE_LABELS: dict[ReferralState, Promise] = {
    ReferralState.SENT: _("Sent, awaiting an answer"),
    ReferralState.ACCEPTED: _("Accepted"),
    ReferralState.DECLINED: _("Declined"),
    ReferralState.DONE: _("Service delivered"),
    ReferralState.REVOKED: _("Withdrawn by the sender"),
}
REFERRAL_STATE_CHOICES = [(s.value, label) for s, label in REFERRAL_STATE_LABELS.items()]
OPEN_STATES = frozenset({ReferralState.SENT, ReferralState.ACCEPTED})
# the receiver reads the shared fields while the referral is in one of these states
READABLE_STATES = frozenset({ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.DONE})


class ReferralKind(StrEnum):
    REFERRAL = "referral"
    TRANSFER = "transfer"


REFERRAL_KIND_CHOICES = [
    (ReferralKind.REFERRAL.value, _("Referral for a service (the case stays with the sender)")),
    (ReferralKind.TRANSFER.value, _("Transfer (the receiving agency takes over the case)")),
]

# Case fields a referral type may share. The case's reference, interview outcome and the
# sending agency are always shown; these are the person's data.
SHAREABLE_FIELDS: dict[str, Promise] = {
    "full_name": _("Name"),
    "contact": _("Contact details"),
    "document_number": _("Document number"),
    "notes": _("Case notes (dated, with their authors)"),
}


@dataclass(frozen=True)
class ReferralType:
    """What a kind of referral shares (need to know) and under which agreement purpose."""

    label: Promise
    fields: tuple[str, ...]
    transfer_purpose: TransferPurpose


class ReferralTypeCode(StrEnum):
    REFERENCE_ONLY = "reference_only"
    CONTACT = "contact"
    ASSISTANCE = "assistance"
    INVESTIGATION = "investigation"
    RETURN = "return"
    FULL_CASE = "full_case"


REFERRAL_TYPES: dict[ReferralTypeCode, ReferralType] = {
    ReferralTypeCode.REFERENCE_ONLY: ReferralType(
        _("Anonymous: the case reference and outcome only"), (), TransferPurpose.ASSISTANCE
    ),
    ReferralTypeCode.CONTACT: ReferralType(
        _("Assistance: name and how to reach the person"),
        ("full_name", "contact"),
        TransferPurpose.ASSISTANCE,
    ),
    ReferralTypeCode.ASSISTANCE: ReferralType(
        _("Assistance with the account: name, contact, document and notes"),
        ("full_name", "contact", "document_number", "notes"),
        TransferPurpose.ASSISTANCE,
    ),
    ReferralTypeCode.INVESTIGATION: ReferralType(
        _("Investigation of the traffickers: name, document and the account"),
        ("full_name", "document_number", "notes"),
        TransferPurpose.INVESTIGATION,
    ),
    ReferralTypeCode.RETURN: ReferralType(
        _("Safe return: name, document and contact"),
        ("full_name", "document_number", "contact"),
        TransferPurpose.RETURN,
    ),
    ReferralTypeCode.FULL_CASE: ReferralType(
        _("The whole case file (transfers)"),
        ("full_name", "contact", "document_number", "notes"),
        TransferPurpose.ASSISTANCE,
    ),
}
REFERRAL_TYPE_CHOICES = [(code.value, spec.label) for code, spec in REFERRAL_TYPES.items()]

# The type offered first for each service (the sender may choose another).
DEFAULT_TYPE: dict[ServiceType, ReferralTypeCode] = {
    ServiceType.SHELTER: ReferralTypeCode.CONTACT,
    ServiceType.MEDICAL: ReferralTypeCode.CONTACT,
    ServiceType.PSYCHOSOCIAL: ReferralTypeCode.CONTACT,
    ServiceType.LEGAL_AID: ReferralTypeCode.ASSISTANCE,
    ServiceType.INTERPRETATION: ReferralTypeCode.REFERENCE_ONLY,
    ServiceType.CHILD_PROTECTION: ReferralTypeCode.ASSISTANCE,
    ServiceType.LABOUR_INSPECTION: ReferralTypeCode.INVESTIGATION,
    ServiceType.POLICE_PROSECUTION: ReferralTypeCode.INVESTIGATION,
    ServiceType.RETURN_REINTEGRATION: ReferralTypeCode.RETURN,
}

# How long the receiver has to accept or decline, per service, unless
# PALERMO_REFERRAL_RESPONSE_HOURS says otherwise (``response_time``): urgent protection within
# a day, the rest within days. Past it the referral is escalated to the sender's supervisors.
RESPONSE_TIME: dict[ServiceType, timedelta] = {
    ServiceType.SHELTER: timedelta(hours=24),
    ServiceType.MEDICAL: timedelta(hours=24),
    ServiceType.CHILD_PROTECTION: timedelta(hours=24),
    ServiceType.INTERPRETATION: timedelta(hours=48),
    ServiceType.PSYCHOSOCIAL: timedelta(hours=72),
    ServiceType.LEGAL_AID: timedelta(hours=72),
    ServiceType.POLICE_PROSECUTION: timedelta(hours=72),
    ServiceType.LABOUR_INSPECTION: timedelta(days=5),
    ServiceType.RETURN_REINTEGRATION: timedelta(days=5),
}


def response_time(service: ServiceType | str) -> timedelta:
    """How long the receiver has to answer a referral for ``service``: the configured hours
    (``settings.REFERRAL_RESPONSE_HOURS``) or the default in ``RESPONSE_TIME``."""
    hours = settings.REFERRAL_RESPONSE_HOURS.get(str(service))
    return timedelta(hours=hours) if hours else RESPONSE_TIME[ServiceType(service)]


class Referral(models.Model):
    reference = models.CharField(_("referral reference"), max_length=20, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("kind"), max_length=16, choices=REFERRAL_KIND_CHOICES)
    referral_type = models.CharField(
        _("type of referral"), max_length=24, choices=REFERRAL_TYPE_CHOICES
    )
    # the fields the receiver sees, fixed when sent (the type's set at that time)
    fields = models.JSONField(default=list)
    service = models.CharField(_("service"), max_length=32)
    provider = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sender_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving agency")
    )
    # the sender's words to the receiver (may describe the person: encrypted)
    message = EncryptedTextField(_("message to the receiving agency"), blank=True)
    agreement = models.ForeignKey(
        "agreements.DataSharingAgreement", on_delete=models.PROTECT, related_name="+"
    )
    consent_disclose = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_services = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_basis = models.CharField(_("legal basis (override)"), max_length=300, blank=True)
    override_reason = models.CharField(_("reason for the override"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=REFERRAL_STATE_CHOICES)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"))
    respond_by = models.DateTimeField(_("answer due"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decline_reason = models.CharField(_("why declined"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("service delivered"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    completion_note = models.CharField(_("what was delivered"), max_length=500, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoke_reason = models.CharField(_("why withdrawn"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        indexes = (
            models.Index(fields=["recipient", "state", "-sent_at"], name="referral_recipient"),
            models.Index(fields=["sender_agency", "state", "-sent_at"], name="referral_sender"),
            models.Index(fields=["state", "respond_by"], name="referral_due"),
        )

    def __str__(self) -> str:
        return self.reference

    @property
    def is_override(self) -> bool:
        return bool(self.legal_basis)

    @property
    def state_label(self) -> Promise:
        return REFERRAL_STATE_LABELS[ReferralState(self.state)]

    @property
    def service_label(self) -> Promise:
        return SERVICE_TYPE_LABELS[ServiceType(self.service)]

    @property
    def type_label(self) -> Promise:
        return REFERRAL_TYPES[ReferralTypeCode(self.referral_type)].label
