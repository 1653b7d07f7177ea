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
from typing import Any, cast

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from palermo.errors import InputError, Problem
from palermo.records.consistency import record_problems
from palermo.records.countries import country_code, country_names
from palermo.records.mrz import Mrz
from palermo.records.readers import table_from_dicts, validate_table
from palermo.records.schema import INPUT_FIELDS, FieldSpec, Kind
from palermo.web.lib.choices import enum_label
from palermo.web.lib.problems import problem_text, rule_text
from palermo.web.screening.models import DISPOSITION_CHOICES, PROFILE_DISPOSITIONS

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


# Widget attributes: the keyboard a phone shows, the list countries are picked from.
_KIND_ATTRS: dict[Kind, dict[str, str]] = {
    Kind.DATE: {"type": "date"},
    # a name in either language or the code, picked from the page's list of countries
    Kind.COUNTRY: {"list": "countries", "autocomplete": "off", "maxlength": "100"},
    Kind.COUNTRY_LIST: {"list": "countries", "autocomplete": "off", "maxlength": "500"},
    Kind.INT: {"inputmode": "numeric"},
    Kind.FLOAT: {"inputmode": "decimal"},
}
_NAME_ATTRS: dict[str, dict[str, str]] = {
    "contact_email": {"type": "email", "autocomplete": "off"},
    "contact_phone": {"type": "tel", "autocomplete": "off"},
}


def _help_text(spec: FieldSpec) -> str:
    if spec.kind is Kind.COUNTRY:
        return _("Type the name in English or Chinese and pick it from the list.")
    if spec.kind is Kind.COUNTRY_LIST:
        return _("Country names or codes, separated by ';'.")
    if spec.name == "record_id":
        return _(
            "Left empty, the desk numbers the record. For a visa application: the application "
            "number, which links its hits to the visa file."
        )
    return ""


