"""Reads of notifications: a user sees those addressed to them and those to their role at
their agency; any other id is "not found"."""

from __future__ import annotations

from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import translation

from palermo.web.accounts.models import User
from palermo.web.lib.roles import NOTIFICATION_ROLES, has_role
from palermo.web.notifications.kinds import KIND_LABELS, MESSAGES, NotificationKind
from palermo.web.notifications.models import Notification, NotificationRead


def _addressed_to(user: User) -> Q:
    return Q(recipient_id=user.pk) | Q(agency_id=user.agency_id, roles__contains=f",{user.role},")


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with ``read_at`` (``None`` if unread)."""
    if not has_role(user, NOTIFICATION_ROLES):
        return Notification.objects.none()
    read_at = NotificationRead.objects.filter(notification=OuterRef("pk"), user_id=user.pk)
    notes = Notification.objects.filter(_addressed_to(user)).annotate(
        read_at=Subquery(read_at.values("read_at")[:1], output_field=DateTimeField())
    )
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return notes.order_by("-created_at", "-id")


def notification_get(*, user: User, pk: int) -> Notification:
    """One notification the user may see, or ``Http404``."""
    found = notification_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def unread_count(*, user: User) -> int:
    return notification_list(user=user, unread_only=True).count()


def notification_text(notification: Notification) -> str:
    """The message in the active language (English params if the language has none)."""
    language = translation.get_language() or "en"
    params = notification.params.get(language) or notification.params.get("en") or {}
    try:
        kind = NotificationKind(notification.kind)
    except ValueError:
        return notification.kind
    return str(MESSAGES[kind]) % params


def notification_label(notification: Notification) -> str:
    try:
        return str(KIND_LABELS[NotificationKind(notification.kind)])
    except ValueError:
        return notification.kind
