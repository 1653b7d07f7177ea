"""The CTDC Global Dataset as published and passed around, read into one analysis table.

Two layouts are recognised from the header alone (anything else is refused, naming the
columns): the raw release (63 variables, ``-99`` for missing, optionally preceded by the
terms-of-use column, whose cell is empty on every data row) and the 7-column extract (blank for
missing, flags ``1.0``/``0.0``/blank, country ``0`` for unknown). Every cell is read as text
by the standard-library ``csv`` module, so ``NA`` stays Namibia. Every value is checked; a file
with any problem yields an ``InputError`` naming each one by row and column, and nothing else.

>>> table = read_ctdc_text(
...     "yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit,"
...     "CountryOfExploitation\\n2016,Female,9--17,NA,,1.0,0\\n", "x.csv")
>>> table.to_pylist()
[{'yearOfRegistration': 2016, 'gender': 'Female', 'ageBroad': '9--17', 'citizenship': 'NA', \
'isForcedLabour': None, 'isSexualExploit': True, 'CountryOfExploitation': None}]
>>> layout_of(table)
'extract-7'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa
import pycountry

from palermo.errors import InputError, Location, Problem, Rule
from palermo.records.limits import Limits, check_before_reading, rows_refused

ATTRIBUTION = "Source: Counter-Trafficking Data Collaborative (CTDC)"
ATTRIBUTION_ZH = "来源：反人口贩运数据协作组织（CTDC）"
TERMS_PREFIX = "By using this data you agree to the Terms of Use"

#: a file of the 14 Apr 2020 release has 48,801 rows; later k-anonymised files about 87,000
DEFAULT_LIMITS = Limits(max_bytes=256 * 1024 * 1024, max_rows=2_000_000)
#: problems kept in full (the total is still counted): a person fixes the first ones first
MAX_PROBLEMS = 1000

AGE_BANDS = ("0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+")
GENDERS = ("Female", "Male", "Transgender/NonConforming", "Unknown")
MAJORITY = ("Adult", "Minor", "Unknown")
DATASOURCES = ("Case Management", "Hotline")
FIRST_YEAR = 2000  # CTDC data start with registrations of 2002

MEANS_OF_CONTROL = tuple(
    "meansOfControl" + name
    for name in (
        "DebtBondage", "TakesEarnings", "RestrictsFinancialAccess", "Threats",
        "PsychologicalAbuse", "PhysicalAbuse", "SexualAbuse", "FalsePromises",
        "PsychoactiveSubstances", "RestrictsMovement", "RestrictsMedicalCare",
        "ExcessiveWorkingHours", "UsesChildren", "ThreatOfLawEnforcement",
        "WithholdsNecessities", "WithholdsDocuments", "Other", "NotSpecified",
    )
)  # fmt: skip
EXPLOITATION_TYPES = (
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
)
LABOUR_TYPES = tuple(
    "typeOfLabour" + name
    for name in (
        "Agriculture", "Aquafarming", "Begging", "Construction", "DomesticWork", "Hospitality",
        "IllicitActivities", "Manufacturing", "MiningOrDrilling", "Peddling", "Transportation",
        "Other", "NotSpecified",
    )
)  # fmt: skip
SEX_TYPES = tuple(
    "typeOfSex" + name
    for name in [
        "Prostitution",
        "Pornography",
        "RemoteInteractiveServices",
        "PrivateSexualServices",
    ]
)
RECRUITER_RELATIONS = tuple(
    "recruiterRelation" + name
    for name in ["IntimatePartner", "Friend", "Family", "Other", "Unknown"]
)

RAW_COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    *MEANS_OF_CONTROL,
    "meansOfControlConcatenated",
    *EXPLOITATION_TYPES,
    "typeOfExploitConcatenated",
    *LABOUR_TYPES,
    "typeOfLabourConcatenated",
    *SEX_TYPES,
    "typeOfSexConcatenated",
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    *RECRUITER_RELATIONS,
)
EXTRACT_COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "isForcedLabour",
    "isSexualExploit",
    "CountryOfExploitation",
)
FLAGS = frozenset(
    (*MEANS_OF_CONTROL, *EXPLOITATION_TYPES, *LABOUR_TYPES, *SEX_TYPES, "isAbduction")
) | frozenset(RECRUITER_RELATIONS)
COUNTRIES = ("citizenship", "CountryOfExploitation")
#: cells that mean "not recorded" in one layout or another (data-standards.md §3)
MISSING = frozenset({"", "-99", "-"})
#: country codes that mean unknown or suppressed: ``00`` in the dictionary, ``0`` after a
#: numeric round trip, ``ZZ`` in codebook v6
UNKNOWN_COUNTRY = frozenset({"0", "00", "ZZ"})
TRUE, FALSE = frozenset({"1", "1.0"}), frozenset({"0", "0.0"})


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    columns: tuple[str, ...]
    terms_column: bool


RAW = Layout("raw-63", RAW_COLUMNS, terms_column=False)
RAW_WITH_TERMS = Layout("raw-63-with-terms", RAW_COLUMNS, terms_column=True)
EXTRACT = Layout("extract-7", EXTRACT_COLUMNS, terms_column=False)


def _header_name(cell: str) -> str:
    """A header cell as a variable name; older copies cut names to 32 characters."""
    cell = cell.strip()
    if len(cell) == 32 and cell not in RAW_COLUMNS:
        for name in RAW_COLUMNS:
            if name.startswith(cell):
                return name
    return cell


def detect_layout(header: list[str], source: str) -> Layout:
    """The layout a header belongs to, or an ``InputError`` naming what does not fit."""
    cells = [_header_name(c) for c in header]
    terms = bool(cells) and cells[0].startswith(TERMS_PREFIX)
    names = tuple(cells[1:] if terms else cells)
    if names == RAW_COLUMNS:
        return RAW_WITH_TERMS if terms else RAW
    if names == EXTRACT_COLUMNS and not terms:
        return EXTRACT
    nearest = RAW_COLUMNS if terms or len(names) > len(EXTRACT_COLUMNS) else EXTRACT_COLUMNS
    unknown = [n for n in names if n not in nearest]
    absent = [n for n in nearest if n not in names]
    detail = "; ".join(
        [
            *([f"unknown column(s): {', '.join(unknown)}"] if unknown else []),
            *([f"missing column(s): {', '.join(absent)}"] if absent else []),
            *([] if unknown or absent else ["the columns are out of order"]),
        ]
    )
    raise InputError(
        [
            Problem(
                where=f"{source} header",
                where_zh=f"{source} 表头",
                rule=f"not a CTDC Global Dataset layout (raw 63 variables or 7-column extract): "
                f"{detail}",
                rule_zh=f"不是 CTDC 全球数据集的格式（原始 63 个变量或 7 列摘录）：{detail}",
                line=1,
            )
        ]
    )


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, current and withdrawn, and Kosovo's user-assigned ``XK``."""
    current = {c.alpha_2 for c in pycountry.countries}
    withdrawn = {getattr(c, "alpha_2", "") for c in pycountry.historic_countries}
    return frozenset(current | withdrawn | {"XK"}) - {""}


