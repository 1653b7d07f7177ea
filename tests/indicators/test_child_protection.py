"""Children first (issue 10, item 4): a child travelling alone or with an adult who is not a
parent or guardian, a child reporting being taken, sold, promised or threatened, and a person
whose age is in doubt are referred to child protection whatever the indicator count."""

from __future__ import annotations

from typing import Any

import pytest

from palermo.errors import InputError
from palermo.indicators.answers import parse_answers
from palermo.indicators.assessment import Outcome, assess
from palermo.indicators.instruments import load_instrument

CHILD = load_instrument("second-line-child")
ADULT = load_instrument("second-line-adult")
ASSENT = {"consented": True}


def _assess(answers: dict[str, Any], *, age_in_doubt: bool = False, inst: Any = CHILD) -> Any:
    parsed = parse_answers({"consent": ASSENT, "answers": answers, "language": "en"}, inst)
    return assess(inst, parsed, age_in_doubt=age_in_doubt)


def test_a_child_with_an_unrelated_adult_and_nothing_else_reported_is_referred() -> None:
    result = _assess({"travel_with": "other_adult"})
    assert result.outcome is Outcome.INSUFFICIENT
    assert result.child_protection_referral is True
    assert any("not my parent" in r.en for r in result.child_protection_reasons)
    assert any("child protection" in line.en for line in result.reasoning)


def test_a_child_taken_or_sold_and_threatened_is_referred_whatever_the_indicator_count() -> None:
    result = _assess(
        {"travel_with": "parent_guardian", "rec_pressure": ["taken_or_sold", "threat_violence"]}
    )
    assert result.child_protection_referral is True
    reasons = " ".join(r.en for r in result.child_protection_reasons)
    assert "sold against my will" in reasons
    assert "threatened with violence" in reasons
    assert result.to_dict()["child_protection_reasons"][0]["zh"]


def test_a_person_whose_age_is_in_doubt_is_presumed_a_child_and_referred() -> None:
    result = _assess({"travel_with": "parent_guardian"}, age_in_doubt=True)
    assert result.child_protection_referral is True
    assert result.age_in_doubt is True
    assert "age is in doubt" in result.child_protection_reasons[-1].en


def test_the_adult_interview_refuses_a_person_whose_age_is_in_doubt() -> None:
    with pytest.raises(InputError, match="presumed a child"):
        _assess({}, age_in_doubt=True, inst=ADULT)


def test_a_child_with_a_parent_who_reports_nothing_is_not_referred_by_the_rule() -> None:
    result = _assess({"travel_with": "parent_guardian", "rec_pressure": ["none"]})
    assert result.child_protection_referral is False
    assert result.child_protection_reasons == ()


def test_a_promise_of_marriage_or_adoption_calls_for_child_protection() -> None:
    result = _assess(
        {
            "travel_with": "parent_guardian",
            "rec_arranged_by": ["family_friend"],
            "rec_differs": ["marriage_adoption"],
        }
    )
    assert result.child_protection_referral is True


def test_exploitation_indicators_still_refer_and_say_so_first() -> None:
    result = _assess({"travel_with": "parent_guardian", "work_conditions": ["long_hours"]})
    assert result.child_protection_referral is True
    assert result.child_protection_reasons[0].en.startswith("exploitation indicators")


def test_the_command_line_presumes_a_child_whose_age_is_in_doubt(tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from palermo.cli.main import app

    answers = tmp_path / "a.json"
    answers.write_text(
        json.dumps({"consent": ASSENT, "answers": {"travel_with": "parent_guardian"}}),
        encoding="utf-8",
    )
    runner = CliRunner()
    plain = runner.invoke(
        app, ["assess", str(answers), "--instrument", "second-line-child", "--json"]
    )
    assert json.loads(plain.output)["child_protection_referral"] is False
    doubt = runner.invoke(
        app,
        ["assess", str(answers), "--instrument", "second-line-child", "--json", "--age-in-doubt"],
    )
    assert json.loads(doubt.output)["child_protection_referral"] is True
    adult = runner.invoke(
        app, ["assess", str(answers), "--instrument", "second-line-adult", "--age-in-doubt"]
    )
    assert adult.exit_code == 2
