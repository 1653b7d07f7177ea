"""The scenario bank: curated narratives and generated scenarios, each with an honest truth."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

from palermo.errors import InputError
from palermo.indicators.answers import Answers
from palermo.indicators.assessment import Outcome, assess
from palermo.records.validate_one import validate_record
from palermo.training import curated, generate, io, scenario, scoring
from palermo.training.curated import curated_scenarios
from palermo.training.generate import generate_scenarios
from palermo.training.scenario import Category, Disposition, Referral

CURATED = curated_scenarios()


@pytest.mark.parametrize("module", [scenario, scoring, curated, generate])
def test_the_examples_in_the_training_modules_run(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0
    assert result.attempted > 0


def test_at_least_24_curated_scenarios_cover_every_kind_of_case_and_look_alike() -> None:
    assert len(CURATED) >= 24
    categories = {s.truth.category for s in CURATED}
    assert {
        Category.LABOUR,
        Category.SEXUAL,
        Category.FORCED_MARRIAGE,
        Category.SMUGGLED_MIGRANT,
        Category.LAWFUL_WORKER,
        Category.ONE_WAY_TOURIST,
    } <= categories
    assert any(s.truth.child and s.truth.is_case for s in CURATED)
    assert len({s.id for s in CURATED}) == len(CURATED)


def test_every_curated_scenario_reads_in_english_and_chinese() -> None:
    for s in CURATED:
        for text in (s.title, s.narrative, s.truth.explanation):
            assert text.en.strip(), s.id
            assert text.zh.strip(), s.id
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text.zh), s.id


def test_every_scenario_record_passes_the_checks_any_traveller_record_passes() -> None:
    for s in [*CURATED, *generate_scenarios(6, seed=2)]:
        validate_record(dict(s.record), source=s.id)


def test_look_alikes_are_never_labelled_as_cases_and_never_referred_as_victims() -> None:
    look_alikes = [s for s in CURATED if not s.truth.is_case]
    assert len(look_alikes) >= 8
    for s in look_alikes:
        assert s.truth.full_assessment is Outcome.INSUFFICIENT, s.id
        assert Referral.NRM not in s.truth.referrals, s.id


def test_a_child_whose_screen_calls_for_a_closer_look_goes_to_child_protection() -> None:
    children = [s for s in CURATED if s.truth.child and s.truth.is_case]
    assert children
    for s in children:
        assert s.truth.disposition is Disposition.CHILD_PROTECTION
        assert Referral.CHILD_PROTECTION in s.truth.referrals
        assert s.instrument_id == "second-line-child"


def test_the_expected_assessment_is_what_the_real_assessment_gives_the_persons_answers() -> None:
    for s in CURATED:
        inst = s.instrument()
        consent = {c.id: True for c in inst.consent}
        reached = assess(inst, Answers(inst.id, "en", dict(s.answers), consent))
        assert reached.outcome is s.truth.assessment, s.id
        assert reached.present == s.truth.disclosed, s.id


def test_a_willing_person_discloses_every_true_indicator_and_an_unwilling_one_fewer() -> None:
    base = CURATED[0]
    kwargs = {
        "category": base.truth.category,
        "title": base.title,
        "narrative": base.narrative,
        "record": base.record,
        "observed": base.truth.observations,
        "indicators": base.truth.indicators,
        "child": False,
        "companion": base.companion,
        "needs_interpreter": True,
        "arranged_by_other": True,
    }
    willing = scenario.build_scenario(id="w", willingness=1.0, **kwargs)  # type: ignore[arg-type]
    silent = scenario.build_scenario(id="w", willingness=0.0, **kwargs)  # type: ignore[arg-type]
    assert base.truth.indicators <= willing.truth.disclosed
    assert not (silent.truth.disclosed & base.truth.indicators)
    assert silent.truth.full_assessment is willing.truth.full_assessment


def test_a_person_replies_in_words_in_either_language() -> None:
    s = next(x for x in CURATED if x.answers)
    qid = next(q for q in s.asked_questions() if s.answers.get(q) is not None)
    assert s.reply(qid, "en")
    assert s.reply(qid, "zh")
    assert s.reply(qid, "en") != s.reply(qid, "zh")


def test_generated_scenarios_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    a = [s.to_dict() for s in generate_scenarios(8, seed=11)]
    b = [s.to_dict() for s in generate_scenarios(8, seed=11)]
    c = [s.to_dict() for s in generate_scenarios(8, seed=12)]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert json.dumps(a, sort_keys=True) != json.dumps(c, sort_keys=True)
    assert len(a) == 8
    assert sum(s["truth"]["category"] in ("labour", "sexual", "forced_marriage") for s in a) == 4


def test_generated_cases_carry_the_synthetic_populations_true_indicators() -> None:
    for s in generate_scenarios(10, seed=5):
        if s.truth.is_case:
            assert s.truth.indicators
            assert s.truth.full_assessment is not Outcome.INSUFFICIENT or s.truth.indicators
        else:
            assert not s.truth.indicators


def test_a_generation_request_out_of_range_is_refused_naming_the_option() -> None:
    with pytest.raises(InputError) as err:
        generate_scenarios(-1, seed=1)
    assert err.value.problems[0].where == "--n"
    with pytest.raises(InputError) as err:
        generate_scenarios(2, seed=-3)
    assert err.value.problems[0].where == "--seed"


def test_a_written_set_reads_back_to_the_same_scenarios(tmp_path: Path) -> None:
    scenarios = [*CURATED[:3], *generate_scenarios(3, seed=4)]
    path = tmp_path / "set.json"
    io.write_set(path, scenarios, seed=4)
    back = io.read_set(path)
    assert [s.to_dict()["truth"] for s in back] == [s.to_dict()["truth"] for s in scenarios]
    assert [s.answers for s in back] == [s.answers for s in scenarios]


def test_a_bad_definition_is_refused_with_every_problem_named(tmp_path: Path) -> None:
    good = CURATED[0].definition()
    bad = {**good, "indicators": ["ADL-XX-99", "CHL-DR-01"], "willingness": 2, "companion": "cat"}
    bad.pop("title_zh")
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps({"scenarios": [good, bad, good]}), encoding="utf-8")
    with pytest.raises(InputError) as err:
        io.read_set(path)
    text = str(err.value)
    assert "title_zh" in text
    problems = err.value.problems
    assert any(p.field == "id" and "duplicate" in p.rule for p in problems)
    assert all("scenarios[" in p.where for p in problems)


def test_a_definition_with_wrong_values_names_each_field(tmp_path: Path) -> None:
    good = CURATED[0].definition()
    bad = {**good, "indicators": ["ADL-XX-99", "CHL-DR-01"], "willingness": 2, "companion": "cat"}
    with pytest.raises(InputError) as err:
        io.parse_definition(bad, "test")
    fields = {p.field for p in err.value.problems}
    assert {"indicators", "willingness", "companion"} <= fields
    values = {p.value for p in err.value.problems}
    assert {"ADL-XX-99", "CHL-DR-01"} <= values


def test_a_file_that_is_not_a_scenario_set_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(InputError, match="palermo-training-scenarios"):
        io.read_set(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not a JSON scenario set"):
        io.read_set(path)
