"""``palermo synth evidence``: the same profiles in the easy and the realistic setting and on
shifted corridors. The tests check how the figures are computed and compare the settings with
each other; no figure the generator was tuned to produce is asserted."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pyarrow as pa
from typer.testing import CliRunner

import palermo.analytics.evidence as evidence_module
from palermo.analytics.evidence import evaluate, likelihood_ratios
from palermo.cli.main import app

runner = CliRunner()


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(evidence_module).failed == 0


def test_recall_and_precision_are_counted_per_traveller_not_per_hit() -> None:
    truth = pa.table(
        {
            "record_id": ["a", "b", "c", "d"],
            "is_case": [True, True, False, False],
            "lookalike": [None, None, "lawful_labour", None],
        }
    )
    records = pa.table(
        {"record_id": ["a", "b", "c", "d"], "obs_fearful": [True, False, True, False]}
    )
    hits = pa.table({"record_id": ["a", "a", "c"], "rule_id": ["p1", "p2", "p1"]})
    result = evaluate(records, truth, hits, setting="t", titles=("t", "t"))
    assert (result.cases, result.flagged) == (2, 2)
    assert result.recall.share == 0.5
    assert result.precision.share == 0.5
    assert result.lookalikes_flagged["lawful_labour"].share == 1.0
    assert result.recall.low < 0.5 < result.recall.high


def test_a_likelihood_ratio_is_the_share_among_cases_over_the_share_among_others() -> None:
    truth = pa.table(
        {"record_id": list("abcdef"), "is_case": [True, True, False, False, False, False]}
    )
    records = pa.table({"obs_fearful": [True, False, True, False, False, False]})
    assert likelihood_ratios(records, truth) == {"obs_fearful": 0.5 / 0.25}


def test_the_command_prints_every_setting_and_writes_the_figures(tmp_path: Path) -> None:
    out = tmp_path / "evidence.json"
    result = runner.invoke(app, ["synth", "evidence", "--n", "20000", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "现实设定" in result.output
    assert "not a measure of real traffic" in result.output
    figures = json.loads(out.read_text(encoding="utf-8"))
    settings = {s["setting"]: s for s in figures["settings"]}
    assert set(settings) == {"easy", "realistic", "easy-shifted", "realistic-shifted"}
    # the realistic setting's ordinary travellers show every signal more often than the easy one's
    for field, ratio in settings["realistic"]["likelihood_ratios"].items():
        assert ratio < settings["easy"]["likelihood_ratios"][field], field
    assert settings["easy"]["lookalikes_flagged"] == {}
    assert settings["realistic"]["lookalikes_flagged"]


def test_the_command_refuses_a_missing_profile_directory(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "evidence", "--n", "2000", "--profiles", str(tmp_path / "nowhere")]
    )
    assert result.exit_code == 2
