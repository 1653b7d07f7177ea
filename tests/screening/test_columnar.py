"""The columnar path (``screening.columnar``) gives exactly the real-time Screener's hits: random
profiles (every operator, all/any/not, the transit list) and random records (missing values and
NaN included), on one thread and on two, with categorical columns plain or dictionary-encoded
(a dictionary per chunk, a null among a dictionary's values)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import test_engines_agree as agree  # the random records and profile sets of the engine tests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.ast import AllOf, AnyOf, Comparison, Node, Profile, Text
from palermo.profiles.profile_set import ProfileSet, screening_criteria
from palermo.records.schema import derive
from palermo.screening import batch, columnar, screen_table
from palermo.screening.batch import SQL_PLANS
from palermo.screening.columnar import choose

CATEGORICAL = ("event_kind", "trip_type", "ticket_paid_by", "nationality", "destination")


@pytest.fixture
def two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "THREADS_FROM_ROWS", 2)


@st.composite
def profile_sets_with_a_term(draw: st.DrawFn) -> ProfileSet:
    """Random profile sets in which every profile has a term on one field (an ``all`` with a
    comparison beside the random tree), so that the columnar path screens them."""
    drawn = draw(agree.profile_sets())
    profiles: list[Profile] = []
    for p in drawn.profiles:
        term: Node = draw(agree.comparisons())
        criteria = AllOf((term, p.criteria)) if draw(st.booleans()) else p.criteria
        profiles.append(p.__class__(**{**_fields(p), "criteria": criteria}))
    return ProfileSet.of(profiles, agree.LISTS.values())


def _fields(p: Profile) -> dict[str, Any]:
    return {name: getattr(p, name) for name in p.__dataclass_fields__}


def encoded(table: pa.Table, chunks: int) -> pa.Table:
    """The categorical columns dictionary-encoded, each chunk with its own dictionary."""
    for name in CATEGORICAL:
        parts = [
            table.column(name).slice(start, max(1, table.num_rows // chunks)).combine_chunks()
            for start in range(0, table.num_rows, max(1, table.num_rows // chunks))
        ]
        column = pa.chunked_array(
            [part.dictionary_encode() for part in parts], pa.dictionary(pa.int32(), pa.string())
        )
        table = table.set_column(table.schema.get_field_index(name), name, column)
    return table


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(agree.records, min_size=1, max_size=30),
    profile_set=profile_sets_with_a_term(),
    chunks=st.integers(min_value=1, max_value=3),
)
def test_the_columnar_path_gives_the_real_time_hits(
    two_threads: None, rows: list[dict[str, Any]], profile_set: ProfileSet, chunks: int
) -> None:
    SQL_PLANS.clear()  # the plan is measured on this table
    table = agree.as_table(rows)
    expected = agree.realtime_hits(table, profile_set).to_pylist()
    assert screen_table(table, profile_set, on=agree.TODAY, batch_rows=7).to_pylist() == expected
    SQL_PLANS.clear()
    assert screen_table(encoded(table, chunks), profile_set, on=agree.TODAY).to_pylist() == expected


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(agree.records, min_size=1, max_size=30), profile_set=agree.profile_sets())
def test_the_columnar_path_and_the_duckdb_queries_give_the_same_hits(
    monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, Any]], profile_set: ProfileSet
) -> None:
    table = agree.as_table(rows)
    SQL_PLANS.clear()
    columnar_hits = screen_table(table, profile_set, on=agree.TODAY)
    monkeypatch.setattr(batch, "COLUMNAR", False)
    SQL_PLANS.clear()
    assert screen_table(table, profile_set, on=agree.TODAY).equals(columnar_hits)


def test_a_null_among_a_dictionarys_values_is_a_missing_value() -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    rows = [
        {"event_kind": "entry", "obs_visible_injuries": True, "declared_cash": 10.0},
        {"event_kind": "exit", "trip_type": "one_way", "ticket_paid_by": "employer"},
        {"event_kind": "entry", "obs_fearful": True, "obs_suspect_document": True},
    ]
    table = agree.as_table(rows)
    kinds = pa.DictionaryArray.from_arrays(
        pa.array([0, 1, 2], pa.int32()), pa.array(["entry", "exit", None])
    )
    with_null = table.set_column(table.schema.get_field_index("event_kind"), "event_kind", kinds)
    plain = table.set_column(
        table.schema.get_field_index("event_kind"), "event_kind", pa.array(["entry", "exit", None])
    )
    SQL_PLANS.clear()
    expected = agree.realtime_hits(plain, profile_set).to_pylist()
    assert screen_table(with_null, profile_set, on=agree.TODAY).to_pylist() == expected
    assert expected


def test_a_profile_without_a_term_on_one_field_is_screened_by_the_duckdb_queries() -> None:
    either = AnyOf((Comparison("obs_fearful", "eq", True), Comparison("group_size", "ge", 5)))
    sample = pa.table({"record_id": ["a", "b"], "obs_fearful": [True, False], "group_size": [1, 9]})
    assert choose([either], {}, sample) is None
    both = AllOf((Comparison("obs_fearful", "eq", True), either))
    plan = choose([both], {}, sample)
    assert plan is not None
    assert plan.candidates(sample).tolist() == [0]


def test_profiles_are_screened_first_on_their_most_selective_field() -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    tree = screening_criteria(profile_set.profiles[0])
    sample = agree.as_table([{"event_kind": "entry", "record_id": "r"}] * 5)
    plan = choose([tree], profile_set.lists, sample)
    assert plan is not None
    assert plan.groups[0].field != "event_kind"  # every record is an entry: the least selective


def test_every_declared_operator_is_decided_by_the_codes_or_left_to_the_duckdb_queries() -> None:
    """A new operator is not screened on codes until it is added to ``CODED_OPERATORS``."""
    from palermo.profiles.operators import OPERATORS

    assert set(OPERATORS) >= columnar.CODED_OPERATORS
    sample = pa.table({"record_id": ["a"], "obs_fearful": [True]})
    unknown = AllOf((Comparison("obs_fearful", "eq", True), Comparison("obs_fearful", "new", 1)))
    assert choose([unknown], {}, sample) is None


# ---------------------------------------------------------------- ages and days from two dates

AGES = (0, 1, 17, 18, 19, 21, 65, 100)  # the ages the profiles of these tests name
LEAP_BIRTHS = [dt.date(y, 2, 29) for y in (1904, 1960, 1996, 2000, 2008, 2012)]
BIRTHS = st.one_of(
    st.sampled_from(LEAP_BIRTHS),
    st.sampled_from([dt.date(2000, 2, 28), dt.date(2000, 3, 1), dt.date(1999, 12, 31)]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)),
)


@st.composite
def birth_and_travel(draw: st.DrawFn) -> tuple[dt.date | None, dt.date | None]:
    """A birth and a travel date on or about a birthday (a 29 February birth travelling on 28
    February or 1 March of a common year, or on 29 February of a leap year), or any two dates;
    either may be missing."""
    born = draw(BIRTHS)
    years = draw(
        st.one_of(  # mostly an age a profile names, or one beside it
            st.sampled_from([age + d for age in AGES for d in (-1, 0, 1)]),
            st.integers(min_value=-3, max_value=110),
        )
    )
    year = min(max(born.year + years, 1), 9999)
    day = born.day if calendar.isleap(year) or (born.month, born.day) != (2, 29) else 28
    birthday = dt.date(year, born.month, day)
    shift = draw(st.sampled_from([-366, -365, -2, -1, 0, 1, 2, 365]))
    travel = birthday + dt.timedelta(days=shift) if dt.date(1, 1, 2) < birthday else birthday
    if draw(st.integers(0, 9)) == 0:
        travel = draw(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
    return (
        None if draw(st.integers(0, 12)) == 0 else born,
        None if draw(st.integers(0, 12)) == 0 else travel,
    )


def _dates_table(pairs: list[tuple[dt.date | None, dt.date | None]]) -> pa.Table:
    return pa.table(
        {
            "record_id": [f"r{i}" for i in range(len(pairs))],
            "event_kind": ["entry"] * len(pairs),
            "date_of_birth": pa.array([b for b, _ in pairs], pa.date32()),
            "event_date": pa.array([t for _, t in pairs], pa.date32()),
            "booking_date": pa.array([b for b, _ in pairs], pa.date32()),
        }
    )


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(birth_and_travel(), min_size=1, max_size=40), far=st.booleans())
def test_ages_and_days_from_dates_are_those_of_derive(
    pairs: list[tuple[dt.date | None, dt.date | None]], far: bool
) -> None:
    """Ages from the calendar table (or, dates far apart, from the dates themselves) are the
    single definition's, ``schema.derive``: 29 February births, leap years, birthdays."""
    table = _dates_table(pairs)
    event = columnar._date_values(table.column("event_date"))
    born = columnar._date_values(table.column("date_of_birth"))
    with pytest.MonkeyPatch.context() as patch:
        if far:
            patch.setattr(columnar, "CALENDAR_UP_TO", 1)
        for name in ("age_at_travel", "is_minor", "days_booking_to_travel"):
            values, missing = columnar._from_dates(name, event, born)
            got = [
                None if missing is not None and missing[i] else values[i].item()
                for i in range(len(pairs))
            ]
            want = [
                derive({"event_date": t, "date_of_birth": b, "booking_date": b})[name]
                for b, t in pairs
            ]
            assert got == [None if w is None else int(w) for w in want], name


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.integers(-40, 40).map(lambda v: v / 2), min_size=0, max_size=6),
    values=st.lists(st.integers(-60, 60), min_size=1, max_size=30),
    dtype=st.sampled_from([np.int8, np.int32, np.int64]),
    missing=st.booleans(),
)
def test_integer_codes_from_the_lookup_table_are_those_of_the_binary_search(
    points: list[float], values: list[int], dtype: type[np.integer[Any]], missing: bool
) -> None:
    """Each integer's code: the points below it and the points at or below it (values below,
    at, between and above the points; points whole or halves)."""
    p = np.array(sorted(set(points)), dtype=np.float64)
    field = columnar._Field("group_size", True, p, ())
    v = np.array(values, dtype=dtype)
    gone = np.arange(len(values)) % 3 == 0 if missing else None
    want = np.searchsorted(p, v, "left") + np.searchsorted(p, v, "right")
    if gone is not None:
        want[gone] = field.size - 1
    assert field.codes((v, gone)).tolist() == want.tolist()
    at = np.arange(0, len(values), 2)
    assert field.codes((v, gone), at).tolist() == want[at].tolist()


