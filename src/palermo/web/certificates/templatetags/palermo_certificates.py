"""Certificates on the academy's pages, as template tags so the academy does not import this
app (which imports the academy): ``{% certificate_cell enrolment %}`` in the trainee's list,
``{% cohort_certificates cohort %}`` on the trainer's cohort page; and on an administrator's
page of one account, ``{% account_certificates account %}`` (so administration, which asks the
certificate rule, does not import this app either)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from palermo.web.academy.models import Cohort, Enrolment
from palermo.web.accounts.models import User
from palermo.web.certificates import selectors
from palermo.web.certificates.codes import certificate_code
from palermo.web.certificates.models import Certificate
from palermo.web.certificates.rules import unmet_requirements
from palermo.web.lib.problems import rule_text

register = template.Library()


def _row(certificate: Certificate) -> dict[str, Any]:
    return {
        "certificate": certificate,
        "code": certificate_code(certificate),
        "course": certificate.course_title_in(get_language()),
    }


@register.inclusion_tag("certificates/_enrolment_cell.html", takes_context=True)
def certificate_cell(context: dict[str, Any], enrolment: Enrolment) -> dict[str, Any]:
    """The trainee's certificate of ``enrolment``: download it, ask for it once earned, or
    what is still missing."""
    found = Certificate.objects.filter(enrolment=enrolment).first()
    missing = [] if found else [rule_text(p) for p in unmet_requirements(enrolment)]
    return {
        "enrolment": enrolment,
        "row": _row(found) if found else None,
        "missing": missing,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("certificates/_cohort_certificates.html", takes_context=True)
def cohort_certificates(context: dict[str, Any], cohort: Cohort) -> dict[str, Any]:
    """The certificates of a cohort's trainees, each with the trainer's revoke form."""
    user = context["request"].user
    found = selectors.cohort_certificates(user=user, cohort=cohort)
    return {
        "rows": [_row(c) for c in found.values()],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("certificates/_account_certificates.html", takes_context=True)
def account_certificates(context: dict[str, Any], account: User) -> dict[str, Any]:
    """The person's certificates on their account's administration page, with their state."""
    today = timezone.localdate()
    found = selectors.account_certificates(user=context["request"].user, account=account)
    return {
        "rows": [
            {
                **_row(c),
                "valid": c.is_valid_on(today),
                "earned_elsewhere": c.earned_by_id not in (None, c.holder_id),
            }
            for c in found
        ]
    }
