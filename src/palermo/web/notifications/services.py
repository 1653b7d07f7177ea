"""Writes on notifications: send one (called by other apps' services, inside their
transaction), mark one or all read. Each is audited."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.web.accounts.models import Agency, User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.roles import NOTIFICATION_ROLES, Role, require_role
from palermo.web.notifications.kinds import MESSAGES, NotificationKind
from palermo.web.notifications.mail import notification_mail
from palermo.web.notifications.models import Notification, NotificationRead

Param = str | int | Promise


def _params_per_language(
    kind: NotificationKind, params: Mapping[str, Param]
) -> dict[str, dict[str, str]]:
    """Each param as text in each language (lazy labels resolved per language), checked
    against the message: a missing placeholder is a programming error, raised at once."""
    resolved: dict[str, dict[str, str]] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values = {key: str(value) for key, value in params.items()}
            str(MESSAGES[kind]) % values  # KeyError/TypeError if a placeholder is not filled
        resolved[code] = values
    return resolved


def notification_send(
    *,
    actor: User | None,
    kind: NotificationKind | str,
    recipient: User | None = None,
    agency: Agency | None = None,
    roles: Collection[Role | str] = (),
    about: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    url: str = "",
    params: Mapping[str, Param] | None = None,
    request: HttpRequest | None = None,
) -> Notification:
    """Tell ``recipient`` and/or every holder of ``roles`` at ``agency`` about an object.

    ``actor`` is the user whose step causes it (``None`` for a scheduled task). ``about`` (or
    ``object_type`` + ``object_id``) names the object, ``url`` the page that shows it (its own
    permission checks still apply). ``kind`` picks the message from ``kinds.MESSAGES``;
    ``params`` fill it: plain values, or lazily translated labels that are stored in each
    language. Never put a person's name or other personal data in ``params``: use references.
    Runs in the caller's transaction, so a step that rolls back sends nothing.
    """
    if actor is not None:
        require_role(actor, NOTIFICATION_ROLES, what=gettext_lazy("send notifications"))
    kind = NotificationKind(kind)
    if recipient is None and (agency is None or not roles):
        raise ValueError("a notification needs a recipient, or an agency and roles")
    role_values = sorted({Role(role).value for role in roles})
    if about is not None:
        object_type = object_type or about._meta.label_lower
        object_id = object_id or str(about.pk)
    resolved = _params_per_language(kind, params or {})
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient=recipient,
            agency=agency if role_values else None,
            roles=f",{','.join(role_values)}," if role_values else "",
            kind=kind.value,
            params=resolved,
            object_type=object_type[:60],
            object_id=object_id[:40],
            url=url[:300],
            created_at=timezone.now(),
            sent_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=notification,
            purpose="notification",
            request=request,
            actor_label=None if actor is not None else "scheduled task",
            detail={
                "kind": kind.value,
                "recipient": recipient.pk if recipient is not None else None,
                "agency": agency.pk if agency is not None and role_values else None,
                "roles": role_values,
                "about": f"{object_type}:{object_id}",
            },
        )
        if settings.NOTIFY_BY_EMAIL:
            # after the commit: a step that rolls back e-mails nobody
            transaction.on_commit(lambda: notification_mail(notification.pk))
    return notification


def notification_mark_read(
    *, actor: User, notification: Notification, request: HttpRequest | None = None
) -> bool:
    """Mark one notification (that ``actor`` may see: use the selector) read by ``actor``.
    Returns whether it was unread."""
    require_role(actor, NOTIFICATION_ROLES, what=_("read notifications"))
    with transaction.atomic():
        _read, created = NotificationRead.objects.get_or_create(
            notification=notification, user=actor, defaults={"read_at": timezone.now()}
        )
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=notification,
                fields=["read_at"],
                purpose="notification read",
                request=request,
            )
    return created


def notification_mark_all_read(
    *, actor: User, notifications: Collection[Notification], request: HttpRequest | None = None
) -> int:
    """Mark every unread one of ``notifications`` (from the selector) read; how many."""
    require_role(actor, NOTIFICATION_ROLES, what=_("read notifications"))
    now = timezone.now()
    with transaction.atomic():
        already = set(
            NotificationRead.objects.filter(
                user=actor, notification__in=[n.pk for n in notifications]
            ).values_list("notification_id", flat=True)
        )
        fresh = [
            NotificationRead(notification=n, user=actor, read_at=now)
            for n in notifications
            if n.pk not in already
        ]
        NotificationRead.objects.bulk_create(fresh)
        if fresh:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="notifications.notification",
                fields=["read_at"],
                purpose="notifications read",
                request=request,
                detail={"count": len(fresh)},
            )
    return len(fresh)
