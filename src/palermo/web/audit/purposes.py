"""Why an entry was written, in words: the catalogue of audit purposes.

An entry stores its purpose as the English key below (``"case note"``), as entries always
have: the key is what the hash chain covers, so it never changes and old entries read the same
as new ones. Pages and exports show ``purpose_label(entry.purpose)``: the catalogue's text in
the reader's language. A purpose built at run time is a template key (``"referral: {service}"``)
whose stored text is the key with the values filled in; it is shown formatted, each value in
words where it is a code. A purpose a person typed (an export's or a share's stated purpose)
and any stored text the catalogue does not know are shown as stored.

``tests/web/test_audit_purposes.py`` holds every purpose written in the code to this catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PURPOSES: dict[str, Promise] = {
    # accounts, administration
    "password changed": _("Password changed"),
    "password reset": _("Password reset"),
    "second factor enrolled": _("Second factor enrolled"),
    "second factor reset": _("Second factor reset"),
    "recovery codes replaced": _("Recovery codes replaced"),
    "agency created": _("Agency created"),
    "agency changed": _("Agency changed"),
    "user created": _("User account created"),
    "user awaits confirmation": _("User account awaiting confirmation"),
    "user deactivated": _("User account deactivated"),
    "user reactivated": _("User account reactivated"),
    "role changed": _("Role changed"),
    "confirmation requested": _("Confirmation requested"),
    "confirmation given": _("Confirmation given"),
    "confirmation refused": _("Confirmation refused"),
    "confirmed change applied": _("Confirmed change applied"),
    "API token created": _("API token created"),
    "API token revoked": _("API token revoked"),
    "API token rotated": _("API token rotated"),
    "qualification granted": _("Qualification granted"),
    "qualification revoked": _("Qualification revoked"),
    "certificate rule overridden": _("Certificate rule overridden"),
    "training account linked to live account": _("Training account linked to a live account"),
    # the audit log, backups, retention, notifications
    "audit": _("Audit"),
    "audit chain verified": _("Audit chain verified"),
    "database restored from a backup": _("Database restored from a backup"),
    "retention: screening records masked": _("Retention: screening records masked"),
    "notification": _("Notification"),
    "notification read": _("Notification read"),
    "notifications read": _("Notifications read"),
    # screening, hits, watchlists, profiles
    "screening at the desk": _("Screening at the desk"),
    "batch screening": _("Batch screening"),
    "batch screening rejected": _("Batch screening rejected"),
    "batch screening failed": _("Batch screening failed"),
    "hit queue": _("Hit queue"),
    "hit queue export": _("Hit queue export"),
    "review hits": _("Review of hits"),
    "hit disposition": _("Hit disposition"),
    "hit disposition corrected": _("Hit disposition corrected"),
    "watchlist review": _("Watchlist review"),
    "watchlist index built": _("Watchlist index built"),
    "watchlist threshold changed": _("Watchlist threshold changed"),
    "profile mining": _("Profile mining"),
    "profile review due": _("Risk profile review due"),
    # the review workflow: "<noun> <step>" of review/workflow.py, each in full
    "risk profile uploaded": _("Risk profile uploaded"),
    "risk profile submitted": _("Risk profile submitted"),
    "risk profile approved": _("Risk profile approved"),
    "risk profile activated": _("Risk profile activated"),
    "risk profile retirement requested": _("Risk profile retirement requested"),
    "risk profile retired": _("Risk profile retired"),
    "named list uploaded": _("Named list uploaded"),
    "named list submitted": _("Named list submitted"),
    "named list approved": _("Named list approved"),
    "named list activated": _("Named list activated"),
    "named list retirement requested": _("Named list retirement requested"),
    "named list retired": _("Named list retired"),
    "watchlist uploaded": _("Watchlist uploaded"),
    "watchlist submitted": _("Watchlist submitted"),
    "watchlist approved": _("Watchlist approved"),
    "watchlist activated": _("Watchlist activated"),
    "watchlist retirement requested": _("Watchlist retirement requested"),
    "watchlist retired": _("Watchlist retired"),
    # interviews
    "interview": _("Interview"),
    "interview started": _("Interview started"),
    "interview answers": _("Interview answers"),
    "interview assessed": _("Interview assessed"),
    "interview assessment": _("Interview assessment"),
    "second-line interview from first-line screen": _(
        "Second-line interview from a first-line screen"
    ),
    "refer from first-line screen": _("Referral from a first-line screen"),
    "open case": _("Opening a case"),
    # cases
    "case list": _("Case list"),
    "case search by name": _("Case search by name"),
    "case work": _("Case work"),
    "case details": _("Case details"),
    "case workflow": _("Case workflow"),
    "case opened from interview": _("Case opened from an interview"),
    "case opened from a received exchange package": _(
        "Case opened from a received exchange package"
    ),
    "case transferred": _("Case transferred"),
    "case assignment": _("Case assignment"),
    "case note": _("Case note"),
    "case task": _("Case task"),
    "case service": _("Service provided on a case"),
    "case attachment": _("Case attachment"),
    "type of exploitation recorded": _("Type of exploitation recorded"),
    "consent": _("Consent"),
    "consent withdrawn": _("Consent withdrawn"),
    "share revoked": _("Sharing revoked"),
    "share renewed": _("Sharing renewed"),
    "api case list": _("Case list through the API"),
    "api case read": _("Case read through the API"),
    # referrals ("referral <step>" of referrals/services._record_step, each in full)
    "referral accepted": _("Referral accepted"),
    "referral declined": _("Referral declined"),
    "referral done": _("Referral done"),
    "referral revoked": _("Referral revoked"),
    "referral overdue": _("Referral answer overdue"),
    # children
    "child protection": _("Child protection"),
    "child protection referral": _("Child protection referral"),
    "age assessment": _("Age assessment"),
    "best interests": _("Best interests assessment"),
    "guardian appointed": _("Guardian appointed"),
    # identification decisions
    "referred for an identification decision": _("Referred for an identification decision"),
    "identification decision": _("Identification decision"),
    "identification decision overdue": _("Identification decision overdue"),
    "identification file": _("Identification file"),
    "reconsideration requested": _("Reconsideration requested"),
    # consular work
    "consular case list": _("Consular case list"),
    "consular case work": _("Consular case work"),
    "consular case opened": _("Consular case opened"),
    "consular case from a visa application": _("Consular case from a visa application"),
    "consular assistance": _("Consular assistance"),
    "emergency travel document": _("Emergency travel document"),
    "return risk assessment": _("Return risk assessment"),
    "high-risk return allowed": _("High-risk return allowed"),
    "voluntary return plan": _("Voluntary return plan"),
    "voluntary return": _("Voluntary return"),
    "follow-up after return": _("Follow-up after return"),
    "follow-up after return due": _("Follow-up after return due"),
    # agreements, exchange, directory
    "data-sharing agreement recorded": _("Data-sharing agreement recorded"),
    "data-sharing agreement signed": _("Data-sharing agreement signed"),
    "data-sharing agreement signed by every party": _(
        "Data-sharing agreement signed by every party"
    ),
    "data-sharing agreement end requested": _("End of a data-sharing agreement requested"),
    "data-sharing agreement ended": _("Data-sharing agreement ended"),
    "exchange key pair generated": _("Exchange key pair generated"),
    "exchange partner key registered": _("Exchange partner key registered"),
    "exchange partner key confirmed": _("Exchange partner key confirmed"),
    "exchange partner key retired": _("Exchange partner key retired"),
    "exchange package verified": _("Exchange package verified"),
    "exchange package received": _("Exchange package received"),
    "service directory": _("Service directory"),
    # reports, training
    "dashboard download": _("Dashboard download"),
    "statistics (k-anonymous release)": _("Statistics (k-anonymous release)"),
    "training academy": _("Training academy"),
    "training certificate": _("Training certificate"),
    "training import": _("Training import"),
    "offline course package": _("Offline course package"),
    "simulated cohort": _("Simulated cohort"),
}

# Purposes built at run time: the key with ``{name}`` placeholders is what the code formats
# and stores; the text is shown with each value in words (``_VALUE_WORDS``) or as stored.
PURPOSE_TEMPLATES: dict[str, Promise] = {
    "referral: {service}": _("Referral: %(service)s"),
    "referral {reference}": _("Referral %(reference)s"),
}


def _service_words(code: str) -> str:
    """A directory service type in words (the choices of a case's services; looked up by name:
    the directory writes to the audit log, so the log imports nothing of it)."""
    try:
        field = apps.get_model("cases", "CaseService")._meta.get_field("service")
    except (LookupError, FieldDoesNotExist):
        return code
    return str(dict(field.choices or []).get(code, code))


_VALUE_WORDS: dict[str, Callable[[str], str]] = {"service": _service_words}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)  # literal, name, literal, name, ...
    return re.compile(
        "".join(
            f"(?P<{part}>.+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
        )
    )


_TEMPLATE_PATTERNS = [(_pattern(key), text) for key, text in PURPOSE_TEMPLATES.items()]


def purpose_text(template: str, **values: object) -> str:
    """The purpose to store for a template key: the key with ``values`` filled in. An unknown
    key is a programming error (``KeyError``)."""
    if template not in PURPOSE_TEMPLATES:
        raise KeyError(f"unknown audit purpose template {template!r}")
    return template.format(**{name: str(value) for name, value in values.items()})


def purpose_label(stored: str) -> str:
    """A stored purpose in the reader's language; text the catalogue does not know (typed by a
    person, or written before the catalogue) as stored."""
    fixed = PURPOSES.get(stored)
    if fixed is not None:
        return str(fixed)
    for pattern, text in _TEMPLATE_PATTERNS:
        match = pattern.fullmatch(stored)
        if match is not None:
            values = {
                name: _VALUE_WORDS.get(name, str)(value)
                for name, value in match.groupdict().items()
            }
            return str(text) % values
    return stored


def purposes_matching(words: str) -> Q:
    """Entries whose purpose contains ``words``: as stored, or in the reader's language (the
    catalogue's texts and the literal part of its templates)."""
    wanted = words.casefold()
    found = Q(purpose__icontains=words)
    keys = [key for key, text in PURPOSES.items() if wanted in str(text).casefold()]
    if keys:
        found |= Q(purpose__in=keys)
    for key, text in PURPOSE_TEMPLATES.items():
        literal = re.sub(r"%\(\w+\)s", "", str(text))
        if wanted in literal.casefold():
            found |= Q(purpose__startswith=_PLACEHOLDER.split(key)[0])
    return found
