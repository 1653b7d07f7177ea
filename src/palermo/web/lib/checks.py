"""Configuration problems reported as Django system checks, each with a stable id.

| id | problem |
|---|---|
| ``palermo.E001`` | the data directory cannot be created or written |
| ``palermo.E002`` | Argon2 is not the first password hasher |
| ``palermo.E003`` | the field-encryption keys are malformed |
| ``palermo.W001`` | debug mode is on |
| ``palermo.W002`` | the secret key is short |
| ``palermo.W003`` | sessions stay open for more than 8 hours of inactivity |
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
