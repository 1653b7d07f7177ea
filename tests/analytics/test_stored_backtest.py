"""A draft backtested on stored screenings (issue 11 item 6): the estimate from the travellers
with a hit (all kept) and the random control sample (a few kept), checked against a synthetic
population whose truth is counted directly by the batch engine."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from palermo.analytics.backtest import age_band
from palermo.analytics.stored import (
    MIN_GROUP_CONTROL,
    StoredScreenings,
    StoredTraveller,
    backtest_stored,
    estimate,
)
from palermo.profiles import ProfileSet, profile_set_from_texts
from palermo.records.schema import with_derived
from palermo.screening.batch import screen_table
from palermo.synth import generate

PROFILE = """\
id: {id}
version: 1
title: {{en: Test, zh: 测试}}
rationale: {{en: Because., zh: 因为。}}
owner: tests
valid_from: 2020-01-01
review_by: 2099-12-31
criteria:
  {criteria}
"""
ON = dt.date(2030, 6, 1)
# the draft overlaps the active profiles (both look at one-way trips), so a part of what it
# flags is among the travellers kept for a hit and a part among those without one
DRAFT = profile_set_from_texts(
    {"draft.yaml": PROFILE.format(id="draft", criteria="{field: trip_type, eq: one_way}")}
)
ACTIVE = profile_set_from_texts(
    {
        "active.yaml": PROFILE.format(
            id="active",
            criteria="all: [{field: trip_type, eq: one_way}, {field: ticket_paid_by, "
            "in: [employer, recruitment_agency, unknown_third_party]}]",
        )
    }
)
RATE_PER_100000 = 2_000  # 2%: a few hundred control travellers in 20,000


def groups_of(record: dict[str, Any]) -> dict[str, str]:
    values = with_derived(record)
    return {
        "nationality": str(values.get("nationality") or ""),
        "sex": str(values.get("sex") or ""),
        "age_band": age_band(values.get("age_at_travel")),
    }


def flagged_ids(table: pa.Table, profiles: ProfileSet) -> set[str]:
    hits = screen_table(table, profiles, on=ON)
    return set(hits.column("record_id").to_pylist())


@functools.cache
def population() -> tuple[list[dict[str, Any]], set[str], set[str]]:
    """20,000 travellers; who the active set flags (kept for a hit) and who the draft flags
    (the truth), both found by screening the whole population on DuckDB."""
    table, _truth = generate(20_000, seed=11)
    return table.to_pylist(), flagged_ids(table, ACTIVE), flagged_ids(table, DRAFT)


@functools.cache
def tallied() -> tuple[list[StoredTraveller], dict[str, Counter[str]]]:
    """Every traveller with its groups, and the tally of the whole population by group."""
    records, _active, _truth = population()
    travellers = [StoredTraveller(r, groups_of(r)) for r in records]
    screened: dict[str, Counter[str]] = {a: Counter() for a in ("nationality", "sex", "age_band")}
    for t in travellers:
        for attribute, group in t.groups.items():
            screened[attribute][group] += 1
    return travellers, screened


def stored_sample(seed: int, rate: int = RATE_PER_100000) -> StoredScreenings:
    """What an installation would have kept: everyone with a hit, and each traveller without
    one drawn into the control sample with probability ``rate`` / 100,000."""
    _records, active, _truth = population()
    travellers, screened = tallied()
    draws = np.random.default_rng(seed).integers(0, 100_000, len(travellers)) < rate
    with_hit = [t for t in travellers if t.record["record_id"] in active]
    control = [
        travellers[i]
        for i in np.flatnonzero(draws)
        if travellers[i].record["record_id"] not in active
    ]
    return StoredScreenings(
        screened=len(travellers),
        screened_by_group=screened,
        with_hit=with_hit,
        control=control,
        days=30,
        configured_per_100000=rate,
    )


def test_the_estimate_of_the_share_flagged_is_unbiased_and_its_interval_covers_the_truth() -> None:
    records, active, truth = population()
    true_share = len(truth) / len(records)
    assert 0.02 < true_share < 0.9  # a draft that says something, else the test proves little
    assert truth & active  # flags on both sides of the stored line
    assert truth - active
    estimates, covered = [], 0
    for seed in range(200):
        (result,) = backtest_stored(DRAFT, stored_sample(seed)).profiles
        assert result.flagged is not None
        estimates.append(result.flagged.share)
        covered += result.flagged.low <= true_share <= result.flagged.high
    spread = float(np.std(estimates)) / np.sqrt(len(estimates))
    assert abs(float(np.mean(estimates)) - true_share) < 3 * spread
    assert covered >= 180  # of 200 nominal 95% intervals


def test_selection_rates_by_sex_are_estimated_within_their_intervals() -> None:
    records, _active, truth = population()
    true_rate = {
        sex: sum(r["record_id"] in truth for r in records if r["sex"] == sex)
        / sum(r["sex"] == sex for r in records)
        for sex in ("F", "M")
    }
    covered: Counter[str] = Counter()
    for seed in range(100):
        (result,) = backtest_stored(DRAFT, stored_sample(1_000 + seed)).profiles
        for g in result.by_group:
            if g.attribute == "sex" and g.group in true_rate:
                assert g.selection is not None
                covered[g.group] += g.selection.low <= true_rate[g.group] <= g.selection.high
    assert covered["F"] >= 88  # of 100
    assert covered["M"] >= 88


def test_with_every_traveller_without_a_hit_in_the_sample_the_count_is_exact() -> None:
    _records, _active, truth = population()
    (result,) = backtest_stored(DRAFT, stored_sample(0, rate=100_000)).profiles
    assert result.flagged is not None
    assert result.flagged.travellers == pytest.approx(len(truth))
    assert result.hits_per_day == pytest.approx(len(truth) / 30)


def test_overlap_with_the_active_set_is_a_count_of_stored_travellers() -> None:
    _records, active, truth = population()
    stored = stored_sample(3)
    (result,) = backtest_stored(DRAFT, stored, ACTIVE).profiles
    assert result.flagged_with_hit == len(truth & active)
    assert result.also_flagged_by_active == len(truth & active)  # none in the control sample


def test_below_the_floor_there_is_no_estimate_only_the_counts() -> None:
    stored = stored_sample(5, rate=100)  # 0.1%: about 18 control travellers
    result = backtest_stored(DRAFT, stored, min_control=100)
    assert not result.enough
    (profile,) = result.profiles
    assert profile.flagged is None
    assert profile.hits_per_day is None
    assert profile.by_group == ()
    assert profile.flagged_with_hit > 0
    assert len(stored.control) < 100


def test_a_group_with_too_few_control_travellers_has_no_rate() -> None:
    (profile,) = backtest_stored(DRAFT, stored_sample(7)).profiles
    rare = [
        g for g in profile.by_group if g.control < MIN_GROUP_CONTROL and g.with_hit < g.screened
    ]
    assert rare
    assert all(g.selection is None for g in rare)


def test_the_weight_of_a_control_traveller_comes_from_the_tally() -> None:
    stored = stored_sample(9)
    assert stored.realised_weight == pytest.approx(stored.without_hit / len(stored.control))
    assert stored.configured_weight == 50  # 100,000 / 2,000
    assert stored.realised_weight == pytest.approx(50, rel=0.15)


def test_travellers_without_a_hit_and_no_control_sample_cannot_be_estimated() -> None:
    with pytest.raises(ValueError, match="no control traveller"):
        estimate(census_flagged=1, control_flagged=0, control=0, without_hit=10, screened=11)
