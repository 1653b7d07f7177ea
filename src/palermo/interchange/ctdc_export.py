"""Palermo's own cases as a CTDC-layout dataset and as HTCDS fields, k-anonymised before release.

A case becomes one row of the CTDC Global Dataset's raw layout (the 63 variables of the 14 Apr
2020 release, ``-99`` for missing) and one row of HTCDS v2.0 field names (data-standards.md
§5.3 mapping). Only what Palermo knows is filled; every other CTDC variable is ``-99``:

======================  ==========================================  ==========================
CTDC                    from                                        HTCDS
======================  ==========================================  ==========================
yearOfRegistration      the year the case was opened                ``plm_YearOfRegistration``
Datasource              ``Case Management`` (in-person)             —
gender                  the screened record's sex: F Female,        ``prs_Gender``: Feminine,
                        M Male, X Unknown                           Masculine,
                                                                    NonSpecifiedUnknown
ageBroad                age on the day the case opened, CTDC bands  ``plm_AgeBand``
majorityStatus          Adult (18+) / Minor, from the same age      ``plm_MajorityStatus``
citizenship             the record's nationality (ISO alpha-2)      ``prs_Citizenship``
CountryOfExploitation   the destination of an exit or a visa        ``vic_LocationOfExploitation``
                        application (a proxy, as CTDC's own is);
                        missing on entry
isForcedLabour          the adult or child labour indicator set     ``vic_TypeOfExploitation``
isSexualExploit         the sexual exploitation set: 1 when its     ``ForcedLabour``,
                        outcome was possible or presumed victim,    ``SexualExploitation``
                        0 when assessed and insufficient            (``;``-separated)
—                       every exported case                         ``vic_TraffickingStatus``
                                                                    PossibleVictimOfTrafficking
======================  ==========================================  ==========================

A child in need of protection without a finding on trafficking (outcome ``child_at_risk``) is
not a victim record and is not exported, as CTDC holds identified or reported victims only.

The released variables (``QUASI_IDENTIFIERS``) go through :func:`palermo.privacy.kanon.
k_anonymise` together: every combination of every subset of them describes at least k cases
(k = 11 unless a reason is recorded), cells of smaller combinations become ``*``, rows still
too small are withheld. The HTCDS row is a function of the released CTDC row, so it is no finer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa

from palermo.interchange.ctdc import AGE_BANDS, RAW_COLUMNS
from palermo.privacy.kanon import DEFAULT_K, SUPPRESSED, KRelease, k_anonymise

MISSING: Final = "-99"
DATASOURCE: Final = "Case Management"
QUASI_IDENTIFIERS: Final = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    "isForcedLabour",
    "isSexualExploit",
)
HTCDS_COLUMNS: Final = (
    "plm_YearOfRegistration",
    "prs_Gender",
    "plm_AgeBand",
    "plm_MajorityStatus",
    "prs_Citizenship",
    "vic_LocationOfExploitation",
    "vic_TypeOfExploitation",
    "vic_TraffickingStatus",
)
GENDER: Final = {"F": "Female", "M": "Male", "X": "Unknown"}
HTCDS_GENDER: Final = {"Female": "Feminine", "Male": "Masculine", "Unknown": "NonSpecifiedUnknown"}
_BAND_FLOORS: Final = (0, 9, 18, 21, 24, 27, 30, 39, 48)
LABOUR_SETS: Final = frozenset({"ADL", "CHL"})
SEXUAL_SETS: Final = frozenset({"ADS", "CHS"})
POSITIVE: Final = frozenset({"possible_victim", "presumed_victim"})
NOT_A_VICTIM_RECORD: Final = "child_at_risk"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the export needs of one case (no name, no reference, no free text)."""

    opened: dt.date
    outcome: str
    sex: str | None = None
    date_of_birth: dt.date | None = None
    nationality: str | None = None
    event_kind: str | None = None
    destination: str | None = None
    assessed_sets: Mapping[str, str] | None = None  # indicator set code -> its outcome


def age_band(age: int) -> str:
    """CTDC's band for an age in years.

    >>> age_band(8), age_band(17), age_band(18), age_band(47), age_band(70)
    ('0--8', '9--17', '18--20', '39--47', '48+')
    """
    band = AGE_BANDS[0]
    for floor, name in zip(_BAND_FLOORS, AGE_BANDS, strict=True):
        if age >= floor:
            band = name
    return band


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _flag(sets: Mapping[str, str] | None, codes: frozenset[str]) -> str | None:
    assessed = [outcome for code, outcome in (sets or {}).items() if code in codes]
    if not assessed:
        return None
    return "1" if any(o in POSITIVE for o in assessed) else "0"


