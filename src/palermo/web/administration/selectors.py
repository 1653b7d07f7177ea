"""Administrators' reads: agencies, accounts, tokens and waiting confirmations of the agencies
they manage (their own; every agency for the national body). No personal data of travellers
or cases, no case content."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from palermo.web.accounts.models import Agency, ApiToken, Qualification, User
from palermo.web.administration.models import CertificateOverride, Confirmation
from palermo.web.administration.services import is_national_admin, may_confirm, require_admin


def _managed(user: User, field: str = "agency_id") -> Q:
    """Rows of the agencies ``user`` manages."""
    return Q() if is_national_admin(user) else Q(**{field: user.agency_id})


def agency_list(*, user: User) -> QuerySet[Agency]:
    require_admin(user)
    return Agency.objects.filter(_managed(user, "pk")).order_by("name")


def agency_get(*, user: User, pk: int) -> Agency:
    try:
        return agency_list(user=user).get(pk=pk)
    except Agency.DoesNotExist:
        raise Http404 from None


def account_list(*, user: User) -> QuerySet[User]:
    """People's accounts (the system accounts behind API tokens are listed with the tokens)."""
    require_admin(user)
    return (
        User.objects.filter(_managed(user), api_token__isnull=True)
        .select_related("agency")
        .order_by("agency__name", "username")
    )


def account_get(*, user: User, pk: int) -> User:
    try:
        return account_list(user=user).get(pk=pk)
    except User.DoesNotExist:
        raise Http404 from None


def token_list(*, user: User) -> QuerySet[ApiToken]:
    require_admin(user)
    return (
        ApiToken.objects.filter(_managed(user))
        .select_related("agency", "created_by", "user")
        .order_by("-created_at")
    )


def token_get(*, user: User, pk: int) -> ApiToken:
    try:
        return token_list(user=user).get(pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None


def confirmation_list(*, user: User) -> list[tuple[Confirmation, bool]]:
    """Open requests in the agencies ``user`` manages, each with whether ``user`` may decide
    it (they may always withdraw their own)."""
    require_admin(user)
    waiting = (
        Confirmation.objects.filter(_managed(user, "account__agency_id"), decided_at__isnull=True)
        .select_related("account", "account__agency", "requested_by")
        .order_by("requested_at", "id")
    )
    return [(c, may_confirm(user, c)) for c in waiting]


def confirmation_get(*, user: User, pk: int) -> Confirmation:
    require_admin(user)
    found = (
        Confirmation.objects.filter(_managed(user, "account__agency_id"), pk=pk)
        .select_related("account", "requested_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def account_qualifications(*, user: User, account: User) -> QuerySet[Qualification]:
    """Every qualification ``account`` was granted (in force or revoked), newest first."""
    account = account_get(user=user, pk=account.pk)
    return account.qualifications.select_related("granted_by", "revoked_by").order_by("-granted_at")


def account_overrides(*, user: User, account: User) -> QuerySet[CertificateOverride]:
    """What was given to ``account`` without the training certificate it needs, and why."""
    account = account_get(user=user, pk=account.pk)
    return account.certificate_overrides.all()
