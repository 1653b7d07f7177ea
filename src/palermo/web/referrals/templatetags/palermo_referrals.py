"""The referrals panel of the case page (the cases app shows it without importing this app)."""

from __future__ import annotations

from typing import Any

from django import template

from palermo.web.directory.models import ServiceProvider
from palermo.web.lib.roles import REFERRAL_SEND_ROLES
from palermo.web.referrals import selectors
from palermo.web.referrals.selectors import AnswerTimes, case_referrals

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


@register.simple_tag(takes_context=True)
def provider_answer_times(context: dict[str, Any], providers: Any) -> dict[int, AnswerTimes]:
    """The directory pages' answer times per entry (the directory app shows them without
    importing this app): ``{% provider_answer_times page as times %}``, or one entry."""
    entries = [providers] if isinstance(providers, ServiceProvider) else list(providers)
    return selectors.provider_answer_times(user=context["request"].user, providers=entries)


@register.simple_tag
def answer_times_minimum() -> int:
    """Fewer answered referrals than this give no figure."""
    return selectors.MIN_ANSWERS_FOR_TIMES


@register.inclusion_tag("referrals/_answer_times.html")
def answer_times_of(times: dict[int, AnswerTimes], provider: Any) -> dict[str, Any]:
    """One entry's answer times in words (none for an entry outside Palermo)."""
    return {"times": times.get(provider.pk)}
