"""The canonical traveller record: one event (entry, exit, visa application) of one traveller.

Every field is declared once, here, with its type, its domain, whether it is a protected or
demographic attribute (which a risk profile may never rely on alone) and whether it identifies
the person (which a risk profile may never use at all). Readers, the profile validator, both
profile compilers, the synthetic generator and the web forms all read this one table.

>>> FIELDS["nationality"].protected
True
>>> FIELDS["ticket_paid_by"].domain[:2]
('self', 'family')
>>> "age_at_travel" in DERIVED
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pycountry


class Kind(StrEnum):
    """The value type of a field, as profiles and readers see it."""

    STRING = "string"
    ENUM = "enum"
    COUNTRY = "country"
    COUNTRY_LIST = "country_list"
    DATE = "date"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"


ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.STRING: pa.string(),
    Kind.ENUM: pa.string(),
    Kind.COUNTRY: pa.string(),
    Kind.COUNTRY_LIST: pa.list_(pa.string()),
    Kind.DATE: pa.date32(),
    Kind.INT: pa.int64(),
    Kind.FLOAT: pa.float64(),
    Kind.BOOL: pa.bool_(),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of the traveller record.

    ``protected``: a demographic attribute (nationality, sex, age...). Allowed in a profile only
    beside at least one circumstance or behaviour criterion; kept for fairness monitoring.
    ``identifying``: names, contact points and document hashes. Never usable in a risk profile;
    used only for watchlist matching and for the case file.
    """

    name: str
    kind: Kind
    label_en: str
    label_zh: str
    domain: tuple[str, ...] = ()
    protected: bool = False
    identifying: bool = False
    required: bool = False
    derived: bool = False
    minimum: float | None = None
    maximum: float | None = None
    observation: str | None = field(default=None)  # BRD indicator id this observation evidences
    # a field that stands in for a protected attribute (origin for nationality): the rights
    # guard treats it as protected
    proxy_of: str | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.kind]


EVENT_KINDS = ("entry", "exit", "visa_application")
DOCUMENT_TYPES = ("passport", "id_card", "travel_document", "visa", "other")
SEXES = ("F", "M", "X")
TRIP_TYPES = ("one_way", "return")
PAYERS = ("self", "family", "employer", "recruitment_agency", "unknown_third_party", "unknown")
PURPOSES = (
    "tourism",
    "business",
    "work",
    "study",
    "family_visit",
    "marriage",
    "transit",
    "other",
)
VISA_TYPES = (
    "none",
    "visa_free",
    "tourist",
    "business",
    "work",
    "student",
    "family",
    "marriage",
    "transit",
    "other",
)
SPONSOR_KINDS = ("none", "employer", "recruitment_agency", "family", "individual", "institution")
JOB_SECTORS = (
    "none",
    "domestic_work",
    "construction",
    "agriculture",
    "fishing",
    "manufacturing",
    "entertainment",
    "hospitality",
    "care",
    "other",
)

COUNTRY_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)


def _f(name: str, kind: Kind, en: str, zh: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, kind=kind, label_en=en, label_zh=zh, **kw)


