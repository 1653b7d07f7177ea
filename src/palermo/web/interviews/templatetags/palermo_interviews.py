"""Words for the interview pages: an instrument by its title, never its file id."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from palermo.errors import PalermoError
from palermo.web.interviews.steps import instrument

register = template.Library()


@register.filter
def instrument_title(instrument_id: str) -> str:
    """'Second-line interview (adult)' in the page's language; an unknown id as it is."""
    try:
        title = instrument(instrument_id).title
    except PalermoError:  # an instrument no longer shipped: its id is all there is
        return instrument_id
    return title.get("zh" if (get_language() or "en").startswith("zh") else "en")
