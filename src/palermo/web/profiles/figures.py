"""Numbers beside the logic at approval (issue 11 item 2): a profile version backtested on the
synthetic reference population - what the approver sees when recent screened traffic is too
thin (``outcomes/approval.py`` decides, and shows either before the second signature)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from palermo.analytics import ProfileBacktest, Rate, backtest, reference_population
from palermo.profiles import ProfileSet
from palermo.profiles.loader import check_texts
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.registry import active_profile_set, named_list_texts

GROUPS_SHOWN = 8
CACHE_SIZE = 64
_CACHE: dict[tuple[object, ...], ReferenceFigures | None] = {}


@dataclass(frozen=True, slots=True)
class ShownRate:
    attribute: str
    group: str
    travellers: int
    flagged: int
    rate: str


@dataclass(frozen=True, slots=True)
class ReferenceFigures:
    travellers: int
    first_day: dt.date | None
    last_day: dt.date | None
    days: int
    flagged: int
    share: str
    hits_per_day: str
    also_flagged_by_active: int
    rates: tuple[ShownRate, ...]


def percent(rate: Rate) -> str:
    return f"{rate.share:.2%} ({rate.low:.2%}–{rate.high:.2%})"


def reference_figures(version: ProfileVersion) -> ReferenceFigures | None:
    """The version's backtest on the reference population; ``None`` if its text has problems.

    Remembered per (text, named lists, active set): the page is read more often than it changes.
    """
    pid = version.profile.profile_id
    lists = named_list_texts()
    active = active_profile_set()
    key = (pid, version.yaml_text, tuple(sorted(lists.items())), active.version)
    if key not in _CACHE:
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _figures(pid, version.yaml_text, lists, active)
    return _CACHE[key]


def draft_and_others(
    pid: str, text: str, lists: dict[str, str], active: ProfileSet
) -> tuple[ProfileSet, ProfileSet] | None:
    """A version's text as a set of its own, and the active profiles other than it (the set
    its overlap is counted against); ``None`` if the text has problems."""
    draft, problems = check_texts({f"{pid}.yaml": text}, lists)
    if problems or draft is None:
        return None
    others = ProfileSet.of([p for p in active.profiles if p.id != pid], list(active.lists.values()))
    return draft, others


def version_sets(version: ProfileVersion) -> tuple[ProfileSet, ProfileSet] | None:
    """``draft_and_others`` for a stored version, with today's lists and active set."""
    return draft_and_others(
        version.profile.profile_id, version.yaml_text, named_list_texts(), active_profile_set()
    )


def _figures(
    pid: str, text: str, lists: dict[str, str], active: ProfileSet
) -> ReferenceFigures | None:
    sets = draft_and_others(pid, text, lists, active)
    if sets is None:
        return None
    draft, others = sets
    result = backtest(draft, reference_population(), others)
    (figures,) = result.profiles
    return ReferenceFigures(
        travellers=result.travellers,
        first_day=result.first_day,
        last_day=result.last_day,
        days=result.days,
        flagged=figures.flagged.flagged,
        share=percent(figures.flagged),
        hits_per_day=f"{figures.hits_per_day:.2f}",
        also_flagged_by_active=figures.also_flagged_by_active or 0,
        rates=_rates(figures),
    )


def _rates(figures: ProfileBacktest) -> tuple[ShownRate, ...]:
    return tuple(
        ShownRate(attribute, r.group, r.travellers, r.flagged, percent(r))
        for attribute, rates in figures.by_group.items()
        for r in rates[:GROUPS_SHOWN]
    )
