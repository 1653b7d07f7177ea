"""``palermo profiles mine``: combinations far more common among identified cases than in the
traffic, checked by the rights guard, written as drafts a person must complete."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import math
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import palermo.analytics.mining as mining_module
from palermo.analytics.mining import (
    MINED_RATIONALE_MARK,
    Candidate,
    Item,
    check_drafts,
    has_mined_rationale,
    lift_interval,
    mine_candidates,
)
from palermo.cli.main import app
from palermo.profiles.loader import profile_set_from_texts
from palermo.records.schema import FIELDS
from palermo.synth import default_config
from palermo.synth.write import write_population

runner = CliRunner()
DAY, LATER = dt.date(2026, 1, 1), dt.date(2027, 1, 1)


def _planted(cases: int = 60, baseline: int = 3_000) -> tuple[pa.Table, pa.Table]:
    """Cases: half carry fearful + one-way; the baseline: 1% each, independently."""
    c_fearful = [i % 2 == 0 for i in range(cases)]
    c_trip = ["one_way" if i % 2 == 0 else "return" for i in range(cases)]
    b_fearful = [i % 100 == 0 for i in range(baseline)]
    b_trip = ["one_way" if i % 100 == 50 else "return" for i in range(baseline)]
    sex = ["F"] * cases
    return (
        pa.table({"obs_fearful": c_fearful, "trip_type": c_trip, "sex": sex}),
        pa.table({"obs_fearful": b_fearful, "trip_type": b_trip, "sex": ["M"] * baseline}),
    )


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(mining_module).failed == 0


def test_the_lift_interval_contains_the_lift_and_widens_with_fewer_cases() -> None:
    ratio, low, high = lift_interval(30, 60, 30, 3_000)
    assert math.isclose(ratio, 50.0)
    assert low < ratio < high
    _, low_small, high_small = lift_interval(3, 6, 3, 300)
    assert low_small < low
    assert high_small > high
    assert lift_interval(0, 10, 0, 10)[0] == pytest.approx(1.0)


def test_a_planted_combination_is_found_and_beats_its_parts() -> None:
    cases, baseline = _planted()
    found = mine_candidates(cases, baseline, min_cases=10, min_lift=2.0)
    best = found[0]
    assert {(i.field, i.op, i.value) for i in best.items} == {
        ("obs_fearful", "true", None),
        ("trip_type", "eq", "one_way"),
    }
    assert (best.cases, best.baseline) == (30, 0)


def test_protected_attributes_and_their_proxies_never_become_circumstances() -> None:
    cases, baseline = _planted()
    found = mine_candidates(cases, baseline, min_cases=1, min_lift=1.0, top=200)
    fields = {i.field for c in found for i in c.items}
    assert "sex" not in fields
    assert not any(FIELDS[f].protected or FIELDS[f].proxy_of for f in fields)


def test_a_combination_carried_by_too_few_cases_is_not_proposed() -> None:
    cases, baseline = _planted(cases=12)
    assert mine_candidates(cases, baseline, min_cases=7, min_lift=2.0) == []


def test_each_draft_is_a_valid_profile_with_its_evidence_and_the_rationale_left_open() -> None:
    cases, baseline = _planted()
    result = check_drafts(
        mine_candidates(cases, baseline, min_cases=10, min_lift=2.0),
        owner="analysis unit",
        valid_from=DAY,
        review_by=LATER,
    )
    assert result.drafts
    for candidate, text in result.drafts:
        assert has_mined_rationale(text)
        assert f"{candidate.cases} of {candidate.case_total} identified cases" in text
        profile_set_from_texts({"draft.yaml": text})


def test_a_candidate_the_rights_guard_refuses_is_dropped_with_the_reason() -> None:
    protected_only = Candidate((Item("sex", "eq", "F"),), 60, 60, 0, 3_000, 100.0, 50.0, 200.0)
    result = check_drafts([protected_only], owner="unit", valid_from=DAY, review_by=LATER)
    assert result.drafts == ()
    ((_, reason),) = result.refused
    assert "rights guard" in reason


def test_the_command_writes_drafts_from_a_synthetic_population(tmp_path: Path) -> None:
    travellers = tmp_path / "t.parquet"
    write_population(travellers, 40_000, 3, default_config().with_case_share(0.02).realistic())
    out = tmp_path / "drafts"
    result = runner.invoke(
        app,
        ["profiles", "mine", "--baseline", str(travellers),
         "--truth", str(tmp_path / "t.truth.parquet"), "--out", str(out), "--top", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    drafts = sorted(out.glob("mined-*.yaml"))
    assert drafts
    evidence = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    assert len(evidence["drafts"]) == len(drafts)
    assert all(e["lift_low"] >= 5.0 for e in evidence["drafts"])
    assert MINED_RATIONALE_MARK in drafts[0].read_text(encoding="utf-8")


def test_the_command_needs_exactly_one_source_of_cases(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["profiles", "mine", "--baseline", str(tmp_path / "x.parquet"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "exactly one of --cases and --truth" in result.output
