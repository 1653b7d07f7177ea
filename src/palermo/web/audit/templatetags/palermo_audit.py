"""Words for the audit log: the kind of object an entry is about (never ``cases.case``), the
fields it names and why it was written, in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from palermo.records.schema import INPUT_FIELDS
from palermo.web.audit.columns import EXPORT_COLUMNS
from palermo.web.audit.purposes import purpose_label

register = template.Library()

OBJECT_TYPE_LABELS: dict[str, Promise] = {
    "accounts.agency": _("Agency"),
    "accounts.user": _("User account"),
    "accounts.apitoken": _("API token"),
    "administration.confirmation": _("Account change awaiting confirmation"),
    "agreements.datasharingagreement": _("Data-sharing agreement"),
    "audit.auditentry": _("Audit log"),
    "audit.key": _("Audit signing key"),
    "audit.search": _("Audit log search"),
    "cases.case": _("Case"),
    "cases.consent": _("Consent"),
    "cases.caseshare": _("Case sharing"),
    "cases.casenote": _("Case note"),
    "cases.casetask": _("Case task"),
    "cases.caseservice": _("Service provided on a case"),
    "cases.caseattachment": _("Case attachment"),
    "cases.casenametoken": _("Name index of cases"),
    "directory.serviceprovider": _("Service provider"),
    "notifications.notification": _("Notification"),
    "nrm.identification": _("Submission for an identification decision"),
    "nrm.decision": _("Identification decision"),
    "nrm.reconsiderationrequest": _("Request for reconsideration"),
    "interviews.interview": _("Interview"),
    "profiles.profileversion": _("Risk profile version"),
    "reports.caseexport": _("Cases for statistics (CTDC and HTCDS)"),
    "reports.figures": _("Dashboard figures"),
    "profiles.listversion": _("Named list version"),
    "screening.batchjob": _("Batch screening"),
    "screening.desk": _("Screening at the desk (no hit)"),
    "screening.hit": _("Hit"),
    "screening.traveller": _("Screened traveller"),
    "watchlists.watchlistversion": _("Watchlist version"),
}


@register.filter
def object_type_label(code: str) -> str:
    """The kind of object in the page's language; an unknown type as it is."""
    return str(OBJECT_TYPE_LABELS.get(code, code))


def _value_label(object_type: str, field: str, value: object) -> str:
    """A coded value in words when the model declares choices for the field (a case's
    status: "Referred"), else the value as recorded."""
    app_label, _dot, model_name = object_type.partition(".")
    try:
        model = apps.get_model(app_label, model_name)
        choices = model._meta.get_field(field).choices or []
    except (LookupError, ValueError, FieldDoesNotExist):
        return str(value)
    labels = {str(code): label for code, label in choices}
    return str(labels.get(str(value), value))


@register.filter
def changes(entry: Any) -> list[tuple[str, str, str]]:
    """(field, before, after) recorded in an entry's detail: a status change ("from"/"to") or
    a value replaced ("before"/"after"); only non-personal fields are recorded so."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    fields = list(entry.fields or [])
    field = fields[0] if len(fields) == 1 else ""
    for old, new in (("from", "to"), ("before", "after")):
        if old in detail and new in detail:
            return [
                (
                    field,
                    _value_label(entry.object_type, field, detail[old]),
                    _value_label(entry.object_type, field, detail[new]),
                )
            ]
    return []


# fields an entry names that live on a related model (a case's person) or are no column
_RELATED_FIELDS: dict[str, tuple[str, str]] = {
    "full_name": ("cases", "person"),
    "document_number": ("cases", "person"),
    "contact": ("cases", "person"),
}


# fields an entry names that are no column with a verbose name: a traveller's record (kept
# sealed, named by the record schema in both languages) and a few others, in words
_FIELD_WORDS: dict[tuple[str, str], Promise] = {
    ("screening.hit", "reasons"): _("reasons the hit fired"),
    ("watchlists.watchlistversion", "index_file"): _("index file"),
}


def field_label(object_type: str, field: str) -> str:
    """A field an entry about ``object_type`` names, in words; one no model or schema names,
    with spaces for underscores."""
    if (object_type, field) in _FIELD_WORDS:
        return str(_FIELD_WORDS[(object_type, field)])
    column = EXPORT_COLUMNS.get(object_type, {}).get(field)
    if column is not None:  # an export names the columns it wrote, as its header does
        return _in_a_list(str(column))
    app_label, _dot, model_name = object_type.partition(".")
    candidates = [(app_label, model_name)]
    if field in _RELATED_FIELDS:
        candidates.append(_RELATED_FIELDS[field])
    for app, model in candidates:
        try:
            verbose = apps.get_model(app, model)._meta.get_field(field).verbose_name
        except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
            continue
        return str(verbose)
    # a traveller's record, and the hit export's columns of it
    traveller = object_type in {"screening.traveller", "screening.hit"}
    spec = INPUT_FIELDS.get(field) if traveller else None
    if spec is not None:
        if (get_language() or "en").startswith("zh"):
            return spec.label_zh
        return _in_a_list(spec.label_en)
    return field.replace("_", " ")


def _in_a_list(label: str) -> str:
    """A heading as a word in a list: "Agency id" becomes "agency id" (English only)."""
    if (get_language() or "en").startswith("zh") or label[1:2].isupper():
        return label
    return label[:1].lower() + label[1:]


@register.filter
def field_labels(entry: Any) -> str:
    """The fields an entry names, in words where the model declares them."""
    return ", ".join(field_label(entry.object_type, str(f)) for f in entry.fields or [])


@register.filter
def purpose_words(stored: str) -> str:
    """Why an entry was written, in the page's language (``audit.purposes``)."""
    return purpose_label(stored)
