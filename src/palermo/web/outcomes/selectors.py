"""What every profile and watchlist yields, what it costs and whom it selects (issue 11).

Each hit is followed to what became of it: its disposition (sent to a second-line interview?
minutes spent), the interviews started from it (a possible or presumed victim?), the case they
opened and the competent authority's conclusive decision on that case (identified?). Counts
are of distinct travellers. Rates carry Wilson 95% intervals; yields are per 100,000
travellers screened (``ScreeningTally``, the denominator no hit table has).

The random control sample (hits of source ``control``) estimates the base rate among
travellers no profile flagged, and from it the share of victims the profiles find (recall).

Disparity: for each profile and for the whole set, the share of each nationality, sex and age
band that was selected, against the screened population (the tally), and each group's yield
in the control sample (possible or presumed victims, and referrals to second line, among the
group's control travellers, Wilson 95%). A group whose selection ratio to everyone else passes
``DISPARITY_RATIO_PERCENT`` without a yield that differs as much is flagged. The yield compared
is the group's *base rate* when the control sample holds at least ``DISPARITY_MIN_CONTROL``
travellers of the group and of everyone else: victims found among the group's travellers with
a hit (a census of that stratum) plus the control sample's share of the group's travellers
without one (the stratified estimate of ``palermo.analytics.stored``) - a rate that does not
follow selection. With fewer, it is the victims the profiles found per traveller screened,
which rises with selection itself, and the page says so. The records are read (decrypted)
only to learn each flagged or sampled traveller's group.

Backtest on stored screenings (issue 11 item 6): a profile version on what is stored of the
last N days - every traveller who had a hit (a census of that stratum), the random control
sample of the others, and the tally of everyone; ``palermo.analytics.stored`` turns them into
an estimate with intervals. Records masked by retention have lost the fields a profile reads:
they are left out and counted.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import pyarrow as pa
from django.conf import settings
from django.db.models import Count, Model, Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from palermo.analytics.backtest import Backtest, Rate, backtest
from palermo.analytics.stored import (
    Estimate,
    StoredBacktest,
    StoredScreenings,
    StoredTraveller,
    backtest_stored,
    estimate,
)
from palermo.indicators.assessment import Outcome
from palermo.records.schema import ARROW_SCHEMA, FULL_ARROW_SCHEMA
from palermo.web.accounts.models import Agency, User
from palermo.web.administration.services import national_agency_id
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case
from palermo.web.interviews.models import Interview
from palermo.web.lib.roles import OUTCOME_ROLES, require_role
from palermo.web.lib.training import in_training
from palermo.web.nrm.models import Decision, Stage
from palermo.web.profiles.figures import version_sets
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.selectors import profile_version_get
from palermo.web.screening.forms import record_from_json
from palermo.web.screening.models import DispositionKind, Hit, ScreeningTally, Traveller
from palermo.web.screening.sampling import CONTROL_SOURCE, group_of

PER = 100_000
VICTIM_OUTCOMES = frozenset({Outcome.PRESUMED.value, Outcome.POSSIBLE.value})
ATTRIBUTES = ("nationality", "sex", "age_band")
BACKTEST_DEFAULT_DAYS = 90
MIN_GROUP = 30  # travellers screened: a smaller group's ratio is noise, shown but not flagged
_WHAT = gettext_lazy("see what profiles and watchlists yield")
M = TypeVar("M", bound=Model)
SENT_ON = (DispositionKind.REFERRED.value, DispositionKind.INVESTIGATOR.value)


@dataclass(frozen=True, slots=True)
class Period:
    since: dt.date
    until: dt.date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One profile's or watchlist's hits and what became of them in a period."""

    source: str
    rule_id: str
    title_en: str
    title_zh: str
    hits: int
    travellers: int
    second_line: Rate  # of hits, sent to a second-line interview (or an investigator)
    victims: Rate  # of travellers, assessed possible or presumed victims
    identified: Rate  # of travellers, conclusively identified by the competent authority
    yield_: Rate  # possible or presumed victims of all travellers screened
    minutes_per_hit: float | None
    low_yield: bool  # even the upper bound of the yield is below the floor

    def per_100(self, rate: Rate) -> tuple[float, float, float]:
        return rate.share * 100, rate.low * 100, rate.high * 100

    @property
    def yield_per_100000(self) -> tuple[float, float, float]:
        return self.yield_.share * PER, self.yield_.low * PER, self.yield_.high * PER


