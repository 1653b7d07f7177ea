"""Labels for the coded values of the traveller record (the ENUM fields of records.schema).

The record keeps codes (``recruitment_agency``); a person reads a label in their language.
The words are declared once, in ``palermo.records.value_labels`` (English and Chinese, the
field part of the key: a family visa, a ticket paid by the family), and shared with the words
that explain a hit; here they become lazy strings that follow the request's language.
``tests/web/test_translations.py`` fails when a field gains a code without a label.
"""

from __future__ import annotations

from django.utils.functional import Promise, lazy
from django.utils.translation import get_language

from palermo.records.value_labels import VALUE_LABELS, value_label


def _in_language(field: str, value: str) -> str:
    return value_label(field, value, get_language() or "en")


_lazy_label = lazy(_in_language, str)

ENUM_LABELS: dict[tuple[str, str], str | Promise] = {key: _lazy_label(*key) for key in VALUE_LABELS}


def enum_label(field: str, value: str) -> str | Promise:
    """The label a person reads for ``value`` of the coded ``field``."""
    return ENUM_LABELS.get((field, value), value.replace("_", " "))
