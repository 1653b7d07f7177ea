"""Agencies, users (one agency and one role each), their qualifications (child interviews)
and failed log-ins kept for throttling."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.lib.roles import AGENCY_KIND_CHOICES, ROLE_CHOICES


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=AGENCY_KIND_CHOICES)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    # A training agency: the sandbox where trainees practise on the real pages. Its records,
    # hits, interviews and cases never reach live users, nor its cases a live agency
    # (web/lib/training.py).
    is_training = models.BooleanField(_("training agency"), default=False, db_default=False)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in; belongs to one agency and holds one role there."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="users", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    # Set when an administrator issues a one-time password: every page leads to the password
    # change page until the person has chosen their own.
    must_change_password = models.BooleanField(
        _("must change password"), default=False, db_default=False
    )
    # On an account of a training agency: the live account of the same person. A certificate
    # earned on this training account is the person's (``certificates``: issued to the live
    # account). Set only by an administrator who manages both agencies
    # (``administration.services.training_account_link``), never by the trainee.
    live_account = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_accounts",
        verbose_name=_("live account of the same person"),
    )

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.username


class LoginFailure(models.Model):
    """One failed log-in; enough of them for a user name and address lock that pair."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=["username", "ip", "at"], name="loginfailure_lookup"),)

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at.isoformat()}"


class LoginAttemptCount(models.Model):
    """Log-in attempts from one client address in one minute (``throttle.py``): one row per
    address and minute in the database every server process shares, counted up atomically."""

    address = models.CharField(max_length=64)
    minute = models.BigIntegerField()  # minutes since 1970
    attempts = models.PositiveIntegerField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["address", "minute"], name="login_attempts_unique"),
        )
        indexes = (models.Index(fields=["minute"], name="login_attempts_minute"),)

    def __str__(self) -> str:
        return f"{self.address} {self.minute}: {self.attempts}"


class ApiToken(models.Model):
    """A token for system-to-system calls; only its SHA-256 is stored, never the token."""

    name = models.CharField(_("name"), max_length=120)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    # The system account the token acts as: services and the audit log see an ordinary user.
    user = models.OneToOneField(User, on_delete=models.PROTECT, null=True, related_name="api_token")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="api_tokens_created"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # PALERMO_API_TOKEN_DAYS after creation; an expired token gets 401 until it is rotated.
    expires_at = models.DateTimeField(_("expires"))
    # The token this one replaced when it was rotated (revoked at that moment).
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class QualificationKind(StrEnum):
    # interviews children (the second-line child instrument): trained in child-sensitive
    # interviewing (Frontex VEGA Children, UNICEF guidelines)
    CHILD_INTERVIEW = "child_interview"


QUALIFICATION_CHOICES = [
    (QualificationKind.CHILD_INTERVIEW.value, _("Child interviews")),
]


class Qualification(models.Model):
    """A qualification an administrator granted a user (``administration.services.
    qualification_grant``); in force until revoked."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="qualifications")
    kind = models.CharField(_("qualification"), max_length=32, choices=QUALIFICATION_CHOICES)
    note = models.CharField(_("basis (training, certificate)"), max_length=300, blank=True)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        indexes = (models.Index(fields=["user", "kind"], name="qualification_user_kind"),)

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


def qualification_held(user: object, kind: QualificationKind) -> bool:
    """Whether ``user`` holds ``kind`` now (granted and not revoked)."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    return Qualification.objects.filter(
        user_id=pk, kind=kind.value, revoked_at__isnull=True
    ).exists()
