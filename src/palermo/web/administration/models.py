"""Account changes that wait for a second administrator (four-eyes on who may see or approve).

A ``Confirmation`` holds one requested grant: a new account or API token, a role, or a new
one-time password for an account whose role reads case content, approves others' work or
administers. The account stays as it was (a new one inactive) until another administrator of
the owning agency confirms; the secret (password or token) is issued to the one who confirms,
so the requester never holds it. Only ``administration/services.py`` writes these rows.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.lib.roles import ROLE_CHOICES


class ConfirmationKind(StrEnum):
    NEW_ACCOUNT = "new_account"
    NEW_TOKEN = "new_token"  # noqa: S105  (a kind of change, not a secret)
    ROLE = "role"
    PASSWORD = "password"  # noqa: S105  (a kind of change, not a secret)


CONFIRMATION_KIND_CHOICES = [
    (ConfirmationKind.NEW_ACCOUNT.value, _("New account")),
    (ConfirmationKind.NEW_TOKEN.value, _("New API token")),
    (ConfirmationKind.ROLE.value, _("Role change")),
    (ConfirmationKind.PASSWORD.value, _("New one-time password")),
]


class Confirmation(models.Model):
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="confirmations"
    )
    kind = models.CharField(_("change"), max_length=16, choices=CONFIRMATION_KIND_CHOICES)
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_label = models.CharField(max_length=200)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    confirmed = models.BooleanField(null=True)

    class Meta:
        ordering = ("requested_at", "id")
        constraints = (
            # one open request per account: a second would race the first
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(decided_at__isnull=True),
                name="one_open_confirmation_per_account",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.account_id} -> {self.role}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class CertificateOverride(models.Model):
    """An administrator gave a role or qualification that needs a valid training certificate
    (``PALERMO_CERTIFICATE_REQUIRED_FOR``) to someone holding none, and said why. Kept for the
    account's page and the audit log; never changed or deleted."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificate_overrides"
    )
    # a role (second_line_interviewer) or a qualification (child_interview)
    grant = models.CharField(_("what was given"), max_length=32)
    reason = models.TextField(_("reason"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    given_label = models.CharField(max_length=200)
    given_at = models.DateTimeField()

    class Meta:
        ordering = ("-given_at", "-id")

    def __str__(self) -> str:
        return f"{self.account_id} {self.grant}"
