"""Pages on what profiles and watchlists yield and whom they select (issue 11): every rule
with its outcomes, the control sample's estimate of what the profiles miss and the whole set's
disparity; one rule's trend, its disparity by nationality, sex and age band, and its report for
one month (printable)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from palermo.analytics.backtest import Backtest, Rate
from palermo.analytics.stored import GroupEstimate
from palermo.errors import InputError
from palermo.records.readers import read_records
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.charts import Chart, Column, bar_chart, line_chart
from palermo.web.lib.dates import DateBox
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import problem_text
from palermo.web.lib.roles import OUTCOME_ROLES, PROFILE_ROLES
from palermo.web.lib.uploads import (
    body_limit,
    named_problems,
    opened_upload,
    refuse_large_upload,
)
from palermo.web.outcomes import selectors
from palermo.web.outcomes.mining import POPULATION_SUFFIXES
from palermo.web.outcomes.selectors import Period
from palermo.web.screening.services import page_run_limits

DEFAULT_DAYS = 365
GROUPS_CHARTED = 12  # groups per attribute in a chart (largest first); the note says so
ATTRIBUTE_LABELS = {
    "nationality": gettext_lazy("Nationality"),
    "sex": gettext_lazy("Sex"),
    "age_band": gettext_lazy("Age band"),
}


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateBox())
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateBox())
    month = forms.CharField(
        label=gettext_lazy("Or one month (YYYY-MM)"),
        required=False,
        max_length=7,
        help_text=gettext_lazy("The monthly report: that month only."),
    )

    def clean_month(self) -> dt.date | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(f"{text}-01")
        except ValueError:
            raise forms.ValidationError(_("Write the month as YYYY-MM, e.g. 2026-11.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data

    def period(self) -> Period:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        month = data.get("month")
        if month:
            following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return Period(month, following - dt.timedelta(days=1))
        until = data.get("until") or today
        return Period(data.get("since") or until - dt.timedelta(days=DEFAULT_DAYS - 1), until)


def _zh() -> bool:
    return (get_language() or "en").startswith("zh")


def _period(request: AuthenticatedRequest) -> tuple[PeriodForm, Period, int]:
    form = PeriodForm(request.GET or None)
    status = 422 if form.is_bound and not form.is_valid() else 200
    return form, form.period(), status


def _title(outcome: selectors.RuleOutcome) -> str:
    return outcome.title_zh if _zh() else outcome.title_en


@allow(OUTCOME_ROLES)
def index_view(request: AuthenticatedRequest) -> HttpResponse:
    form, period, status = _period(request)
    outcomes = selectors.rule_outcomes(user=request.user, period=period)
    chart = bar_chart(
        id="victims-per-100",
        title=_("Possible or presumed victims per 100 travellers flagged"),
        rows=[
            {"rule": _title(o), "per100": round(o.victims.share * 100, 1)}
            for o in outcomes
            if o.source != "watchlist"
        ],
        category=Column("rule", _("Risk profile")),
        value=Column("per100", _("Victims per 100 flagged"), numeric=True),
    )
    control = selectors.control_estimate(user=request.user, period=period)
    disparity = selectors.disparity(user=request.user, period=period)
    context = {
        "form": form,
        "period": period,
        "outcomes": outcomes,
        "chart": chart,
        "control": control,
        "recall": _percent_interval(control.recall),
        "flagged": [(ATTRIBUTE_LABELS[g.attribute], g) for g in disparity.flagged],
        "control_chart": control_chart(control),
        "disparity": disparity,
        "disparity_charts": disparity_charts(disparity, "set-selection"),
        "control_yield_charts": control_yield_charts(disparity, "set"),
        "floor": _floor(),
    }
    return render(request, "outcomes/index.html", context, status=status)


def _interval(rate: Rate) -> str:
    return f"{rate.low * 100:.1f}–{rate.high * 100:.1f}"


def _base(g: selectors.GroupRate) -> str:
    if g.base_rate is None:
        return _("too few control travellers")
    b = g.base_rate
    return f"{b.share * 100_000:.1f} ({b.low * 100_000:.1f}–{b.high * 100_000:.1f})"


def _ratio_cell(value: float | None) -> float | str | None:
    if value is None:
        return None
    return "∞" if math.isinf(value) else round(value, 2)


def _largest(
    disparity: selectors.Disparity, attribute: str
) -> tuple[list[selectors.GroupRate], str]:
    groups = sorted(
        (g for g in disparity.groups if g.attribute == attribute),
        key=lambda g: (-g.screened, g.group),
    )
    shown = groups[:GROUPS_CHARTED]
    note = (
        _("The %(n)d largest groups of %(total)d.") % {"n": len(shown), "total": len(groups)}
        if len(groups) > len(shown)
        else ""
    )
    return shown, note


def disparity_charts(disparity: selectors.Disparity, prefix: str) -> list[Chart]:
    """Per attribute, each group's selection rate as bars, with its table beside it: screened,
    the 95% interval, the selection ratio to everyone else, the group's yield in the control
    sample, its base rate and base-rate ratio, the victims-found ratio and the flag."""
    charts = []
    for attribute in selectors.ATTRIBUTES:
        shown, note = _largest(disparity, attribute)
        label = ATTRIBUTE_LABELS[attribute]
        rows = [
            {
                "group": g.group,
                "selected": round(g.selected.share * 100, 2),
                "interval": _interval(g.selected),
                "screened": g.screened,
                "ratio": _ratio_cell(g.ratio),
                "control": f"{g.control_victims.flagged} / {g.control_victims.travellers}",
                "base": _base(g),
                "base_ratio": _ratio_cell(g.base_ratio),
                "yield_ratio": _ratio_cell(g.yield_ratio),
                "flag": (
                    (
                        _("flagged (control sample)")
                        if g.on_control
                        else _("flagged (victims found)")
                    )
                    if g.flagged
                    else ""
                ),
            }
            for g in shown
        ]
        charts.append(
            bar_chart(
                id=f"{prefix}-{attribute.replace('_', '-')}",
                title=_("Selection rate by %(attribute)s") % {"attribute": str(label).lower()},
                rows=rows,
                category=Column("group", str(label)),
                value=Column("selected", _("Selected (%)"), numeric=True),
                extra=(
                    Column("interval", _("Interval (95%), percent")),
                    Column("screened", pgettext("travellers screened", "Screened"), numeric=True),
                    Column("ratio", _("Selection ratio"), numeric=True),
                    Column("control", _("Victims / control travellers")),
                    Column("base", _("Base rate per 100,000 (95%)")),
                    Column("base_ratio", _("Base-rate ratio"), numeric=True),
                    Column("yield_ratio", _("Victims-found ratio"), numeric=True),
                    Column("flag", _("Disparity")),
                ),
                note=note,
            )
        )
    return charts


def control_yield_charts(disparity: selectors.Disparity, prefix: str) -> list[Chart]:
    """Per attribute, what the random control sample found among each group's travellers:
    possible or presumed victims per 100 control travellers (Wilson 95%), and the share sent to
    second line - the yield that does not follow selection."""
    charts = []
    for attribute in selectors.ATTRIBUTES:
        shown, note = _largest(disparity, attribute)
        label = ATTRIBUTE_LABELS[attribute]
        rows = [
            {
                "group": g.group,
                "victims": round(g.control_victims.share * 100, 2),
                "interval": _interval(g.control_victims) if g.control_victims.travellers else "–",
                "control": g.control_victims.travellers,
                "referred": (
                    f"{g.control_referred.share * 100:.1f} ({_interval(g.control_referred)})"
                    if g.control_referred.travellers
                    else "–"
                ),
                "enough": (
                    _("yes")
                    if g.on_control
                    else _("too few (%(n)d needed)") % {"n": disparity.min_control}
                ),
            }
            for g in shown
        ]
        charts.append(
            bar_chart(
                id=f"{prefix}-control-{attribute.replace('_', '-')}",
                title=_("Victims per 100 control travellers by %(attribute)s")
                % {"attribute": str(label).lower()},
                rows=rows,
                category=Column("group", str(label)),
                value=Column("victims", _("Victims per 100 control travellers"), numeric=True),
                extra=(
                    Column("interval", _("Interval (95%), percent")),
                    Column("control", _("Control travellers"), numeric=True),
                    Column("referred", _("Sent to second line (%, 95%)")),
                    Column("enough", _("Enough for the base rate")),
                ),
                note=note,
            )
        )
    return charts


def control_chart(control: selectors.ControlEstimate) -> Chart:
    """Victims found per 100 travellers among those flagged and in the control sample."""
    found = Rate.of("flagged", control.found_by_profiles, control.flagged_travellers)
    rows = [
        {
            "who": label,
            "per100": round(rate.share * 100, 2),
            "interval": _interval(rate),
            "travellers": rate.travellers,
            "victims": rate.flagged,
        }
        for label, rate in (
            (_("Flagged by a profile or watchlist"), found),
            (_("Random control sample (no hit)"), control.sample_victims),
        )
        if rate.travellers
    ]
    return bar_chart(
        id="control-sample",
        title=_("Possible or presumed victims per 100 travellers looked at"),
        rows=rows,
        category=Column("who", _("Travellers")),
        value=Column("per100", _("Victims per 100"), numeric=True),
        sort=False,
        extra=(
            Column("interval", _("Interval (95%)")),
            Column("travellers", _("Travellers"), numeric=True),
            Column("victims", _("Possible or presumed victims"), numeric=True),
        ),
    )


def _percent_interval(values: tuple[float, float, float] | None) -> str:
    if values is None:
        return ""
    share, low, high = (round(v * 100, 1) for v in values)
    return f"{share}% ({low}–{high})"


def _floor() -> int:
    return int(settings.PROFILE_YIELD_FLOOR_PER_100000)


@allow(OUTCOME_ROLES)
def rule_view(request: AuthenticatedRequest, rule_id: str) -> HttpResponse:
    form, period, status = _period(request)
    outcome = next(
        (
            o
            for o in selectors.rule_outcomes(user=request.user, period=period)
            if o.rule_id == rule_id
        ),
        None,
    )
    trend = selectors.rule_trend(user=request.user, period=period, rule_id=rule_id)
    trend_rows = [
        {"month": row["month"], "what": what, "n": row[key]}
        for row in trend
        for key, what in (("hits", _("Hits")), ("victims", _("Possible or presumed victims")))
    ]
    chart = line_chart(
        id="trend",
        title=_("Hits and victims found, by month"),
        rows=trend_rows,
        x=Column("month", _("Month")),
        y=Column("n", _("Number"), numeric=True),
        series=Column("what", _("What")),
    )
    disparity = selectors.disparity(user=request.user, period=period, rule_id=rule_id)
    context = {
        "form": form,
        "period": period,
        "rule_id": rule_id,
        "outcome": outcome,
        "title": _title(outcome) if outcome else rule_id,
        "chart": chart,
        "disparity": disparity,
        "disparity_charts": disparity_charts(disparity, "selection"),
        "control_yield_charts": control_yield_charts(disparity, "rule"),
        "floor": _floor(),
    }
    return render(request, "outcomes/rule.html", context, status=status)


@allow(PROFILE_ROLES)
def review_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A profile version's outcomes since it became active, for its review (issue 11 item 3):
    what the holders are sent as the review date nears, and the next steps."""
    review = selectors.version_review(user=request.user, pk=pk)
    trend = selectors.rule_trend(
        user=request.user, period=review.period, rule_id=review.version.profile.profile_id
    )
    chart = line_chart(
        id="review-trend",
        title=_("Hits and victims found, by month"),
        rows=[
            {"month": row["month"], "what": what, "n": row[key]}
            for row in trend
            for key, what in (("hits", _("Hits")), ("victims", _("Possible or presumed victims")))
        ],
        x=Column("month", _("Month")),
        y=Column("n", _("Number"), numeric=True),
        series=Column("what", _("What")),
    )
    context = {
        "review": review,
        "version": review.version,
        "outcome": review.outcome,
        "period": review.period,
        "chart": chart,
        "floor": _floor(),
        "notice_days": int(settings.PROFILE_REVIEW_NOTICE_DAYS),
    }
    return render(request, "outcomes/review.html", context)


