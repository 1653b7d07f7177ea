"""Words for the case pages: status codes as their labels."""

from __future__ import annotations

from django import template

from palermo.web.cases.models import CASE_STATUS_CHOICES

register = template.Library()

_STATUS = dict(CASE_STATUS_CHOICES)


@register.filter
def status_label(code: object) -> str:
    """'referred' -> 'Referred' in the page's language (an unknown code as it is)."""
    return str(_STATUS.get(str(code), code))
