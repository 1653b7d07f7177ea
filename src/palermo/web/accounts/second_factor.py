"""The second factor, on django-otp: a TOTP authenticator (RFC 6238) and single-use recovery
codes (django-otp's static device).

django-otp rather than our own TOTP: it is the field's kept implementation (drift tolerance,
replay refusal of a code already used, throttling of wrong codes with growing delays), and its
``OTPMiddleware`` marks a session verified. Enrolment shows the secret as a QR code drawn on
the server as SVG (``qrcode``; no network, no script) and as text; a first code confirms it,
then ten recovery codes are shown once (only django-otp's record of them is kept). Every
enrolment, verification, failure and reset is audited.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from palermo.errors import InputError
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.problems import problem

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def _wrong_code() -> InputError:
    return InputError(
        [
            problem(
                where=gettext_lazy("code"),
                field="code",
                rule=gettext_lazy(
                    "is not valid: check the clock of your device and enter the code it shows "
                    "now, or one of your recovery codes"
                ),
            )
        ]
    )


def second_factor_enrolled(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the enrolment page shows: the secret as an ``otpauth://`` QR code and as text."""

    device: TOTPDevice
    qr_svg: str
    secret: str


def second_factor_enrolment(*, user: User) -> Enrolment:
    """The user's unconfirmed authenticator (made on first call, reused on reloads)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by(
        "pk"
    ).first() or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return Enrolment(device=device, qr_svg=svg, secret=grouped)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_confirm(*, user: User, code: str, request: HttpRequest) -> list[str]:
    """Confirm the enrolment with a first code; the session counts as verified. Returns the
    recovery codes, to be shown once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(code.strip()):
        audit_record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            request=request,
            detail={"second_factor": "enrolment code wrong"},
        )
        raise _wrong_code()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=user,
            purpose="second factor enrolled",
            request=request,
            detail={"recovery_codes": len(codes)},
        )
    otp_login(request, device)
    return codes


def second_factor_verify(*, user: User, code: str, request: HttpRequest) -> int | None:
    """Verify this session with an authenticator or recovery code (a recovery code is used up).
    Returns how many recovery codes are left when one was used, else ``None``."""
    device = match_token(user, code.strip().replace(" ", ""))
    if device is None:
        audit_record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            request=request,
            detail={"second_factor": "code wrong"},
        )
        raise _wrong_code()
    otp_login(request, device)
    left = None
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
    audit_record(
        actor=user,
        action=AuditAction.LOGIN,
        request=request,
        detail={
            "second_factor": "recovery code" if left is not None else "authenticator",
            **({"recovery_codes_left": left} if left is not None else {}),
        },
    )
    return left


def second_factor_new_recovery_codes(*, user: User, request: HttpRequest) -> list[str]:
    """Ten new recovery codes (the old ones stop working), for a verified session."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=user,
            purpose="recovery codes replaced",
            request=request,
        )
    return codes


def second_factor_reset(*, actor: User | None, user: User, request: HttpRequest | None) -> None:
    """Remove a person's authenticator and recovery codes (a lost phone): at the next log-in
    they enrol again."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=user,
            purpose="second factor reset",
            request=request,
            actor_label=None if actor is not None else "command line",
        )