# ---------------------------------------------------------------- backtest on stored screenings


def _max_days() -> int:
    """No further back than retention keeps records whole."""
    return int(settings.SCREENING_RETENTION_DAYS)


class BacktestForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Stored screenings of the last (days)"),
        min_value=1,
        initial=selectors.BACKTEST_DEFAULT_DAYS,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = _max_days()
        field = self.fields["days"]
        assert isinstance(field, forms.IntegerField)
        field.max_value = limit
        field.validators.append(MaxValueValidator(limit))
        field.help_text = _(
            "At most %(days)d: older records are masked by retention and no longer say what a "
            "profile reads."
        ) % {"days": limit}

    def chosen_days(self) -> int:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return int(data.get("days") or min(selectors.BACKTEST_DEFAULT_DAYS, _max_days()))


def _group_chart(attribute: str, groups: list[GroupEstimate]) -> Chart:
    shown = groups[:GROUPS_CHARTED]
    rows = [
        {
            "group": g.group,
            "rate": None if g.selection is None else round(g.selection.share * 100, 2),
            "interval": (
                _("too few stored travellers")
                if g.selection is None
                else f"{g.selection.low * 100:.2f}–{g.selection.high * 100:.2f}"
            ),
            "screened": g.screened,
            "with_hit": f"{g.flagged_with_hit} / {g.with_hit}",
            "control": f"{g.flagged_control} / {g.control}",
        }
        for g in shown
    ]
    label = ATTRIBUTE_LABELS[attribute]
    return bar_chart(
        id=f"backtest-{attribute.replace('_', '-')}",
        title=_("Estimated selection rate by %(attribute)s") % {"attribute": str(label).lower()},
        rows=rows,
        category=Column("group", str(label)),
        value=Column("rate", _("Selected (%)"), numeric=True),
        extra=(
            Column("interval", _("Interval (95%), percent")),
            Column("screened", pgettext("travellers screened", "Screened"), numeric=True),
            Column("with_hit", _("Flagged / stored with a hit"), numeric=True),
            Column("control", _("Flagged / control sample"), numeric=True),
        ),
        note=(
            _("The %(n)d largest groups of %(total)d.") % {"n": len(shown), "total": len(groups)}
            if len(groups) > len(shown)
            else ""
        ),
    )


