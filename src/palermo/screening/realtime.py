"""Real-time screening: one traveller at a time, at the booth or the visa desk.

``Screener(profile_set).screen(record)`` returns the hits for one record, explained in the same
words as batch screening. One Screener may be shared by many threads: all its state is one
immutable compiled plan read once per call, and ``replace`` swaps in a new profile set by
replacing that plan in a single assignment - a call in flight finishes on the plan it started
with, the next one uses the new set. No restart, no lock on the screening path.

>>> from palermo.profiles import load_profile_set, EXAMPLES_DIR
>>> screener = Screener(load_profile_set(EXAMPLES_DIR))
>>> record = {"record_id": "r1", "event_kind": "exit", "obs_document_held_by_other": True,
...           "obs_companion_answers": True}
>>> [h.rule_id for h in screener.screen(record)]
['documents-held-and-companion-answers']
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from palermo.profiles.ast import Profile
from palermo.profiles.compile_python import PythonPlan, compile_python
from palermo.profiles.explain import Explainer
from palermo.profiles.profile_set import ProfileSet, screening_criteria, screening_day
from palermo.records.schema import with_derived
from palermo.screening.hits import Hit

if TYPE_CHECKING:
    from palermo.screening.watchlists import WatchlistIndex


class _Plan:
    """Everything one screening call needs, built once per profile set."""

    __slots__ = ("_active", "explainer", "positions", "profile_set", "profiles", "python")

    def __init__(self, profile_set: ProfileSet) -> None:
        self.profile_set = profile_set
        self.profiles: tuple[Profile, ...] = profile_set.profiles
        self.python: PythonPlan = compile_python(
            [screening_criteria(p) for p in self.profiles], profile_set.lists
        )
        self.explainer = Explainer(self.profiles, profile_set.lists)
        self.positions: tuple[tuple[int, ...], ...] = tuple(
            tuple(self.python.index[c] for c in comps) for comps in self.explainer.comparisons_of
        )
        self._active: tuple[dt.date, tuple[bool, ...]] | None = None

    def active(self, on: dt.date) -> tuple[bool, ...]:
        cached = self._active
        if cached is None or cached[0] != on:
            cached = (on, tuple(p.in_force(on) for p in self.profiles))
            self._active = cached
        return cached[1]


class Screener:
    """Screens one record at a time against a profile set; thread-safe; hot-swappable."""

    def __init__(
        self,
        profile_set: ProfileSet,
        *,
        today: Callable[[], dt.date] = screening_day,
        watchlists: WatchlistIndex | None = None,
    ) -> None:
        self._today = today
        self._plan = _Plan(profile_set)
        self._swap = threading.Lock()
        # Watchlist matches become hits with source "watchlist", after the profile hits.
        self._watchlists = watchlists

    def replace_watchlists(self, watchlists: WatchlistIndex | None) -> None:
        """Match against ``watchlists`` from the next call on (one assignment, no pause)."""
        self._watchlists = watchlists

    @property
    def profile_set(self) -> ProfileSet:
        return self._plan.profile_set

    def replace(self, profile_set: ProfileSet) -> None:
        """Use ``profile_set`` from the next call on; compiled before the swap, so no pause."""
        plan = _Plan(profile_set)
        with self._swap:
            self._plan = plan

    def not_in_force(self) -> tuple[Profile, ...]:
        """Profiles of the current set that do not fire today (past review, or not yet valid)."""
        return self._plan.profile_set.not_in_force(self._today())

    def screen(self, record: Mapping[str, Any]) -> list[Hit]:
        """The hits for one record (canonical field names and Python values).

        Derived fields (age, days from booking...) are computed here from the input fields.
        """
        plan = self._plan  # read once: a concurrent replace() never mixes two sets
        values = with_derived(record)
        truths, fired = plan.python.run(values)
        listed: list[Hit] = []
        watchlists = self._watchlists  # read once, like the plan
        if watchlists is not None:
            from palermo.screening.watchlists.screening import record_hits

            listed = record_hits(watchlists, values)
        if not fired:
            return listed
        active = plan.active(self._today())
        record_id = str(values.get("record_id") or "")
        hits: list[Hit] = []
        for j in fired:
            if not active[j]:
                continue
            profile = plan.profiles[j]
            bits = tuple(truths[k] for k in plan.positions[j])
            en, zh = plan.explainer.explain(j, bits)
            hits.append(
                Hit(
                    record_id=record_id,
                    source="profile",
                    rule_id=profile.id,
                    rule_version=str(profile.version),
                    weight=profile.weight,
                    title_en=profile.title.en,
                    title_zh=profile.title.zh,
                    matched_en=en,
                    matched_zh=zh,
                    set_version=plan.profile_set.version,
                )
            )
        return hits + listed
