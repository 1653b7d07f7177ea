"""Numbers beside the logic at approval (issue 11 item 2): the version backtested on recent
screened traffic when there is enough of it, else on the synthetic reference population.

Recent traffic is what the installation stored of the last ``PALERMO_APPROVAL_TRAFFIC_DAYS``
days in the approver's scope (``selectors.stored_window``): every traveller kept for a hit
counted exactly, the others estimated from the random control sample
(``palermo.analytics.stored``). It is enough when at least ``PALERMO_APPROVAL_MIN_SCREENED``
travellers were screened and the control sample reaches ``PALERMO_BACKTEST_MIN_CONTROL``;
otherwise the synthetic population's figures are shown, with the reason. Either way the
approver reads which population it was, how many travellers and which dates.

Here, not in ``profiles``, because it reads the screening app's stored travellers, which
``profiles`` must not import; the profile page shows it through ``{% approval_figures %}``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from palermo.analytics.stored import Estimate, StoredProfileBacktest, backtest_stored
from palermo.web.accounts.models import User
from palermo.web.outcomes import selectors
from palermo.web.profiles.figures import GROUPS_SHOWN, reference_figures, version_sets
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.registry import active_profile_set, named_list_texts

CACHE_SIZE = 32
TRAFFIC = "traffic"
SYNTHETIC = "synthetic"


@dataclass(frozen=True, slots=True)
class GroupRow:
    attribute: str
    group: str
    travellers: int
    flagged: str
    rate: str


@dataclass(frozen=True, slots=True)
class ApprovalFigures:
    basis: str  # TRAFFIC or SYNTHETIC
    travellers: int  # screened (traffic) or generated (synthetic)
    since: dt.date | None
    until: dt.date | None
    days: int
    flagged: str
    share: str
    hits_per_day: str
    also_flagged_by_active: int
    rates: tuple[GroupRow, ...]
    with_hit: int = 0  # traffic: stored travellers kept for a hit (counted exactly)
    control: int = 0  # traffic: the random control sample standing for the others
    why_not_traffic: str = ""  # synthetic: why recent traffic was not used

    @property
    def on_traffic(self) -> bool:
        return self.basis == TRAFFIC


def _estimated(value: Estimate) -> str:
    return f"{value.share:.2%} ({value.low:.2%}–{value.high:.2%})"


def _traffic_rows(figures: StoredProfileBacktest) -> tuple[GroupRow, ...]:
    rows = []
    for attribute in selectors.ATTRIBUTES:
        groups = [g for g in figures.by_group if g.attribute == attribute][:GROUPS_SHOWN]
        for g in groups:
            rows.append(
                GroupRow(
                    attribute=attribute,
                    group=g.group,
                    travellers=g.screened,
                    flagged="–" if g.selection is None else f"{g.selection.travellers:.0f}",
                    rate=(
                        _("too few stored travellers")
                        if g.selection is None
                        else _estimated(g.selection)
                    ),
                )
            )
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class _TrafficResult:
    """A version's estimate on one window of stored screenings, without a record (kept)."""

    since: dt.date
    until: dt.date
    screened: int
    with_hit: int
    control: int
    min_control: int
    figures: StoredProfileBacktest


_CACHE: dict[tuple[object, ...], _TrafficResult | None] = {}


def _estimate(user: User, version: ProfileVersion, days: int) -> _TrafficResult | None:
    """The version on the stored screenings (``None``: its text has problems). Remembered per
    window, its counts, the version's text, the lists and the active set: the page is read
    more often than traffic arrives, and the records need not be decrypted again."""
    recent = selectors.recent_traffic(user=user, days=days)
    lists = named_list_texts()
    active = active_profile_set()
    key = (
        recent, version.pk, version.yaml_text, tuple(sorted(lists.items())), active.version,
        int(settings.BACKTEST_MIN_CONTROL),
    )  # fmt: skip
    if key not in _CACHE:
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _run(user, version, days)
    return _CACHE[key]


def _run(user: User, version: ProfileVersion, days: int) -> _TrafficResult | None:
    sets = version_sets(version)
    if sets is None:
        return None
    window = selectors.stored_window(user=user, days=days)
    stored = window.screenings
    draft, others = sets
    result = backtest_stored(draft, stored, others, min_control=int(settings.BACKTEST_MIN_CONTROL))
    (figures,) = result.profiles
    return _TrafficResult(
        since=window.since,
        until=window.until,
        screened=stored.screened,
        with_hit=len(stored.with_hit),
        control=len(stored.control),
        min_control=result.min_control,
        figures=figures,
    )


def _on_traffic(user: User, version: ProfileVersion) -> ApprovalFigures | str:
    """The figures on recent traffic, or why there are none."""
    days = min(int(settings.APPROVAL_TRAFFIC_DAYS), int(settings.SCREENING_RETENTION_DAYS))
    minimum = int(settings.APPROVAL_MIN_SCREENED)
    screened = selectors.recent_traffic(user=user, days=days).screened  # nothing decrypted
    if screened < minimum:
        return _(
            "%(n)d travellers screened in the last %(days)d days; at least %(min)d are needed"
        ) % {"n": screened, "days": days, "min": minimum}
    found = _estimate(user, version, days)
    if found is None:
        return ""
    figures = found.figures
    if figures.flagged is None:
        return _(
            "the random control sample of the last %(days)d days holds %(n)d travellers; at "
            "least %(min)d are needed"
        ) % {"days": days, "n": found.control, "min": found.min_control}
    return ApprovalFigures(
        basis=TRAFFIC,
        travellers=found.screened,
        since=found.since,
        until=found.until,
        days=days,
        flagged=f"{figures.flagged.travellers:.0f}",
        share=_estimated(figures.flagged),
        hits_per_day=f"{figures.hits_per_day or 0.0:.2f}",
        also_flagged_by_active=figures.also_flagged_by_active or 0,
        rates=_traffic_rows(figures),
        with_hit=found.with_hit,
        control=found.control,
    )


def approval_figures(*, user: User, version: ProfileVersion) -> ApprovalFigures | None:
    """The version's figures for its approver (``None``: its text has problems today)."""
    traffic = _on_traffic(user, version)
    if isinstance(traffic, ApprovalFigures):
        return traffic
    synthetic = reference_figures(version)
    if synthetic is None:
        return None
    return ApprovalFigures(
        basis=SYNTHETIC,
        travellers=synthetic.travellers,
        since=synthetic.first_day,
        until=synthetic.last_day,
        days=synthetic.days,
        flagged=str(synthetic.flagged),
        share=synthetic.share,
        hits_per_day=synthetic.hits_per_day,
        also_flagged_by_active=synthetic.also_flagged_by_active,
        rates=tuple(
            GroupRow(r.attribute, r.group, r.travellers, str(r.flagged), r.rate)
            for r in synthetic.rates
        ),
        why_not_traffic=traffic,
    )
