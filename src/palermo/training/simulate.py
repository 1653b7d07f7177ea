"""A simulated cohort: trainees who spot indicators more often the more they practise.

What the model assumes (each an assumption chosen to exercise the dashboard, not a finding
about real trainees, and not tuned to produce any particular gain):

* Each trainee has a base probability ``base`` (uniform 0.25-0.6) of recording an indicator the
  person discloses, and a learning rate ``rate`` (uniform 0.05-0.3). On their k-th exercise
  (k = 0, 1, ...) they record an indicator of strength s with probability
  ``1 - (1 - base * EASE[s]) * (1 - rate) ** k``: it rises with practice towards 1, and weak
  indicators are harder to notice than strong ones (``EASE``).
* Each first-line sign is noted, and each step of the interview's conduct (consent first,
  private, professional interpreter, child path) is done, with the same kind of probability
  (strength taken as medium); the disposition and each expected referral are right with it too.
* The trainee records the assessment the real tool gives the answers they recorded (Palermo
  computes it on the interview page).
* Knowledge tests: each question is answered right with probability ``know`` (uniform 0.3-0.7)
  before the course and ``know + (1 - know) * absorb`` after it, ``absorb`` uniform 0.1-0.6.

Everything is drawn from one ``random.Random(seed)``: the same seed gives the same cohort.

>>> from palermo.training.curated import curated_scenarios
>>> c = simulate_cohort(curated_scenarios()[:4], size=3, exercises=4, seed=1)
>>> len(c.trainees), [len(t.exercises) for t in c.trainees]
(3, [4, 4, 4])
>>> spot_probability(0.5, 0.2, "strong", 0) < spot_probability(0.5, 0.2, "strong", 5)
True
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from palermo.indicators.catalogue import Catalogue, load_catalogue
from palermo.training.questions import Question, questions_for
from palermo.training.scenario import Disposition, Scenario
from palermo.training.scoring import (
    Conduct,
    ExerciseAnswer,
    Interpreter,
    Score,
    assessment_of,
    perfect_answer,
    score_exercise,
)

EASE: Mapping[str, float] = {"strong": 1.0, "medium": 0.85, "weak": 0.7}


def spot_probability(base: float, rate: float, strength: str, practice: int) -> float:
    """The chance of recording one disclosed indicator on the ``practice``-th exercise."""
    first = base * EASE.get(strength, EASE["medium"])
    return 1.0 - (1.0 - first) * (1.0 - rate) ** practice


@dataclass(frozen=True, slots=True)
class SimulatedExercise:
    scenario: Scenario
    answer: ExerciseAnswer
    score: Score


@dataclass(frozen=True, slots=True)
class SimulatedTrainee:
    name: str
    base: float
    rate: float
    pre: Mapping[str, str]  # question id -> option chosen
    post: Mapping[str, str]
    exercises: tuple[SimulatedExercise, ...]


@dataclass(frozen=True, slots=True)
class SimulatedCohort:
    seed: int
    questions: tuple[Question, ...]
    trainees: tuple[SimulatedTrainee, ...]


def simulate_cohort(
    scenarios: Sequence[Scenario],
    *,
    size: int,
    exercises: int,
    seed: int,
    modules: Sequence[str] = ("indicators", "interviewing", "children", "rights", "referral"),
    catalogue: Catalogue | None = None,
) -> SimulatedCohort:
    """``size`` trainees, each doing ``exercises`` exercises drawn from ``scenarios``."""
    cat = catalogue or load_catalogue()
    rng = random.Random(seed)
    questions = tuple(questions_for(modules))
    trainees = []
    for n in range(1, size + 1):
        base, rate = rng.uniform(0.25, 0.6), rng.uniform(0.05, 0.3)
        know, absorb = rng.uniform(0.3, 0.7), rng.uniform(0.1, 0.6)
        pre = _test(questions, know, rng)
        done = []
        for k in range(exercises):
            scenario = rng.choice(list(scenarios))
            answer = _attempt(scenario, base=base, rate=rate, k=k, rng=rng, cat=cat)
            done.append(SimulatedExercise(scenario, answer, score_exercise(scenario, answer)))
        post = _test(questions, know + (1 - know) * absorb, rng)
        trainees.append(SimulatedTrainee(f"{n:02d}", base, rate, pre, post, tuple(done)))
    return SimulatedCohort(seed, questions, tuple(trainees))


def _test(questions: Sequence[Question], p: float, rng: random.Random) -> dict[str, str]:
    chosen = {}
    for q in questions:
        if rng.random() < p:
            chosen[q.id] = q.answer
        else:
            chosen[q.id] = rng.choice([o.id for o in q.options if o.id != q.answer])
    return chosen


def _attempt(
    scenario: Scenario, *, base: float, rate: float, k: int, rng: random.Random, cat: Catalogue
) -> ExerciseAnswer:
    """One simulated trainee's answer: the perfect answer, each part kept with its chance."""
    ideal = perfect_answer(scenario)
    p = spot_probability(base, rate, "medium", k)

    def keep(flag: bool) -> bool:
        return flag and rng.random() < p

    interview = {}
    inst = scenario.instrument()
    for qid, value in ideal.interview.items():
        evidences = [i for o in inst.question(qid).options for i in o.evidences]
        strengths = [cat.indicators[i].effective_strength.value for i in evidences] or ["strong"]
        if rng.random() < spot_probability(base, rate, min(strengths, key=_order), k):
            interview[qid] = value
    disposition = ideal.disposition
    if rng.random() >= p:
        disposition = rng.choice([d for d in Disposition if d is not ideal.disposition])
    c = ideal.conduct
    conduct = Conduct(
        interviewed=c.interviewed or (disposition is not None and disposition.interviews),
        consent_first=keep(c.interviewed),
        private=keep(c.interviewed),
        interpreter=Interpreter.PROFESSIONAL
        if keep(c.interpreter is Interpreter.PROFESSIONAL)
        else Interpreter.NONE,
        child_path=keep(c.child_path),
    )
    return ExerciseAnswer(
        observed=frozenset(o for o in ideal.observed if rng.random() < p),
        disposition=disposition,
        conduct=conduct,
        interview=interview,
        assessment=assessment_of(scenario, interview) if conduct.interviewed else None,
        referrals=frozenset(r for r in ideal.referrals if rng.random() < p),
    )


def _order(strength: str) -> int:
    """Weak first: an answer evidencing a weak item is as hard to notice as that item."""
    return {"weak": 0, "medium": 1, "strong": 2}.get(strength, 1)
