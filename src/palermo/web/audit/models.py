"""Audit entries, chained by hash and signed with a key kept outside the database; rows are
written once and never updated or deleted (the model refuses; database triggers on SQLite and
PostgreSQL refuse too)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"
    LOGOUT = "logout"
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    EXPORT = "export"
    SHARE = "share"
    KEY_ROTATION = "key_rotation"


AUDIT_ACTION_CHOICES = [
    (AuditAction.LOGIN.value, _("Logged in")),
    (AuditAction.LOGIN_FAILED.value, _("Log-in failed")),
    (AuditAction.LOGIN_LOCKED.value, _("Log-in refused (locked)")),
    (AuditAction.LOGOUT.value, _("Logged out")),
    (AuditAction.READ.value, _("Read")),
    (AuditAction.CREATE.value, _("Created")),
    (AuditAction.UPDATE.value, _("Changed")),
    (AuditAction.EXPORT.value, _("Exported")),
    (AuditAction.SHARE.value, _("Shared")),
    (AuditAction.KEY_ROTATION.value, _("Keys rotated")),
]


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=200)
    agency_id_at_time = models.BigIntegerField(null=True)
    action = models.CharField(max_length=32, choices=AUDIT_ACTION_CHOICES)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # HMAC-SHA256 of the hash with the audit key ``key_id`` (kept outside the database);
    # empty only for entries written before keys existed (see audit/checkpoints.py).
    key_id = models.CharField(max_length=16, blank=True, default="")
    mac = models.CharField(max_length=64, blank=True, default="")

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("-seq",)
        indexes = (
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor_label", "at"], name="audit_actor"),
            models.Index(fields=["action", "at"], name="audit_action"),
        )

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditHead(models.Model):
    """One row: the sequence number and hash of the newest entry (serialises appends)."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
