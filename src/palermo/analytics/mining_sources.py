"""Identified cases from other people's data, as traveller records a miner can compare with
the traffic (issue 11 item 7): CTDC data sets and HTCDS case records.

Neither standard records a journey as a border sees it. What maps onto a traveller record:

============================  ===========================  ====================================
CTDC Global Dataset           HTCDS v2.0 case record       traveller record
============================  ===========================  ====================================
``citizenship``               ``prs_Citizenship`` (first)  ``nationality`` (protected)
``gender`` Female / Male      ``prs_Gender`` Feminine /    ``sex`` F / M (protected); other
                              Masculine                    values unrecorded
``ageBroad`` 0--8, 9--17      ``vic_AgeWhenTrafficked``    ``is_minor`` (protected); HTCDS also
                                                           ``age_at_travel``
``CountryOfExploitation``     ``vic_LocationOfExploitation``  ``destination``, unless it is the
                                                           citizenship (trafficking within one
                                                           country crosses no border)
============================  ===========================  ====================================

So the only circumstance these sources carry is the destination; the protected attributes can
only narrow it, and the rights guard refuses any candidate that stands on them alone. Every
other column (exploitation type, means of control, industry) describes what happened after the
journey, not what an officer can see at it, and is not used.

CTDC terms of use (../shared/data/README.md): every table or document built from CTDC data
carries ``Source: Counter-Trafficking Data Collaborative (CTDC)`` (``CTDC_SOURCE``), and a
sample of the release is not k-anonymous, so a combination needs at least ``CTDC_MIN_CASES``
(the release's k = 11) cases before it is shown.

>>> from palermo.interchange.ctdc import read_ctdc_text
>>> ctdc = read_ctdc_text(
...     "yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit,"
...     "CountryOfExploitation\\n2016,Female,9--17,VN,,1.0,TH\\n2017,Male,30--38,TH,1.0,,TH\\n")
>>> [(r["nationality"], r["sex"], r["is_minor"], r["destination"])
...  for r in cases_from_ctdc(ctdc).to_pylist()]
[('VN', 'F', True, 'TH'), ('TH', 'M', False, None)]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

import pyarrow as pa

from palermo.errors import InputError, Location, Problem
from palermo.interchange.ctdc import ATTRIBUTION, ATTRIBUTION_ZH, country_codes
from palermo.records.limits import Limits
from palermo.records.schema import FULL_ARROW_SCHEMA

CTDC_MIN_CASES: Final = 11
CTDC_SOURCE: Final = (
    f"Cases: CTDC data. {ATTRIBUTION}",
    f"个案：CTDC 数据。{ATTRIBUTION_ZH}",
)
HTCDS_SOURCE: Final = ("Cases: HTCDS case records.", "个案：HTCDS 个案记录。")
OWN_SOURCE: Final = (
    "Cases: this installation's cases with a positive identification decision.",
    "个案：本系统中身份识别决定为肯定的个案。",
)
HTCDS_LIMITS: Final = Limits(max_bytes=64 * 1024 * 1024, max_rows=500_000)
MAX_PROBLEMS: Final = 200

_CTDC_SEX: Final = {"Female": "F", "Male": "M"}
_HTCDS_SEX: Final = {"Feminine": "F", "Masculine": "M"}
_HTCDS_VICTIM: Final = frozenset({"PossibleVictimOfTrafficking", "ActualVictimOfTrafficking"})
_HTCDS_STATUSES: Final = (*sorted(_HTCDS_VICTIM), "NotAVictimOfTrafficking")
_MINOR_BANDS: Final = frozenset({"0--8", "9--17"})
#: HTCDS has no registration year; the day a case reached the organisation reporting it is the
#: nearest to CTDC's ``yearOfRegistration``, so the years of a period are read from it
HTCDS_DATE: Final = "cas_IncomingReferralDate"
HTCDS_COLUMNS: Final = (
    "vic_TraffickingStatus",
    "prs_Gender",
    "prs_Citizenship",
    "vic_AgeWhenTrafficked",
    "vic_LocationOfExploitation",
    HTCDS_DATE,
)


def _records(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=FULL_ARROW_SCHEMA)


def _destination(exploited: str | None, citizenship: str | None) -> str | None:
    return None if exploited is None or exploited == citizenship else exploited


def cases_from_ctdc(
    table: pa.Table, *, since_year: int | None = None, until_year: int | None = None
) -> pa.Table:
    """CTDC rows (``interchange.ctdc``, either layout) registered in the years given, as
    traveller records (see the module's table)."""
    rows = []
    for row in table.to_pylist():
        if not _in_years(row.get("yearOfRegistration"), since_year, until_year):
            continue
        citizenship = row.get("citizenship")
        band = row.get("ageBroad")
        rows.append(
            {
                "nationality": citizenship,
                "sex": _CTDC_SEX.get(row.get("gender") or ""),
                "is_minor": None if band is None else band in _MINOR_BANDS,
                "destination": _destination(row.get("CountryOfExploitation"), citizenship),
            }
        )
    return _records(rows)


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Problem] = []
        self.total = 0

    def add(self, row: int, field: str | None, value: object, en: str, zh: str) -> None:
        self.total += 1
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(
                Problem(
                    at=Location.row(self.source, row),
                    field=field,
                    value=value,
                    rule=en,
                    rule_zh=zh,
                    line=row + 1,
                )
            )