# A check turns one present (not missing) cell into its value, or raises the rule broken.
class _BadValueError(Exception):
    def __init__(self, rule: Rule) -> None:
        self.rule = rule


def _year(cell: str) -> int:
    last = dt.datetime.now(dt.UTC).year
    if not (cell.isascii() and cell.isdigit()) or not FIRST_YEAR <= int(cell) <= last:
        raise _BadValueError(
            Rule(
                f"must be a year of registration from {FIRST_YEAR} to {last}",
                f"必须是 {FIRST_YEAR} 至 {last} 年之间的登记年份",
            )
        )
    return int(cell)


def _one_of(values: Iterable[str], *, fold: bool = False) -> Callable[[str], str]:
    allowed = {(v.casefold() if fold else v): v for v in values}
    listed = ", ".join(allowed.values())

    def check(cell: str) -> str:
        found = allowed.get(cell.casefold() if fold else cell)
        if found is None:
            raise _BadValueError(Rule(f"must be one of {listed}", f"必须是以下之一：{listed}"))
        return found

    return check


_age_band = _one_of(AGE_BANDS)


def _age(cell: str) -> str:
    # one processed copy writes 09--17 (data-standards.md §3)
    return _age_band("9--17" if cell == "09--17" else cell)


def _majority_entry(cell: str) -> str:
    # the dictionary says an age band, the codebook Adult/Minor: accept either (§2.2)
    return _one_of((*MAJORITY, *AGE_BANDS))(cell)


def _flag(cell: str) -> bool:
    if cell in TRUE:
        return True
    if cell in FALSE:
        return False
    raise _BadValueError(
        Rule("must be 1 (yes), 0 (no) or missing", "必须是 1（是）、0（否）或缺失")
    )


def _country(cell: str) -> str | None:
    if cell in UNKNOWN_COUNTRY:
        return None
    if cell not in country_codes():
        raise _BadValueError(
            Rule(
                "must be an ISO 3166-1 alpha-2 country code, or 0 for unknown",
                "必须是 ISO 3166-1 两位字母国家代码，未知时为 0",
            )
        )
    return cell