def _form_field(spec: FieldSpec) -> forms.Field:
    label = bilingual_label(spec)
    required = spec.required and spec.name != "record_id"
    if spec.kind is Kind.BOOL:
        return forms.BooleanField(label=label, required=False)
    if spec.kind is Kind.ENUM:
        choices = [("", "—"), *[(v, enum_label(spec.name, v)) for v in spec.domain]]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    attrs = dict(_KIND_ATTRS.get(spec.kind) or _NAME_ATTRS.get(spec.name) or {})
    if required:
        attrs.update(required="required", **{"aria-required": "true"})
    return forms.CharField(
        label=label, required=False, widget=forms.TextInput(attrs), help_text=_help_text(spec)
    )


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
        return _(
            "Not a country: pick one from the list (a name in English or Chinese, or its code)."
        )
    if spec.kind is Kind.COUNTRY_LIST:
        return _("Not countries: names or codes from the list, separated by ';'.")
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
        countries_known = self._countries(raw)
        try:
            table = validate_table(table_from_dicts([raw]), source=_("form"))
        except InputError as exc:
            self._place(exc.problems)
            # the dates and contacts that are valid alone are still checked together, so
            # every mistake shows in one pass
            self._place_crossed(_typed_alone(raw, {p.field for p in exc.problems}))
            return data
        record = table.to_pylist()[0]
        if not self._place_crossed(record) and countries_known:
            self.record = record
        return data

    def _place_crossed(self, record: Mapping[str, Any]) -> bool:
        """Mark each cross-field rule ``record`` breaks; whether any was."""
        crossed = record_problems(record, where=_("form"))
        for each in crossed:
            if each.field not in self.errors:
                self.add_error(each.field if each.field in self.fields else None, rule_text(each))
        return bool(crossed)

    def _countries(self, raw: dict[str, Any]) -> bool:
        """Country names (either language) or codes as ISO codes in ``raw``; every one that
        names no country is marked on its field, never cut to two letters."""
        fine = True
        for name, value in list(raw.items()):
            spec = INPUT_FIELDS.get(name)
            if value is None or spec is None or spec.kind not in (Kind.COUNTRY, Kind.COUNTRY_LIST):
                continue
            parts = [value] if spec.kind is Kind.COUNTRY else re.split(r"[;,，；]", value)
            codes = [country_code(p) for p in parts if p.strip()]
            if any(code is None for code in codes):
                self.add_error(name, rule_in_language(spec, ""))
                raw[name] = None  # marked here; the other fields are still checked
                fine = False
            else:
                raw[name] = ";".join(c for c in codes if c)
        return fine

    def _place(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = problem.field
            if name == "document_number_hash":
                name = "document_number"
            if name is not None and name in self.fields:
                self.add_error(name, rule_in_language(field_spec(name), problem.rule))
            else:
                self.add_error(None, problem_text(problem))


def _typed_alone(raw: Mapping[str, Any], refused: set[str | None]) -> dict[str, Any]:
    """The dates and contact details of ``raw`` that are valid on their own, typed."""
    typed: dict[str, Any] = {}
    for name, value in raw.items():
        spec = INPUT_FIELDS.get(name)
        if value is None or name in refused or spec is None:
            continue
        if spec.kind is Kind.DATE:
            try:
                typed[name] = dt.date.fromisoformat(value)
            except ValueError:
                continue
        elif name in ("contact_email", "contact_phone"):
            typed[name] = value
    return typed


def country_options(lang: str) -> list[tuple[str, str]]:
    """(code, 'name · other-language name') for the page's list of countries, by name."""
    zh = lang.startswith("zh")
    rows = [
        (code, f"{zh_name} · {en}" if zh else f"{en} · {zh_name}")
        for code, (en, zh_name) in country_names().items()
    ]
    return sorted(rows, key=lambda row: row[1])


# What the machine-readable zone fills in: the form's fields, the document number in plain
# (the form keeps only its keyed hash in the record).
def mrz_values(mrz: Mrz) -> dict[str, str]:
    values = {
        "document_type": mrz.document_type,
        "document_number": mrz.document_number,
        "document_issuing_state": mrz.issuing_state or "",
        "document_expiry_date": mrz.expiry_date.isoformat() if mrz.expiry_date else "",
        "surname": mrz.surname,
        "given_names": mrz.given_names,
        "nationality": mrz.nationality or "",
        "sex": mrz.sex or "",
        "date_of_birth": mrz.date_of_birth.isoformat() if mrz.date_of_birth else "",
    }
    return {k: v for k, v in values.items() if v}


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
    age_in_doubt = forms.BooleanField(
        label=gettext_lazy(
            "Age in doubt: the traveller may be under 18, whatever the document says"
        ),
        required=False,
        help_text=gettext_lazy(
            "The second line then treats the traveller as a child (child interview) until an "
            "age assessment says otherwise."
        ),
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes spent (optional)"),
        min_value=0,
        max_value=600,
        required=False,
        help_text=gettext_lazy("How long this hit took you: shows what each profile costs."),
    )

    def __init__(self, *args: Any, source: str = "profile", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["observed"]).choices = [
            (INPUT_FIELDS[name].observation or "", observation_label(name)) for name in OBSERVATIONS
        ]
        if source != "watchlist":  # an investigator takes watchlist matches only
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                (k, label) for k, label in DISPOSITION_CHOICES if k in PROFILE_DISPOSITIONS
            ]


class GroupDispositionForm(DispositionForm):
    """One disposition for all of a traveller's waiting hits, with the hits left out."""

    exceptions = forms.MultipleChoiceField(
        label=gettext_lazy("Leave out (dispose of these on their own)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, waiting: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, source="watchlist", **kwargs)
        del self.fields["minutes"]  # recorded per hit, not for several at once
        cast(forms.ChoiceField, self.fields["exceptions"]).choices = [
            (str(pk), title) for pk, title in waiting
        ]

    def left_out(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("exceptions") or []]


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["minutes"]  # the time was recorded with the first disposition
        del self.fields["age_in_doubt"]  # so was the doubt about the age
