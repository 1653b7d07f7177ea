"""``{{ text|in_lang:lang }}``: a domain ``Text`` (en/zh) in the page's language."""

from __future__ import annotations

from django import template

from palermo.indicators.catalogue import Text

register = template.Library()


@register.filter
def in_lang(text: Text | None, lang: str) -> str:
    if text is None:
        return ""
    return text.get(lang)


@register.filter
def course_title(course: object) -> str:
    """A course's title in the page's language."""
    from django.utils.translation import get_language

    title_in = getattr(course, "title_in", None)
    return str(title_in(get_language())) if callable(title_in) else ""
