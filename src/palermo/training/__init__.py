"""The training academy's domain (no Django): practice scenarios with their truth, and scoring.

* :mod:`palermo.training.scenario`: ``Scenario``, ``ScenarioTruth``, ``build_scenario`` and the
  vocabularies (``Category``, ``Disposition``, ``Referral``, ``Companion``);
* :mod:`palermo.training.curated`: the curated narrative scenarios (``data/scenarios.yaml``);
* :mod:`palermo.training.generate`: ``generate_scenarios(n, seed)`` from the synthetic population;
* :mod:`palermo.training.scoring`: ``score_exercise(scenario, answer) -> Score``;
* :mod:`palermo.training.io`: definitions checked, scenario sets written and read.
"""

from __future__ import annotations

from palermo.training.curated import curated_scenario, curated_scenarios
from palermo.training.generate import generate_scenarios
from palermo.training.scenario import (
    Category,
    Companion,
    Disposition,
    Referral,
    Scenario,
    ScenarioTruth,
    build_scenario,
)
from palermo.training.scoring import (
    Conduct,
    ExerciseAnswer,
    Interpreter,
    Score,
    perfect_answer,
    score_exercise,
)

__all__ = [
    "Category",
    "Companion",
    "Conduct",
    "Disposition",
    "ExerciseAnswer",
    "Interpreter",
    "Referral",
    "Scenario",
    "ScenarioTruth",
    "Score",
    "build_scenario",
    "curated_scenario",
    "curated_scenarios",
    "generate_scenarios",
    "perfect_answer",
    "score_exercise",
]
