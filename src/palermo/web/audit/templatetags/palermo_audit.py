"""Words for the audit log: the kind of object an entry is about, never ``cases.case``."""

from __future__ import annotations

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
    "interviews.interview": _("Interview"),
    "profiles.profileversion": _("Risk profile version"),
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
