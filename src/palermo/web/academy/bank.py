"""The academy's scenario bank: the curated scenarios Palermo ships and those imported
(``models.BankScenario``), one list wherever a course, a practice page or the offline package
names a scenario by id.

An imported scenario is kept as its definition and rebuilt here with this installation's
catalogue and instruments (``palermo.training.io.parse_definition``), as the import checked it.
Rebuilding takes milliseconds per scenario, so each is rebuilt once per process and kept by its
definition's digest.
"""

from __future__ import annotations

import hashlib
import json
import threading

from palermo.training.curated import curated_scenarios
from palermo.training.io import parse_definition
from palermo.training.scenario import Scenario
from palermo.web.academy.models import BankScenario

_lock = threading.Lock()
_built: dict[str, Scenario] = {}


def imported_scenarios() -> list[Scenario]:
    """Every imported scenario, in the order imported."""
    rows = BankScenario.objects.order_by("pk").values_list("definition", "source")
    found: list[Scenario] = []
    with _lock:
        for definition, source in rows:
            text = json.dumps(definition, sort_keys=True, ensure_ascii=False)
            key = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if key not in _built:
                _built[key] = parse_definition(
                    definition, f"{source} (scenario bank)", source="imported"
                )
            found.append(_built[key])
    return found


def scenario_bank() -> list[Scenario]:
    """The curated scenarios, then the imported ones."""
    return [*curated_scenarios(), *imported_scenarios()]


def known_scenario_ids() -> set[str]:
    return {s.id for s in curated_scenarios()} | set(
        BankScenario.objects.values_list("scenario_id", flat=True)
    )