class PopulationForm(forms.Form):
    population = forms.FileField(
        label=gettext_lazy("Population file"),
        help_text=gettext_lazy(
            "Traveller records: CSV, Parquet or JSON Lines. Read for this backtest only; "
            "nothing of it is kept."
        ),
    )

    def clean_population(self) -> object:
        upload = self.cleaned_data.get("population")
        refuse_large_upload(upload, "MANIFEST_MAX_BYTES")  # before a byte of it is read
        return upload


@dataclass(frozen=True)
class ShownGroup:
    attribute: str
    label: str
    rates: list[Rate]


def _population_backtest(
    request: AuthenticatedRequest, pk: int, form: PopulationForm
) -> tuple[Backtest | None, list[str], str]:
    """The version on the uploaded population (its file deleted after the run), or the
    problems of the file in the reader's language."""
    upload = form.cleaned_data["population"]
    try:
        with opened_upload(upload, default="population.csv", suffixes=POPULATION_SUFFIXES,
                           setting="MANIFEST_MAX_BYTES") as path:  # fmt: skip
            try:
                table = read_records(path, limits=page_run_limits())
            except InputError as exc:
                return None, named_problems(exc, path), path.name
            result = selectors.version_population_backtest(
                user=request.user, pk=pk, population=table
            )
            return result, [], path.name
    except InputError as exc:  # the file's type or size
        return None, [problem_text(p) for p in exc.problems], str(upload.name)


