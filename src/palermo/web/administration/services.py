"""Administrators' writes on agencies, users and API tokens. They reuse the account services
the CLI uses (``agency_create``, ``user_create``, ``api_token_create``), check the actor and
write the audit log in the same transaction. Nothing here reads case content."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.accounts.models import Agency, ApiToken, User
from palermo.web.accounts.roles import AgencyKind, Role
from palermo.web.accounts.services import agency_create, api_token_create, user_create
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem


def require_admin(actor: Any) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.ADMINISTRATOR):
        raise NotPermittedError(_("Only an administrator may do this."))


def _refuse(where: str | Promise, field: str, rule: str | Promise) -> InputError:
    """A lazy ``where``/``rule`` is given in English and Chinese; plain text as it is."""
    return InputError([problem(where=where, field=field, rule=rule)])


def _save_audited(
    actor: User,
    obj: Agency | User,
    fields: list[str],
    purpose: str,
    request: Any,
    *,
    detail: dict[str, Any] | None = None,
) -> None:
    """Save the changed ``fields`` and audit the change (in the caller's transaction)."""
    obj.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=obj,
        purpose=purpose,
        request=request,
        fields=fields,
        detail=detail,
    )


def admin_agency_create(
    *, actor: User, name: str, kind: str, code: str, request: Any = None
) -> Agency:
    require_admin(actor)
    where = gettext_lazy("agency")
    if Agency.objects.filter(code=code).exists() or Agency.objects.filter(name=name).exists():
        raise _refuse(where, "code", gettext_lazy("an agency with this name or code exists"))
    with transaction.atomic():
        agency = agency_create(name=name.strip(), kind=AgencyKind(kind), code=code.strip())
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=agency,
            purpose="agency created",
            request=request,
            fields=["name", "kind", "code"],
        )
    return agency


def admin_agency_update(
    *, actor: User, agency: Agency, name: str, kind: str, request: Any = None
) -> Agency:
    require_admin(actor)
    if Agency.objects.filter(name=name).exclude(pk=agency.pk).exists():
        raise _refuse(
            gettext_lazy("agency"), "name", gettext_lazy("an agency with this name or code exists")
        )
    with transaction.atomic():
        agency.name = name.strip()
        agency.kind = AgencyKind(kind)
        _save_audited(actor, agency, ["name", "kind"], "agency changed", request)
    return agency


def _one_time_password() -> str:
    return secrets.token_urlsafe(12)


def admin_user_create(
    *, actor: User, username: str, agency: Agency, role: str, email: str = "", request: Any = None
) -> tuple[User, str]:
    """Create a person's account with a one-time password, returned once to show them."""
    require_admin(actor)
    if User.objects.filter(username=username).exists():
        raise _refuse(gettext_lazy("user"), "username", gettext_lazy("this user name is taken"))
    password = _one_time_password()
    with transaction.atomic():
        user = user_create(
            username=username.strip(),
            password=password,
            agency=agency,
            role=Role(role),
            email=email.strip(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=user,
            purpose="user created",
            request=request,
            fields=["username", "agency", "role"],
        )
    return user, password


def _require_other(actor: User, user: User) -> None:
    if user.pk == actor.pk:
        raise TransitionRefusedError(_("Ask another administrator to change your own account."))


def admin_user_set_role(*, actor: User, user: User, role: str, request: Any = None) -> User:
    require_admin(actor)
    _require_other(actor, user)
    with transaction.atomic():
        user.role = Role(role)
        _save_audited(actor, user, ["role"], "role changed", request, detail={"role": user.role})
    return user


def admin_user_deactivate(*, actor: User, user: User, request: Any = None) -> User:
    """The person can no longer log in; their records and audit trail stay."""
    require_admin(actor)
    _require_other(actor, user)
    with transaction.atomic():
        user.is_active = False
        _save_audited(actor, user, ["is_active"], "user deactivated", request)
    return user


def admin_user_reset_password(*, actor: User, user: User, request: Any = None) -> str:
    """A new one-time password, returned once to hand to the person; never stored in clear."""
    require_admin(actor)
    _require_other(actor, user)
    password = _one_time_password()
    try:
        validate_password(password, user)
    except ValidationError as exc:  # pragma: no cover  (a random 16-character password)
        raise _refuse(gettext_lazy("user"), "password", " ".join(exc.messages)) from None
    with transaction.atomic():
        user.set_password(password)
        _save_audited(actor, user, ["password"], "password reset", request)
    return password


def admin_token_create(
    *, actor: User, name: str, agency: Agency, role: str, request: Any = None
) -> tuple[ApiToken, str]:
    """A token for a system; the plain token is returned once and only its hash is kept."""
    require_admin(actor)
    if not name.strip():
        raise _refuse(gettext_lazy("API token"), "name", gettext_lazy("is required"))
    with transaction.atomic():
        record, token = api_token_create(
            name=name.strip(), agency=agency, role=Role(role), created_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            purpose="API token created",
            request=request,
            fields=["name", "agency", "role"],
        )
    return record, token


def admin_token_revoke(*, actor: User, token: ApiToken, request: Any = None) -> ApiToken:
    require_admin(actor)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise TransitionRefusedError(_("This token has already been revoked."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        if token.user is not None:
            token.user.is_active = False
            token.user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=token,
            purpose="API token revoked",
            request=request,
            fields=["revoked_at"],
        )
    return token
