"""Words for the screening pages: border observations by their titles, never bare ids."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.translation import get_language

from palermo.records.schema import INPUT_FIELDS

register = template.Library()

_BY_ID = {spec.observation: spec for spec in INPUT_FIELDS.values() if spec.observation}


@register.filter
def observation_words(ids: Iterable[str]) -> str:
    """'Documents held by someone else (BRD-01); ...' in the page's language."""
    zh = (get_language() or "en").startswith("zh")
    words = []
    for code in ids or ():
        spec = _BY_ID.get(code)
        if spec is None:
            words.append(str(code))
        else:
            words.append(f"{spec.label_zh if zh else spec.label_en} ({code})")
    return ("；" if zh else "; ").join(words)


@register.filter
def get_item(mapping: object, key: object) -> object:
    """``mapping[key]`` in a template (None when absent)."""
    return mapping.get(key) if isinstance(mapping, dict) else None
