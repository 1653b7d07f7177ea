"""Simulated interviews from ground truth, and the evaluation report."""

from __future__ import annotations

import random

import pytest

from palermo.indicators.assessment import Outcome, assess, assess_indicators
from palermo.indicators.instruments import load_instrument
from palermo.indicators.simulate import (
    Noise,
    Truth,
    render_report,
    simulate_answers,
    simulate_identification,
)

ADULT = load_instrument("second-line-adult")
CHILD = load_instrument("second-line-child")
CASES = [
    Truth(
        frozenset({"ADL-DR-01", "ADL-DR-08", "ADL-EX-01", "ADL-EX-04", "ADL-CD-02", "ADL-CD-14"}),
        False,
        "labour",
    ),
    Truth(
        frozenset(
            {
                "ADS-DR-01",
                "ADS-DR-02",
                "ADS-CR-03",
                "ADS-EX-01",
                "ADS-EX-04",
                "ADS-EX-08",
                "ADS-CD-03",
                "ADS-CD-04",
            }
        ),
        False,
        "sexual",
    ),
    Truth(
        frozenset(
            {
                "ADL-CR-01",
                "ADL-CR-02",
                "ADL-DR-09",
                "ADL-CD-03",
                "ADL-CD-04",
                "ADL-EX-01",
                "ADL-EX-02",
            }
        ),
        False,
        "forced_marriage",
    ),
    Truth(frozenset({"CHL-DR-10", "CHL-EX-01", "CHL-EX-08", "CHL-CD-03"}), True, "labour"),
    Truth(frozenset({"CHS-CD-03", "CHS-EX-03", "CHS-EX-04", "CHS-VR-01"}), True, "sexual"),
]


@pytest.mark.parametrize(
    "truth", CASES, ids=lambda t: f"{t.exploitation_type}-{'child' if t.child else 'adult'}"
)
def test_a_fully_disclosed_interview_recovers_every_indicator_and_the_expected_outcome(
    truth: Truth,
) -> None:
    instrument = CHILD if truth.child else ADULT
    answers = simulate_answers(instrument, truth, random.Random(3), Noise.full_disclosure())
    result = assess(instrument, answers)
    assert truth.indicator_ids <= result.present
    expected = assess_indicators(truth.indicator_ids, child=truth.child, act_evidence=("truth",))
    assert result.outcome.rank <= expected.outcome.rank
    assert result.outcome is Outcome.PRESUMED


def test_an_ordinary_traveller_with_full_disclosure_and_no_hardship_shows_nothing() -> None:
    for instrument, child in ((ADULT, False), (CHILD, True)):
        answers = simulate_answers(
            instrument, Truth(frozenset(), child), random.Random(1), Noise.full_disclosure()
        )
        assert assess(instrument, answers).present == frozenset()


def test_noise_makes_victims_withhold_some_indicators() -> None:
    truth = CASES[0]
    rng = random.Random(5)
    recovered = [
        len(truth.indicator_ids & assess(ADULT, simulate_answers(ADULT, truth, rng)).present)
        for _ in range(200)
    ]
    assert min(recovered) < len(truth.indicator_ids)
    assert max(recovered) == len(truth.indicator_ids)


def test_the_report_measures_sensitivity_and_false_escalation_on_synthetic_ground_truth() -> None:
    report = simulate_identification(20_000, 3, ordinary_sample=300)
    cases, ordinary = report.interview_cases["all"], report.interview_ordinary["all"]
    assert cases.n > 0
    assert ordinary.n == 300
    assert cases.share("presumed_victim", "possible_victim") > ordinary.share(
        "presumed_victim", "possible_victim"
    )
    assert ordinary.share("presumed_victim") < 0.05
    text = render_report(report)
    assert "QYIT" in text
    assert "86.7%" in text
    assert "灵敏度" in text
    assert report.to_dict()["first_line"]["cases"]["n"] == cases.n
