"""The traveller form, built from the record schema (``palermo.records.schema.FIELDS``).

Values are checked by the same columnar validation as files (``validate_table``), so the desk
and a manifest accept exactly the same records; its rules are shown in the page's language.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from palermo.errors import InputError, Problem
from palermo.records.readers import table_from_dicts, validate_table
from palermo.records.schema import INPUT_FIELDS, FieldSpec, Kind
from palermo.web.lib.choices import enum_label
from palermo.web.lib.problems import problem_text
from palermo.web.screening.models import DISPOSITION_CHOICES

# The page groups fields the way an officer reads a travel document and a booking.
SECTIONS: list[tuple[Any, tuple[str, ...]]] = [
    (gettext_lazy("Event"), ("event_kind", "port", "event_date", "record_id")),
    (
        gettext_lazy("Document"),
        (
            "document_type",
            "document_number",
            "document_issuing_state",
            "document_issue_date",
            "document_expiry_date",
        ),
    ),
    (
        gettext_lazy("Person"),
        ("surname", "given_names", "name_native", "nationality", "sex", "date_of_birth"),
    ),
    (
        gettext_lazy("Journey"),
        (
            "origin",
            "destination",
            "transit",
            "trip_type",
            "booking_date",
            "ticket_paid_by",
            "group_booking_ref",
            "group_size",
        ),
    ),
    (
        gettext_lazy("Purpose, visa and sponsor"),
        (
            "declared_purpose",
            "visa_type",
            "sponsor_kind",
            "sponsor_name",
            "sponsor_registration",
            "offered_job_sector",
            "declared_cash",
        ),
    ),
    (gettext_lazy("Contact"), ("contact_phone", "contact_email")),
]
OBSERVATIONS: tuple[str, ...] = tuple(
    name for name, spec in INPUT_FIELDS.items() if spec.observation is not None
)
# The form asks for the document number itself; the record keeps only its keyed hash.
DOCUMENT_NUMBER = FieldSpec(
    name="document_number", kind=Kind.STRING, label_en="Document number", label_zh="证件号码"
)
OBSERVED_CHOICES = [(INPUT_FIELDS[name].observation or "", name) for name in OBSERVATIONS]


def field_spec(name: str) -> FieldSpec:
    return DOCUMENT_NUMBER if name == "document_number" else INPUT_FIELDS[name]


def bilingual_label(spec: FieldSpec) -> str:
    """The label in the page's language first, the other language after it."""
    if (get_language() or "en").startswith("zh"):
        return f"{spec.label_zh} · {spec.label_en}"
    return f"{spec.label_en} · {spec.label_zh}"


def observation_label(name: str) -> str:
    spec = INPUT_FIELDS[name]
    return f"{spec.observation} · {bilingual_label(spec)}"


def _form_field(spec: FieldSpec) -> forms.Field:
    label = bilingual_label(spec)
    required = spec.required and spec.name != "record_id"
    attrs: dict[str, str] = {}
    if spec.kind is Kind.BOOL:
        return forms.BooleanField(label=label, required=False)
    if spec.kind is Kind.ENUM:
        choices = [("", "—"), *[(v, enum_label(spec.name, v)) for v in spec.domain]]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    if spec.kind is Kind.DATE:
        attrs = {"type": "date"}
    elif spec.kind is Kind.COUNTRY:
        attrs = {"maxlength": "2", "size": "3", "autocapitalize": "characters"}
    elif spec.kind is Kind.COUNTRY_LIST:
        attrs = {"placeholder": "TH;MY"}
    elif spec.kind in (Kind.INT, Kind.FLOAT):
        attrs = {"inputmode": "decimal"}
    field = forms.CharField(label=label, required=False, widget=forms.TextInput(attrs))
    if required:
        field.widget.attrs["required"] = "required"
        field.widget.attrs["aria-required"] = "true"
    if spec.name == "record_id":
        field.help_text = _("Left empty, the desk numbers the record.")
    return field


