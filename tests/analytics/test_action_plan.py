"""Action-plan indicators read from YAML (every problem named) and weighed against targets."""

from __future__ import annotations

import datetime as dt

import pytest

from palermo.analytics.action_plan import (
    EXAMPLE_PLAN,
    Direction,
    Standing,
    assess,
    parse_plan,
    read_plan,
)
from palermo.errors import InputError

PLAN = """
plan: Provincial plan
indicators:
  - id: waiting
    title: Hits disposed within a day
    measure: share_hits_disposed_within_hours
    hours: 24
    period: {start: 2026-01-01, end: 2026-06-30}
    target: 90
  - id: identified
    title: Victims identified
    measure: cases_opened
    period: {start: 2026-01-01, end: 2026-12-31}
    target: 50
    direction: at_least
"""


def test_a_plan_is_read_with_its_measures_parameters_and_periods() -> None:
    plan = parse_plan(PLAN, "plan.yaml")
    waiting, identified = plan.indicators
    assert waiting.measure.name == "share_hits_disposed_within_hours"
    assert waiting.param == 24
    assert waiting.end == dt.date(2026, 6, 30)
    assert identified.direction is Direction.AT_LEAST
    assert plan.name_in("zh") == "Provincial plan"  # no Chinese name: the plan's own


def test_every_problem_of_a_bad_plan_is_named_with_its_indicator() -> None:
    bad = (
        PLAN.replace("hours: 24", "days: 3")
        .replace("target: 50", "target: -1")
        .replace("2026-12-31", "2025-12-31")
        .replace("direction: at_least", "direction: upwards")
    )
    with pytest.raises(InputError) as caught:
        parse_plan(bad, "plan.yaml")
    texts = [p.text("en") for p in caught.value.problems]
    assert any("indicator 1 (waiting)" in t and "no such parameter" in t for t in texts)
    assert any("indicator 1 (waiting)" in t and "hours: a whole number" in t for t in texts)
    assert any("indicator 2 (identified)" in t and "at least 0" in t for t in texts)
    assert any("ends before it starts" in t for t in texts)
    assert any("at_least or at_most" in t for t in texts)
    assert all(p.rule_zh for p in caught.value.problems)


def test_malformed_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_plan("plan: x\nindicators: [\n", "plan.yaml")
    assert "plan.yaml line" in caught.value.problems[0].text("en")


def test_two_indicators_with_one_id_are_refused() -> None:
    twice = PLAN.replace("id: identified", "id: waiting")
    with pytest.raises(InputError, match="share an id"):
        parse_plan(twice, "plan.yaml")


@pytest.mark.parametrize(
    ("value", "today", "standing"),
    [
        (60.0, dt.date(2026, 3, 1), Standing.ON_TRACK),
        (20.0, dt.date(2026, 3, 1), Standing.BEHIND),
        (20.0, dt.date(2027, 1, 1), Standing.NOT_MET),
        (50.0, dt.date(2027, 1, 1), Standing.MET),
        (None, dt.date(2026, 3, 1), Standing.NO_DATA),
        (None, dt.date(2025, 3, 1), Standing.NOT_STARTED),
    ],
)
def test_a_value_stands_against_its_target_by_the_day(
    value: float | None, today: dt.date, standing: Standing
) -> None:
    identified = parse_plan(PLAN, "plan.yaml").indicators[1]
    assert assess(identified, value, today=today).standing is standing


def test_an_at_most_target_is_missed_when_the_value_is_above_it() -> None:
    plan = parse_plan(PLAN.replace("direction: at_least", "direction: at_most"), "p.yaml")
    result = assess(plan.indicators[1], 51.0, today=dt.date(2027, 1, 1))
    assert result.standing is Standing.NOT_MET
    assert result.percent_of_target == 102.0


def test_the_bundled_example_plan_is_valid() -> None:
    plan = read_plan(EXAMPLE_PLAN)
    assert len(plan.indicators) == 5
    trained = plan.indicators[-1]
    assert trained.measure.name == "officials_trained_scoring_at_least"
    assert trained.param == 70
