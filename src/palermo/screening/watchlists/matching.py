"""Scoring one traveller against one listed entry, and the keys that find the candidates.

Both screening paths use exactly these functions: the real-time path looks the keys up in
dictionaries, the batch path joins them in DuckDB, and both score the candidate pairs with
``score_pair``. The results are therefore the same, which the test suite checks.

How a score (0-100) is made:

- an identifier that matches exactly - the document number (keyed hash), a phone number, an
  e-mail address, an organisation's registration number - scores 100 (a phone number equal only
  in its last eight digits scores 95);
- a person's name is compared through every reading of both names (``names.best_forms``), then
  combined with the date of birth: ``0.75 x name + 0.25 x date``, where the date counts 100 when
  equal, 90 with day and month swapped, 80 one year apart on the same day, and 50 when either
  side has no date; a different nationality (both known) takes 5 points off. Names scoring below
  70 never match, and dates further apart than the tolerances are never looked up;
- an organisation's name (the traveller's sponsor, employer or agency) scores its name
  similarity.

A list's threshold decides: below it, no hit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from palermo.screening.watchlists.model import (
    PHONE_KEY_DIGITS,
    Entry,
    EntryKind,
    WatchlistMatch,
    normalise_email,
    normalise_phone,
    normalise_registration,
    phone_key,
)
from palermo.screening.watchlists.names import (
    NameForm,
    best_forms,
    block_tokens,
    explain_names,
    organisation_block_tokens,
    organisation_forms,
    part_tokens,
    person_name_forms,
)

NAME_FLOOR = 70.0
NAME_WEIGHT = 0.75
NATIONALITY_PENALTY = 5.0
NO_DOB = -(2**31)  # the date key of entries listed without a date of birth
EPOCH = dt.date(1970, 1, 1)

DOB_SAME = "same"
DOB_SWAPPED = "swapped"
DOB_YEAR = "year_apart"
DOB_UNKNOWN = "unknown"
DOB_DIFFERENT = "different"
DOB_POINTS = {DOB_SAME: 100.0, DOB_SWAPPED: 90.0, DOB_YEAR: 80.0, DOB_UNKNOWN: 50.0}
DOB_REASONS = {
    DOB_SAME: ("same date of birth", "出生日期相同"),
    DOB_SWAPPED: ("date of birth with day and month swapped", "出生日期的日和月颠倒"),
    DOB_YEAR: ("date of birth one year apart", "出生日期相差一年"),
    DOB_UNKNOWN: ("no date of birth to compare", "无出生日期可比对"),
}


def _shift_year(day: dt.date, years: int) -> dt.date | None:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        try:
            return day.replace(year=day.year + years, day=28)
        except ValueError:
            return None


def dob_variants(day: dt.date) -> tuple[dt.date, ...]:
    """The dates of birth a listed person may carry and still be this traveller.

    >>> [d.isoformat() for d in dob_variants(dt.date(1990, 3, 7))]
    ['1990-03-07', '1990-07-03', '1989-03-07', '1991-03-07']
    """
    out = [day]
    if day.day <= 12 and day.day != day.month:
        out.append(day.replace(month=day.day, day=day.month))
    for years in (-1, 1):
        shifted = _shift_year(day, years)
        if shifted is not None:
            out.append(shifted)
    return tuple(out)


def day_key(day: dt.date | None) -> int:
    """Days since 1970-01-01 (Arrow's date32), or ``NO_DOB``."""
    return (day - EPOCH).days if day is not None else NO_DOB


def dob_relation(traveller: dt.date | None, listed: dt.date | None) -> str:
    if traveller is None or listed is None:
        return DOB_UNKNOWN
    if traveller == listed:
        return DOB_SAME
    if (
        traveller.day <= 12
        and traveller.day != traveller.month
        and listed == traveller.replace(month=traveller.day, day=traveller.month)
    ):
        return DOB_SWAPPED
    if listed in dob_variants(traveller):
        return DOB_YEAR
    return DOB_DIFFERENT


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True, slots=True)
class Traveller:
    """What matching needs from a traveller record, computed once."""

    forms: tuple[NameForm, ...]
    tokens: frozenset[str]
    date_of_birth: dt.date | None
    nationality: str | None
    document_hash: str | None
    sponsor_forms: tuple[NameForm, ...]
    sponsor_tokens: frozenset[str]
    sponsor_registration: str | None
    phone: str | None
    email: str | None


