"""Profile sets of any size for the benchmarks: variants of the shipped example profiles.

Variant k of an example keeps its criteria and adds one more circumstance whose value depends on
k (a cash threshold, a set of destinations, a booking window, a group size...), so that a set of
100 or 500 profiles has many distinct comparisons, as a real set would.
"""

from __future__ import annotations

import dataclasses

from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.ast import AllOf, AnyOf, Comparison, Node, Not, Profile
from palermo.profiles.profile_set import ProfileSet

DESTINATIONS = ("CN", "TH", "MY", "SG", "KH", "MM", "LA", "VN", "PH", "ID", "JP", "KR", "AE")


def _extra(k: int) -> Node:
    """The k-th additional circumstance (never demographic alone: it joins the original)."""
    kind = k % 6
    if kind == 0:
        return Comparison("declared_cash", "lt", float(200 + 50 * k))
    if kind == 1:
        picked = tuple(sorted(DESTINATIONS[(k + i) % len(DESTINATIONS)] for i in range(6)))
        return Comparison("destination", "in", picked)
    if kind == 2:
        return Comparison("days_booking_to_travel", "le", 10 + k % 60)
    if kind == 3:
        return Not(Comparison("visa_type", "eq", "work"))
    if kind == 4:
        return AnyOf(
            (
                Comparison("trip_type", "eq", "one_way"),
                Comparison("group_size", "ge", 2 + k % 20),
            )
        )
    return Comparison("passport_age_days", "gt", 30 + k % 300)


def variants(count: int) -> ProfileSet:
    """``count`` profiles: the examples first, then their variants, round robin."""
    examples = load_profile_set(EXAMPLES_DIR)
    base = list(examples.profiles)
    out: list[Profile] = []
    k = 0
    while len(out) < count:
        for p in base:
            if len(out) >= count:
                break
            if k == 0:
                out.append(p)
            else:
                out.append(
                    dataclasses.replace(
                        p, id=f"{p.id}-v{k}", criteria=AllOf((p.criteria, _extra(k + len(out))))
                    )
                )
        k += 1
    return ProfileSet.of(out, examples.lists.values())