def rule_in_language(spec: FieldSpec, rule: str) -> str:
    """The reader's rule (English) in the page's language, with the same meaning."""
    if rule == "required field is missing":
        return _("This field is required.")
    bound = re.match(r"must be at (least|most) (\S+)", rule)
    if bound:
        if bound.group(1) == "least":
            return _("Must be at least %(n)s.") % {"n": bound.group(2)}
        return _("Must be at most %(n)s.") % {"n": bound.group(2)}
    if spec.kind is Kind.ENUM:
        return _("Choose one of: %(values)s.") % {"values": ", ".join(spec.domain)}
    if spec.kind is Kind.COUNTRY:
        return _("Use a two-letter country code (ISO 3166-1), for example TH.")
    if spec.kind is Kind.COUNTRY_LIST:
        return _("Use two-letter country codes separated by ';', for example TH;MY.")
    if spec.kind is Kind.DATE:
        return _("Write the date as YYYY-MM-DD.")
    if spec.kind is Kind.INT:
        return _("Must be a whole number.")
    if spec.kind is Kind.FLOAT:
        return _("Must be a number.")
    if spec.kind is Kind.BOOL:
        return _("Must be yes or no.")
    return rule


class TravellerForm(forms.Form):
    """Every input field of the traveller record (document number instead of its hash)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for _title, names in SECTIONS:
            for name in names:
                self.fields[name] = _form_field(field_spec(name))
        for name in OBSERVATIONS:
            self.fields[name] = _form_field(INPUT_FIELDS[name])
            self.fields[name].label = observation_label(name)
        self.record: dict[str, Any] | None = None

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]

    def observation_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in OBSERVATIONS]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        # every column present (empty ones as null), so a missing required value is named
        raw: dict[str, Any] = {}
        for name, value in data.items():
            if isinstance(value, bool):
                raw[name] = "true" if value else None
            else:
                raw[name] = None if value in (None, "") else str(value)
        if raw.get("record_id") is None:
            raw["record_id"] = "desk-" + secrets.token_hex(6)
        try:
            table = validate_table(table_from_dicts([raw]), source=_("form"))
        except InputError as exc:
            self._place(exc.problems)
            return data
        self.record = table.to_pylist()[0]
        return data

    def _place(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = problem.field
            if name == "document_number_hash":
                name = "document_number"
            if name is not None and name in self.fields:
                self.add_error(name, rule_in_language(field_spec(name), problem.rule))
            else:
                self.add_error(None, problem_text(problem))


def record_to_json(record: Mapping[str, Any]) -> str:
    """A record as JSON text (dates in ISO form), for encrypted storage."""

    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value

    return json.dumps({k: plain(v) for k, v in record.items() if v is not None})


def record_from_json(text: str) -> dict[str, Any]:
    """The record back with typed values, as the Screener wants them."""
    raw = json.loads(text)
    table = validate_table(table_from_dicts([raw]), source="stored record")
    row: dict[str, Any] = table.to_pylist()[0]
    return row


class DispositionForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Disposition"), choices=DISPOSITION_CHOICES, widget=forms.RadioSelect
    )
    observed = forms.MultipleChoiceField(
        label=gettext_lazy("What you observed (needed for a referral)"),
        choices=OBSERVED_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea({"rows": 2}),
        max_length=2000,
        help_text=gettext_lazy(
            "What you saw or asked, in a few words. A hunch alone is not a reason."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["observed"].choices = [
            (INPUT_FIELDS[name].observation or "", observation_label(name)) for name in OBSERVATIONS
        ]


class CorrectionForm(DispositionForm):
    """A new disposition that supersedes the recorded one, and why it is corrected."""

    correction_reason = forms.CharField(
        label=gettext_lazy("Why the disposition is corrected"),
        widget=forms.Textarea({"rows": 2}),
        max_length=2000,
        help_text=gettext_lazy(
            "The previous disposition stays in the hit's history with this reason."
        ),
    )
