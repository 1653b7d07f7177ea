"""Reads of data-sharing agreements: supervisors and administrators see their agency's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from palermo.web.accounts.models import User
from palermo.web.agreements.models import DataSharingAgreement
from palermo.web.lib.roles import AGREEMENT_ROLES, require_role


def _scoped(user: User) -> QuerySet[DataSharingAgreement]:
    require_role(user, AGREEMENT_ROLES, what=_("see data-sharing agreements"))
    # Only the parties see an agreement (administrators included: their own agency's).
    agreements = DataSharingAgreement.objects.prefetch_related("parties")
    return agreements.filter(parties=user.agency_id).distinct()


def agreement_list(*, user: User) -> QuerySet[DataSharingAgreement]:
    return _scoped(user).order_by("-valid_to", "reference")


def agreement_get(*, user: User, pk: int) -> DataSharingAgreement:
    try:
        return _scoped(user).get(pk=pk)
    except DataSharingAgreement.DoesNotExist:
        raise Http404 from None
