"""``{% if url|open_to:user_role %}``: show a link only to the roles its view declares."""

from __future__ import annotations

from django import template
from django.urls import Resolver404, resolve

from palermo.web.lib.permissions import declared_roles, is_public

register = template.Library()


@register.filter
def open_to(url: str, role: str | None) -> bool:
    """Whether a user holding ``role`` may open ``url`` (a path, e.g. from ``{% url ... as %}``)."""
    try:
        view = resolve(str(url).split("?", 1)[0]).func
    except Resolver404:
        return False
    if is_public(view):
        return True
    roles = declared_roles(view)
    return bool(role and roles is not None and role in roles)
