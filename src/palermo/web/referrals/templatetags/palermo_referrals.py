"""The referrals panel of the case page (the cases app shows it without importing this app)."""

from __future__ import annotations

from typing import Any

from django import template

from palermo.web.lib.roles import REFERRAL_SEND_ROLES
from palermo.web.referrals.selectors import case_referrals

register = template.Library()


@register.inclusion_tag("referrals/_case_panel.html", takes_context=True)
def case_referrals_panel(context: dict[str, Any], case: Any) -> dict[str, Any]:
    user = context["request"].user
    own = case.agency_id == user.agency_id
    return {
        "case": case,
        "referrals": list(case_referrals(user=user, case=case)),
        "may_refer": own and user.role in REFERRAL_SEND_ROLES and case.status != "closed",
        "own": own,
    }