def ctdc_values(facts: CaseFacts) -> dict[str, str | None]:
    """The released CTDC variables of one case (``None``: missing)."""
    age = _age(facts.date_of_birth, facts.opened) if facts.date_of_birth else None
    exploited = facts.destination if facts.event_kind in {"exit", "visa_application"} else None
    return {
        "yearOfRegistration": str(facts.opened.year),
        "gender": GENDER.get(facts.sex or ""),
        "ageBroad": age_band(age) if age is not None and age >= 0 else None,
        "majorityStatus": None if age is None else ("Adult" if age >= 18 else "Minor"),
        "citizenship": facts.nationality or None,
        "CountryOfExploitation": exploited or None,
        "isForcedLabour": _flag(facts.assessed_sets, LABOUR_SETS),
        "isSexualExploit": _flag(facts.assessed_sets, SEXUAL_SETS),
    }


@dataclass(frozen=True, slots=True)
class CaseExport:
    release: KRelease
    cases_in: int
    not_victim_records: int
    ctdc_csv: bytes
    htcds_csv: bytes

    def metadata(self, *, source: Mapping[str, Any]) -> dict[str, Any]:
        s = self.release.suppression
        return {
            "kind": "k-anonymous case export (CTDC layout, HTCDS fields)",
            "metadata_version": 1,
            "unit": "case",
            "k": self.release.k,
            "k_below_default_reason": self.release.forced_reason,
            "quasi_identifiers": list(QUASI_IDENTIFIERS),
            "method": self.release.method,
            "suppressed_value": SUPPRESSED,
            "missing_value": {"ctdc": MISSING, "htcds": ""},
            "checked": {
                "marginals": self.release.marginals_checked,
                "smallest_combination": self.release.smallest_group,
            },
            "rows": {
                "released": s.rows_released,
                "withheld": s.rows_suppressed,
                "cells_suppressed": s.cells_suppressed,
            },
            "not_exported": "children in need of protection without a finding on trafficking",
            "mapping": "palermo.interchange.ctdc_export (CTDC 2020 raw layout; HTCDS v2.0)",
            "source": dict(source),
        }


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _ctdc_row(values: Mapping[str, str | None]) -> list[str]:
    row = dict.fromkeys(RAW_COLUMNS, MISSING) | {"Datasource": DATASOURCE}
    for name in QUASI_IDENTIFIERS:
        value = values[name]
        row[name] = MISSING if value is None else value
    return [row[name] for name in RAW_COLUMNS]


def _types(values: Mapping[str, str | None]) -> str:
    flags = (values["isForcedLabour"], values["isSexualExploit"])
    if SUPPRESSED in flags:
        return SUPPRESSED
    names = ("ForcedLabour", "SexualExploitation")
    return ";".join(name for name, flag in zip(names, flags, strict=True) if flag == "1")


def _htcds_row(values: Mapping[str, str | None]) -> list[str]:
    def plain(name: str) -> str:
        return values[name] or ""

    gender = values["gender"]
    return [
        plain("yearOfRegistration"),
        HTCDS_GENDER.get(gender, gender) if gender else "",
        plain("ageBroad"),
        plain("majorityStatus"),
        plain("citizenship"),
        plain("CountryOfExploitation"),
        _types(values),
        "PossibleVictimOfTrafficking",
    ]


def export_cases(
    cases: Sequence[CaseFacts], *, k: int = DEFAULT_K, force_reason: str | None = None
) -> CaseExport:
    """The cases as a k-anonymous CTDC-layout CSV and HTCDS-field CSV (same rows, same order).

    >>> facts = [CaseFacts(dt.date(2026, 3, 1), "presumed", sex="F")] * 11
    >>> out = export_cases(facts)
    >>> out.release.suppression.rows_released, out.htcds_csv.decode().splitlines()[1]
    (11, '2026,Feminine,,,,,,PossibleVictimOfTrafficking')
    """
    victims = [c for c in cases if c.outcome != NOT_A_VICTIM_RECORD]
    values = [ctdc_values(c) for c in victims]
    table = pa.table(
        {q: pa.array([v[q] for v in values], type=pa.string()) for q in QUASI_IDENTIFIERS}
    )
    release = k_anonymise(table, QUASI_IDENTIFIERS, k, force_reason=force_reason)
    released = release.table.to_pylist()
    return CaseExport(
        release=release,
        cases_in=len(cases),
        not_victim_records=len(cases) - len(victims),
        ctdc_csv=_csv(RAW_COLUMNS, [_ctdc_row(r) for r in released]),
        htcds_csv=_csv(HTCDS_COLUMNS, [_htcds_row(r) for r in released]),
    )
