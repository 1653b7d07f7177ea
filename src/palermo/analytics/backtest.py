"""Backtest a draft profile set against a population before it is activated (issue 11 item 6).

For each profile: the share of the population it flags, the hits it would make per day (the
population's event dates give the span), how many of its hits an active set already makes, and
its selection rate within each protected group (nationality, sex, age band) with Wilson 95%
intervals - so an approver sees whom a profile singles out, not only how many.

Every profile is evaluated on its criteria gated by the event kinds it applies to
(``screening_criteria``), whatever its validity dates: a draft is backtested before it is in
force. Records are evaluated one at a time by the compiled profile set (``compile_python``,
the engine the desk uses), so the figures are those screening would give.

>>> wilson(0, 10)[0] == 0.0 and round(wilson(5, 10)[1], 3)
0.763
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from palermo.profiles.compile_python import compile_python
from palermo.profiles.profile_set import ProfileSet, screening_criteria
from palermo.records.schema import with_derived

Z_95 = 1.959963984540054
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-17", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65+", 65, 10_000),
)
UNRECORDED = "not recorded"
GROUPINGS = ("nationality", "sex", "age_band")


def wilson(hits: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``hits / n`` (0 to 1 when ``n`` is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def age_band(age: int | None) -> str:
    if age is None:
        return UNRECORDED
    return next((name for name, low, high in AGE_BANDS if low <= age <= high), UNRECORDED)


@dataclass(frozen=True, slots=True)
class Rate:
    """Travellers of one group, how many the profile flags, the share and its 95% interval."""

    group: str
    travellers: int
    flagged: int
    share: float
    low: float
    high: float

    @classmethod
    def of(cls, group: str, flagged: int, travellers: int) -> Rate:
        low, high = wilson(flagged, travellers)
        share = flagged / travellers if travellers else 0.0
        return cls(group, travellers, flagged, share, low, high)


@dataclass(frozen=True, slots=True)
class ProfileBacktest:
    profile_id: str
    flagged: Rate
    hits_per_day: float
    also_flagged_by_active: int | None  # None: no active set given
    by_group: Mapping[str, tuple[Rate, ...]] = field(default_factory=dict)

    @property
    def overlap_share(self) -> float | None:
        if self.also_flagged_by_active is None or self.flagged.flagged == 0:
            return None
        return self.also_flagged_by_active / self.flagged.flagged


@dataclass(frozen=True, slots=True)
class Backtest:
    travellers: int
    first_day: dt.date | None
    last_day: dt.date | None
    days: int
    profiles: tuple[ProfileBacktest, ...]
    any_profile: Rate

    def as_json(self) -> dict[str, Any]:
        """A plain mapping (dates as ISO text) for ``--json`` and the pages."""
        doc = asdict(self)
        doc["first_day"] = self.first_day.isoformat() if self.first_day else None
        doc["last_day"] = self.last_day.isoformat() if self.last_day else None
        for out, p in zip(doc["profiles"], self.profiles, strict=True):
            out["overlap_share"] = p.overlap_share
        return doc


def _fired_sets(profile_set: ProfileSet, records: Sequence[Mapping[str, Any]]) -> list[set[int]]:
    """For each profile of the set, the indexes of the records it fires on."""
    plan = compile_python([screening_criteria(p) for p in profile_set.profiles], profile_set.lists)
    fired: list[set[int]] = [set() for _ in profile_set.profiles]
    for i, record in enumerate(records):
        for j in plan.fired(record):
            fired[j].add(i)
    return fired


def _groups(records: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    def shown(value: object) -> str:
        return UNRECORDED if value is None else str(value)

    return {
        "nationality": [shown(r.get("nationality")) for r in records],
        "sex": [shown(r.get("sex")) for r in records],
        "age_band": [age_band(r.get("age_at_travel")) for r in records],
    }


def _rates(labels: Sequence[str], fired: set[int]) -> tuple[Rate, ...]:
    totals: dict[str, int] = {}
    flagged: dict[str, int] = {}
    for i, label in enumerate(labels):
        totals[label] = totals.get(label, 0) + 1
        if i in fired:
            flagged[label] = flagged.get(label, 0) + 1
    rates = [Rate.of(label, flagged.get(label, 0), n) for label, n in totals.items()]
    return tuple(sorted(rates, key=lambda r: (-r.flagged, -r.travellers, r.group)))


def _span(records: Iterable[Mapping[str, Any]]) -> tuple[dt.date | None, dt.date | None, int]:
    dates = [r["event_date"] for r in records if r.get("event_date") is not None]
    if not dates:
        return None, None, 0
    first, last = min(dates), max(dates)
    return first, last, (last - first).days + 1


def backtest(
    profile_set: ProfileSet, table: pa.Table, active: ProfileSet | None = None
) -> Backtest:
    """Backtest every profile of ``profile_set`` on ``table`` (canonical records)."""
    records = [with_derived(r) for r in table.to_pylist()]
    fired = _fired_sets(profile_set, records)
    active_fired: set[int] | None = None
    if active is not None:
        active_fired = set().union(*_fired_sets(active, records))
    groups = _groups(records)
    first, last, days = _span(records)
    n = len(records)
    results = []
    for profile, hits in zip(profile_set.profiles, fired, strict=True):
        results.append(
            ProfileBacktest(
                profile_id=profile.id,
                flagged=Rate.of("all", len(hits), n),
                hits_per_day=len(hits) / days if days else 0.0,
                also_flagged_by_active=(
                    len(hits & active_fired) if active_fired is not None else None
                ),
                by_group={name: _rates(labels, hits) for name, labels in groups.items()},
            )
        )
    anyone = set().union(*fired) if fired else set()
    return Backtest(
        travellers=n,
        first_day=first,
        last_day=last,
        days=days,
        profiles=tuple(results),
        any_profile=Rate.of("all", len(anyone), n),
    )


REFERENCE_TRAVELLERS = 5_000
REFERENCE_SEED = 20_260_101


@functools.cache
def reference_population(n: int = REFERENCE_TRAVELLERS, seed: int = REFERENCE_SEED) -> pa.Table:
    """A synthetic reference population (``palermo.synth``), made once per process.

    Used where no recent screened traffic is at hand: its figures describe the generator's
    assumptions, not a real border, and the pages say so.
    """
    from palermo.synth import generate

    records, _truth = generate(n, seed)
    return records
