"""Configuration problems reported as Django system checks, each with a stable id.

| id | problem |
|---|---|
| ``palermo.E001`` | the data directory cannot be created or written |
| ``palermo.E002`` | Argon2 is not the first password hasher |
| ``palermo.E003`` | the field-encryption keys are malformed |
| ``palermo.W001`` | debug mode is on |
| ``palermo.W002`` | the secret key is short |
| ``palermo.W003`` | sessions stay open for more than 8 hours of inactivity |
| ``palermo.W010`` | (deploy) ``X-Forwarded-Proto`` is believed but no trusted proxy is named |
| ``palermo.W011`` | (deploy) the CSP lets inline or evaluated code run |

``palermo web check --deploy`` adds Django's deployment checks (``security.W0xx``) and the
``(deploy)`` ones above, and fails on any warning.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

MAX_IDLE_MINUTES = 8 * 60
MIN_SECRET_LENGTH = 40


@register(Tags.security, deploy=False)
def check_data_dir(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    data_dir = settings.DATA_DIR
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [
            Error(
                f"PALERMO_DATA_DIR {data_dir} cannot be created: {exc}",
                hint="Point PALERMO_DATA_DIR at a directory the server may write.",
                id="palermo.E001",
            )
        ]
    if not os.access(data_dir, os.W_OK):
        return [
            Error(
                f"PALERMO_DATA_DIR {data_dir} is not writable",
                hint="Point PALERMO_DATA_DIR at a directory the server may write.",
                id="palermo.E001",
            )
        ]
    return []


@register(Tags.security)
def check_password_hashers(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    hashers = list(settings.PASSWORD_HASHERS)
    if not hashers or not hashers[0].endswith("Argon2PasswordHasher"):
        return [
            Error(
                "Argon2 must be the first entry of PASSWORD_HASHERS",
                hint="New passwords are hashed with the first hasher; keep Argon2 first.",
                id="palermo.E002",
            )
        ]
    return []


@register(Tags.security)
def check_field_keys(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    from palermo.web.lib.crypto import FieldKeyError, parse_keys

    if not settings.FIELD_KEYS:
        return []
    try:
        parse_keys(settings.FIELD_KEYS, source="PALERMO_FIELD_KEYS")
    except FieldKeyError as exc:
        return [
            Error(
                str(exc),
                hint="Generate a key with `palermo keys generate`; newest key first.",
                id="palermo.E003",
            )
        ]
    return []


@register(Tags.security)
def check_debug(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return [
            Warning(
                "PALERMO_DEBUG is on: error pages show internal details",
                hint="Unset PALERMO_DEBUG anywhere real people's data is stored.",
                id="palermo.W001",
            )
        ]
    return []


@register(Tags.security)
def check_secret_key(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    if len(settings.SECRET_KEY) < MIN_SECRET_LENGTH:
        return [
            Warning(
                f"PALERMO_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters",
                hint="Unset it to use a generated key file, or set a long random value.",
                id="palermo.W002",
            )
        ]
    return []


@register(Tags.security)
def check_session_idle(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.SESSION_IDLE_MINUTES > MAX_IDLE_MINUTES:
        return [
            Warning(
                f"PALERMO_SESSION_IDLE_MINUTES={settings.SESSION_IDLE_MINUTES}: sessions of "
                "unattended screens stay open for more than 8 hours",
                hint="Shared desks at posts need a short idle timeout (30 minutes is usual).",
                id="palermo.W003",
            )
        ]
    return []


UNSAFE_SOURCES = frozenset({"'unsafe-inline'", "'unsafe-eval'", "*"})


@register(Tags.security, deploy=True)
def check_proxy_header(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.SECURE_PROXY_SSL_HEADER and not settings.TRUSTED_PROXIES:
        return [
            Warning(
                "PALERMO_PROXY_SSL_HEADER is on but PALERMO_TRUSTED_PROXIES is empty",
                hint="Name the reverse proxy's address in PALERMO_TRUSTED_PROXIES, so that client "
                "addresses (log-in limits, audit log) are read from X-Forwarded-For.",
                id="palermo.W010",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_content_security_policy(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    weak = sorted(
        name
        for name in ("default-src", "script-src", "style-src")
        if UNSAFE_SOURCES & set(directives.get(name, []))
    )
    if not directives.get("script-src") or weak:
        return [
            Warning(
                "the Content-Security-Policy lets inline, evaluated or any-origin code run"
                + (f" ({', '.join(weak)})" if weak else " (no script-src)"),
                hint="Keep script-src and style-src to 'self': no inline <script> or style= "
                "in templates.",
                id="palermo.W011",
            )
        ]
    return []
