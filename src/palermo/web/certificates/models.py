"""Training certificates: what a trainee who passed a course of the academy holds.

A certificate keeps its own copy of the holder's name and the course's titles as they were on
the day it was issued (a renamed course or account does not change a certificate already
printed). Its verification code is a random serial and a keyed signature over the serial and
those words (``codes.py``): a code cannot be made up, and a row changed in the database no
longer verifies. A certificate is never deleted; a trainer revokes it with a reason.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from palermo.web.academy.models import Enrolment
from palermo.web.accounts.models import Agency


class Certificate(models.Model):
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    # the account that took the course and practised: the holder's training account when the
    # holder is the live account it is linked to (``User.live_account``), else the holder
    earned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates_earned",
        null=True,
        blank=True,
    )
    # the cohort's agency: its trainers revoke the certificate
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(max_length=16, unique=True)
    signature = models.CharField(max_length=32)
    holder_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=200)
    course_title_zh = models.CharField(max_length=200)
    issued_on = models.DateField()
    valid_until = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revoke_reason = models.TextField(blank=True)
    # when the holder was told that a refresher is due (once per certificate)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-issued_on", "-pk")

    def __str__(self) -> str:
        return f"{self.serial} {self.course_title}"

    def course_title_in(self, language: str | None) -> str:
        return self.course_title_zh if (language or "").startswith("zh") else self.course_title

    def is_valid_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and day <= self.valid_until
