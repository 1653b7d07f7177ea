"""Rules across the fields of one traveller record, for records a person types (the desk, the
API): values each valid alone that cannot all be true together, and contact details that
cannot reach anyone.

A document issued after its expiry or after the journey, a birth after the journey or after
the document, a booking made after the journey: these are typing mistakes, and a profile
evaluated on them would fire (or stay silent) for the wrong reason. A document that had expired
by the day of the journey is *not* refused: people travel on expired documents, and the
officer needs to screen exactly them.

>>> import datetime as dt
>>> bad = record_problems({"document_issue_date": dt.date(2027, 1, 5),
...                        "document_expiry_date": dt.date(2020, 1, 5),
...                        "event_date": dt.date(2026, 11, 30),
...                        "contact_email": "not-an-email"})
>>> [(p.field, p.rule) for p in bad]  # doctest: +NORMALIZE_WHITESPACE
[('document_issue_date', 'the issue date (2027-01-05) is after the expiry date (2020-01-05)'),
 ('document_issue_date', 'the document was issued (2027-01-05) after the event date (2026-11-30)'),
 ('contact_email', 'not an e-mail address (name@domain.example)')]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from palermo.errors import Problem

OLDEST_YEARS = 130
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 6, 15  # ITU-T E.164: at most 15 digits


def _date(record: Mapping[str, Any], name: str) -> dt.date | None:
    value = record.get(name)
    return value if isinstance(value, dt.date) else None


def _after(
    record: Mapping[str, Any],
    *,
    early: str,
    late: str,
    rule: tuple[str, str],
    where: str,
    where_zh: str,
) -> Problem | None:
    """A problem on the field ``early`` when its date lies after the date ``late``."""
    first, second = _date(record, early), _date(record, late)
    if first is None or second is None or first <= second:
        return None
    words = {"early": first.isoformat(), "late": second.isoformat()}
    return Problem(
        where=where,
        where_zh=where_zh,
        field=early,
        value=first.isoformat(),
        rule=rule[0] % words,
        rule_zh=rule[1] % words,
    )


_DATE_RULES: tuple[tuple[str, str, tuple[str, str]], ...] = (
    (
        "document_issue_date",
        "document_expiry_date",
        (
            "the issue date (%(early)s) is after the expiry date (%(late)s)",
            "签发日期（%(early)s）晚于有效期至（%(late)s）",
        ),
    ),
    (
        "document_issue_date",
        "event_date",
        (
            "the document was issued (%(early)s) after the event date (%(late)s)",
            "证件签发日期（%(early)s）晚于事件日期（%(late)s）",
        ),
    ),
    (
        "date_of_birth",
        "event_date",
        (
            "the date of birth (%(early)s) is after the event date (%(late)s)",
            "出生日期（%(early)s）晚于事件日期（%(late)s）",
        ),
    ),
    (
        "date_of_birth",
        "document_issue_date",
        (
            "the date of birth (%(early)s) is after the document's issue date (%(late)s)",
            "出生日期（%(early)s）晚于证件签发日期（%(late)s）",
        ),
    ),
    (
        "booking_date",
        "event_date",
        (
            "the booking date (%(early)s) is after the event date (%(late)s)",
            "订票日期（%(early)s）晚于事件日期（%(late)s）",
        ),
    ),
)


def record_problems(
    record: Mapping[str, Any], *, where: str = "record", where_zh: str = "记录"
) -> list[Problem]:
    """Every cross-field rule ``record`` (typed values: dates as ``date``) breaks."""
    problems: list[Problem] = []
    for early, late, rule in _DATE_RULES:
        found = _after(record, early=early, late=late, rule=rule, where=where, where_zh=where_zh)
        if found is not None:
            problems.append(found)
    birth, event = _date(record, "date_of_birth"), _date(record, "event_date")
    if birth is not None and event is not None and event.year - birth.year > OLDEST_YEARS:
        problems.append(
            Problem(
                where=where,
                where_zh=where_zh,
                field="date_of_birth",
                value=birth.isoformat(),
                rule=f"the traveller would be more than {OLDEST_YEARS} years old",
                rule_zh=f"旅客年龄将超过{OLDEST_YEARS}岁",
            )
        )
    email = record.get("contact_email")
    if isinstance(email, str) and email.strip() and not _EMAIL.match(email.strip()):
        problems.append(
            Problem(
                where=where,
                where_zh=where_zh,
                field="contact_email",
                value=email,
                rule="not an e-mail address (name@domain.example)",
                rule_zh="不是电子邮箱地址（例如 name@domain.example）",
            )
        )
    phone = record.get("contact_phone")
    if isinstance(phone, str) and phone.strip():
        digits = sum(ch.isdigit() for ch in phone)
        if not _PHONE.match(phone.strip()) or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
            problems.append(
                Problem(
                    where=where,
                    field="contact_phone",
                    value=phone,
                    rule=(
                        f"not a telephone number: {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} "
                        "digits, optionally + first, spaces, brackets or dashes"
                    ),
                    rule_zh=(
                        f"不是电话号码：须为{MIN_PHONE_DIGITS}至{MAX_PHONE_DIGITS}位数字，"
                        "可以+开头，可含空格、括号或连字符"
                    ),
                )
            )
    return problems
