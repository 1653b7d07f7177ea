"""Labels for the coded values of the traveller record (the ENUM fields of records.schema).

The record keeps codes (``recruitment_agency``); a person reads a label in their language.
The field is the translation context, because one code reads differently per field (a family
visa, a ticket paid by the family). The English label is the code with spaces, as before.
``tests/web/test_translations.py`` fails when a field gains a code without a label here.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

ENUM_LABELS: dict[tuple[str, str], str | Promise] = {
    ("event_kind", "entry"): pgettext_lazy("event_kind", "entry"),
    ("event_kind", "exit"): pgettext_lazy("event_kind", "exit"),
    ("event_kind", "visa_application"): pgettext_lazy("event_kind", "visa application"),
    ("document_type", "passport"): pgettext_lazy("document_type", "passport"),
    ("document_type", "id_card"): pgettext_lazy("document_type", "id card"),
    ("document_type", "travel_document"): pgettext_lazy("document_type", "travel document"),
    ("document_type", "visa"): pgettext_lazy("document_type", "visa"),
    ("document_type", "other"): pgettext_lazy("document_type", "other"),
    ("sex", "F"): pgettext_lazy("sex", "F"),
    ("sex", "M"): pgettext_lazy("sex", "M"),
    ("sex", "X"): pgettext_lazy("sex", "X"),
    ("trip_type", "one_way"): pgettext_lazy("trip_type", "one way"),
    ("trip_type", "return"): pgettext_lazy("trip_type", "return"),
    ("ticket_paid_by", "self"): pgettext_lazy("ticket_paid_by", "self"),
    ("ticket_paid_by", "family"): pgettext_lazy("ticket_paid_by", "family"),
    ("ticket_paid_by", "employer"): pgettext_lazy("ticket_paid_by", "employer"),
    ("ticket_paid_by", "recruitment_agency"): pgettext_lazy("ticket_paid_by", "recruitment agency"),
    ("ticket_paid_by", "unknown_third_party"): pgettext_lazy(
        "ticket_paid_by", "unknown third party"
    ),
    ("ticket_paid_by", "unknown"): pgettext_lazy("ticket_paid_by", "unknown"),
    ("declared_purpose", "tourism"): pgettext_lazy("declared_purpose", "tourism"),
    ("declared_purpose", "business"): pgettext_lazy("declared_purpose", "business"),
    ("declared_purpose", "work"): pgettext_lazy("declared_purpose", "work"),
    ("declared_purpose", "study"): pgettext_lazy("declared_purpose", "study"),
    ("declared_purpose", "family_visit"): pgettext_lazy("declared_purpose", "family visit"),
    ("declared_purpose", "marriage"): pgettext_lazy("declared_purpose", "marriage"),
    ("declared_purpose", "transit"): pgettext_lazy("declared_purpose", "transit"),
    ("declared_purpose", "other"): pgettext_lazy("declared_purpose", "other"),
    ("visa_type", "none"): pgettext_lazy("visa_type", "none"),
    ("visa_type", "visa_free"): pgettext_lazy("visa_type", "visa free"),
    ("visa_type", "tourist"): pgettext_lazy("visa_type", "tourist"),
    ("visa_type", "business"): pgettext_lazy("visa_type", "business"),
    ("visa_type", "work"): pgettext_lazy("visa_type", "work"),
    ("visa_type", "student"): pgettext_lazy("visa_type", "student"),
    ("visa_type", "family"): pgettext_lazy("visa_type", "family"),
    ("visa_type", "marriage"): pgettext_lazy("visa_type", "marriage"),
    ("visa_type", "transit"): pgettext_lazy("visa_type", "transit"),
    ("visa_type", "other"): pgettext_lazy("visa_type", "other"),
    ("sponsor_kind", "none"): pgettext_lazy("sponsor_kind", "none"),
    ("sponsor_kind", "employer"): pgettext_lazy("sponsor_kind", "employer"),
    ("sponsor_kind", "recruitment_agency"): pgettext_lazy("sponsor_kind", "recruitment agency"),
    ("sponsor_kind", "family"): pgettext_lazy("sponsor_kind", "family"),
    ("sponsor_kind", "individual"): pgettext_lazy("sponsor_kind", "individual"),
    ("sponsor_kind", "institution"): pgettext_lazy("sponsor_kind", "institution"),
    ("offered_job_sector", "none"): pgettext_lazy("offered_job_sector", "none"),
    ("offered_job_sector", "domestic_work"): pgettext_lazy("offered_job_sector", "domestic work"),
    ("offered_job_sector", "construction"): pgettext_lazy("offered_job_sector", "construction"),
    ("offered_job_sector", "agriculture"): pgettext_lazy("offered_job_sector", "agriculture"),
    ("offered_job_sector", "fishing"): pgettext_lazy("offered_job_sector", "fishing"),
    ("offered_job_sector", "manufacturing"): pgettext_lazy("offered_job_sector", "manufacturing"),
    ("offered_job_sector", "entertainment"): pgettext_lazy("offered_job_sector", "entertainment"),
    ("offered_job_sector", "hospitality"): pgettext_lazy("offered_job_sector", "hospitality"),
    ("offered_job_sector", "care"): pgettext_lazy("offered_job_sector", "care"),
    ("offered_job_sector", "other"): pgettext_lazy("offered_job_sector", "other"),
}


def enum_label(field: str, value: str) -> str | Promise:
    """The label a person reads for ``value`` of the coded ``field``."""
    return ENUM_LABELS.get((field, value), value.replace("_", " "))
