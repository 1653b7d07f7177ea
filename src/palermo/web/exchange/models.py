"""Keys and packages of the cross-border exchange.

``AgencyKeyPair``: an agency's own Ed25519 + X25519 private keys and its pseudonym secret,
stored encrypted (``EncryptedTextField``: the field-key ring of ``web/lib/crypto.py``).
``Partner``: a partner agency abroad, its public keys and their fingerprint, registered by one
administrator and confirmed by a second of the same agency before any package uses it.
``ExchangePackage``: every package sent or received, with its provenance; a package id is
received once (a replay is refused, and the unique constraint holds even against a race).
Only ``exchange/services.py`` writes these rows.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.lib.fields import EncryptedTextField


class AgencyKeyPair(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    country = models.CharField(_("country (ISO 3166 code)"), max_length=3)
    private_keys = EncryptedTextField()
    pseudonym_secret = EncryptedTextField()
    signing_key = models.CharField(max_length=64)
    encryption_key = models.CharField(max_length=64)
    fingerprint = models.CharField(_("fingerprint"), max_length=39)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_label = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(retired_at__isnull=True),
                name="one_current_key_pair_per_agency",
            ),
        )

    def __str__(self) -> str:
        return f"{self.agency_id} {self.fingerprint}"


class Partner(models.Model):
    """A partner agency abroad as one of our agencies (``owner``) registered it."""

    owner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # the partner as an agency (no users): consents to an exchange name it as their recipient
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    country = models.CharField(_("country (ISO 3166 code)"), max_length=3)
    agreement = models.CharField(_("written data-sharing agreement (reference)"), max_length=120)
    signing_key = models.CharField(max_length=64)
    encryption_key = models.CharField(max_length=64)
    fingerprint = models.CharField(_("fingerprint"), max_length=39)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    registered_label = models.CharField(max_length=200)
    registered_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    confirmed_label = models.CharField(max_length=200, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retire_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["owner", "agency"],
                condition=models.Q(retired_at__isnull=True),
                name="one_current_key_per_partner",
            ),
        )

    def __str__(self) -> str:
        return f"{self.agency_id} ({self.fingerprint})"

    @property
    def in_use(self) -> bool:
        """Confirmed by a second administrator and not retired: packages may use the keys."""
        return self.confirmed_at is not None and self.retired_at is None

    @property
    def status_label(self) -> str:
        if self.retired_at is not None:
            return str(_("Retired"))
        if self.confirmed_at is None:
            return str(_("Waiting for a second administrator"))
        return str(_("In use"))


class Direction(StrEnum):
    SENT = "sent"
    RECEIVED = "received"


DIRECTION_CHOICES = [
    (Direction.SENT.value, _("Sent abroad")),
    (Direction.RECEIVED.value, _("Received from abroad")),
]


class ExchangePackage(models.Model):
    """One package, sent or received. ``fields`` names the HTCDS fields it carried (never their
    values); ``basis`` says whether the person's consent or an override let it go."""

    direction = models.CharField(_("direction"), max_length=8, choices=DIRECTION_CHOICES)
    package_id = models.CharField(_("package id"), max_length=36)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="packages")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    case_pseudonym = models.CharField(_("case pseudonym in the exchange"), max_length=40)
    fields = models.JSONField(default=list)
    basis = models.CharField(max_length=8)
    consent = models.ForeignKey(
        "cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_basis = models.CharField(_("legal basis (override)"), max_length=300, blank=True)
    override_reason = models.CharField(_("reason for the override"), max_length=500, blank=True)
    reason = models.CharField(_("reason for the referral"), max_length=40)
    details = models.CharField(_("purpose of the transfer"), max_length=300)
    created_at = models.DateTimeField(_("package time"))
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-recorded_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=["direction", "package_id"], name="package_id_once_per_direction"
            ),
        )
        indexes = (models.Index(fields=["agency", "-recorded_at"], name="package_agency_recent"),)

    def __str__(self) -> str:
        return f"{self.direction} {self.package_id}"