_INPUT_FIELDS: tuple[FieldSpec, ...] = (
    _f("record_id", Kind.STRING, "Record id", "记录编号", required=True, identifying=True),
    _f("event_kind", Kind.ENUM, "Event", "事件类型", domain=EVENT_KINDS, required=True),
    _f("port", Kind.STRING, "Port or post", "口岸或驻外机构", required=True),
    _f("event_date", Kind.DATE, "Event date", "事件日期", required=True),
    _f("document_type", Kind.ENUM, "Document type", "证件类型", domain=DOCUMENT_TYPES),
    _f(
        "document_issuing_state",
        Kind.COUNTRY,
        "Document issuing state",
        "证件签发国",
        protected=True,
        proxy_of="nationality",
    ),
    _f("document_issue_date", Kind.DATE, "Document issue date", "证件签发日期"),
    _f("document_expiry_date", Kind.DATE, "Document expiry date", "证件有效期至"),
    _f(
        "document_number_hash",
        Kind.STRING,
        "Document number (keyed hash)",
        "证件号码（密钥散列）",
        identifying=True,
    ),
    _f("surname", Kind.STRING, "Surname", "姓", identifying=True),
    _f("given_names", Kind.STRING, "Given names", "名", identifying=True),
    _f("name_native", Kind.STRING, "Name in native script", "本国文字姓名", identifying=True),
    _f("nationality", Kind.COUNTRY, "Nationality", "国籍", protected=True),
    _f("sex", Kind.ENUM, "Sex", "性别", domain=SEXES, protected=True),
    _f("date_of_birth", Kind.DATE, "Date of birth", "出生日期", protected=True),
    _f("origin", Kind.COUNTRY, "Origin", "出发地", proxy_of="nationality"),
    _f("destination", Kind.COUNTRY, "Destination", "目的地"),
    _f("transit", Kind.COUNTRY_LIST, "Transit points", "经停地"),
    _f("trip_type", Kind.ENUM, "One-way or return", "单程或往返", domain=TRIP_TYPES),
    _f("booking_date", Kind.DATE, "Booking date", "订票日期"),
    _f("ticket_paid_by", Kind.ENUM, "Ticket paid by", "机票付款方", domain=PAYERS),
    _f("group_booking_ref", Kind.STRING, "Group booking reference", "团体订票编号"),
    _f("group_size", Kind.INT, "Group size", "团体人数", minimum=1, maximum=1000),
    _f("declared_purpose", Kind.ENUM, "Declared purpose", "申报目的", domain=PURPOSES),
    _f("visa_type", Kind.ENUM, "Visa type", "签证类型", domain=VISA_TYPES),
    _f("sponsor_kind", Kind.ENUM, "Sponsor kind", "担保方类型", domain=SPONSOR_KINDS),
    _f("sponsor_name", Kind.STRING, "Sponsor, employer or agency", "担保方、雇主或中介"),
    _f(
        "sponsor_registration",
        Kind.STRING,
        "Sponsor registration number",
        "担保方登记号",
    ),
    _f("offered_job_sector", Kind.ENUM, "Offered job sector", "所提供工作行业", domain=JOB_SECTORS),
    _f(
        "declared_cash",
        Kind.FLOAT,
        "Declared cash (USD)",
        "申报现金（美元）",
        minimum=0,
        maximum=10_000_000,
    ),
    _f("contact_phone", Kind.STRING, "Contact phone", "联系电话", identifying=True),
    _f("contact_email", Kind.STRING, "Contact e-mail", "联系邮箱", identifying=True),
    # First-line officer observations (border indicators, ../shared/reference/indicators.md §3.2)
    _f(
        "obs_document_held_by_other",
        Kind.BOOL,
        "Documents held by someone else",
        "证件由他人保管",
        observation="BRD-01",
    ),
    _f(
        "obs_companion_answers",
        Kind.BOOL,
        "A companion answers for the traveller",
        "同行人代为回答",
        observation="BRD-02",
    ),
    _f(
        "obs_inconsistent_account",
        Kind.BOOL,
        "Inconsistent or rehearsed account",
        "陈述不一致或像背诵",
        observation="BRD-03",
    ),
    _f(
        "obs_vague_job_details",
        Kind.BOOL,
        "Does not know employer, address or job details",
        "不清楚雇主、地址或工作细节",
        observation="BRD-04",
    ),
    _f(
        "obs_booked_by_non_traveller",
        Kind.BOOL,
        "Ticket bought or checked in by someone not travelling",
        "机票由非同行人购买或值机",
        observation="BRD-06",
    ),
    _f(
        "obs_little_luggage",
        Kind.BOOL,
        "Little luggage or unsuitable clothing",
        "行李很少或衣着不合适",
        observation="BRD-07",
    ),
    _f(
        "obs_fearful",
        Kind.BOOL,
        "Fearful, anxious or submissive",
        "恐惧、焦虑或顺从",
        observation="BRD-08",
    ),
    _f(
        "obs_visible_injuries",
        Kind.BOOL,
        "Visible injuries or signs of abuse",
        "可见伤痕或受虐迹象",
        observation="BRD-09",
    ),
    _f(
        "obs_child_with_non_guardian",
        Kind.BOOL,
        "Child with an adult who is not a parent or guardian",
        "儿童由非父母或监护人陪同",
        observation="BRD-10",
    ),
    _f(
        "obs_suspect_document",
        Kind.BOOL,
        "Forged or fraudulent document suspected",
        "疑似伪造或欺诈证件",
        observation="BRD-11",
    ),
)

_DERIVED_FIELDS: tuple[FieldSpec, ...] = (
    _f(
        "age_at_travel",
        Kind.INT,
        "Age at travel (years)",
        "出行时年龄（岁）",
        derived=True,
        protected=True,
    ),
    _f(
        "is_minor",
        Kind.BOOL,
        "Under 18 at travel",
        "出行时未满18岁",
        derived=True,
        protected=True,
    ),
    _f(
        "days_booking_to_travel",
        Kind.INT,
        "Days from booking to travel",
        "订票至出行天数",
        derived=True,
    ),
    _f(
        "passport_age_days",
        Kind.INT,
        "Document age at travel (days)",
        "出行时证件已签发天数",
        derived=True,
    ),
    _f(
        "transit_count",
        Kind.INT,
        "Number of transit points",
        "经停次数",
        derived=True,
    ),
)

INPUT_FIELDS: dict[str, FieldSpec] = {f.name: f for f in _INPUT_FIELDS}
DERIVED: dict[str, FieldSpec] = {f.name: f for f in _DERIVED_FIELDS}
FIELDS: dict[str, FieldSpec] = {**INPUT_FIELDS, **DERIVED}

