"""What stands between a correct password and the pages: checked on every page request by
``DenyByDefaultMiddleware`` (``permissions.py``), after the view's role declaration.

1. **Absolute session lifetime.** A session ends ``PALERMO_SESSION_MAX_HOURS`` after the
   log-in, however active (idle expiry is the cookie's age). The log-in time is put in the
   session by ``accounts`` when anyone logs in; a session without it is ended too.
2. **Second factor.** Roles in ``SECOND_FACTOR_ROLES`` reach no page until the session is
   verified with a code (django-otp); they are sent to ``SECOND_FACTOR_URL`` (enrolment
   when they have no device yet, else the code).
3. **One-time password.** A user whose password was issued by an administrator
   (``must_change_password``) is sent to ``PASSWORD_CHANGE_URL`` until they choose their own.

A view marked ``@login_step(SECOND_FACTOR, PASSWORD)`` skips those steps (the pages that
take them, log-out); the password change page skips only its own. The user model is read
through its attributes only: ``lib`` imports no app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from palermo.web.lib.roles import SECOND_FACTOR_ROLES

LOGIN_STEP_ATTRIBUTE = "palermo_login_step"
SESSION_STARTED_KEY = "palermo_logged_in_at"

View = Callable[..., HttpResponseBase]


SECOND_FACTOR = "second_factor"
PASSWORD = "password"  # noqa: S105  (a step's name)


def login_step(*skipped: str) -> Callable[[View], View]:
    """Let a logged-in user open the view before taking the ``skipped`` steps."""
    unknown = set(skipped) - {SECOND_FACTOR, PASSWORD}
    if unknown or not skipped:
        raise ValueError(f"login_step() takes SECOND_FACTOR and/or PASSWORD, not {unknown}")

    def mark(view: View) -> View:
        setattr(view, LOGIN_STEP_ATTRIBUTE, frozenset(skipped))
        return view

    return mark


def skipped_steps(view: object) -> frozenset[str]:
    steps = getattr(view, LOGIN_STEP_ATTRIBUTE, None)
    return steps if isinstance(steps, frozenset) else frozenset()


def session_started(request: HttpRequest) -> None:
    """Record the log-in time (the ``user_logged_in`` signal calls this)."""
    request.session[SESSION_STARTED_KEY] = time.time()


def session_expired(request: HttpRequest, *, now: float | None = None) -> bool:
    started = request.session.get(SESSION_STARTED_KEY)
    if not isinstance(started, int | float):
        return True
    moment = time.time() if now is None else now
    return moment - started > settings.SESSION_MAX_HOURS * 3600


def session_verified(user: object) -> bool:
    """Whether this request's session was confirmed with a second factor (django-otp's
    ``OTPMiddleware`` gives the user ``is_verified``)."""
    is_verified = getattr(user, "is_verified", None)
    return callable(is_verified) and bool(is_verified())


def needs_second_factor(user: object) -> bool:
    return getattr(user, "role", None) in SECOND_FACTOR_ROLES and not session_verified(user)


def _to(url_name: str, request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(
        f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
    )


def pending_login_step(request: HttpRequest, view: object) -> HttpResponse | None:
    """A redirect to the step this logged-in user must take first, or ``None``."""
    user = request.user
    if not user.is_authenticated:
        return None  # the view's own declaration sends them to log in
    if session_expired(request):
        logout(request)
        messages.info(
            request,
            _("Your session ended after %(hours)d hours. Please log in again.")
            % {"hours": settings.SESSION_MAX_HOURS},
        )
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    skipped = skipped_steps(view)
    if SECOND_FACTOR not in skipped and needs_second_factor(user):
        return _to(settings.SECOND_FACTOR_URL, request)
    if PASSWORD not in skipped and getattr(user, "must_change_password", False):
        return _to(settings.PASSWORD_CHANGE_URL, request)
    return None