def _age_profile(i: int, criteria: Node) -> Profile:
    """An entry profile named ``age{i}`` with ``criteria``, for the age tests."""
    return Profile(
        id=f"age{i}",
        version=1,
        title=Text(f"Age {i}", f"年龄{i}"),
        rationale=Text("test", "测试"),
        owner="tests",
        valid_from=dt.date(2026, 1, 1),
        review_by=dt.date(2026, 12, 31),
        applies_to=("entry",),
        weight=1.0,
        criteria=criteria,
    )


@st.composite
def age_profiles(draw: st.DrawFn) -> ProfileSet:
    """Profiles on the age at travel (every coded operator, at and beside the ages drawn) and
    on being a minor, alone or beside a random comparison."""
    profiles = []
    for i in range(draw(st.integers(min_value=1, max_value=4))):
        age = draw(st.sampled_from(AGES))
        op = draw(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge", "between", "in"]))
        value: Any = (
            (age, age + draw(st.integers(0, 3)))
            if op == "between"
            else (age, age + 1)
            if op == "in"
            else age + draw(st.sampled_from([0, 0.5, -0.5]))
        )
        term: Node = Comparison("age_at_travel", op, value)
        if draw(st.booleans()):
            term = AllOf((term, Comparison("is_minor", "eq", draw(st.booleans()))))
        if draw(st.booleans()):  # another field, maybe screened first: ages at its records
            term = AllOf((draw(agree.comparisons()), term))
        profiles.append(_age_profile(i, term))
    return ProfileSet.of(profiles, agree.LISTS.values())


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    pairs=st.lists(st.tuples(birth_and_travel(), agree.records), min_size=1, max_size=40),
    profile_set=age_profiles(),
    encode=st.booleans(),
)
def test_ages_at_their_boundaries_give_the_real_time_and_the_duckdb_hits(
    monkeypatch: pytest.MonkeyPatch,
    two_threads: None,
    pairs: list[tuple[tuple[dt.date | None, dt.date | None], dict[str, Any]]],
    profile_set: ProfileSet,
    encode: bool,
) -> None:
    """Travellers on, the day before and the day after a birthday (29 February included)
    against profiles on those ages: the columnar path, the Screener and the DuckDB queries."""
    table = agree.as_table(
        [
            {**row, "event_kind": "entry", "date_of_birth": b, "event_date": t}
            for (b, t), row in pairs
        ]
    )
    if encode:
        table = encoded(table, 2)
    expected = agree.realtime_hits(table, profile_set).to_pylist()
    SQL_PLANS.clear()
    assert screen_table(table, profile_set, on=agree.TODAY).to_pylist() == expected
    monkeypatch.setattr(batch, "COLUMNAR", False)
    SQL_PLANS.clear()
    assert screen_table(table, profile_set, on=agree.TODAY).to_pylist() == expected


