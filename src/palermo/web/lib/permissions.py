"""Deny by default: every view declares which roles may use it.

``@allow(CASE_ROLES)`` (a role set from ``palermo.web.lib.roles``, the same sets services
check with ``require_role``) on a view lets those roles in (logged-in, active users only,
``roles.has_role``) and refuses everyone else with 403; ``@public`` marks the few pages
anyone may open (log-in, language switch). ``DenyByDefaultMiddleware`` refuses any view
that carries neither mark, so a forgotten declaration fails closed, and the permission-matrix
test enumerates every URL pattern and checks each role against the declaration.

API operations declare roles through ``palermo.web.api.auth.TokenAuth(roles)`` instead; the
middleware leaves the ``api`` URL namespace to Django Ninja, whose operations all require it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseForbidden
from django.template.loader import render_to_string
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from palermo.web.lib.login_steps import pending_login_step
from palermo.web.lib.roles import Role, has_role

View = Callable[..., HttpResponseBase]
ROLES_ATTRIBUTE = "palermo_roles"
PUBLIC_ATTRIBUTE = "palermo_public"
API_NAMESPACE = "api"


def allow(*roles: Role | Iterable[Role]) -> Callable[[View], View]:
    """Let users holding one of ``roles`` use the view; everyone else gets 403 (or log-in)."""
    allowed: set[Role] = set()
    for item in roles:
        if isinstance(item, Role):
            allowed.add(item)
        else:
            allowed.update(item)
    if not allowed:
        raise ValueError("allow() needs at least one role")
    frozen = frozenset(allowed)

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not has_role(user, frozen):
                return forbidden(request)
            return view(request, *args, **kwargs)

        setattr(guarded, ROLES_ATTRIBUTE, frozen)
        return guarded

    return decorate


def public(view: View) -> View:
    """Mark a view that needs no log-in (log-in page, language switch)."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def declared_roles(view: object) -> frozenset[Role] | None:
    """The roles a view declared with ``allow``; ``None`` if it declared nothing."""
    roles = getattr(view, ROLES_ATTRIBUTE, None)
    return roles if isinstance(roles, frozenset) else None


def is_public(view: object) -> bool:
    return getattr(view, PUBLIC_ATTRIBUTE, False) is True


def forbidden(request: HttpRequest) -> HttpResponse:
    body = render_to_string(
        "error.html",
        {
            "status": 403,
            "title": _("Not allowed"),
            "message": _("Your role does not give access to this page."),
        },
        request=request,
    )
    return HttpResponseForbidden(body)


class DenyByDefaultMiddleware(MiddlewareMixin):
    """Refuse every view that neither declares roles nor is marked public."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: object,
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and API_NAMESPACE in match.namespaces:
            return None  # Ninja operations authenticate with TokenAuth (see the module doc)
        if is_public(view_func):
            return None
        if declared_roles(view_func) is None:
            return forbidden(request)
        return pending_login_step(request, view_func)  # session lifetime, 2nd factor, password
