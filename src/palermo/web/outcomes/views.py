"""Pages on what profiles and watchlists yield and whom they select (issue 11): every rule
with its outcomes, the control sample's estimate of what the profiles miss and the whole set's
disparity; one rule's trend, its disparity by nationality, sex and age band, and its report for
one month (printable)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.charts import Column, bar_chart, line_chart
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import OUTCOME_ROLES
from palermo.web.outcomes import selectors
from palermo.web.outcomes.selectors import Period

DEFAULT_DAYS = 365
ATTRIBUTE_LABELS = {
    "nationality": gettext_lazy("Nationality"),
    "sex": gettext_lazy("Sex"),
    "age_band": gettext_lazy("Age band"),
}


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("To"), required=False)
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
        "floor": _floor(),
    }
    return render(request, "outcomes/index.html", context, status=status)


def _percent_interval(values: tuple[float, float, float] | None) -> str:
    if values is None:
        return ""
    share, low, high = (round(v * 100, 1) for v in values)
    return f"{share}% ({low}–{high})"


def _floor() -> int:
    from django.conf import settings

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
        "by_attribute": [
            (ATTRIBUTE_LABELS[a], [g for g in disparity.groups if g.attribute == a])
            for a in selectors.ATTRIBUTES
        ],
        "floor": _floor(),
    }
    return render(request, "outcomes/rule.html", context, status=status)
