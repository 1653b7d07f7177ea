"""The request type of views that only logged-in users reach (``@allow``, ``TokenAuth``)."""

from __future__ import annotations

from django.http import HttpRequest

from palermo.web.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose ``user`` is a logged-in ``User``: ``@allow`` redirects anyone else to
    log in, and API operations authenticate with ``TokenAuth`` before the view runs."""

    user: User
