"""Watchlists as data: a list with its owner, purpose, legal basis, expiry and threshold; entries
that are people, organisations or contact points; and the match a traveller gets against one.

Document numbers are never kept: an entry holds only their keyed hash
(``palermo.records.hashing.document_hash``), so a list can be matched against records hashed
with the same key without anyone reading the numbers.

>>> normalise_phone("+86 (138) 0013-8000"), phone_key("0086 138 0013 8000")
('8613800138000', '00138000')
>>> normalise_email("  Recruiter+ads@Example.COM ")
'recruiter@example.com'
>>> normalise_registration("91-3100/00 1234 x")
'913100001234X'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

#: Chosen on synthetic data (benchmarks/bench_watchlist.py, tests): 99.5% of transformed names of
#: listed people found, fewer than 1 in 1,000 unrelated travellers matched even against a
#: 100,000-entry list.
DEFAULT_THRESHOLD = 88
FORMAT_VERSION = 1
LIST_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DIGITS = re.compile(r"\D+")
_ALNUM = re.compile(r"[^0-9A-Za-z]+")
PHONE_KEY_DIGITS = 8
MIN_PHONE_DIGITS = 6
MAX_PHONE_DIGITS = 15


class EntryKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    CONTACT = "contact"


KIND_LABELS: dict[EntryKind, tuple[str, str]] = {
    EntryKind.PERSON: ("person", "人员"),
    EntryKind.ORGANISATION: ("organisation", "机构"),
    EntryKind.CONTACT: ("contact point", "联系方式"),
}


def normalise_phone(text: str) -> str:
    """Digits only, international prefix ``00`` dropped."""
    digits = _DIGITS.sub("", text)
    return digits[2:] if digits.startswith("00") else digits


def phone_key(text: str) -> str:
    """The last eight digits: the same number with or without country code or trunk zero."""
    return normalise_phone(text)[-PHONE_KEY_DIGITS:]


def normalise_email(text: str) -> str:
    """Lower case, spaces trimmed, a ``+tag`` in the local part dropped."""
    local, _, domain = text.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def normalise_registration(text: str) -> str:
    return _ALNUM.sub("", text).upper()


@dataclass(frozen=True, slots=True)
class ListInfo:
    """What a list is, who answers for it and until when it may be used."""

    list_id: str
    title: str
    owner: str
    purpose: str
    legal_basis: str
    expires: dt.date
    threshold: int = DEFAULT_THRESHOLD

    def expired(self, today: dt.date) -> bool:
        """A list may be used up to and including its expiry date."""
        return today > self.expires


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed person, organisation or contact point (phones and e-mails on any kind)."""

    entry_id: str
    kind: EntryKind
    names: tuple[str, ...] = ()
    date_of_birth: dt.date | None = None
    nationality: str | None = None
    document_hash: str | None = None
    registration_numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Watchlist:
    info: ListInfo
    entries: tuple[Entry, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class WatchlistMatch:
    """A traveller matched a listed entry with ``score`` (0-100) at or above the list threshold."""

    list_id: str
    entry_id: str
    kind: EntryKind
    score: int
    threshold: int
    reasons_en: tuple[str, ...]
    reasons_zh: tuple[str, ...]

    @property
    def reason_en(self) -> str:
        return "; ".join(self.reasons_en)

    @property
    def reason_zh(self) -> str:
        return "；".join(self.reasons_zh)

    def sort_key(self) -> tuple[int, str, str]:
        return (-self.score, self.list_id, self.entry_id)