def _text(cell: str) -> str:
    return cell


_CHECKS: dict[str, Callable[[str], object]] = {
    "yearOfRegistration": _year,
    "Datasource": _one_of(DATASOURCES, fold=True),
    "gender": _one_of(GENDERS),
    "ageBroad": _age,
    "majorityStatus": _one_of(MAJORITY),
    "majorityStatusAtExploit": _one_of(MAJORITY),
    "majorityEntry": _majority_entry,
    **dict.fromkeys(COUNTRIES, _country),
    **dict.fromkeys(FLAGS, _flag),
}


def column_type(name: str) -> pa.DataType:
    if name == "yearOfRegistration":
        return pa.int16()
    return pa.bool_() if name in FLAGS else pa.string()


def schema_of(layout: Layout) -> pa.Schema:
    return pa.schema(
        [pa.field(name, column_type(name)) for name in layout.columns],
        metadata={"palermo.ctdc.layout": layout.name, "attribution": ATTRIBUTION},
    )


def layout_of(table: pa.Table) -> str:
    """The layout an analysis table was read from (``raw-63``, ``extract-7``...)."""
    meta = table.schema.metadata or {}
    layout: bytes = meta.get(b"palermo.ctdc.layout", b"")
    return layout.decode()


class _Collector:
    """Problems of one file, the first ``MAX_PROBLEMS`` kept and all of them counted."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, row: int, rule: Rule, field: str | None = None, value: object = None) -> None:
        self.total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                Problem(
                    at=Location.row(self.source, row),
                    field=field,
                    value=value,
                    rule=rule.en,
                    rule_zh=rule.zh,
                    line=row + 1,
                )
            )

    def raise_if_any(self) -> None:
        if self.total:
            raise InputError(self.problems, total=self.total)


def _read_row(
    cells: list[str], row: int, layout: Layout, columns: list[list[object]], found: _Collector
) -> None:
    width = len(layout.columns) + layout.terms_column
    if len(cells) != width:
        found.add(
            row,
            Rule(
                f"has {len(cells)} fields, the header {width}",
                f"有 {len(cells)} 个字段，表头为 {width} 个",
            ),
        )
        return
    for i, (name, cell) in enumerate(
        zip(layout.columns, cells[layout.terms_column :], strict=True)
    ):
        value = cell.strip()
        if value in MISSING:
            columns[i].append(None)
            continue
        check = _CHECKS.get(name, _text)
        try:
            columns[i].append(check(value))
        except _BadValueError as bad:
            found.add(row, bad.rule, field=name, value=value)
            columns[i].append(None)


def read_ctdc_lines(lines: Iterator[str], source: str, limits: Limits = DEFAULT_LIMITS) -> pa.Table:
    """Read CTDC CSV text (an iterator of lines) into the analysis table, or raise."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise InputError(
            [Problem(where=source, rule="the file is empty", rule_zh="文件为空", line=1)]
        )
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    layout = detect_layout(header, source)
    columns: list[list[object]] = [[] for _ in layout.columns]
    found = _Collector(source)
    for row, cells in enumerate(reader, start=1):
        if limits.max_rows is not None and row > limits.max_rows:
            raise rows_refused(source, limits)
        if not cells:  # a blank line (at the end of a file, usually) holds no record
            found.add(row, Rule("is blank", "为空行"))
            continue
        _read_row(cells, row, layout, columns, found)
    found.raise_if_any()
    schema = schema_of(layout)
    return pa.Table.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def read_ctdc_text(text: str, source: str = "<text>") -> pa.Table:
    return read_ctdc_lines(iter(io.StringIO(text, newline="")), source)


def read_ctdc(path: Path, limits: Limits = DEFAULT_LIMITS) -> pa.Table:
    """Read a CTDC file into the analysis table; refuse it whole if anything is wrong."""
    source = str(path)
    try:
        check_before_reading(path, "csv", limits)
        with path.open(encoding="utf-8", newline="") as f:
            return read_ctdc_lines(f, source, limits)
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                Problem(
                    where=source,
                    rule=f"is not UTF-8 text (byte {exc.start})",
                    rule_zh=f"不是 UTF-8 文本（第 {exc.start} 字节）",
                )
            ]
        ) from None
    except csv.Error as exc:
        raise InputError(
            [Problem(where=source, rule=f"is not CSV: {exc}", rule_zh=f"不是 CSV 格式：{exc}")]
        ) from None
