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
        return self.revoked_at is None and self.valid_from <= on <= self.valid_to

    def purpose_labels(self) -> list[str]:
        return [str(TRANSFER_PURPOSE_LABELS.get(p, p)) for p in self.purposes]
