"""Backtest a draft profile set on the screenings an installation has stored (issue 11 item 6).

An installation does not keep every traveller it screens. It keeps two kinds, and the tally
counts everyone:

* **every traveller who had a hit** (a profile or a watchlist, whatever set was active then):
  a *census* of that stratum - each one stands for itself. They are not a random sample of
  the traffic, so they never give a rate on their own;
* **the random control sample**: of the travellers *without* a hit, each was drawn with the
  same small probability (``PALERMO_CONTROL_SAMPLE_PER_100000``). Each stands for about
  100,000/rate travellers without a hit;
* **the tally**: how many were screened, by day and protected group (counts only).

So the draft's flagged travellers are estimated stratum by stratum (a stratified
Horvitz-Thompson estimate): counted exactly among the travellers with a hit, and among the
travellers without one estimated from the control sample, each weighted by the number of
travellers without a hit it stands for. That weight is taken from the tally (travellers
without a hit / control sample size: the *realised* inverse sampling rate, so a rate changed
within the window does not bias the count) and shown beside the configured 100,000/rate.
Only the control sample is uncertain: its share is given a Wilson 95% interval and carried
through the (linear) estimate. Below ``min_control`` control travellers there is no estimate,
only the counts and the words "too few stored travellers"; a group below
``MIN_GROUP_CONTROL`` (or the lower whole floor) likewise.

Overlap with the active set is given as counts of stored travellers, never as a rate.

>>> share = estimate(census_flagged=10, control_flagged=2, control=40, without_hit=4_000,
...                  screened=4_100)
>>> share.travellers, round(share.share, 4)
(210.0, 0.0512)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from palermo.analytics.backtest import _fired_sets, wilson
from palermo.profiles.profile_set import ProfileSet
from palermo.records.schema import with_derived

SCALE = 100_000
MIN_CONTROL = 100  # default floor of the whole estimate (``PALERMO_BACKTEST_MIN_CONTROL``)
MIN_GROUP_CONTROL = 20  # a group's estimate needs this many of its control travellers (or fewer,
# when the whole estimate's floor is set lower)


@dataclass(frozen=True, slots=True)
class StoredTraveller:
    """A stored record and the protected groups it was counted in by the tally."""

    record: Mapping[str, Any]
    groups: Mapping[str, str]  # attribute (nationality, sex, age_band) -> group


@dataclass(frozen=True, slots=True)
class StoredScreenings:
    """What is stored of one window of screenings (one agency, or every agency in scope)."""

    screened: int  # every traveller screened in the window (the tally)
    screened_by_group: Mapping[str, Mapping[str, int]]  # attribute -> group -> screened
    with_hit: Sequence[StoredTraveller]  # every traveller who had a hit: a census
    control: Sequence[StoredTraveller]  # the random control sample of the others
    days: int
    configured_per_100000: int  # the control sample's configured rate, today

    @property
    def without_hit(self) -> int:
        return max(self.screened - len(self.with_hit), 0)

    @property
    def realised_weight(self) -> float | None:
        """How many travellers without a hit each control traveller stands for (tally)."""
        return self.without_hit / len(self.control) if self.control else None

    @property
    def configured_weight(self) -> float | None:
        per = self.configured_per_100000
        return SCALE / per if per > 0 else None


@dataclass(frozen=True, slots=True)
class Estimate:
    """Estimated travellers flagged out of ``screened``, the share and its 95% interval."""

    travellers: float
    screened: int
    share: float
    low: float
    high: float


def estimate(
    *, census_flagged: int, control_flagged: int, control: int, without_hit: int, screened: int
) -> Estimate:
    """Flagged travellers: ``census_flagged`` counted among those with a hit, plus the control
    sample's share (``control_flagged`` of ``control``, Wilson 95%) of the ``without_hit``."""
    if control == 0 and without_hit > 0:
        raise ValueError("no control traveller stands for the travellers without a hit")
    p = control_flagged / control if control else 0.0
    low, high = wilson(control_flagged, control) if control else (0.0, 0.0)
    count = census_flagged + p * without_hit
    if screened == 0:
        return Estimate(0.0, 0, 0.0, 0.0, 0.0)

    def share(rate: float) -> float:
        return min(1.0, (census_flagged + rate * without_hit) / screened)

    return Estimate(count, screened, share(p), share(low), share(high))


@dataclass(frozen=True, slots=True)
class GroupEstimate:
    attribute: str
    group: str
    screened: int  # the tally
    with_hit: int  # stored travellers of the group who had a hit (census)
    control: int  # control travellers of the group
    flagged_with_hit: int
    flagged_control: int
    selection: Estimate | None  # None: too few control travellers of the group


