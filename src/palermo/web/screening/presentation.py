"""A screened traveller's record as a labelled document: sections as the desk groups them,
labels in the page's language, coded values as words, countries by name, observations by
their titles, and the document number's keyed hash never shown (it means nothing to a person).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from palermo.records.countries import country_name
from palermo.records.schema import INPUT_FIELDS, Kind
from palermo.web.lib.choices import enum_label
from palermo.web.screening.forms import OBSERVATIONS, SECTIONS

Row = tuple[str, str]


def _value(name: str, value: Any, zh: bool) -> str:
    spec = INPUT_FIELDS[name]
    lang = "zh" if zh else "en"
    if spec.kind is Kind.ENUM:
        return str(enum_label(name, str(value)))
    if spec.kind is Kind.COUNTRY:
        return f"{country_name(str(value), lang)} ({value})"
    if spec.kind is Kind.COUNTRY_LIST:
        return ("、" if zh else ", ").join(f"{country_name(str(c), lang)} ({c})" for c in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def traveller_document(record: Mapping[str, Any], *, zh: bool) -> list[tuple[str, list[Row]]]:
    """(section title, [(label, value)]) for every field the record holds."""
    sections: list[tuple[str, list[Row]]] = []
    for title, names in SECTIONS:
        rows: list[Row] = []
        for name in names:
            if name == "document_number":
                if record.get("document_number_hash"):
                    rows.append((_("Document number"), _("recorded (kept only as a keyed hash)")))
                continue
            value = record.get(name)
            if value is None or value == [] or name == "record_id":
                continue
            spec = INPUT_FIELDS[name]
            rows.append((spec.label_zh if zh else spec.label_en, _value(name, value, zh)))
        if rows:
            sections.append((str(title), rows))
    seen = [
        INPUT_FIELDS[n].label_zh if zh else INPUT_FIELDS[n].label_en
        for n in OBSERVATIONS
        if record.get(n) is True
    ]
    if seen:
        sections.append((_("What the officer observed"), [("", line) for line in seen]))
    return sections
