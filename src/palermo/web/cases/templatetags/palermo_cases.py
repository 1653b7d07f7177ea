"""Words for the case pages: status codes as their labels."""

from __future__ import annotations

from django import template

from palermo.web.cases.models import CASE_STATUS_CHOICES, REFERRAL_STEP_LABELS

register = template.Library()

_STATUS = dict(CASE_STATUS_CHOICES)


@register.filter
def status_label(code: object) -> str:
    """'referred' -> 'Referred' in the page's language (an unknown code as it is)."""
    return str(_STATUS.get(str(code), code))


@register.filter
def referral_step_label(code: object) -> str:
    """'declined' -> 'declined' in the page's language (an unknown code as it is)."""
    return str(REFERRAL_STEP_LABELS.get(str(code), code))