ARROW_SCHEMA = pa.schema([pa.field(f.name, f.arrow_type) for f in _INPUT_FIELDS])
FULL_ARROW_SCHEMA = pa.schema([pa.field(f.name, f.arrow_type) for f in FIELDS.values()])

#: The record fields watchlist matching reads (here, so that screening a file reads them
#: without importing any watchlist code).
WATCHLIST_FIELDS = (
    "record_id",
    "surname",
    "given_names",
    "name_native",
    "date_of_birth",
    "nationality",
    "document_number_hash",
    "sponsor_name",
    "sponsor_registration",
    "contact_phone",
    "contact_email",
)


def _years_between(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def derive(values: Mapping[str, Any]) -> dict[str, Any]:
    """The derived fields of one record, computed from its input fields.

    This is the single definition; the batch path (``derive_arrow``) is tested against it.

    >>> derive({"event_date": dt.date(2026, 3, 1), "date_of_birth": dt.date(2009, 3, 2),
    ...         "booking_date": dt.date(2026, 2, 27), "transit": ["TH", "MY"]})["age_at_travel"]
    16
    """
    event: dt.date | None = values.get("event_date")
    born: dt.date | None = values.get("date_of_birth")
    booked: dt.date | None = values.get("booking_date")
    issued: dt.date | None = values.get("document_issue_date")
    transit = values.get("transit")
    age = _years_between(born, event) if event and born else None
    return {
        "age_at_travel": age,
        "is_minor": (age < 18) if age is not None else None,
        "days_booking_to_travel": (event - booked).days if event and booked else None,
        "passport_age_days": (event - issued).days if event and issued else None,
        "transit_count": len(transit) if transit is not None else None,
    }


def with_derived(values: Mapping[str, Any]) -> dict[str, Any]:
    """All input fields (missing ones as None) plus the derived fields."""
    out = {name: values.get(name) for name in INPUT_FIELDS}
    out.update(derive(out))
    return out


def _arrow_age(table: pa.Table) -> Any:
    event = table.column("event_date")
    born = table.column("date_of_birth")
    # whole years: year difference minus one when the birthday has not come yet that year
    year_diff = pc.subtract(pc.year(event), pc.year(born))
    ev_md = pc.add(pc.multiply(pc.month(event), 100), pc.day(event))
    born_md = pc.add(pc.multiply(pc.month(born), 100), pc.day(born))
    age = pc.subtract(year_diff, pc.cast(pc.less(ev_md, born_md), pa.int64()))
    return pc.cast(age, pa.int64())


def _arrow_days(table: pa.Table, earlier: str) -> Any:
    return pc.cast(pc.days_between(table.column(earlier), table.column("event_date")), pa.int64())


_DERIVE_ARROW: dict[str, Any] = {
    "age_at_travel": _arrow_age,
    "is_minor": lambda t: pc.less(_arrow_age(t), 18),
    "days_booking_to_travel": lambda t: _arrow_days(t, "booking_date"),
    "passport_age_days": lambda t: _arrow_days(t, "document_issue_date"),
    "transit_count": lambda t: pc.cast(pc.list_value_length(t.column("transit")), pa.int64()),
}


def _derived_arrow_columns(table: pa.Table, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Only the derived columns ``names`` (age computed once if both age fields are asked)."""
    columns: dict[str, Any] = {}
    if "age_at_travel" in names or "is_minor" in names:
        age = _arrow_age(table)
        columns["age_at_travel"] = age
        columns["is_minor"] = pc.less(age, 18)
    for name in names:
        if name not in columns:
            columns[name] = _DERIVE_ARROW[name](table)
    return columns


def derive_arrow(table: pa.Table) -> pa.Table:
    """Append the derived columns to a table of canonical records (vectorised)."""
    columns = _derived_arrow_columns(table, tuple(_DERIVE_ARROW))
    for name in _DERIVE_ARROW:
        table = table.append_column(pa.field(name, DERIVED[name].arrow_type), columns[name])
    return table


def derive_arrow_fields(table: pa.Table, names: list[str] | tuple[str, ...]) -> pa.Table:
    """The derived fields ``names`` of a table (vectorised, as ``derive_arrow``, computing only
    those asked for); an input column the table lacks counts as missing, so its derived fields
    are null."""
    n = table.num_rows
    inputs = {
        name: table.column(name)
        if name in table.column_names
        else pa.nulls(n, FIELDS[name].arrow_type)
        for name in (
            "event_date",
            "date_of_birth",
            "booking_date",
            "document_issue_date",
            "transit",
        )
    }
    columns = _derived_arrow_columns(pa.table(inputs), names)
    return pa.table(
        [columns[name] for name in names],
        schema=pa.schema([pa.field(name, DERIVED[name].arrow_type) for name in names]),
    )
