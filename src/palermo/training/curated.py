"""The curated narrative scenarios shipped with Palermo (``data/scenarios.yaml``).

>>> scenarios = curated_scenarios()
>>> len(scenarios) >= 24
True
>>> sorted({s.truth.category.value for s in scenarios})[:3]
['forced_marriage', 'labour', 'lawful_worker']
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from palermo.training.io import load_definitions
from palermo.training.scenario import Scenario

CURATED_PATH = Path(__file__).resolve().parent / "data" / "scenarios.yaml"


def curated_scenarios() -> list[Scenario]:
    """Every curated scenario, checked and computed (cached: the file ships with the code)."""
    return list(_curated())


@lru_cache(maxsize=1)
def _curated() -> tuple[Scenario, ...]:
    return tuple(load_definitions(CURATED_PATH, source="curated"))


def curated_scenario(scenario_id: str) -> Scenario:
    """One curated scenario by id (``KeyError`` when there is none)."""
    for s in _curated():
        if s.id == scenario_id:
            return s
    raise KeyError(scenario_id)
