"""Template context: the number of unread notifications, for the header of every page."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest

from palermo.web.accounts.models import User
from palermo.web.notifications.selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    try:
        return {"unread_notifications": unread_count(user=user)}
    except DatabaseError:
        # the error page for a lost database renders too: the count is left out, not a 500
        return {}