def traveller_names(record: Mapping[str, Any]) -> tuple[NameForm, ...]:
    latin = " ".join(
        x for x in (_text(record.get("surname")), _text(record.get("given_names"))) if x
    )
    return person_name_forms(latin or None, _text(record.get("name_native")))


def traveller_tokens(surname: Any, given_names: Any, name_native: Any) -> frozenset[str]:
    """Lookup tokens of a traveller's name, field by field (see ``names.part_tokens``)."""
    keys: frozenset[str] = frozenset()
    for part in (surname, given_names, name_native):
        text = _text(part)
        if text:
            keys |= part_tokens(text)
    return keys


def traveller_from_record(record: Mapping[str, Any]) -> Traveller:
    """The matching features of a canonical traveller record (a mapping of field to value)."""
    forms = traveller_names(record)
    sponsor = _text(record.get("sponsor_name"))
    sponsor_forms = organisation_forms(sponsor) if sponsor else ()
    registration = _text(record.get("sponsor_registration"))
    phone = _text(record.get("contact_phone"))
    email = _text(record.get("contact_email"))
    doc = _text(record.get("document_number_hash"))
    nationality = _text(record.get("nationality"))
    return Traveller(
        forms=forms,
        tokens=traveller_tokens(
            record.get("surname"), record.get("given_names"), record.get("name_native")
        ),
        date_of_birth=_as_date(record.get("date_of_birth")),
        nationality=nationality.upper() if nationality else None,
        document_hash=doc.lower() if doc else None,
        sponsor_forms=sponsor_forms,
        sponsor_tokens=organisation_block_tokens(sponsor_forms),
        sponsor_registration=(normalise_registration(registration) or None)
        if registration
        else None,
        phone=(normalise_phone(phone) or None) if phone else None,
        email=normalise_email(email) if email and "@" in email else None,
    )


@dataclass(frozen=True, slots=True)
class PreparedEntry:
    """A listed entry with its name readings and lookup keys, computed once per index."""

    list_index: int
    list_id: str
    threshold: int
    entry: Entry
    forms: tuple[NameForm, ...]
    tokens: frozenset[str]
    phone_keys: frozenset[str]


def prepare_entry(entry: Entry, *, list_index: int, list_id: str, threshold: int) -> PreparedEntry:
    if entry.kind is EntryKind.PERSON:
        forms = person_name_forms(*entry.names)
        tokens = block_tokens(forms)
    elif entry.kind is EntryKind.ORGANISATION:
        forms = tuple(f for name in entry.names for f in organisation_forms(name))
        tokens = organisation_block_tokens(forms)
    else:
        forms, tokens = (), frozenset()
    return PreparedEntry(
        list_index=list_index,
        list_id=list_id,
        threshold=threshold,
        entry=entry,
        forms=forms,
        tokens=tokens,
        phone_keys=frozenset(p[-PHONE_KEY_DIGITS:] for p in entry.phones),
    )


def _round(score: float) -> int:
    return int(score + 0.5)


def score_pair(traveller: Traveller, prepared: PreparedEntry) -> WatchlistMatch | None:
    """The match of a traveller with a listed entry, or ``None`` below the list's threshold."""
    entry = prepared.entry
    best, identifiers = _identifier_score(traveller, prepared)
    name = _name_match(traveller, prepared)
    score = _round(max(best, name.score))
    if score < prepared.threshold or score == 0:
        return None
    en = [e for e, _ in identifiers]
    zh = [z for _, z in identifiers]
    if name.pair is not None:
        name_en, name_zh = _name_reasons(traveller, entry, name)
        en.extend(name_en)
        zh.extend(name_zh)
    return WatchlistMatch(
        list_id=prepared.list_id,
        entry_id=entry.entry_id,
        kind=entry.kind,
        score=score,
        threshold=prepared.threshold,
        reasons_en=tuple(en),
        reasons_zh=tuple(zh),
    )


