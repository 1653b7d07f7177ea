"""Administrators' reads: agencies, accounts and tokens (no personal data of travellers or
cases, no case content)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from palermo.web.accounts.models import Agency, ApiToken, User
from palermo.web.administration.services import require_admin


def agency_list(*, user: Any) -> QuerySet[Agency]:
    require_admin(user)
    return Agency.objects.order_by("name")


def agency_get(*, user: Any, pk: int) -> Agency:
    require_admin(user)
    try:
        return Agency.objects.get(pk=pk)
    except Agency.DoesNotExist:
        raise Http404 from None


def account_list(*, user: Any) -> QuerySet[User]:
    """People's accounts (the system accounts behind API tokens are listed with the tokens)."""
    require_admin(user)
    return (
        User.objects.filter(api_token__isnull=True)
        .select_related("agency")
        .order_by("agency__name", "username")
    )


def account_get(*, user: Any, pk: int) -> User:
    require_admin(user)
    try:
        return User.objects.filter(api_token__isnull=True).get(pk=pk)
    except User.DoesNotExist:
        raise Http404 from None


def token_list(*, user: Any) -> QuerySet[ApiToken]:
    require_admin(user)
    return ApiToken.objects.select_related("agency", "created_by").order_by("-created_at")


def token_get(*, user: Any, pk: int) -> ApiToken:
    require_admin(user)
    try:
        return ApiToken.objects.select_related("user").get(pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
