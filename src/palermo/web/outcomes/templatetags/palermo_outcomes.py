"""Rates with their 95% intervals, written out for a page: ``{{ rate|percent }}`` gives
"12.5% (8.1–18.8)", ``{{ rate|per:100000 }}`` "3.2 (1.1–9.0)"; a ratio "1.8×" or "–". And the
approval figures on a profile version's page, ``{% approval_figures version %}``."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.formats import number_format

from palermo.analytics.backtest import Rate
from palermo.analytics.stored import Estimate
from palermo.web.accounts.models import User
from palermo.web.profiles.models import ProfileVersion

register = template.Library()


def _n(value: float, digits: int) -> str:
    return str(number_format(round(value, digits), digits))


@register.filter
def percent(rate: Rate | None) -> str:
    if rate is None or rate.travellers == 0:
        return "–"
    return f"{_n(rate.share * 100, 1)}% ({_n(rate.low * 100, 1)}–{_n(rate.high * 100, 1)})"


@register.filter
def per(rate: Rate | None, scale: int) -> str:
    if rate is None or rate.travellers == 0:
        return "–"
    return f"{_n(rate.share * scale, 1)} ({_n(rate.low * scale, 1)}–{_n(rate.high * scale, 1)})"


@register.filter
def ratio(value: float | None) -> str:
    if value is None:
        return "–"
    return "∞" if math.isinf(value) else f"{_n(value, 2)}×"


@register.filter
def estimated(value: Estimate | None) -> str:
    """An estimated share of travellers with its 95% interval, two decimals: "1.25% (0.98–1.61)"."""
    if value is None or value.screened == 0:
        return "–"
    return f"{_n(value.share * 100, 2)}% ({_n(value.low * 100, 2)}–{_n(value.high * 100, 2)})"


@register.inclusion_tag("outcomes/_approval_figures.html", takes_context=True)
def approval_figures(context: dict[str, Any], version: ProfileVersion) -> dict[str, Any]:
    """The numbers beside the logic on a profile version's page (issue 11 item 2): recent
    screened traffic when there is enough of it, else the synthetic population. A template
    tag, so the profiles app does not import this one (which imports profiles)."""
    from palermo.web.outcomes.approval import approval_figures as figures_for

    user: User = context["request"].user
    return {"figures": figures_for(user=user, version=version)}
