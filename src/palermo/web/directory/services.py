"""Writes on the service directory: administrators add and change entries (their agency's;
the national body's administrators every entry). Each write is audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.web.accounts.models import User
from palermo.web.administration.services import is_national_admin
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.directory.models import (
    LANGUAGE_LABELS,
    SERVICE_TYPE_LABELS,
    ServiceProvider,
    pack,
)
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import DIRECTORY_KEEPER_ROLES, require_role

TEXT_FIELDS = (
    "name",
    "name_zh",
    "phone",
    "hotline",
    "email",
    "address",
    "hours",
    "description",
    "description_zh",
)
FIELDS = (
    *TEXT_FIELDS,
    "agency",
    "services",
    "nationwide",
    "areas",
    "languages",
    "capacity",
    "places_free",
    "active",
)
_WHERE = gettext_lazy("service directory")


def _need(problems: list[Problem], field: str, rule: Any, value: Any = None) -> None:
    problems.append(problem(where=_WHERE, field=field, value=value, rule=rule))


def _check_codes(problems: list[Problem], field: str, codes: list[str], known: Any) -> None:
    for code in codes:
        if code not in known:
            _need(problems, field, gettext_lazy("unknown"), code)


def _validated(values: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's columns from form values, or ``InputError`` naming every problem."""
    problems: list[Problem] = []
    for field in ("name", "name_zh"):
        if not str(values.get(field) or "").strip():
            _need(problems, field, gettext_lazy("must not be empty"))
    services = list(values.get("services") or [])
    if not services:
        _need(problems, "services", gettext_lazy("name at least one service"))
    _check_codes(problems, "services", services, SERVICE_TYPE_LABELS)
    languages = list(values.get("languages") or [])
    _check_codes(problems, "languages", languages, LANGUAGE_LABELS)
    areas = [a.strip() for a in str(values.get("areas") or "").replace("，", ",").split(",")]
    areas = [a for a in areas if a]
    if not values.get("nationwide") and not areas:
        _need(problems, "areas", gettext_lazy("name the areas served, or tick the whole country"))
    capacity, free = values.get("capacity"), values.get("places_free")
    if capacity is not None and free is not None and free > capacity:
        _need(problems, "places_free", gettext_lazy("cannot exceed the capacity"), free)
    if problems:
        raise InputError(problems)
    row: dict[str, Any] = {field: str(values.get(field) or "").strip() for field in TEXT_FIELDS}
    row.update(
        agency=values.get("agency"),
        services=pack(services),
        nationwide=bool(values.get("nationwide")),
        areas=pack(areas),
        languages=pack(languages),
        capacity=capacity,
        places_free=free,
        active=bool(values.get("active", True)),
    )
    return row


def may_keep(actor: User, provider: ServiceProvider) -> bool:
    """Whether ``actor`` keeps this entry: an administrator of ``kept_by``, or national."""
    return actor.role in DIRECTORY_KEEPER_ROLES and (
        provider.kept_by_id == actor.agency_id or is_national_admin(actor)
    )


def provider_create(
    *, actor: User, values: Mapping[str, Any], request: HttpRequest | None = None
) -> ServiceProvider:
    """Add an entry kept by the actor's agency."""
    require_role(actor, DIRECTORY_KEEPER_ROLES, what=gettext_lazy("keep the service directory"))
    row = _validated(values)
    if ServiceProvider.objects.filter(name=row["name"]).exists():
        raise InputError(
            [problem(where=_WHERE, field="name", value=row["name"], rule=gettext_lazy("exists"))]
        )
    now = timezone.now()
    with transaction.atomic():
        provider = ServiceProvider.objects.create(
            **row, kept_by=actor.agency, created_at=now, updated_at=now, updated_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=provider,
            fields=sorted(row),
            purpose="service directory",
            request=request,
        )
    return provider


def provider_update(
    *,
    actor: User,
    provider: ServiceProvider,
    values: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> ServiceProvider:
    """Change an entry (all its fields at once, as the form sends them)."""
    require_role(actor, DIRECTORY_KEEPER_ROLES, what=gettext_lazy("keep the service directory"))
    if not may_keep(actor, provider):
        raise NotPermittedError(
            _("Only the administrators of %(agency)s keep this entry.")
            % {"agency": provider.kept_by.name}
        )
    row = _validated(values)
    if ServiceProvider.objects.filter(name=row["name"]).exclude(pk=provider.pk).exists():
        raise InputError(
            [problem(where=_WHERE, field="name", value=row["name"], rule=gettext_lazy("exists"))]
        )
    with transaction.atomic():
        locked = ServiceProvider.objects.select_for_update().get(pk=provider.pk)
        changed = sorted(field for field, value in row.items() if getattr(locked, field) != value)
        for field, value in row.items():
            setattr(locked, field, value)
        locked.updated_at = timezone.now()
        locked.updated_by = actor
        locked.save(update_fields=[*row, "updated_at", "updated_by"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=changed,
            purpose="service directory",
            request=request,
        )
    return locked
