"""The main menu: each entry is shown only to the roles its view declares."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from palermo.web.lib.permissions import declared_roles
from palermo.web.lib.training import in_training


@dataclass(frozen=True, slots=True)
class NavEntry:
    url_name: str
    label: str | Promise


# Add one entry per top-level page; order is the order in the menu.
NAV: list[NavEntry] = [
    NavEntry("screening:desk", _("Screening desk")),
    NavEntry("screening:queue", _("Hit queue")),
    NavEntry("screening:batches", _("Batch screening")),
    NavEntry("interviews:list", _("Interviews")),
    NavEntry("profiles:list", _("Risk profiles")),
    NavEntry("outcomes:index", _("Outcomes and fairness")),
    NavEntry("watchlists:index", _("Watchlists")),
    NavEntry("cases:list", _("Cases")),
    NavEntry("referrals:list", _("Referrals")),
    NavEntry("directory:list", _("Service directory")),
    NavEntry("nrm:due", _("Identification decisions")),
    NavEntry("reports:dashboard", _("Dashboards")),
    NavEntry("academy:index", _("Training academy")),
    NavEntry("consular:list", _("Consular assistance")),
    NavEntry("audit:search", _("Audit log")),
    NavEntry("agreements:list", _("Data-sharing agreements")),
    NavEntry("exchange:packages", _("Cross-border exchange")),
    NavEntry("exchange:partners", _("Partner agencies abroad")),
    NavEntry("administration:index", _("Administration")),
]


def nav_for(role: str | None) -> list[tuple[str, str | Promise]]:
    if role is None:
        return []
    items: list[tuple[str, str | Promise]] = []
    for entry in NAV:
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        roles = declared_roles(resolve(url).func)
        if roles is not None and role in roles:
            items.append((url, entry.label))
    return items


def role_context(request: HttpRequest) -> dict[str, object]:
    """Template context: the user's role, for menus that show only what the role can use, and
    whether the user works in the training sandbox (every page then says so)."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {"user_role": role, "nav": nav_for(role), "in_training": in_training(user)}
