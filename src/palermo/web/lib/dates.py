"""Date boxes that keep their value in every language.

A browser's ``<input type="date">`` takes its value only as ``YYYY-MM-DD`` and shows it in the
reader's own way. Django's ``DateInput`` writes a value in the active language's first input
format: in Chinese ``2026/12/10``, which the browser refuses silently, so a box filled in
(a due date, an agreement's validity, a filter) came back empty and the form was refused as
"required". Every date box of the web application is this one.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class DateBox(forms.DateInput):
    """``<input type="date">`` whose value is always written ``YYYY-MM-DD``.

    >>> import datetime as dt
    >>> from django.utils import translation
    >>> with translation.override("zh-hans"):
    ...     html = DateBox().render("due", dt.date(2026, 12, 10))
    >>> 'type="date"' in html and 'value="2026-12-10"' in html
    True
    """

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)
