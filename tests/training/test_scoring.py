"""Scoring an exercise against the scenario's truth, with feedback in both languages."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.indicators.assessment import Outcome
from palermo.indicators.catalogue import load_catalogue
from palermo.training.curated import curated_scenario, curated_scenarios
from palermo.training.generate import generate_scenarios
from palermo.training.scenario import Disposition, Referral
from palermo.training.scoring import (
    WEIGHTS,
    Conduct,
    ExerciseAnswer,
    Interpreter,
    perfect_answer,
    score_exercise,
    set_credit,
)

CURATED = curated_scenarios()
GENERATED = generate_scenarios(12, seed=21)
ALL = [*CURATED, *GENERATED]
CAT = load_catalogue()


def test_a_perfect_answer_scores_full_marks_on_every_scenario() -> None:
    for s in ALL:
        score = score_exercise(s, perfect_answer(s))
        assert score.total == 100.0, (s.id, score.feedback())
        assert not score.missed
        assert not score.invented


def test_an_empty_answer_scores_zero_and_says_what_was_there_to_find() -> None:
    for s in ALL:
        score = score_exercise(s, ExerciseAnswer())
        assert score.total == 0.0, s.id
        en, zh = score.feedback("en"), score.feedback("zh")
        assert "no disposition" in en[0]
        assert "未记录处置" in zh[0]
        if s.truth.disposition.interviews and s.truth.disclosed:
            assert score.missed


def test_a_missed_indicator_is_explained_with_the_catalogues_words_in_both_languages() -> None:
    s = curated_scenario("lab-construction-passports")
    perfect = perfect_answer(s)
    answers = dict(perfect.interview)
    answers.pop("docs_who_holds", None)
    score = score_exercise(s, dataclasses.replace(perfect, interview=answers))
    assert score.total < 100.0
    missed = {m.indicator_id: m for m in score.missed}
    assert "ADL-CD-01" in missed
    ind = CAT.indicators["ADL-CD-01"]
    assert ind.text.en in missed["ADL-CD-01"].explanation.en
    assert ind.text.zh in missed["ADL-CD-01"].explanation.zh
    assert any(ind.text.en in line for line in score.feedback("en"))
    assert any(ind.text.zh in line for line in score.feedback("zh"))


def test_interviewing_with_the_companion_as_interpreter_loses_conduct_marks() -> None:
    s = curated_scenario("fm-bride-arranged")
    perfect = perfect_answer(s)
    bad = dataclasses.replace(
        perfect, conduct=dataclasses.replace(perfect.conduct, interpreter=Interpreter.COMPANION)
    )
    score = score_exercise(s, bad)
    assert score.part("conduct").points < WEIGHTS["conduct"]
    assert any("never the companion" in line for line in score.feedback("en"))


def test_a_child_interviewed_off_the_child_path_loses_conduct_and_disposition_marks() -> None:
    s = curated_scenario("child-labour-uncle")
    perfect = perfect_answer(s)
    bad = dataclasses.replace(
        perfect,
        disposition=Disposition.OFFER_INTERVIEW,
        conduct=dataclasses.replace(perfect.conduct, child_path=False),
    )
    score = score_exercise(s, bad)
    assert score.part("disposition").points == WEIGHTS["disposition"] / 2
    assert score.part("conduct").points < WEIGHTS["conduct"]


def test_consent_after_the_questions_and_a_companion_in_the_room_are_each_named() -> None:
    s = curated_scenario("lab-domestic-worker")
    perfect = perfect_answer(s)
    bad = dataclasses.replace(perfect, conduct=Conduct(interviewed=True, child_path=False))
    lines = score_exercise(s, bad).feedback("en")
    assert any("consent" in line for line in lines)
    assert any("in private, without an employer" in line for line in lines)


def test_referring_a_smuggled_migrant_as_a_victim_costs_marks_and_says_why() -> None:
    s = curated_scenario("look-smuggled-asylum")
    perfect = perfect_answer(s)
    wrong = dataclasses.replace(perfect, referrals=perfect.referrals | {Referral.NRM})
    score = score_exercise(s, wrong)
    assert score.part("referrals").points < WEIGHTS["referrals"]
    assert any("not called for here" in line for line in score.feedback("en"))


def test_waving_through_a_person_with_decisive_signs_scores_no_disposition_marks() -> None:
    s = curated_scenario("sex-boyfriend-loverboy")
    answer = dataclasses.replace(perfect_answer(s), disposition=Disposition.NO_FURTHER_ACTION)
    assert score_exercise(s, answer).part("disposition").points == 0.0


def test_an_assessment_one_step_off_earns_half_and_says_in_which_direction() -> None:
    s = next(x for x in CURATED if x.truth.assessment is Outcome.POSSIBLE)
    answer = dataclasses.replace(perfect_answer(s), assessment=Outcome.PRESUMED)
    score = score_exercise(s, answer)
    assert score.part("assessment").points == WEIGHTS["assessment"] / 2
    assert any("more serious than the answers support" in line for line in score.feedback("en"))


def test_indicators_the_person_never_disclosed_are_named_but_not_counted() -> None:
    s = curated_scenario("child-sexual-silent")
    score = score_exercise(s, perfect_answer(s))
    assert score.total == 100.0
    assert score.undisclosed


def test_the_score_and_feedback_serialise_for_a_page_or_a_file() -> None:
    s = CURATED[0]
    d = score_exercise(s, ExerciseAnswer(disposition=Disposition.OFFER_INTERVIEW)).to_dict()
    assert d["scenario"] == s.id
    assert {p["part"] for p in d["parts"]} == set(WEIGHTS)
    assert all(m["why"]["en"] and m["why"]["zh"] for m in d["missed"])


@st.composite
def _degraded(draw: st.DrawFn) -> tuple[int, ExerciseAnswer, ExerciseAnswer]:
    """A scenario, its perfect answer and a copy with some parts dropped."""
    k = draw(st.integers(0, len(ALL) - 1))
    perfect = perfect_answer(ALL[k])
    keep = (
        draw(st.frozensets(st.sampled_from(sorted(perfect.interview)), max_size=30))
        if perfect.interview
        else frozenset()
    )
    worse = dataclasses.replace(
        perfect,
        observed=draw(st.frozensets(st.sampled_from(sorted(perfect.observed))))
        if perfect.observed
        else frozenset(),
        interview={q: v for q, v in perfect.interview.items() if q in keep},
        referrals=draw(st.frozensets(st.sampled_from(sorted(perfect.referrals))))
        if perfect.referrals
        else frozenset(),
    )
    return k, perfect, worse


@settings(max_examples=60, deadline=None)
@given(_degraded())
def test_leaving_out_part_of_a_perfect_answer_never_raises_the_score(
    case: tuple[int, ExerciseAnswer, ExerciseAnswer],
) -> None:
    k, perfect, worse = case
    full = score_exercise(ALL[k], perfect)
    part = score_exercise(ALL[k], worse)
    assert 0.0 <= part.total <= full.total == 100.0
    # what was left out is named: every missed indicator is one the person disclosed
    disclosed = ALL[k].truth.disclosed
    assert all(m.indicator_id in disclosed for m in part.missed)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, len(ALL) - 1),
    st.sampled_from([None, *Disposition]),
    st.frozensets(st.sampled_from(list(Referral))),
    st.sampled_from([None, *Outcome]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(list(Interpreter)),
)
def test_any_answer_scores_between_0_and_100_with_feedback_in_both_languages(
    k: int,
    disposition: Disposition | None,
    referrals: frozenset[Referral],
    assessment: Outcome | None,
    consent: bool,
    private: bool,
    interpreter: Interpreter,
) -> None:
    answer = ExerciseAnswer(
        disposition=disposition,
        referrals=referrals,
        assessment=assessment,
        conduct=Conduct(
            interviewed=True, consent_first=consent, private=private, interpreter=interpreter
        ),
    )
    score = score_exercise(ALL[k], answer)
    assert 0.0 <= score.total <= 100.0
    assert sum(p.points for p in score.parts) <= sum(p.out_of for p in score.parts)
    assert len(score.feedback("en")) == len(score.feedback("zh")) > 1


@given(st.frozensets(st.integers(0, 6)), st.frozensets(st.integers(0, 6)))
def test_set_credit_is_full_only_for_exactly_the_expected_set(
    e: frozenset[int], g: frozenset[int]
) -> None:
    credit = set_credit(e, g)
    assert 0.0 <= credit <= 1.0
    assert (credit == 1.0) == (e == g)
