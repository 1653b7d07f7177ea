"""One definition, several engines: Python, DuckDB and Spark give identical hits (property tests).

Random records (missing values included) are screened against random profiles - trees of
all/any/not over every operator and field kind - and the hits, explanations included, must be
the same in the real-time Screener (compiled Python) and in batch screening on DuckDB and Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.profiles.ast import (
    AllOf,
    AnyOf,
    Comparison,
    NamedList,
    Node,
    Not,
    Profile,
    Text,
)
from palermo.profiles.operators import OPERATORS, Shape
from palermo.profiles.profile_set import ProfileSet
from palermo.records.schema import ARROW_SCHEMA, FIELDS, Kind
from palermo.screening import Screener, hits_to_table, screen_table

TODAY = dt.date(2026, 6, 1)
DATES = [dt.date(2026, 5, d) for d in (1, 10, 20, 28)] + [dt.date(2008, 5, 2), dt.date(1990, 1, 1)]
AGENCIES = NamedList(
    id="agencies",
    version=1,
    title=Text("Agencies of concern", "需关注的中介"),
    rationale=Text("test", "测试"),
    owner="tests",
    kind="string",
    items=frozenset({"Acme Jobs", "Easy Work"}),
)
HUBS = NamedList(
    id="hubs",
    version=1,
    title=Text("Transit hubs", "中转地"),
    rationale=Text("test", "测试"),
    owner="tests",
    kind="country",
    items=frozenset({"TH", "MY"}),
)
LISTS = {AGENCIES.id: AGENCIES, HUBS.id: HUBS}

# field -> values a record may hold (None is always possible)
RECORD_VALUES: dict[str, list[Any]] = {
    "event_kind": ["entry", "exit", "visa_application"],
    "trip_type": ["one_way", "return"],
    "ticket_paid_by": ["self", "employer", "recruitment_agency"],
    "nationality": ["VN", "TH", "CN"],
    "destination": ["MY", "TH", "SG"],
    "transit": [[], ["TH"], ["MY", "SG"], ["SG"]],
    "group_size": [1, 3, 10],
    "declared_cash": [0.0, 99.5, 100.0, 5000.0, float("nan")],
    "booking_date": DATES,
    "event_date": DATES,
    "date_of_birth": [dt.date(2010, 5, 20), dt.date(2000, 1, 1)],
    "sponsor_name": ["Acme Jobs", "acme jobs", "Other Co", ""],
    "obs_fearful": [True, False],
    "obs_companion_answers": [True, False],
}

records = st.fixed_dictionaries(
    {name: st.one_of(st.none(), st.sampled_from(values)) for name, values in RECORD_VALUES.items()}
)

SCALARS: dict[str, list[Any]] = {
    "trip_type": ["one_way", "return"],
    "ticket_paid_by": ["self", "employer", "recruitment_agency", "family"],
    "nationality": ["VN", "TH"],
    "destination": ["MY", "TH"],
    "group_size": [1, 3, 5],
    "declared_cash": [0.0, 100.0, 99.5],
    "booking_date": DATES[:4],
    "obs_fearful": [True, False],
    "obs_companion_answers": [True, False],
    "age_at_travel": [15, 16, 18, 26],
    "is_minor": [True, False],
    "days_booking_to_travel": [0, 3, 10],
    "transit_count": [0, 1, 2],
    "sponsor_name": ["Acme Jobs", "Other Co"],
}


# the named list a comparison with ``in_list`` uses, by the kind of its field
LIST_FOR_KIND = {Kind.STRING: AGENCIES.id, Kind.COUNTRY: HUBS.id, Kind.COUNTRY_LIST: HUBS.id}
FIELDS_UNDER_TEST = [*SCALARS, "transit"]
TRANSIT_POOL = ["TH", "MY", "SG", "CN"]


def applicable_operators(field: str) -> list[str]:
    """Every operator declared in ``OPERATORS`` that the language allows on ``field``."""
    kind = FIELDS[field].kind
    return [name for name, op in OPERATORS.items() if kind in op.kinds]


@st.composite
def operands(draw: st.DrawFn, field: str, op: str) -> Comparison:
    """A comparison ``field op value`` with a value of the shape the operator declares."""
    shape = OPERATORS[op].shape
    pool = TRANSIT_POOL if field == "transit" else SCALARS[field]
    if shape == Shape.FLAG:
        return Comparison(field, op, draw(st.booleans()))
    if shape == Shape.LIST_NAME:
        return Comparison(field, op, LIST_FOR_KIND[FIELDS[field].kind])
    if shape == Shape.SET:
        values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        return Comparison(field, op, tuple(sorted(set(values), key=repr)))
    if shape == Shape.RANGE:
        low, high = sorted(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2)))
        return Comparison(field, op, (low, high))
    if shape == Shape.SCALAR:
        return Comparison(field, op, draw(st.sampled_from(pool)))
    raise AssertionError(f"no test values for operator shape {shape}: add them here")


@st.composite
def comparisons(draw: st.DrawFn, op: str | None = None) -> Comparison:
    """Any declared operator on any field it applies to (or only ``op``)."""
    fields = [f for f in FIELDS_UNDER_TEST if op is None or op in applicable_operators(f)]
    field = draw(st.sampled_from(fields))
    return draw(operands(field, op or draw(st.sampled_from(applicable_operators(field)))))


trees: st.SearchStrategy[Node] = st.recursive(
    comparisons(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: AllOf(tuple(c))),
        st.lists(children, min_size=1, max_size=3).map(lambda c: AnyOf(tuple(c))),
        children.map(Not),
    ),
    max_leaves=6,
)


@st.composite
def profile_sets(draw: st.DrawFn) -> ProfileSet:
    n = draw(st.integers(min_value=1, max_value=4))
    profiles = []
    for i in range(n):
        applies = draw(st.sets(st.sampled_from(["entry", "exit", "visa_application"]), min_size=1))
        profiles.append(
            Profile(
                id=f"p{i}",
                version=i + 1,
                title=Text(f"Profile {i}", f"画像{i}"),
                rationale=Text("test", "测试"),
                owner="tests",
                valid_from=dt.date(2026, 1, 1),
                review_by=draw(st.sampled_from([dt.date(2026, 12, 31), dt.date(2026, 5, 1)])),
                applies_to=tuple(sorted(applies)),
                weight=1.0,
                criteria=draw(trees),
            )
        )
    return ProfileSet.of(profiles, LISTS.values())


def as_table(rows: list[dict[str, Any]]) -> pa.Table:
    full = [{name: row.get(name) for name in ARROW_SCHEMA.names} for row in rows]
    for i, row in enumerate(full):
        row["record_id"] = f"r{i:03d}"
    return pa.Table.from_pylist(full, schema=ARROW_SCHEMA)


def realtime_hits(table: pa.Table, profile_set: ProfileSet) -> pa.Table:
    screener = Screener(profile_set, today=lambda: TODAY)
    return hits_to_table([hit for row in table.to_pylist() for hit in screener.screen(row)])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(records, min_size=1, max_size=25), profile_set=profile_sets())
def test_duckdb_batch_and_realtime_python_give_identical_hits(
    rows: list[dict[str, Any]], profile_set: ProfileSet
) -> None:
    table = as_table(rows)
    batch = screen_table(table, profile_set, engine="duckdb", on=TODAY, batch_rows=7)
    assert batch.to_pylist() == realtime_hits(table, profile_set).to_pylist()


def test_the_random_profiles_use_every_declared_operator() -> None:
    """A new operator in ``OPERATORS`` joins the random profiles with no change to this file
    (unless it has a new shape), so a compiler that lacks it fails the tests above and below."""
    drawn = {op for field in FIELDS_UNDER_TEST for op in applicable_operators(field)}
    assert drawn == set(OPERATORS)


def one_profile(criteria: Node) -> ProfileSet:
    profile = Profile(
        id="only",
        version=1,
        title=Text("Only", "唯一"),
        rationale=Text("test", "测试"),
        owner="tests",
        valid_from=dt.date(2026, 1, 1),
        review_by=dt.date(2026, 12, 31),
        applies_to=("entry", "exit", "visa_application"),
        weight=1.0,
        criteria=criteria,
    )
    return ProfileSet.of([profile], LISTS.values())


@pytest.mark.parametrize("op", sorted(OPERATORS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), rows=st.lists(records, min_size=1, max_size=12))
def test_each_declared_operator_gives_the_same_hits_in_both_compilers(
    op: str, data: st.DataObject, rows: list[dict[str, Any]]
) -> None:
    comparison = data.draw(comparisons(op))
    negated = data.draw(st.booleans())
    profile_set = one_profile(Not(comparison) if negated else comparison)
    table = as_table(rows)
    batch = screen_table(table, profile_set, engine="duckdb", on=TODAY)
    assert batch.to_pylist() == realtime_hits(table, profile_set).to_pylist()


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from palermo.screening import local_spark_session

    session = local_spark_session(cores=1)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# py4j leaves its sockets to the garbage collector after the session stops
SPARK_SOCKETS = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.mark.spark
@SPARK_SOCKETS
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(records, min_size=1, max_size=40), profile_set=profile_sets())
def test_spark_and_duckdb_give_identical_hits(
    spark: Any, rows: list[dict[str, Any]], profile_set: ProfileSet
) -> None:
    table = as_table(rows)
    on_duckdb = screen_table(table, profile_set, engine="duckdb", on=TODAY)
    on_spark = screen_table(table, profile_set, engine="spark", on=TODAY, spark=spark)
    assert on_spark.to_pylist() == on_duckdb.to_pylist()


@pytest.mark.spark
@SPARK_SOCKETS
def test_missing_values_never_match_a_comparison_on_spark_duckdb_and_python(spark: Any) -> None:
    cash_over = Comparison("declared_cash", "gt", 1.0)
    profile_set = one_profile(AnyOf((cash_over, Not(Comparison("group_size", "gt", 1)))))
    table = as_table(
        [
            {"declared_cash": None, "group_size": 5},  # cash missing -> false; not(5>1) false
            {"declared_cash": float("nan"), "group_size": None},  # not(missing>1) -> true
            {"declared_cash": 2.0, "group_size": 5},  # cash > 1 -> true
        ]
    )
    expected = ["r001", "r002"]
    for engine in ("duckdb", "spark"):
        hits = screen_table(table, profile_set, engine=engine, on=TODAY, spark=spark)
        assert hits.column("record_id").to_pylist() == expected, engine
    assert realtime_hits(table, profile_set).column("record_id").to_pylist() == expected
