"""Verification codes of training certificates, and the public check of one.

A code is the certificate's random serial (8 characters) and a signature (16): an HMAC-SHA256
keyed with the installation's secret key (``PALERMO_SECRET_KEY``; the keys of
``SECRET_KEY_FALLBACKS`` still verify after a rotation) over the serial and what the
certificate says (holder, course, dates), cut to 80 bits. Without the key nobody makes a code
that verifies, and a certificate row changed in the database stops verifying. Written in groups
of four from the RFC 4648 base-32 alphabet (no 0/1/8/9 to misread); spaces, hyphens and case do
not matter when typed.

>>> format_code("ABCDEFGH", "IJKLMNOPQRSTUVWX")
'ABCD-EFGH-IJKL-MNOP-QRST-UVWX'
>>> split_code(" abcd efgh-ijkl-mnop-qrst-uvwx ")
('ABCDEFGH', 'IJKLMNOPQRSTUVWX')
>>> split_code("not a code") is None
True
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.certificates.models import Certificate
from palermo.web.lib.problems import problem

SERIAL_LENGTH = 8
SIGNATURE_LENGTH = 16
_SALT = "palermo.certificates.code"
_CODE = re.compile(rf"[A-Z2-7]{{{SERIAL_LENGTH + SIGNATURE_LENGTH}}}")


def new_serial() -> str:
    return base64.b32encode(secrets.token_bytes(5)).decode("ascii")


def _message(
    *, serial: str, holder_name: str, title: str, title_zh: str, issued: dt.date, until: dt.date
) -> str:
    return "\x1f".join(
        (serial, holder_name, title, title_zh, issued.isoformat(), until.isoformat())
    )


def _sign(message: str, secret: str) -> str:
    digest = salted_hmac(_SALT, message, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest[:10]).decode("ascii")


def sign(
    *, serial: str, holder_name: str, title: str, title_zh: str, issued: dt.date, until: dt.date
) -> str:
    """The signature of a certificate's serial and words, with the current secret key."""
    message = _message(
        serial=serial,
        holder_name=holder_name,
        title=title,
        title_zh=title_zh,
        issued=issued,
        until=until,
    )
    return _sign(message, settings.SECRET_KEY)


def format_code(serial: str, signature: str) -> str:
    raw = serial + signature
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def certificate_code(certificate: Certificate) -> str:
    return format_code(certificate.serial, certificate.signature)


def split_code(text: str) -> tuple[str, str] | None:
    """(serial, signature) of a typed code, or ``None`` when it cannot be one."""
    raw = re.sub(r"[\s\-]", "", text or "").upper()
    if not _CODE.fullmatch(raw):
        return None
    return raw[:SERIAL_LENGTH], raw[SERIAL_LENGTH:]


def _genuine(certificate: Certificate, signature: str) -> bool:
    message = _message(
        serial=certificate.serial,
        holder_name=certificate.holder_name,
        title=certificate.course_title,
        title_zh=certificate.course_title_zh,
        issued=certificate.issued_on,
        until=certificate.valid_until,
    )
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(_sign(message, key), signature) for key in keys)


@dataclass(frozen=True, slots=True)
class Verification:
    """What the public check says: only the holder's name, the course, the dates and whether
    it is valid (``status``: valid, expired, revoked; or unknown, with nothing else)."""

    status: str
    holder_name: str = ""
    course_title: str = ""
    course_title_zh: str = ""
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    def course_in(self, language: str | None) -> str:
        return self.course_title_zh if (language or "").startswith("zh") else self.course_title


UNKNOWN = Verification(status="unknown")


def certificate_verify(*, code: str, today: dt.date | None = None) -> Verification:
    """Check a typed code: made by this installation for a certificate that says what the row
    says, not revoked, not expired. An unknown serial, a wrong signature and a changed row
    all answer ``unknown`` alike (nothing to learn by trying)."""
    parts = split_code(code)
    if parts is None:
        return UNKNOWN
    serial, signature = parts
    found = Certificate.objects.filter(serial=serial).first()
    if found is None or not _genuine(found, signature):
        return UNKNOWN
    day = today or timezone.localdate()
    status = "revoked" if found.revoked_at else ("valid" if found.is_valid_on(day) else "expired")
    return Verification(
        status=status,
        holder_name=found.holder_name,
        course_title=found.course_title,
        course_title_zh=found.course_title_zh,
        issued_on=found.issued_on,
        valid_until=found.valid_until,
    )


def certificate_check(*, code: str, today: dt.date | None = None) -> Verification:
    """``certificate_verify`` for the API and the command line, where a bad code is an error
    to report (422 or 404, exit status 2) rather than a page's answer: ``InputError`` naming
    the code when it cannot be one (its shape), ``CertificateNotGenuineError`` when no
    certificate of this installation has it (unknown, forged or changed alike)."""
    if split_code(code) is None:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("verification code"),
                    field="code",
                    value=code[:64],
                    rule=gettext_lazy(
                        "is not a verification code: 24 letters A-Z and digits 2-7, as printed "
                        "on the certificate (spaces and hyphens do not matter)"
                    ),
                )
            ]
        )
    found = certificate_verify(code=code, today=today)
    if found.status == "unknown":
        raise CertificateNotGenuineError(
            [
                problem(
                    where=gettext_lazy("verification code"),
                    field="code",
                    value=code[:64],
                    rule=gettext_lazy(
                        "no certificate issued by this installation has this code: it is not "
                        "genuine (or mistyped), and must not be relied on"
                    ),
                )
            ]
        )
    return found


class CertificateNotGenuineError(InputError):
    """A well-formed verification code that no certificate of this installation has."""
