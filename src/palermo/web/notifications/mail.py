"""Notifications by e-mail (``settings.NOTIFY_BY_EMAIL``): each notification goes, once its
transaction has committed, to the e-mail address of every active reader it is addressed to
(the recipient, or the holders of its roles at its agency), through Django's e-mail backend
(the console backend in the demo). The e-mail says what the inbox says, in English and
Chinese, with the link to the page (whose own permission checks apply); a notification's
params are references and labels, never a person's data. Sending never undoes the step that
caused it: a failure is logged and the notification stays in the inbox."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation

from palermo.web.accounts.models import User
from palermo.web.lib.roles import NOTIFICATION_ROLES
from palermo.web.notifications.models import Notification
from palermo.web.notifications.selectors import notification_label, notification_text

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "zh-hans")


def notification_readers(notification: Notification) -> list[User]:
    """The active users the notification is addressed to who have an e-mail address."""
    if notification.recipient_id is not None:
        readers = User.objects.filter(pk=notification.recipient_id)
    elif notification.agency_id is None:
        return []
    else:
        roles = [role for role in notification.roles.split(",") if role]
        readers = User.objects.filter(agency_id=notification.agency_id, role__in=roles)
    return [
        user
        for user in readers.filter(is_active=True).exclude(email="").order_by("pk")
        if user.role in NOTIFICATION_ROLES
    ]


def notification_email(notification: Notification, to: str) -> EmailMessage:
    """The e-mail of one notification: the kind as subject and the message, each in English
    and Chinese, then the page's address."""
    labels, texts = [], []
    for language in LANGUAGES:
        with translation.override(language):
            labels.append(notification_label(notification))
            texts.append(notification_text(notification))
    body = "\n\n".join(texts)
    if notification.url:
        body += f"\n\n{settings.SITE_URL}{notification.url}"
    return EmailMessage(
        subject=f"Palermo: {labels[0]} / {labels[1]}",
        body=body + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def notification_mail(notification_id: int) -> int:
    """Send the notification to its readers' addresses; how many e-mails went."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return 0
    messages = [
        notification_email(notification, user.email) for user in notification_readers(notification)
    ]
    if not messages:
        return 0
    try:
        with get_connection() as connection:
            return int(connection.send_messages(messages) or 0)
    except OSError:
        logger.exception("notification %s: the e-mail could not be sent", notification_id)
        return 0
