"""Words for the case pages: status codes as their labels."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

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


@register.filter
def event_words(words: object) -> str:
    """A timeline step stored in each language (``{"en": ..., "zh-hans": ...}``) in the page's
    language (English when it has none)."""
    if not isinstance(words, dict):
        return ""
    return str(words.get(get_language() or "en") or words.get("en", ""))
