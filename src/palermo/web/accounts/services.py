"""Writes for accounts: log-in with throttling, log-out, users, agencies and API tokens."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, PalermoError, Problem
from palermo.web.accounts.models import Agency, ApiToken, LoginFailure, User
from palermo.web.accounts.throttle import (
    PasswordCheckBusyError,
    login_attempt_count,
    password_checks,
)
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record, client_ip
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import AgencyKind


class LoginRefusedError(PalermoError):
    """Wrong user name or password, or too many failures: the message never says which user
    names exist."""


class LoginRateLimitedError(LoginRefusedError):
    """Too many attempts from one address within a minute, whatever the user names (429)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _throttle_key(username: str) -> str:
    return username.strip().lower()[:150]


def login_locked_until(*, username: str, ip: str | None) -> datetime | None:
    """When the user name and address may try again, or ``None`` if they may now."""
    now = timezone.now()
    window = timedelta(minutes=settings.LOGIN_WINDOW_MINUTES)
    lockout = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    limit = settings.LOGIN_MAX_FAILURES
    recent = list(
        LoginFailure.objects.filter(
            username=_throttle_key(username), ip=ip, at__gte=now - window - lockout
        )
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit or recent[0] - recent[-1] > window:
        return None
    until = recent[0] + lockout
    return until if now < until else None


def user_login(*, request: HttpRequest, username: str, password: str) -> User:
    """Log a person in, or raise ``LoginRefusedError``; every attempt is audited, except
    attempts beyond the per-address limit: only the first of those in a minute is (a flood
    must not write a row per attempt), and attempts refused because too many others wait for
    a password check (``LoginRateLimitedError``, no password checked, nothing written)."""
    ip = client_ip(request)
    key = _throttle_key(username)
    count = login_attempt_count(ip)
    if count.refused:
        if count.first_refusal:
            audit_record(
                actor=None,
                action=AuditAction.LOGIN_LOCKED,
                actor_label=key,
                request=request,
                detail={"limit": "address", "attempts_per_minute": count.attempts - 1},
            )
        raise LoginRateLimitedError(
            _("Too many log-in attempts from your address. Try again in %(seconds)d seconds.")
            % {"seconds": count.retry_after},
            retry_after=count.retry_after,
        )
    if login_locked_until(username=username, ip=ip) is not None:
        audit_record(actor=None, action=AuditAction.LOGIN_LOCKED, actor_label=key, request=request)
        raise LoginRefusedError(
            _("Too many failed log-ins. Try again in %(minutes)d minutes.")
            % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
        )
    try:
        with password_checks.turn():  # one Argon2 hash at a time (see accounts.throttle)
            user = authenticate(request, username=username, password=password)
    except PasswordCheckBusyError as busy:
        raise LoginRateLimitedError(
            _("Many people are logging in at this moment. Try again in %(seconds)d seconds.")
            % {"seconds": busy.retry_after},
            retry_after=busy.retry_after,
        ) from None
    if user is None:
        with transaction.atomic():
            LoginFailure.objects.create(username=key, ip=ip, at=timezone.now())
            audit_record(
                actor=None, action=AuditAction.LOGIN_FAILED, actor_label=key, request=request
            )
        raise LoginRefusedError(_("User name or password is wrong."))
    login(request, user)
    with transaction.atomic():
        LoginFailure.objects.filter(username=key, ip=ip).delete()
        audit_record(actor=user, action=AuditAction.LOGIN, request=request)
    assert isinstance(user, User)
    return user


def user_logout(*, request: HttpRequest) -> None:
    if request.user.is_authenticated:
        audit_record(actor=request.user, action=AuditAction.LOGOUT, request=request)
    logout(request)


def agency_create(*, name: str, kind: AgencyKind, code: str, is_training: bool = False) -> Agency:
    return Agency.objects.create(name=name, kind=kind, code=code, is_training=is_training)


def user_create(
    *,
    username: str,
    password: str | None,
    agency: Agency,
    role: str,
    email: str = "",
    must_change_password: bool = False,
) -> User:
    user: User = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        agency=agency,
        role=role,
        must_change_password=must_change_password,
    )
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


TOKEN_USE_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is exact to this much: a busy token is written at most once a minute."""


def api_token_touch(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Record that ``token`` was used now, unless that was already recorded within
    ``TOKEN_USE_RESOLUTION``. One conditional UPDATE (no read-modify-write): of several
    requests racing past the in-memory check, only one writes. True when it wrote."""
    now = now or timezone.now()
    cutoff = now - TOKEN_USE_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff)
    written = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now) > 0
    if written:
        token.last_used_at = now
    return written


def api_token_create(
    *,
    name: str,
    agency: Agency,
    role: str,
    created_by: User | None,
    replaces: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the plain token is returned once and never stored."""
    token = "plm_" + secrets.token_urlsafe(32)
    system_user: User = User.objects.create_user(
        username=f"api-{agency.code}-{secrets.token_hex(4)}",
        password=None,
        agency=agency,
        role=role,
        first_name=name[:150],
    )
    now = timezone.now()
    record = ApiToken.objects.create(
        name=name,
        agency=agency,
        role=role,
        user=system_user,
        digest=token_digest(token),
        prefix=token[:8],
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
        replaces=replaces,
    )
    return record, token


def _password_rules_broken(password: str, user: User) -> Problem | None:
    """Django's password validators' verdict on ``password``, in English and Chinese."""
    try:
        validate_password(password, user)
    except ValidationError:
        pass
    else:
        return None
    rules: dict[str, str] = {}
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                rules[lang] = " ".join(exc.messages)
    named = problem(where=gettext_lazy("new password"), field="new_password", rule="")
    return dataclasses.replace(named, rule=rules["en"], rule_zh=rules["zh-hans"])


def password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest
) -> None:
    """Change one's own password: the current one must be right and the new one must pass
    Django's validators (``InputError`` naming the field otherwise). Keeps the session, audits
    the change; a one-time password is done with once this succeeds."""
    problems = []
    if not user.check_password(old_password):
        problems.append(
            problem(
                where=gettext_lazy("current password"),
                field="old_password",
                rule=gettext_lazy("is not your current password"),
            )
        )
    if new_password == old_password:
        problems.append(
            problem(
                where=gettext_lazy("new password"),
                field="new_password",
                rule=gettext_lazy("must differ from the current one"),
            )
        )
    broken = _password_rules_broken(new_password, user)
    if broken is not None:
        problems.append(broken)
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=user,
            purpose="password changed",
            request=request,
            fields=["password"],
        )
    update_session_auth_hash(request, user)