def _refused(where: str, en: str, zh: str, **more: Any) -> InputError:
    return InputError([Problem(where=where, rule=en, rule_zh=zh, **more)])


def _at_row(source: str, row: int) -> dict[str, Any]:
    return {"at": Location.row(source, row), "line": row}


def _htcds_country(cell: str, row: int, field: str, found: _Problems) -> str | None:
    if cell == "":
        return None
    if cell not in country_codes():
        found.add(row, field, cell, "must be an ISO 3166-1 alpha-2 country code",
                  "必须是 ISO 3166-1 两位字母国家代码")  # fmt: skip
        return None
    return cell


def _htcds_row(row: int, cells: Mapping[str, Any], found: _Problems) -> dict[str, Any] | None:
    """One HTCDS case as a traveller record; ``None`` when it is not a (possible) victim."""
    text = {k: str(cells.get(k) if cells.get(k) is not None else "").strip() for k in HTCDS_COLUMNS}
    status = text["vic_TraffickingStatus"]
    if status not in _HTCDS_STATUSES:
        found.add(row, "vic_TraffickingStatus", status,
                  f"must be one of {', '.join(_HTCDS_STATUSES)}",
                  f"必须是以下之一：{'、'.join(_HTCDS_STATUSES)}")  # fmt: skip
        return None
    citizenship = None
    first = text["prs_Citizenship"].replace(",", ";").split(";")[0].strip()
    citizenship = _htcds_country(first, row, "prs_Citizenship", found)
    age: int | None = None
    if text["vic_AgeWhenTrafficked"]:
        cell = text["vic_AgeWhenTrafficked"]
        if cell.isascii() and cell.isdigit() and int(cell) <= 120:
            age = int(cell)
        else:
            found.add(row, "vic_AgeWhenTrafficked", cell, "must be whole years from 0 to 120",
                      "必须是 0 至 120 的整岁数")  # fmt: skip
    exploited = _htcds_country(
        text["vic_LocationOfExploitation"], row, "vic_LocationOfExploitation", found
    )
    year = _htcds_year(text[HTCDS_DATE], row, found)
    if status not in _HTCDS_VICTIM:
        return None
    return {
        "_year": year,
        "nationality": citizenship,
        "sex": _HTCDS_SEX.get(text["prs_Gender"]),
        "age_at_travel": age,
        "is_minor": None if age is None else age < 18,
        "destination": _destination(exploited, citizenship),
    }


def _htcds_year(cell: str, row: int, found: _Problems) -> int | None:
    """The year of an HTCDS date (``YYYY-MM-DD``, a time after it allowed), or ``None``."""
    if cell == "":
        return None
    try:
        return dt.date.fromisoformat(cell[:10]).year
    except ValueError:
        found.add(row, HTCDS_DATE, cell, "must be a date written YYYY-MM-DD",
                  "必须是 YYYY-MM-DD 格式的日期")  # fmt: skip
        return None