@dataclass(frozen=True, slots=True)
class StoredProfileBacktest:
    profile_id: str
    flagged_with_hit: int  # stored travellers with a hit the draft flags (exact)
    flagged_control: int  # control travellers the draft flags
    also_flagged_by_active: int | None  # of those stored and flagged, the active set's too
    flagged: Estimate | None  # None: too few control travellers
    hits_per_day: float | None
    by_group: tuple[GroupEstimate, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class StoredBacktest:
    stored: StoredScreenings
    min_control: int
    profiles: tuple[StoredProfileBacktest, ...]

    @property
    def group_floor(self) -> int:
        """Control travellers a group needs for an estimate of its own."""
        return min(MIN_GROUP_CONTROL, self.min_control)

    @property
    def enough(self) -> bool:
        """Whether the control sample reaches the floor (if anyone went without a hit)."""
        return self.stored.without_hit == 0 or len(self.stored.control) >= self.min_control


def _groups(
    stored: StoredScreenings, fired_hit: set[int], fired_control: set[int], floor: int
) -> tuple[GroupEstimate, ...]:
    out = []
    for attribute, screened in stored.screened_by_group.items():
        hit_n = Counter(t.groups.get(attribute, "") for t in stored.with_hit)
        control_n = Counter(t.groups.get(attribute, "") for t in stored.control)
        hit_k = Counter(stored.with_hit[i].groups.get(attribute, "") for i in fired_hit)
        control_k = Counter(stored.control[i].groups.get(attribute, "") for i in fired_control)
        for group, n in sorted(screened.items(), key=lambda kv: (-kv[1], kv[0])):
            without = max(n - hit_n[group], 0)
            enough = without == 0 or control_n[group] >= floor
            selection = (
                estimate(
                    census_flagged=hit_k[group],
                    control_flagged=control_k[group],
                    control=control_n[group],
                    without_hit=without,
                    screened=n,
                )
                if enough
                else None
            )
            out.append(
                GroupEstimate(
                    attribute=attribute, group=group, screened=n, with_hit=hit_n[group],
                    control=control_n[group], flagged_with_hit=hit_k[group],
                    flagged_control=control_k[group], selection=selection,
                )
            )  # fmt: skip
    return tuple(out)


def backtest_stored(
    profile_set: ProfileSet,
    stored: StoredScreenings,
    active: ProfileSet | None = None,
    *,
    min_control: int = MIN_CONTROL,
) -> StoredBacktest:
    """Every profile of ``profile_set`` estimated on ``stored`` (see the module's words)."""
    hit_records = [with_derived(t.record) for t in stored.with_hit]
    control_records = [with_derived(t.record) for t in stored.control]
    fired_hit = _fired_sets(profile_set, hit_records)
    fired_control = _fired_sets(profile_set, control_records)
    active_hit: set[int] | None = None
    active_control: set[int] = set()
    if active is not None and active.profiles:
        active_hit = set().union(*_fired_sets(active, hit_records))
        active_control = set().union(*_fired_sets(active, control_records))
    elif active is not None:
        active_hit = set()
    result = StoredBacktest(stored, min_control, ())
    profiles = []
    for profile, on_hit, on_control in zip(
        profile_set.profiles, fired_hit, fired_control, strict=True
    ):
        flagged = None
        if result.enough:
            flagged = estimate(
                census_flagged=len(on_hit),
                control_flagged=len(on_control),
                control=len(stored.control),
                without_hit=stored.without_hit,
                screened=stored.screened,
            )
        profiles.append(
            StoredProfileBacktest(
                profile_id=profile.id,
                flagged_with_hit=len(on_hit),
                flagged_control=len(on_control),
                also_flagged_by_active=(
                    None
                    if active_hit is None
                    else len(on_hit & active_hit) + len(on_control & active_control)
                ),
                flagged=flagged,
                hits_per_day=(
                    flagged.travellers / stored.days if flagged and stored.days else None
                ),
                by_group=(
                    _groups(stored, on_hit, on_control, result.group_floor) if result.enough else ()
                ),
            )
        )
    return StoredBacktest(stored, min_control, tuple(profiles))


def _estimate_json(value: Estimate | None) -> dict[str, float] | None:
    if value is None:
        return None
    return {
        "travellers": value.travellers,
        "share": value.share,
        "low": value.low,
        "high": value.high,
    }


def stored_backtest_json(result: StoredBacktest) -> dict[str, Any]:
    """The figures as plain data (``--json``): counts and estimates, never a stored record."""
    stored = result.stored
    return {
        "screened": stored.screened,
        "stored_with_hit": len(stored.with_hit),
        "control_sample": len(stored.control),
        "days": stored.days,
        "weight_realised": stored.realised_weight,
        "weight_configured": stored.configured_weight,
        "min_control": result.min_control,
        "enough": result.enough,
        "profiles": [
            {
                "profile_id": p.profile_id,
                "flagged": _estimate_json(p.flagged),
                "hits_per_day": p.hits_per_day,
                "flagged_with_hit": p.flagged_with_hit,
                "flagged_control": p.flagged_control,
                "also_flagged_by_active": p.also_flagged_by_active,
                "by_group": [
                    {
                        "attribute": g.attribute,
                        "group": g.group,
                        "screened": g.screened,
                        "with_hit": g.with_hit,
                        "control": g.control,
                        "flagged_with_hit": g.flagged_with_hit,
                        "flagged_control": g.flagged_control,
                        "selection": _estimate_json(g.selection),
                    }
                    for g in p.by_group
                ],
            }
            for p in result.profiles
        ],
    }