@dataclass(frozen=True, slots=True)
class ControlEstimate:
    screened: int
    flagged_travellers: int
    sample: int
    sample_victims: Rate  # base rate among travellers no profile flagged
    found_by_profiles: int
    recall: tuple[float, float, float] | None  # share of victims the profiles find, interval


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose hits and screenings a figure counts: one agency's, or (``agency_id`` ``None``)
    every agency of one world - the live one, or the training sandbox's."""

    agency_id: int | None
    training: bool

    def rows(self, rows: QuerySet[M]) -> QuerySet[M]:
        rows = rows.filter(agency__is_training=self.training)
        return rows if self.agency_id is None else rows.filter(agency_id=self.agency_id)


def _scope(user: User) -> Scope:
    """The agency whose hits ``user`` sees (every agency, for the national body)."""
    require_role(user, OUTCOME_ROLES, what=_WHAT)
    national = national_agency_id()
    training = in_training(user)
    if national is not None and user.agency_id == national:
        return Scope(None, training)
    return Scope(user.agency_id, training)


def _agency_scope(agency: Agency) -> Scope:
    """What the people of ``agency`` see: its own figures, or every agency's for the national
    body (for scheduled tasks, which have no user)."""
    national = national_agency_id()
    training = bool(agency.is_training)
    return Scope(None if national == agency.pk else agency.pk, training)


def _in(user: User | None, within: Scope | None) -> Scope:
    if within is not None:
        return within
    if user is None:
        raise ValueError("figures need a user or a scope")
    return _scope(user)


def _hits(scope: Scope, period: Period) -> QuerySet[Hit]:
    # every agency of the scope's world: a training agency's practice never enters live figures
    return scope.rows(
        Hit.objects.filter(created_at__date__gte=period.since, created_at__date__lte=period.until)
    )


def _tally_rows(scope: Scope, since: dt.date, until: dt.date) -> QuerySet[ScreeningTally]:
    return scope.rows(ScreeningTally.objects.filter(day__gte=since, day__lte=until))


@dataclass(frozen=True, slots=True)
class RecentTraffic:
    """What changes when the stored screenings of a window do: the scope, the window, the
    travellers screened (the tally) and the latest stored traveller. Counts only."""

    scope: Scope
    since: dt.date
    until: dt.date
    screened: int
    latest: int | None


def recent_traffic(*, user: User, days: int) -> RecentTraffic:
    """The last ``days`` days (today included) in ``user``'s scope, counted without
    decrypting anything: enough to know whether the stored screenings changed."""
    scope = _scope(user)
    until = timezone.localdate()
    since = until - dt.timedelta(days=max(days, 1) - 1)
    latest = _travellers(scope, since, until).order_by("-pk").values_list("pk", flat=True).first()
    return RecentTraffic(scope, since, until, _screened(scope, Period(since, until)), latest)


def _screened(scope: Scope, period: Period) -> int:
    rows = _tally_rows(scope, period.since, period.until)
    return int(rows.aggregate(n=Sum("screened"))["n"] or 0)


