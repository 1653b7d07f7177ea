"""The simulated cohort: what its model assumes holds, and the same seed gives the same cohort.
(No test asserts a gain or a score the model would produce: those are assumptions' outputs.)"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from palermo.training.curated import curated_scenarios
from palermo.training.scoring import perfect_answer
from palermo.training.simulate import EASE, simulate_cohort, spot_probability

SCENARIOS = curated_scenarios()


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.sampled_from(sorted(EASE)),
    st.integers(0, 40),
)
def test_the_chance_of_spotting_never_falls_with_practice(
    base: float, rate: float, strength: str, k: int
) -> None:
    now = spot_probability(base, rate, strength, k)
    later = spot_probability(base, rate, strength, k + 1)
    assert 0.0 <= now <= later <= 1.0


def test_weak_indicators_are_modelled_as_harder_to_notice_than_strong_ones() -> None:
    assert spot_probability(0.5, 0.1, "weak", 0) < spot_probability(0.5, 0.1, "strong", 0)


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another() -> None:
    a = simulate_cohort(SCENARIOS, size=4, exercises=3, seed=8)
    b = simulate_cohort(SCENARIOS, size=4, exercises=3, seed=8)
    c = simulate_cohort(SCENARIOS, size=4, exercises=3, seed=9)

    def key(cohort: object) -> list[object]:
        return [
            (t.pre, t.post, [(e.scenario.id, e.score.total) for e in t.exercises])
            for t in cohort.trainees  # type: ignore[attr-defined]
        ]

    assert key(a) == key(b)
    assert key(a) != key(c)


def test_a_simulated_trainee_records_only_what_the_person_said() -> None:
    cohort = simulate_cohort(SCENARIOS, size=5, exercises=6, seed=2)
    for t in cohort.trainees:
        assert set(t.pre) == set(t.post) == {q.id for q in cohort.questions}
        for e in t.exercises:
            ideal = perfect_answer(e.scenario)
            assert set(e.answer.interview.items()) <= set(ideal.interview.items())
            assert e.answer.observed <= ideal.observed
            assert not e.score.invented
            assert 0.0 <= e.score.total <= 100.0
