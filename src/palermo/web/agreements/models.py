"""Data-sharing agreements: the written safeguards that must exist with a receiving
organisation before the first transfer of a person's data (reference
rights-and-data-protection.md 4.3). Only ``agreements/services.py`` writes these rows."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency


class TransferPurpose(StrEnum):
    """What a transfer of case data is for. Never enforcement against the person."""

    ASSISTANCE = "assistance"
    INVESTIGATION = "investigation"
    RETURN = "return"
    FAMILY_TRACING = "family_tracing"


TRANSFER_PURPOSE_CHOICES = [
    (TransferPurpose.ASSISTANCE.value, _("Referral for assistance (shelter, medical, legal)")),
    (TransferPurpose.INVESTIGATION.value, _("Investigation of the traffickers")),
    (TransferPurpose.RETURN.value, _("Safe return and reintegration")),
    (TransferPurpose.FAMILY_TRACING.value, _("Family tracing")),
]
TRANSFER_PURPOSE_LABELS = dict(TRANSFER_PURPOSE_CHOICES)


class DataSharingAgreement(models.Model):
    reference = models.CharField(_("agreement reference"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    document_id = models.CharField(_("document id or file reference"), max_length=120)
    parties = models.ManyToManyField(Agency, related_name="agreements", verbose_name=_("parties"))
    purposes = models.JSONField(_("purposes covered"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    signed_by = models.CharField(_("signed by"), max_length=300)
    signed_on = models.DateField(_("signed on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason for ending it"), max_length=500, blank=True)
    # Takes effect when a signatory of every party has signed in the system (AgreementSignature).
    in_force_since = models.DateTimeField(null=True, blank=True)
    # Ending once in force takes two people: one asks, a second signatory of a party confirms.
    end_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    end_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-valid_to", "reference")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="agreement_valid_range",
            ),
        )

    def __str__(self) -> str:
        return self.reference

    def in_force(self, on: dt.date) -> bool:
        return (
            self.revoked_at is None
            and self.in_force_since is not None
            and self.valid_from <= on <= self.valid_to
        )

    @property
    def awaiting_signatures(self) -> bool:
        return self.revoked_at is None and self.in_force_since is None

    def status_label(self, on: dt.date) -> str:
        if self.revoked_at is not None:
            return str(_("Ended"))
        if self.in_force_since is None:
            return str(_("Awaiting signatures"))
        if self.end_requested_at is not None:
            return str(_("End requested"))
        if on > self.valid_to:
            return str(_("Expired"))
        if on < self.valid_from:
            return str(_("Not yet in force"))
        return str(_("In force"))

    def purpose_labels(self) -> list[str]:
        return [str(TRANSFER_PURPOSE_LABELS.get(p, p)) for p in self.purposes]


class AgreementSignature(models.Model):
    """A signatory of one party agency (its supervisor or administrator, in the system) signed
    the agreement for that agency."""

    agreement = models.ForeignKey(
        DataSharingAgreement, on_delete=models.PROTECT, related_name="signatures"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ("signed_at", "id")
        constraints = (
            models.UniqueConstraint(fields=["agreement", "agency"], name="one_signature_per_party"),
        )

    def __str__(self) -> str:
        return f"{self.agreement_id}:{self.agency_id}"