@body_limit("MANIFEST_MAX_BYTES")
@allow(PROFILE_ROLES)
def backtest_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A profile version on the screenings stored in the last N days: the estimate from the
    travellers kept for a hit (all of them) and the random control sample (a few of the
    others), with what it rests on; or, posted, on a population file."""
    form = BacktestForm(request.GET or None)
    status = 422 if form.is_bound and not form.is_valid() else 200
    population_form = PopulationForm(request.POST or None, request.FILES or None)
    population: Backtest | None = None
    population_errors: list[str] = []
    population_name = ""
    if request.method == "POST":
        if population_form.is_valid():
            population, population_errors, population_name = _population_backtest(
                request, pk, population_form
            )
            if population_errors:
                status = 422
        else:
            status = 422
    found = selectors.version_backtest(user=request.user, pk=pk, days=form.chosen_days())
    profile = found.result.profiles[0] if found.result and found.result.profiles else None
    charts = []
    if profile is not None and profile.by_group:
        for attribute in selectors.ATTRIBUTES:
            groups = [g for g in profile.by_group if g.attribute == attribute]
            charts.append(_group_chart(attribute, groups))
    population_profile = population.profiles[0] if population and population.profiles else None
    population_groups = (
        [
            ShownGroup(a, str(ATTRIBUTE_LABELS[a]), list(rates[:GROUPS_CHARTED]))
            for a, rates in population_profile.by_group.items()
        ]
        if population_profile is not None
        else []
    )
    context = {
        "form": form,
        "version": found.version,
        "window": found.window,
        "stored": found.window.screenings,
        "result": found.result,
        "profile": profile,
        "charts": charts,
        "group_floor": found.result.group_floor if found.result else None,
        "population_form": population_form,
        "population": population,
        "population_profile": population_profile,
        "population_groups": population_groups,
        "population_errors": population_errors,
        "population_name": population_name,
        "posted": request.method == "POST",
    }
    return render(request, "outcomes/backtest.html", context, status=status)
