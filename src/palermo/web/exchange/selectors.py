"""Reads of the cross-border exchange, scoped to the reader's agency (another's: 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy

from palermo.web.accounts.models import User
from palermo.web.exchange.models import AgencyKeyPair, ExchangePackage, Partner
from palermo.web.lib.roles import (
    EXCHANGE_EXPORT_ROLES,
    EXCHANGE_KEY_ROLES,
    EXCHANGE_ROLES,
    require_role,
)


def partner_list(*, user: User) -> QuerySet[Partner]:
    """Every partner key the administrator's agency registered, current ones first."""
    require_role(user, EXCHANGE_KEY_ROLES, what=gettext_lazy("manage exchange keys"))
    return (
        Partner.objects.filter(owner=user.agency_id)
        .select_related("agency", "registered_by", "confirmed_by")
        .order_by("retired_at", "agency__name", "-registered_at")
    )


def partner_get(*, user: User, pk: int) -> Partner:
    try:
        return partner_list(user=user).get(pk=pk)
    except Partner.DoesNotExist:
        raise Http404 from None


def partners_in_use(*, user: User) -> QuerySet[Partner]:
    """The partners a case of the user's agency may be sent to (keys confirmed, current)."""
    require_role(user, EXCHANGE_EXPORT_ROLES, what=gettext_lazy("send a case abroad"))
    return (
        Partner.objects.filter(
            owner=user.agency_id, confirmed_at__isnull=False, retired_at__isnull=True
        )
        .select_related("agency")
        .order_by("agency__name")
    )


def key_pair_history(*, user: User) -> QuerySet[AgencyKeyPair]:
    require_role(user, EXCHANGE_KEY_ROLES, what=gettext_lazy("manage exchange keys"))
    return AgencyKeyPair.objects.filter(agency=user.agency_id).order_by("-created_at")


def package_list(*, user: User) -> QuerySet[ExchangePackage]:
    """Packages the user's agency sent or received, newest first."""
    require_role(user, EXCHANGE_ROLES, what=gettext_lazy("see exchange packages"))
    return ExchangePackage.objects.filter(agency=user.agency_id).select_related(
        "partner__agency", "case", "recorded_by"
    )