def test_a_29_february_birth_comes_of_age_on_1_march_of_a_common_year() -> None:
    pairs: list[tuple[dt.date | None, dt.date | None]] = [
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28)),  # 17: the birthday has not come
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1)),  # 18
        (dt.date(2008, 2, 29), dt.date(2028, 2, 28)),  # 19, a leap year: not yet 20
        (dt.date(2008, 2, 29), dt.date(2028, 2, 29)),  # 20
        (dt.date(2008, 3, 1), dt.date(2026, 2, 28)),  # 17
        (dt.date(2008, 3, 1), dt.date(2026, 3, 1)),  # 18
        (dt.date(2008, 2, 28), dt.date(2026, 2, 28)),  # 18
        (None, dt.date(2026, 3, 1)),
    ]
    table = _dates_table(pairs)
    event = columnar._date_values(table.column("event_date"))
    born = columnar._date_values(table.column("date_of_birth"))
    values, missing = columnar._from_dates("age_at_travel", event, born)
    assert missing is not None
    assert [None if m else int(v) for v, m in zip(values, missing, strict=True)] == [
        17, 18, 19, 20, 17, 18, 18, None
    ]  # fmt: skip


def test_every_birthday_boundary_gives_the_real_time_and_the_duckdb_hits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A grid: births on 29 February, the first and the last of a month and mid-month,
    travelling the day before, of and after the birthday of the ages profiles name (a common
    year and a leap year), against each coded operator at those ages."""
    births = [*LEAP_BIRTHS[2:5], dt.date(2000, 3, 1), dt.date(2000, 1, 31), dt.date(1990, 5, 20)]
    rows = []
    for born in births:
        for age in (0, 17, 18, 65):
            for year in {born.year + age, born.year + age + 1}:
                leap_day = (born.month, born.day) == (2, 29) and not calendar.isleap(year)
                birthday = dt.date(year, born.month, 28 if leap_day else born.day)
                for shift in (-1, 0, 1):
                    travel = birthday + dt.timedelta(days=shift)
                    rows.append(
                        {"event_kind": "entry", "date_of_birth": born, "event_date": travel}
                    )
    profiles = [
        _age_profile(i, criteria)
        for i, criteria in enumerate(
            [
                Comparison("age_at_travel", "ge", 18),
                Comparison("age_at_travel", "lt", 18),
                Comparison("age_at_travel", "eq", 65),
                Comparison("age_at_travel", "between", (1, 17)),
                Comparison("age_at_travel", "le", 0),
                Comparison("is_minor", "eq", True),
            ]
        )
    ]
    profile_set = ProfileSet.of(profiles)
    table = agree.as_table(rows)
    expected = agree.realtime_hits(table, profile_set).to_pylist()
    SQL_PLANS.clear()
    assert screen_table(table, profile_set, on=agree.TODAY).to_pylist() == expected
    monkeypatch.setattr(batch, "COLUMNAR", False)
    SQL_PLANS.clear()
    assert screen_table(table, profile_set, on=agree.TODAY).to_pylist() == expected
    assert len(expected) > 100
