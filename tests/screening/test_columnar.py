"""The columnar path (``screening.columnar``) gives exactly the real-time Screener's hits: random
profiles (every operator, all/any/not, the transit list) and random records (missing values and
NaN included), on one thread and on two, with categorical columns plain or dictionary-encoded
(a dictionary per chunk, a null among a dictionary's values)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
import test_engines_agree as agree  # the random records and profile sets of the engine tests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.ast import AllOf, AnyOf, Comparison, Node, Profile
from palermo.profiles.profile_set import ProfileSet, screening_criteria
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
