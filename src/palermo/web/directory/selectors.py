"""Reads of the service directory and the routing filter: by service, area and language."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from palermo.web.accounts.models import User
from palermo.web.directory.models import ServiceProvider
from palermo.web.lib.roles import DIRECTORY_ROLES, has_role


def provider_list(
    *,
    user: User,
    service: str = "",
    area: str = "",
    language: str = "",
    receives_referrals: bool = False,
    include_unlisted: bool = False,
) -> QuerySet[ServiceProvider]:
    """Entries offering ``service`` in ``area`` (or the whole country) in ``language``; with
    ``receives_referrals`` only those whose agency works in Palermo. Unlisted entries only
    for those who keep the directory (``include_unlisted``)."""
    if not has_role(user, DIRECTORY_ROLES):
        return ServiceProvider.objects.none()
    providers = ServiceProvider.objects.select_related("agency", "kept_by")
    if not include_unlisted:
        providers = providers.filter(active=True)
    if service:
        providers = providers.filter(services__contains=f",{service},")
    if area.strip():
        providers = providers.filter(Q(nationwide=True) | Q(areas__icontains=f",{area.strip()},"))
    if language:
        providers = providers.filter(languages__contains=f",{language},")
    if receives_referrals:
        providers = providers.filter(agency__isnull=False)
    return providers.order_by("name", "pk")


def provider_get(*, user: User, pk: int, include_unlisted: bool = False) -> ServiceProvider:
    found = provider_list(user=user, include_unlisted=include_unlisted).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
