"""The child's protection on the case page (``{% child_protection_panel case %}``): why the
child was referred, the age assessment, best interests and the guardian, with the forms for
the owning agency. A template tag, so the cases app does not import this one."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from palermo.web.children import selectors
from palermo.web.lib.roles import CHILD_PROTECTION_ROLES, REFERRAL_SEND_ROLES

register = template.Library()


@register.inclusion_tag("children/_case_panel.html", takes_context=True)
def child_protection_panel(context: dict[str, Any], case: Any) -> dict[str, Any]:
    from palermo.web.children.views import AgeAssessmentForm, BestInterestsForm, GuardianForm

    request = context["request"]
    user = request.user
    file = selectors.child_file(
        user=user, case=case, language=get_language() or "en", request=request
    )
    return {
        "case": case,
        "file": file,
        "can_record": case.agency_id == user.agency_id and user.role in CHILD_PROTECTION_ROLES,
        "can_refer": case.agency_id == user.agency_id and user.role in REFERRAL_SEND_ROLES,
        "age_form": AgeAssessmentForm(),
        "interests_form": BestInterestsForm(),
        "guardian_form": GuardianForm(),
        "csrf_token": context.get("csrf_token"),
    }