def _victim_travellers(hit_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """Of the travellers of these hits: assessed possible/presumed victims, and conclusively
    identified ones (through the interview's case)."""
    interviews = Interview.objects.filter(hit_id__in=list(hit_ids)).values_list(
        "hit__traveller_id", "outcome", "case_id"
    )
    victims: set[int] = set()
    case_of: dict[int, int] = {}
    for traveller, outcome, case in interviews:
        if outcome in VICTIM_OUTCOMES:
            victims.add(traveller)
        if case is not None:
            case_of[case] = traveller
    identified_cases = set(
        Decision.objects.filter(
            identification__case_id__in=list(case_of), stage=Stage.CONCLUSIVE.value, positive=True
        ).values_list("identification__case_id", flat=True)
    )
    return victims, {case_of[c] for c in identified_cases}


def rule_outcomes(
    *, user: User | None = None, period: Period, within: Scope | None = None
) -> list[RuleOutcome]:
    """Every profile and watchlist entry with hits in the period, most hits first (as ``user``
    sees them, or ``within`` a scope for a scheduled task)."""
    where = _in(user, within)
    hits = _hits(where, period).exclude(source=CONTROL_SOURCE)
    screened = _screened(where, period)
    rows = list(
        hits.values("source", "rule_id", "id", "traveller_id", "title_en", "title_zh", "status")
    )
    timing = {
        r["rule_id"]: r["total"] / r["n"]
        for r in hits.filter(disposition__minutes__isnull=False)
        .values("rule_id")
        .annotate(total=Sum("disposition__minutes"), n=Count("id"))
    }
    victims, identified = _victim_travellers(r["id"] for r in rows)
    by_rule: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        by_rule[(str(r["source"]), str(r["rule_id"]))].append(dict(r))
    floor = settings.PROFILE_YIELD_FLOOR_PER_100000 / PER
    out = []
    for (source, rule), group in by_rule.items():
        travellers = {int(str(r["traveller_id"])) for r in group}
        sent = sum(r["status"] in SENT_ON for r in group)
        found = len(travellers & victims)
        yield_rate = Rate.of("yield", found, screened)
        out.append(
            RuleOutcome(
                source=source,
                rule_id=rule,
                title_en=str(group[0]["title_en"]),
                title_zh=str(group[0]["title_zh"]),
                hits=len(group),
                travellers=len(travellers),
                second_line=Rate.of("second line", sent, len(group)),
                victims=Rate.of("victims", found, len(travellers)),
                identified=Rate.of("identified", len(travellers & identified), len(travellers)),
                yield_=yield_rate,
                minutes_per_hit=timing.get(rule),
                low_yield=screened > 0 and yield_rate.high < floor,
            )
        )
    out.sort(key=lambda o: (-o.hits, o.rule_id))
    return out


def _rule_outcome(scope: Scope, period: Period, rule_id: str) -> RuleOutcome:
    """One profile's outcomes in the period; zeros (and the floor judged on the screened
    alone) when it had no hit."""
    found = next(
        (
            o
            for o in rule_outcomes(within=scope, period=period)
            if o.source == "profile" and o.rule_id == rule_id
        ),
        None,
    )
    if found is not None:
        return found
    screened = _screened(scope, period)
    yield_rate = Rate.of("yield", 0, screened)
    floor = settings.PROFILE_YIELD_FLOOR_PER_100000 / PER
    none = Rate.of(rule_id, 0, 0)
    return RuleOutcome(
        source="profile",
        rule_id=rule_id,
        title_en="",
        title_zh="",
        hits=0,
        travellers=0,
        second_line=none,
        victims=none,
        identified=none,
        yield_=yield_rate,
        minutes_per_hit=None,
        low_yield=screened > 0 and yield_rate.high < floor,
    )


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """A profile version's outcomes since it became active, for its review."""

    version: ProfileVersion
    period: Period
    outcome: RuleOutcome
    days_left: int  # to the review date; negative once past it

    @property
    def due(self) -> bool:
        """Whether the review is near enough (or past) for the holders to be told."""
        return self.days_left <= int(settings.PROFILE_REVIEW_NOTICE_DAYS)


def _review(scope: Scope, version: ProfileVersion, today: dt.date) -> ReviewOutcome:
    start = (
        timezone.localdate(version.activated_at)
        if version.activated_at is not None
        else version.valid_from
    )
    period = Period(min(start, today), today)
    outcome = _rule_outcome(scope, period, version.profile.profile_id)
    return ReviewOutcome(version, period, outcome, (version.review_by - today).days)


def version_review(*, user: User, pk: int, today: dt.date | None = None) -> ReviewOutcome:
    """The version (read through the profiles' selector) with its outcomes since activation,
    as ``user`` sees them."""
    version = profile_version_get(user=user, pk=pk)
    return _review(_scope(user), version, today or timezone.localdate())


def review_for_holders(version: ProfileVersion, today: dt.date) -> ReviewOutcome:
    """The same as the version's holding agency sees it (the scheduled review notice)."""
    return _review(_agency_scope(version.agency), version, today)


def rule_trend(*, user: User, period: Period, rule_id: str) -> list[dict[str, object]]:
    """Per month: hits of ``rule_id`` and the possible or presumed victims among them."""
    rows = list(
        _hits(_scope(user), period)
        .filter(rule_id=rule_id)
        .values("id", "traveller_id", "created_at")
    )
    victims, _ = _victim_travellers(r["id"] for r in rows)
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    seen: set[tuple[str, int]] = set()
    for r in rows:
        month = r["created_at"].strftime("%Y-%m")
        months[month][0] += 1
        if r["traveller_id"] in victims and (month, r["traveller_id"]) not in seen:
            seen.add((month, r["traveller_id"]))
            months[month][1] += 1
    return [{"month": m, "hits": h, "victims": v} for m, (h, v) in sorted(months.items())]


def control_estimate(*, user: User, period: Period) -> ControlEstimate:
    """The base rate among travellers no profile flagged (from the control sample) and the
    share of victims the profiles find, with an interval from the base rate's."""
    where = _scope(user)
    hits = _hits(where, period)
    screened = _screened(where, period)
    control = list(hits.filter(source=CONTROL_SOURCE).values_list("id", "traveller_id"))
    flagged_rows = list(hits.exclude(source=CONTROL_SOURCE).values_list("id", "traveller_id"))
    control_victims, _ = _victim_travellers(i for i, _t in control)
    flagged_victims, _ = _victim_travellers(i for i, _t in flagged_rows)
    flagged = len({t for _i, t in flagged_rows})
    base = Rate.of("control", len(control_victims), len(control))
    recall = None
    if control and screened > flagged:
        unflagged = screened - flagged
        found = len(flagged_victims)

        def share(rate: float) -> float:
            missed = rate * unflagged
            return found / (found + missed) if found + missed else 0.0

        # a higher base rate means more missed victims: the bounds swap
        recall = (share(base.share), share(base.high), share(base.low))
    return ControlEstimate(
        screened=screened,
        flagged_travellers=flagged,
        sample=len(control),
        sample_victims=base,
        found_by_profiles=len(flagged_victims),
        recall=recall,
    )


def _screened_by_group(scope: Scope, period: Period) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {a: Counter() for a in ATTRIBUTES}
    rows = _tally_rows(scope, period.since, period.until)
    for nationality, sex, band, n in rows.values_list("nationality", "sex", "age_band", "screened"):
        for attribute, value in zip(ATTRIBUTES, (nationality, sex, band), strict=True):
            out[attribute][str(value) or "-"] += int(n)
    return out


def _groups_of(travellers: Iterable[Traveller]) -> dict[int, dict[str, str]]:
    """Each traveller's nationality, sex and age band, from the (encrypted) record."""
    out = {}
    for t in travellers:
        record = record_from_json(t.record)
        _day, _port, nationality, sex, band = group_of(record, t.screened_at.date())
        out[t.pk] = {"nationality": nationality or "-", "sex": sex or "-", "age_band": band}
    return out


@dataclass(frozen=True, slots=True)
class _Traffic:
    """Who was looked at in a period: every traveller with a hit (of any profile or
    watchlist) and every one in the control sample, with their groups and what became of
    them - the two strata the base rates are estimated from."""

    groups: dict[int, dict[str, str]]
    with_hit: set[int]
    found: set[int]  # travellers with a hit assessed possible or presumed victims
    control: set[int]
    control_victims: set[int]
    control_referred: set[int]  # control travellers sent to second line (or an investigator)
    screened: dict[str, Counter[str]]


def _traffic(scope: Scope, period: Period) -> _Traffic:
    hits = _hits(scope, period)
    flagged = list(hits.exclude(source=CONTROL_SOURCE).values_list("id", "traveller_id"))
    sampled = list(hits.filter(source=CONTROL_SOURCE).values_list("id", "traveller_id", "status"))
    ids = {t for _i, t in flagged} | {t for _i, t, _s in sampled}
    groups = _groups_of(Traveller.objects.filter(pk__in=ids).only("record", "screened_at"))
    found, _ = _victim_travellers(i for i, _t in flagged)
    control_victims, _ = _victim_travellers(i for i, _t, _s in sampled)
    return _Traffic(
        groups=groups,
        with_hit={t for _i, t in flagged},
        found=found,
        control={t for _i, t, _s in sampled},
        control_victims=control_victims,
        control_referred={t for _i, t, status in sampled if status in SENT_ON},
        screened=_screened_by_group(scope, period),
    )


@dataclass(frozen=True, slots=True)
class GroupRate:
    attribute: str
    group: str
    screened: int
    others: int  # everyone else screened, the group it is compared with
    selected: Rate  # of the group's screened travellers, flagged
    ratio: float | None  # the group's selection rate over everyone else's
    yield_ratio: float | None  # victims the profiles found per traveller screened, over the rest
    control_victims: Rate  # of the group's control travellers, possible or presumed victims
    control_referred: Rate  # of the group's control travellers, sent to second line
    base_rate: Estimate | None  # victims per traveller of the group; None: too few controls
    base_ratio: float | None  # the group's base rate over everyone else's
    flagged: bool

    @property
    def on_control(self) -> bool:
        """Whether the flag compared the control sample's base rates (else the victims found)."""
        return self.base_rate is not None


@dataclass(frozen=True, slots=True)
class Disparity:
    rule_id: str | None  # None: the whole set
    groups: tuple[GroupRate, ...] = field(default=())
    min_control: int = 0  # control travellers a group (and everyone else) needs

    @property
    def flagged(self) -> tuple[GroupRate, ...]:
        return tuple(g for g in self.groups if g.flagged)

    @property
    def short_of_control(self) -> tuple[GroupRate, ...]:
        """Groups of 30+ whose flag had to fall back on the victims the profiles found."""
        return tuple(
            g for g in self.groups if g.screened >= MIN_GROUP and g.others and not g.on_control
        )


@dataclass(frozen=True, slots=True)
class _Stratum:
    """Of some travellers: how many had a hit, were found victims among those, were in the
    control sample, and were found victims there."""

    with_hit: int
    found: int
    control: int
    control_victims: int

    @classmethod
    def of(cls, traffic: _Traffic, members: set[int]) -> _Stratum:
        with_hit = traffic.with_hit & members
        control = traffic.control & members
        return cls(
            len(with_hit),
            len(traffic.found & with_hit),
            len(control),
            len(traffic.control_victims & control),
        )

    def __sub__(self, other: _Stratum) -> _Stratum:
        return _Stratum(
            self.with_hit - other.with_hit,
            self.found - other.found,
            self.control - other.control,
            self.control_victims - other.control_victims,
        )

    def base_rate(self, screened: int) -> Estimate:
        """Possible or presumed victims per traveller among ``screened``: found among those
        with a hit (all of them), estimated among the rest from the control sample's share
        (``palermo.analytics.stored.estimate``, Wilson 95% carried through)."""
        return estimate(
            census_flagged=self.found,
            control_flagged=self.control_victims,
            control=self.control,
            without_hit=max(screened - self.with_hit, 0),
            screened=screened,
        )


def _group_rate(
    traffic: _Traffic, attribute: str, group: str, picked: _Picked, min_control: int
) -> GroupRate:
    screened = traffic.screened[attribute]
    n = screened[group]
    total = sum(screened.values())
    of_group = picked.members[attribute].get(group, set())
    k = min(len(picked.selected & of_group), n)
    found_here = len(picked.found & of_group)
    ratio = _ratio(k, n, len(picked.selected) - k, total - n)
    yield_ratio = _ratio(found_here, n, len(picked.found) - found_here, total - n)
    here = _Stratum.of(traffic, of_group)
    rest = picked.everyone - here
    control = traffic.control & of_group
    base = rest_rate = None
    if here.control >= min_control and rest.control >= min_control and total > n:
        base = here.base_rate(n)
        rest_rate = rest.base_rate(total - n)
    base_ratio = _share_ratio(base, rest_rate)
    threshold = settings.DISPARITY_RATIO_PERCENT / 100
    compared = base_ratio if base is not None else yield_ratio
    return GroupRate(
        attribute=attribute,
        group=group,
        screened=n,
        others=total - n,
        selected=Rate.of(group, k, n),
        ratio=ratio,
        yield_ratio=yield_ratio,
        control_victims=Rate.of(group, here.control_victims, here.control),
        control_referred=Rate.of(group, len(traffic.control_referred & control), here.control),
        base_rate=base,
        base_ratio=base_ratio,
        flagged=n >= MIN_GROUP and _disparate(ratio, compared, threshold),
    )


@dataclass(frozen=True, slots=True)
class _Picked:
    selected: set[int]  # travellers the rule (or the whole set) flagged
    found: set[int]  # of them, possible or presumed victims
    members: dict[str, dict[str, set[int]]]  # attribute -> group -> travellers looked at
    everyone: _Stratum  # every traveller looked at


def disparity(*, user: User, period: Period, rule_id: str | None = None) -> Disparity:
    """Selection rates by nationality, sex and age band for ``rule_id`` (or the whole set),
    against everyone screened and beside each group's yield in the control sample; flags where
    the ratio passes the threshold without a matching difference in the group's base rate
    (from the control sample where it holds enough of the group, else the victims found)."""
    scope = _scope(user)
    traffic = _traffic(scope, period)
    members: dict[str, dict[str, set[int]]] = {a: defaultdict(set) for a in ATTRIBUTES}
    for traveller, groups in traffic.groups.items():
        for attribute in ATTRIBUTES:
            members[attribute][groups[attribute]].add(traveller)
    everyone = _Stratum.of(traffic, set(traffic.groups))
    if rule_id is None:
        picked = _Picked(traffic.with_hit, traffic.found, members, everyone)
    else:
        rows = list(
            _hits(scope, period)
            .exclude(source=CONTROL_SOURCE)
            .filter(rule_id=rule_id)
            .values_list("id", "traveller_id")
        )
        found, _ = _victim_travellers(i for i, _t in rows)
        picked = _Picked({t for _i, t in rows}, found, members, everyone)
    min_control = int(settings.DISPARITY_MIN_CONTROL)
    rates = [
        _group_rate(traffic, attribute, group, picked, min_control)
        for attribute in ATTRIBUTES
        for group in sorted(traffic.screened[attribute])
    ]
    return Disparity(rule_id, tuple(rates), min_control)


def _ratio(k1: int, n1: int, k2: int, n2: int) -> float | None:
    if not n1 or not n2 or not k2:
        return None
    return (k1 / n1) / (k2 / n2)


def _share_ratio(group: Estimate | None, rest: Estimate | None) -> float | None:
    """The group's base rate over everyone else's; infinite when only the group has victims,
    ``None`` when neither has (no difference to match a selection ratio)."""
    if group is None or rest is None:
        return None
    if rest.share == 0:
        return math.inf if group.share > 0 else None
    return group.share / rest.share


def _disparate(ratio: float | None, yield_ratio: float | None, threshold: float) -> bool:
    """Selected far more (or less) often than everyone else, and the victims among the
    group's travellers do not differ as much in the same direction."""
    if ratio is None:
        return False
    if ratio >= threshold:
        return yield_ratio is None or yield_ratio * threshold < ratio
    if ratio <= 1 / threshold:
        return yield_ratio is None or yield_ratio > ratio * threshold
    return False


# ---------------------------------------------------------------- backtest on stored screenings


@dataclass(frozen=True, slots=True)
class StoredWindow:
    since: dt.date
    until: dt.date
    screenings: StoredScreenings
    masked: int  # stored travellers of the window masked by retention, left out


def _travellers(scope: Scope, since: dt.date, until: dt.date) -> QuerySet[Traveller]:
    """Stored travellers counted in the window's tally: the tally's day is the event's day,
    else the day of screening."""
    in_window = Q(event_date__gte=since, event_date__lte=until) | Q(
        event_date__isnull=True, screened_at__date__gte=since, screened_at__date__lte=until
    )
    return scope.rows(Traveller.objects.filter(in_window))


def _stored(t: Traveller) -> StoredTraveller:
    record = record_from_json(t.record)
    _day, _port, nationality, sex, band = group_of(record, t.screened_at.date())
    return StoredTraveller(
        record, {"nationality": nationality or "-", "sex": sex or "-", "age_band": band}
    )


def stored_window(*, user: User, days: int) -> StoredWindow:
    """What is stored of the last ``days`` days (today included) in the user's scope, at most
    the retention period back."""
    days = max(1, min(days, int(settings.SCREENING_RETENTION_DAYS)))
    until = timezone.localdate()
    return stored_between(user=user, since=until - dt.timedelta(days=days - 1), until=until)


def stored_between(*, user: User, since: dt.date, until: dt.date) -> StoredWindow:
    """What is stored from ``since`` to ``until`` in the user's scope (no further back than
    retention keeps records whole)."""
    scope = _scope(user)
    oldest = timezone.localdate() - dt.timedelta(days=int(settings.SCREENING_RETENTION_DAYS) - 1)
    since = max(since, oldest)
    until = max(until, since)
    days = (until - since).days + 1
    screened_by_group: dict[str, Counter[str]] = {a: Counter() for a in ATTRIBUTES}
    screened = 0
    for nationality, sex, band, n in _tally_rows(scope, since, until).values_list(
        "nationality", "sex", "age_band", "screened"
    ):
        screened += int(n)
        for attribute, value in zip(ATTRIBUTES, (nationality, sex, band), strict=True):
            screened_by_group[attribute][str(value) or "-"] += int(n)
    travellers = _travellers(scope, since, until)
    masked = travellers.filter(masking__isnull=False).count()
    whole = travellers.filter(masking__isnull=True).only("record", "screened_at")
    control_ids = set(
        Hit.objects.filter(traveller__in=whole, source=CONTROL_SOURCE).values_list(
            "traveller_id", flat=True
        )
    )
    with_hit: list[StoredTraveller] = []
    control: list[StoredTraveller] = []
    for t in whole.order_by("pk").iterator(chunk_size=2000):
        (control if t.pk in control_ids else with_hit).append(_stored(t))
    return StoredWindow(
        since=since,
        until=until,
        screenings=StoredScreenings(
            screened=screened,
            screened_by_group=screened_by_group,
            with_hit=with_hit,
            control=control,
            days=days,
            configured_per_100000=int(settings.CONTROL_SAMPLE_PER_100000),
        ),
        masked=masked,
    )


@dataclass(frozen=True, slots=True)
class VersionBacktest:
    version: ProfileVersion
    window: StoredWindow
    result: StoredBacktest | None  # None: the version's text has problems today


def version_backtest(*, user: User, pk: int, days: int) -> VersionBacktest:
    """The version (read through the profiles' selector) on the stored screenings."""
    version = profile_version_get(user=user, pk=pk)
    window = stored_window(user=user, days=days)
    sets = version_sets(version)
    result = None
    if sets is not None:
        draft, others = sets
        result = backtest_stored(
            draft, window.screenings, others, min_control=int(settings.BACKTEST_MIN_CONTROL)
        )
    return VersionBacktest(version, window, result)


def version_population_backtest(*, user: User, pk: int, population: pa.Table) -> Backtest | None:
    """The version (read through the profiles' selector) on an uploaded population file:
    flagged share, hits per day, overlap with the other active profiles and the rates by
    group; ``None`` when its text has problems with today's named lists."""
    require_role(user, OUTCOME_ROLES, what=_WHAT)
    version = profile_version_get(user=user, pk=pk)
    sets = version_sets(version)
    if sets is None:
        return None
    draft, others = sets
    return backtest(draft, population, others)


# ---------------------------------------------------------------- profile mining (item 7)


@dataclass(frozen=True, slots=True)
class OwnCases:
    """This installation's identified cases in scope, as the traveller records they were
    screened with."""

    records: pa.Table
    cases: int  # cases whose latest identification decision is positive, in the period
    without_record: int  # of those, cases opened without a screened traveller (left out)
    masked: int  # of those, cases whose record retention has masked (left out)


def _positive_cases(scope: Scope, period: Period) -> dict[int, dt.datetime]:
    """Cases in scope whose latest identification decision, taken in the period, is positive
    (a first-stage positive: a presumed victim; a conclusive one: identified)."""
    decisions = Decision.objects.filter(identification__case__in=scope.rows(Case.objects.all()))
    latest: dict[int, tuple[dt.datetime, bool]] = {}
    for case_id, decided_at, positive in decisions.order_by("decided_at", "pk").values_list(
        "identification__case_id", "decided_at", "positive"
    ):
        latest[case_id] = (decided_at, positive)
    return {
        case_id: decided_at
        for case_id, (decided_at, positive) in latest.items()
        if positive and period.since <= timezone.localdate(decided_at) <= period.until
    }


def _records_of(raws: list[str]) -> pa.Table:
    """Stored records (JSON) validated in one pass, as a table with the derived fields."""
    from palermo.records.readers import table_from_dicts, validate_table

    if not raws:
        return pa.Table.from_pylist([], schema=FULL_ARROW_SCHEMA)
    return validate_table(table_from_dicts([json.loads(r) for r in raws]), source="stored record")


def mining_own_cases(*, user: User, period: Period) -> OwnCases:
    """Identified cases of the user's agency (the national body: every agency of its world)
    joined to the traveller records their second-line interviews started from."""
    positive = _positive_cases(_scope(user), period)
    travellers = dict(
        Interview.objects.filter(case_id__in=list(positive), hit__isnull=False)
        .order_by("started_at", "pk")
        .values_list("case_id", "hit__traveller_id")
    )
    rows = Traveller.objects.filter(pk__in=set(travellers.values()))
    masked = rows.filter(masking__isnull=False).count()
    raws = list(rows.filter(masking__isnull=True).values_list("record", flat=True))
    return OwnCases(
        records=_records_of(raws),
        cases=len(positive),
        without_record=len(positive) - len(travellers),
        masked=masked,
    )


@dataclass(frozen=True, slots=True)
class StoredBaseline:
    """Stored screenings as a mining baseline: each traveller kept for a hit stands for
    itself, each control traveller for the travellers without a hit it was drawn from."""

    window: StoredWindow
    records: pa.Table
    weights: list[float]

    @property
    def enough(self) -> bool:
        stored = self.window.screenings
        return stored.without_hit == 0 or len(stored.control) >= int(settings.BACKTEST_MIN_CONTROL)


def mining_baseline(*, user: User, period: Period) -> StoredBaseline:
    window = stored_between(user=user, since=period.since, until=period.until)
    stored = window.screenings
    weight = stored.realised_weight or 0.0
    records = [*stored.with_hit, *stored.control]
    table = pa.Table.from_pylist([t.record for t in records], schema=ARROW_SCHEMA)
    weights = [1.0] * len(stored.with_hit) + [weight] * len(stored.control)
    return StoredBaseline(window, table, weights)


def mining_audit(*, user: User, source: str, request: HttpRequest | None = None) -> None:
    """A mining run read stored records (and cases) of the user's scope: one audit entry."""
    audit_record(
        actor=user,
        action=AuditAction.READ,
        object_type="outcomes.mining",
        object_id=str(user.agency_id or ""),
        purpose="profile mining",
        request=request,
        detail={"source": source},
    )