def _identifier_score(
    traveller: Traveller, prepared: PreparedEntry
) -> tuple[float, list[tuple[str, str]]]:
    """The score from identifiers alone (document, phone, e-mail, sponsor registration: 100, a
    phone differing only in its prefix 95) and the reasons, in English and Chinese."""
    entry = prepared.entry
    best = 0.0
    identifiers: list[tuple[str, str]] = []
    if entry.document_hash and traveller.document_hash == entry.document_hash:
        best = 100.0
        identifiers.append(
            ("same document number (compared as keyed hash)", "证件号码相同（按密钥散列比对）")
        )
    if traveller.phone and entry.phones:
        if traveller.phone in entry.phones:
            best = 100.0
            identifiers.append(("same phone number", "电话号码相同"))
        elif phone_key(traveller.phone) in prepared.phone_keys:
            best = max(best, 95.0)
            identifiers.append(
                (
                    "same phone number apart from the country or trunk prefix",
                    "电话号码相同（国家或长途前缀不同）",
                )
            )
    if traveller.email and traveller.email in entry.emails:
        best = 100.0
        identifiers.append(("same e-mail address", "电子邮箱相同"))
    if (
        traveller.sponsor_registration
        and traveller.sponsor_registration in entry.registration_numbers
    ):
        best = 100.0
        identifiers.append(("sponsor's registration number is listed", "担保方登记号在名单上"))
    return best, identifiers


class _NameMatch(NamedTuple):
    """How well the names agree: the score, the two forms compared (``None``: no match), and
    for a person the date-of-birth relation and whether the nationalities differ."""

    score: float = 0.0
    pair: tuple[NameForm, NameForm] | None = None
    relation: str = DOB_UNKNOWN
    nationality_differs: bool = False


def _name_match(traveller: Traveller, prepared: PreparedEntry) -> _NameMatch:
    """A person by name and date of birth (a different nationality costs points); an
    organisation by the traveller's sponsor's name."""
    entry = prepared.entry
    if entry.kind is EntryKind.PERSON and traveller.forms and prepared.forms:
        similarity, fa, fb = best_forms(traveller.forms, prepared.forms)
        relation = dob_relation(traveller.date_of_birth, entry.date_of_birth)
        if similarity >= NAME_FLOOR and relation != DOB_DIFFERENT and fa and fb:
            nationality_differs = bool(
                traveller.nationality
                and entry.nationality
                and traveller.nationality != entry.nationality
            )
            score = NAME_WEIGHT * similarity + (1 - NAME_WEIGHT) * DOB_POINTS[relation]
            score -= NATIONALITY_PENALTY if nationality_differs else 0.0
            return _NameMatch(score, (fa, fb), relation, nationality_differs)
        return _NameMatch(relation=relation)
    if entry.kind is EntryKind.ORGANISATION and traveller.sponsor_forms and prepared.forms:
        similarity, fa, fb = best_forms(traveller.sponsor_forms, prepared.forms)
        if similarity >= NAME_FLOOR and fa and fb:
            return _NameMatch(similarity, (fa, fb))
    return _NameMatch()


def _name_reasons(
    traveller: Traveller, entry: Entry, name: _NameMatch
) -> tuple[list[str], list[str]]:
    """Why the names match, and for a person what the dates of birth and nationalities say."""
    assert name.pair is not None
    en, zh = explain_names(*name.pair)
    if entry.kind is EntryKind.ORGANISATION:
        en[0] = "sponsor " + en[0]
        zh[0] = "担保方" + zh[0]
    if entry.kind is EntryKind.PERSON:
        en.append(DOB_REASONS[name.relation][0])
        zh.append(DOB_REASONS[name.relation][1])
        if name.nationality_differs:
            en.append(f"nationality differs ({traveller.nationality} and {entry.nationality})")
            zh.append(f"国籍不同（{traveller.nationality} 与 {entry.nationality}）")
    return en, zh