def _in_years(year: int | None, since_year: int | None, until_year: int | None) -> bool:
    if since_year is not None and (year is None or year < since_year):
        return False
    return not (until_year is not None and (year is None or year > until_year))


def _htcds_rows(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    stripped = text.lstrip("\ufeff")
    if stripped.lstrip().startswith("{"):
        for i, line in enumerate(stripped.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    [
                        Problem(
                            rule=f"is not a JSON object: {exc.msg}",
                            rule_zh=f"不是 JSON 对象：{exc.msg}",
                            **_at_row(source, i),
                        )
                    ]
                ) from None
            if not isinstance(value, dict):
                raise InputError(
                    [
                        Problem(
                            rule="is not a JSON object",
                            rule_zh="不是 JSON 对象",
                            **_at_row(source, i),
                        )
                    ]
                )
            yield i, value
        return
    reader = csv.DictReader(io.StringIO(stripped, newline=""))
    header = reader.fieldnames or []
    if "vic_TraffickingStatus" not in header:
        raise _refused(
            f"{source} header",
            "an HTCDS case file needs the column vic_TraffickingStatus (possible or actual "
            "victims are the cases mined)",
            "HTCDS 个案文件须有 vic_TraffickingStatus 列（挖掘的是可能或实际的受害人）",
            where_zh=f"{source} 表头",
            field="vic_TraffickingStatus",
            line=1,
        )
    for i, cells in enumerate(reader, start=1):
        yield i, cells


def cases_from_htcds(
    data: bytes,
    source: str,
    limits: Limits = HTCDS_LIMITS,
    *,
    since_year: int | None = None,
    until_year: int | None = None,
) -> pa.Table:
    """HTCDS case records (CSV with HTCDS field names as the header, or JSON Lines of objects
    with those names) as traveller records: the possible and actual victims whose
    ``cas_IncomingReferralDate`` falls in the years given (as CTDC's year of registration: a
    case without the date is left out when a year is given), the others left out. Every
    problem is named by row and field; nothing is returned then. Years given and no case with
    a date: refused, saying so (never an empty result that looks like no cases)."""
    if limits.max_bytes is not None and len(data) > limits.max_bytes:
        raise _refused(
            source, f"is larger than {limits.max_bytes} bytes", f"大于 {limits.max_bytes} 字节"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refused(
            source,
            f"is not UTF-8 text (byte {exc.start})",
            f"不是 UTF-8 文本（第 {exc.start} 字节）",
        ) from None
    found = _Problems(source)
    rows: list[dict[str, Any]] = []
    try:
        for i, cells in _htcds_rows(text, source):
            if limits.max_rows is not None and i > limits.max_rows:
                raise _refused(
                    source, f"has more than {limits.max_rows} rows", f"超过 {limits.max_rows} 行"
                )
            record = _htcds_row(i, cells, found)
            if record is not None:
                rows.append(record)
    except csv.Error as exc:
        raise _refused(source, f"is not CSV: {exc}", f"不是 CSV 格式：{exc}") from None
    if found.total:
        raise InputError(found.found, total=found.total)
    if (since_year is not None or until_year is not None) and rows:
        if all(r["_year"] is None for r in rows):
            raise _refused(
                source,
                f"no case has {HTCDS_DATE}, so none can be placed in the period's years: "
                "give each case its date (YYYY-MM-DD), or give no period",
                f"没有个案填写 {HTCDS_DATE}，无法判断是否在所选期间的年份内："
                "请填写每个个案的日期（YYYY-MM-DD），或不指定期间",
                field=HTCDS_DATE,
            )
        rows = [r for r in rows if _in_years(r["_year"], since_year, until_year)]
    return _records([{k: v for k, v in r.items() if k != "_year"} for r in rows])


__all__ = [
    "CTDC_MIN_CASES",
    "CTDC_SOURCE",
    "HTCDS_SOURCE",
    "OWN_SOURCE",
    "cases_from_ctdc",
    "cases_from_htcds",
]
