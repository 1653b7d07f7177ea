"""The national referral mechanism's panel on the case page (``{% nrm_case_panel %}``): the
case's identifications and, for the owning agency, the form that submits the case. A template
tag, so the cases app does not import this one (which imports cases)."""

from __future__ import annotations

from typing import Any

from django import template

from palermo.web.lib.roles import NRM_REFERRING_ROLES
from palermo.web.nrm import selectors
from palermo.web.nrm.models import IdentificationState

register = template.Library()

_OPEN = {
    IdentificationState.AWAITING_FIRST_STAGE.value,
    IdentificationState.RECOVERY.value,
    IdentificationState.RECONSIDERATION.value,
}


@register.inclusion_tag("nrm/_case_panel.html", takes_context=True)
def nrm_case_panel(context: dict[str, Any], case: Any) -> dict[str, Any]:
    from palermo.web.nrm.views import ReferForm

    request = context["request"]
    user = request.user
    identifications = list(selectors.identifications_of_case(user=user, case=case))
    own = case.agency_id == user.agency_id
    return {
        "case": case,
        "identifications": identifications,
        "can_refer": own
        and user.role in NRM_REFERRING_ROLES
        and not any(i.state in _OPEN for i in identifications),
        "form": ReferForm(),
        "csrf_token": context.get("csrf_token"),
    }
