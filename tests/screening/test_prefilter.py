"""The prefilter only drops records that cannot fire: with it forced on, batch screening on
DuckDB still gives exactly the real-time Screener's hits (random profiles and records, missing
values and NaN included)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
import test_engines_agree as agree  # the random records and profile sets of the engine tests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.ast import AllOf, AnyOf, Comparison
from palermo.profiles.profile_set import ProfileSet, screening_criteria
from palermo.screening import batch, screen_table
from palermo.screening.batch import SQL_PLANS
from palermo.screening.prefilter import choose_prefilter


@pytest.fixture
def prefilter_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PREFILTER_FROM_ROWS", 0)
    monkeypatch.setattr("palermo.screening.prefilter.MAX_KEPT_SHARE", 1.0)
    monkeypatch.setattr("palermo.screening.prefilter.COST_RATIO", 1e9)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(agree.records, min_size=1, max_size=30), profile_set=agree.profile_sets())
def test_with_the_prefilter_batch_screening_gives_the_real_time_hits(
    prefilter_always: None, rows: list[dict[str, Any]], profile_set: ProfileSet
) -> None:
    SQL_PLANS.clear()  # the prefilter is chosen on this table
    table = agree.as_table(rows)
    hits = screen_table(table, profile_set, on=agree.TODAY, batch_rows=7)
    assert hits.to_pylist() == agree.realtime_hits(table, profile_set).to_pylist()


def test_the_shipped_profiles_are_screened_the_same_with_categorical_columns_encoded(
    prefilter_always: None,
) -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    rows = [
        {"event_kind": "entry", "obs_visible_injuries": True, "declared_cash": 10.0},
        {"event_kind": "exit", "trip_type": "one_way", "ticket_paid_by": "employer"},
        {"event_kind": "entry", "obs_fearful": True, "obs_suspect_document": True},
    ]
    table = agree.as_table(rows)
    encoded = table.set_column(
        table.schema.get_field_index("event_kind"),
        "event_kind",
        table.column("event_kind").dictionary_encode(),
    )
    SQL_PLANS.clear()
    expected = agree.realtime_hits(table, profile_set).to_pylist()
    assert screen_table(encoded, profile_set, on=agree.TODAY).to_pylist() == expected
    assert expected


def test_a_profile_that_requires_no_single_comparison_turns_the_prefilter_off() -> None:
    either = AnyOf((Comparison("obs_fearful", "eq", True), Comparison("group_size", "ge", 5)))
    sample = pa.table({"obs_fearful": [True, False], "group_size": [1, 9]})
    assert choose_prefilter([either], {}, sample, max_kept_share=1.0) is None
    both = AllOf((Comparison("obs_fearful", "eq", True), either))
    chosen = choose_prefilter([both], {}, sample, max_kept_share=1.0)
    assert chosen is not None
    assert chosen.keep(sample).tolist() == [0]


def test_the_profiles_required_comparisons_are_tried_most_selective_first() -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    tree = screening_criteria(profile_set.profiles[0])
    sample = agree.as_table([{"event_kind": "entry"}] * 5)
    chosen = choose_prefilter([tree], profile_set.lists, sample, max_kept_share=1.0)
    assert chosen is not None
    first = chosen.required[0][0]
    assert first.field != "event_kind"  # every record is an entry: the least selective test
