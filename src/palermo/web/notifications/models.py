"""Notifications: a message to one user, or to the holders of some roles at one agency, about
one object (type, id and the page that shows it). Written only by ``services.py``.

Text is not stored as prose: the kind picks the message (``kinds.MESSAGES``) and ``params``
holds the values for each language, so the reader sees it in their page's language.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency


class Notification(models.Model):
    # a person, or every holder of ``roles`` at ``agency`` (or both)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # ",role_a,role_b," so that one LIKE finds a role on SQLite and PostgreSQL alike
    roles = models.CharField(max_length=400, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    # {"en": {...}, "zh-hans": {...}}: the message's placeholders per language
    params = models.JSONField(default=dict)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        indexes = (
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            models.Index(fields=["agency", "-created_at"], name="notification_agency"),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id}"


class NotificationRead(models.Model):
    """When one user read one notification (a notification to a role set is read per person)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["notification", "user"], name="notification_read_once"),
        )

    def __str__(self) -> str:
        return f"{self.notification_id} read by {self.user_id}"
