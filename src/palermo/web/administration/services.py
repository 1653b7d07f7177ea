"""Administrators' writes on agencies, users and API tokens, and the same writes from the
command line (``palermo web create-agency|create-user|create-token``, as a ``SystemActor``).

Separation of duties:

- an administrator manages the accounts and tokens of their OWN agency; the national body
  (``PALERMO_NATIONAL_AGENCY``, an agency code) may manage every agency's, but what it asks
  for in another agency waits for an administrator of that agency;
- an account or token whose role reads case content, approves others' work or administers
  (``CONFIRMED_ROLES``) - new, promoted to such a role, or given a new password - waits for a
  second administrator (``Confirmation``); its secret is issued to the one who confirms, so one
  administrator alone never holds a way into case content or two votes in four-eyes;
- the second-line interviewer's role and the child-interview qualification
  (``PALERMO_CERTIFICATE_REQUIRED_FOR``) go only to a person holding a valid training certificate
  of a course that taught them (asked through ``lib/certificate_rule.py``), unless the
  administrator records why (``CertificateOverride``, audited, shown on the account's page).
  Accounts of a training agency are outside the rule: they practise what they learn.

Every write is audited in its transaction. Nothing here reads case content.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.accounts.models import (
    Agency,
    ApiToken,
    Qualification,
    QualificationKind,
    User,
    qualification_held,
)
from palermo.web.accounts.second_factor import second_factor_reset
from palermo.web.accounts.services import (
    agency_create,
    api_token_create,
    token_digest,
    user_create,
)
from palermo.web.administration.models import CertificateOverride, Confirmation, ConfirmationKind
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.actors import SystemActor
from palermo.web.lib.certificate_rule import certificate_required, holds_certificate_for
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import ADMIN_ROLES, CONFIRMED_ROLES, AgencyKind, Role, require_role

Actor = User | SystemActor


def _audit(actor: Actor, **kwargs: Any) -> None:
    if isinstance(actor, SystemActor):
        audit_record(actor=None, actor_label=actor.label, **kwargs)
    else:
        audit_record(actor=actor, **kwargs)


def require_admin(actor: Any) -> None:
    if isinstance(actor, SystemActor):
        return
    require_role(actor, ADMIN_ROLES, what=gettext_lazy("administer agencies and accounts"))


def national_agency_id() -> int | None:
    """The agency named by ``PALERMO_NATIONAL_AGENCY``, if configured and present."""
    code = settings.NATIONAL_AGENCY
    if not code:
        return None
    found = Agency.objects.filter(code=code).values_list("pk", flat=True).first()
    return int(found) if found is not None else None


def is_national_admin(actor: Any) -> bool:
    if isinstance(actor, SystemActor):
        return False
    national = national_agency_id()
    return national is not None and actor.agency_id == national


def may_manage(actor: Any, agency_id: int) -> bool:
    """Whether ``actor`` manages accounts of ``agency_id`` (their own, or any if national)."""
    return (
        isinstance(actor, SystemActor) or actor.agency_id == agency_id or is_national_admin(actor)
    )


def require_scope(actor: Any, agency_id: int) -> None:
    require_admin(actor)
    if not may_manage(actor, agency_id):
        raise NotPermittedError(
            _("An administrator manages the accounts and tokens of their own agency only.")
        )


def _needs_confirmation(actor: Actor, role: str, agency_id: int) -> bool:
    """Command-line writes never wait (the shell holds the database anyway); an
    administrator's do when the role is sensitive or the agency is not their own."""
    if isinstance(actor, SystemActor):
        return False
    return role in CONFIRMED_ROLES or actor.agency_id != agency_id


_NO_CERTIFICATE = {
    "second_line_interviewer": gettext_lazy(
        "this person holds no valid training certificate of a course with the interviewing "
        "module, which the second-line interviewer's role requires; record why it is given "
        "without one to override"
    ),
    "child_interview": gettext_lazy(
        "this person holds no valid training certificate of a course with the children module, "
        "which the child-interview qualification requires; record why it is given without one "
        "to override"
    ),
}


def certificate_missing(user: User, grant: str) -> bool:
    """Whether giving ``grant`` (a role or qualification) to ``user`` needs an override: the
    rule applies to it, ``user`` is a live account, and holds no covering certificate."""
    if not certificate_required(grant) or user.agency.is_training:
        return False
    return not holds_certificate_for(user, grant)


def _certificate_rule(
    actor: Actor, user: User, grant: str, override_reason: str, request: HttpRequest | None
) -> CertificateOverride | None:
    """Refuse ``grant`` to ``user`` without a covering certificate, unless ``override_reason``
    says why: then the override is kept and audited (in the caller's transaction)."""
    if not certificate_missing(user, grant):
        return None
    reason = override_reason.strip()
    if not reason:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("training certificate required"),
                    field="override_reason",
                    value=user.get_username(),
                    rule=_NO_CERTIFICATE[grant],
                )
            ]
        )
    override = CertificateOverride.objects.create(
        account=user,
        grant=grant,
        reason=reason[:2000],
        given_by=actor if isinstance(actor, User) else None,
        given_label=actor.label if isinstance(actor, SystemActor) else actor.get_username(),
        given_at=timezone.now(),
    )
    _audit(
        actor,
        action=AuditAction.CREATE,
        obj=override,
        purpose="certificate rule overridden",
        request=request,
        fields=["grant", "reason"],
        detail={"user": user.pk, "grant": grant},
    )
    return override


def _refuse(where: str | Promise, field: str, rule: str | Promise) -> InputError:
    """A lazy ``where``/``rule`` is given in English and Chinese; plain text as it is."""
    return InputError([problem(where=where, field=field, rule=rule)])


def _save_audited(
    actor: Actor,
    obj: Agency | User,
    fields: list[str],
    purpose: str,
    request: HttpRequest | None,
    *,
    detail: dict[str, Any] | None = None,
) -> None:
    """Save the changed ``fields`` and audit the change (in the caller's transaction)."""
    obj.save(update_fields=fields)
    _audit(
        actor,
        action=AuditAction.UPDATE,
        obj=obj,
        purpose=purpose,
        request=request,
        fields=fields,
        detail=detail,
    )


def _request_confirmation(
    actor: Actor, account: User, kind: ConfirmationKind, role: str, request: HttpRequest | None
) -> Confirmation:
    if Confirmation.objects.filter(account=account, decided_at__isnull=True).exists():
        raise TransitionRefusedError(
            _("A change of this account already waits for a second administrator.")
        )
    assert isinstance(actor, User)
    confirmation = Confirmation.objects.create(
        account=account,
        kind=kind.value,
        role=role,
        requested_by=actor,
        requested_label=actor.get_username(),
        requested_at=timezone.now(),
    )
    _audit(
        actor,
        action=AuditAction.CREATE,
        obj=confirmation,
        purpose="confirmation requested",
        request=request,
        fields=["kind", "role"],
        detail={"account": account.pk, "kind": kind.value, "role": role},
    )
    return confirmation


def admin_agency_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    code: str,
    is_training: bool = False,
    request: HttpRequest | None = None,
) -> Agency:
    """A new agency: by the national body, the command line, or - when no national body is
    configured - any administrator (the agency starts without accounts; only the national
    body or the command line can give it its first ones). ``is_training``: the training
    sandbox, fixed at creation (web/lib/training.py)."""
    require_admin(actor)
    if settings.NATIONAL_AGENCY and not (
        isinstance(actor, SystemActor) or is_national_admin(actor)
    ):
        raise NotPermittedError(_("Only the national administration may create agencies."))
    where = gettext_lazy("agency")
    try:
        agency_kind = AgencyKind(kind)
    except ValueError:
        raise _refuse(where, "kind", gettext_lazy("choose a kind of agency")) from None
    if not name.strip() or not code.strip():
        raise _refuse(where, "code", gettext_lazy("is required"))
    if Agency.objects.filter(code=code).exists() or Agency.objects.filter(name=name).exists():
        raise _refuse(where, "code", gettext_lazy("an agency with this name or code exists"))
    with transaction.atomic():
        agency = agency_create(
            name=name.strip(), kind=agency_kind, code=code.strip(), is_training=is_training
        )
        _audit(
            actor,
            action=AuditAction.CREATE,
            obj=agency,
            purpose="agency created",
            request=request,
            fields=["name", "kind", "code", "is_training"],
        )
    return agency


def admin_agency_update(
    *, actor: Actor, agency: Agency, name: str, kind: str, request: HttpRequest | None = None
) -> Agency:
    require_scope(actor, agency.pk)
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


def _check_role(role: str, where: str | Promise) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise _refuse(where, "role", gettext_lazy("choose a role")) from None


def admin_user_create(
    *,
    actor: Actor,
    username: str,
    agency: Agency,
    role: str,
    email: str = "",
    password: str | None = None,
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> tuple[User, str | None]:
    """Create a person's account. Returns the one-time password to show once, or ``None``
    when the account waits for a second administrator (who then receives the password).
    ``password`` (command line only) sets the password instead of a generated one. A new
    live account holds no certificate: a role that needs one (``certificate_missing``) is
    given only with ``override_reason``."""
    require_scope(actor, agency.pk)
    where = gettext_lazy("user")
    user_role = _check_role(role, where)
    if not username.strip():
        raise _refuse(where, "username", gettext_lazy("is required"))
    if User.objects.filter(username=username.strip()).exists():
        raise _refuse(where, "username", gettext_lazy("this user name is taken"))
    if password is not None and not isinstance(actor, SystemActor):
        raise NotPermittedError(_("Only the command line sets a chosen password."))
    if certificate_required(user_role) and not agency.is_training and not override_reason.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("training certificate required"),
                    field="override_reason",
                    value=username.strip(),
                    rule=_NO_CERTIFICATE[user_role],
                )
            ]
        )
    waits = _needs_confirmation(actor, user_role, agency.pk)
    secret = password or _one_time_password()
    with transaction.atomic():
        user = user_create(
            username=username.strip(),
            password=None if waits else secret,
            agency=agency,
            role=user_role,
            email=email.strip(),
            # a generated password works once; one typed at the command line is the person's
            must_change_password=password is None,
        )
        _audit(
            actor,
            action=AuditAction.CREATE,
            obj=user,
            purpose="user created",
            request=request,
            fields=["username", "agency", "role"],
        )
        _certificate_rule(actor, user, user_role, override_reason, request)
        if waits:
            user.is_active = False
            _save_audited(actor, user, ["is_active"], "user awaits confirmation", request)
            _request_confirmation(actor, user, ConfirmationKind.NEW_ACCOUNT, user_role, request)
    return user, None if waits else secret


def _require_other(actor: Actor, user: User) -> None:
    if not isinstance(actor, SystemActor) and user.pk == actor.pk:
        raise TransitionRefusedError(_("Ask another administrator to change your own account."))


def admin_user_set_role(
    *,
    actor: Actor,
    user: User,
    role: str,
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> Confirmation | None:
    """Change the role at once, or - for a role that needs it - request the change from a
    second administrator (returned; the account keeps its role until then). A role that needs
    a certificate the person lacks is refused, unless ``override_reason`` says why."""
    require_scope(actor, user.agency_id)
    _require_other(actor, user)
    new_role = _check_role(role, gettext_lazy("user"))
    with transaction.atomic():
        if new_role != user.role:
            _certificate_rule(actor, user, new_role, override_reason, request)
        if _needs_confirmation(actor, new_role, user.agency_id):
            return _request_confirmation(actor, user, ConfirmationKind.ROLE, new_role, request)
        user.role = new_role
        _save_audited(actor, user, ["role"], "role changed", request, detail={"role": user.role})
    return None


def admin_user_deactivate(*, actor: Actor, user: User, request: HttpRequest | None = None) -> User:
    """The person can no longer log in; their records and audit trail stay. An open
    confirmation for the account is withdrawn."""
    require_scope(actor, user.agency_id)
    _require_other(actor, user)
    with transaction.atomic():
        user.is_active = False
        _save_audited(actor, user, ["is_active"], "user deactivated", request)
        for open_one in Confirmation.objects.filter(account=user, decided_at__isnull=True):
            _decide(actor, open_one, confirmed=False, request=request)
    return user


def admin_user_reactivate(*, actor: Actor, user: User, request: HttpRequest | None = None) -> User:
    """A deactivated person can log in again (with the password they had; reset it if it may
    be known to others). Refused for an account that waits for, or was refused, a second
    administrator's confirmation of its creation: reactivating it would skip that decision."""
    require_scope(actor, user.agency_id)
    _require_other(actor, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            raise TransitionRefusedError(_("This account is active already."))
        creation = Confirmation.objects.filter(account=user, kind=ConfirmationKind.NEW_ACCOUNT)
        if creation.exists() and not creation.filter(confirmed=True).exists():
            raise TransitionRefusedError(
                _(
                    "This account was never confirmed by a second administrator; it cannot be "
                    "reactivated. Create it again if it is needed."
                )
            )
        user.is_active = True
        _save_audited(actor, user, ["is_active"], "user reactivated", request)
    return user


def admin_user_reset_password(
    *, actor: Actor, user: User, password: str | None = None, request: HttpRequest | None = None
) -> str | None:
    """A new one-time password, returned once to hand to the person; never stored in clear.
    For an account whose role needs confirmation, ``None``: a second administrator issues
    it. ``password`` (command line only) sets a chosen one."""
    require_scope(actor, user.agency_id)
    _require_other(actor, user)
    if password is not None and not isinstance(actor, SystemActor):
        raise NotPermittedError(_("Only the command line sets a chosen password."))
    with transaction.atomic():
        if _needs_confirmation(actor, user.role, user.agency_id):
            _request_confirmation(actor, user, ConfirmationKind.PASSWORD, user.role, request)
            return None
        if password is None:
            password = _new_password(user)  # works once: must_change_password set
        else:
            user.set_password(password)
        _save_audited(actor, user, ["password", "must_change_password"], "password reset", request)
    return password


def _new_password(user: User) -> str:
    password = _one_time_password()
    try:
        validate_password(password, user)
    except ValidationError as exc:  # pragma: no cover  (a random 16-character password)
        raise _refuse(gettext_lazy("user"), "password", " ".join(exc.messages)) from None
    user.set_password(password)
    user.must_change_password = True  # works once: the person chooses their own at log-in
    return password


def admin_token_create(
    *, actor: Actor, name: str, agency: Agency, role: str, request: HttpRequest | None = None
) -> tuple[ApiToken, str | None]:
    """A token for a system; the plain token is returned once (``None`` when it waits for a
    second administrator, who then receives it) and only its hash is kept."""
    require_scope(actor, agency.pk)
    where = gettext_lazy("API token")
    token_role = _check_role(role, where)
    if not name.strip():
        raise _refuse(where, "name", gettext_lazy("is required"))
    if token_role == Role.ADMINISTRATOR:
        raise _refuse(where, "role", gettext_lazy("a system never administers accounts"))
    waits = _needs_confirmation(actor, token_role, agency.pk)
    with transaction.atomic():
        record, token = api_token_create(
            name=name.strip(),
            agency=agency,
            role=token_role,
            created_by=actor if isinstance(actor, User) else None,
        )
        _audit(
            actor,
            action=AuditAction.CREATE,
            obj=record,
            purpose="API token created",
            request=request,
            fields=["name", "agency", "role"],
        )
        if waits:
            assert record.user is not None
            record.user.is_active = False
            record.user.save(update_fields=["is_active"])
            _request_confirmation(
                actor, record.user, ConfirmationKind.NEW_TOKEN, token_role, request
            )
    return record, None if waits else token


def admin_token_revoke(
    *, actor: Actor, token: ApiToken, request: HttpRequest | None = None
) -> ApiToken:
    require_scope(actor, token.agency_id)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise TransitionRefusedError(_("This token has already been revoked."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        if token.user is not None:
            token.user.is_active = False
            token.user.save(update_fields=["is_active"])
            for open_one in Confirmation.objects.filter(
                account=token.user, decided_at__isnull=True
            ):
                _decide(actor, open_one, confirmed=False, request=request)
        _audit(
            actor,
            action=AuditAction.UPDATE,
            obj=token,
            purpose="API token revoked",
            request=request,
            fields=["revoked_at"],
        )
    return token


def may_confirm(actor: Any, confirmation: Confirmation) -> bool:
    """A second administrator: not the requester, of the account's agency - or of the national
    body when the requester is of the account's own agency (a request the national body made
    for another agency is confirmed by that agency)."""
    if isinstance(actor, SystemActor) or actor.pk == confirmation.requested_by_id:
        return False
    if actor.pk == confirmation.account_id:
        return False
    account_agency = confirmation.account.agency_id
    if actor.agency_id == account_agency:
        return True
    if not is_national_admin(actor):
        return False
    requester = confirmation.requested_by
    if requester is not None and requester.agency_id == account_agency:
        return True
    # an agency without an active administrator yet gets its first one from two people of
    # the national body
    return not User.objects.filter(
        agency_id=account_agency, role=Role.ADMINISTRATOR, is_active=True
    ).exists()


def _decide(
    actor: Actor, confirmation: Confirmation, *, confirmed: bool, request: HttpRequest | None
) -> None:
    confirmation.decided_by = actor if isinstance(actor, User) else None
    confirmation.decided_at = timezone.now()
    confirmation.confirmed = confirmed
    confirmation.save(update_fields=["decided_by", "decided_at", "confirmed"])
    _audit(
        actor,
        action=AuditAction.UPDATE,
        obj=confirmation,
        purpose="confirmation given" if confirmed else "confirmation refused",
        request=request,
        fields=["confirmed"],
        detail={"account": confirmation.account_id, "kind": confirmation.kind},
    )


def _open_confirmation(actor: Actor, confirmation: Confirmation) -> Confirmation:
    """The confirmation, locked, still open, for an administrator who may decide it."""
    require_admin(actor)
    locked = (
        Confirmation.objects.select_for_update(of=("self",))
        .select_related("account", "requested_by")
        .get(pk=confirmation.pk)
    )
    if not locked.is_open:
        raise TransitionRefusedError(_("This request has already been decided."))
    return locked


def admin_confirm(
    *, actor: Actor, confirmation: Confirmation, request: HttpRequest | None = None
) -> tuple[Confirmation, str | None]:
    """Confirm a waiting change as the second administrator. Returns the secret to hand over
    (the one-time password, or the API token) when the change has one."""
    with transaction.atomic():
        confirmation = _open_confirmation(actor, confirmation)
        if not may_confirm(actor, confirmation):
            raise NotPermittedError(
                _(
                    "A second administrator of the account's agency must confirm this, not the "
                    "one who asked for it."
                )
            )
        account = confirmation.account
        if (
            confirmation.kind in {ConfirmationKind.ROLE, ConfirmationKind.NEW_ACCOUNT}
            and certificate_missing(account, confirmation.role)
            and not CertificateOverride.objects.filter(
                account=account, grant=confirmation.role
            ).exists()
        ):  # the certificate was revoked or ran out while the change waited
            raise TransitionRefusedError(
                _(
                    "This person no longer holds a valid training certificate for this role; "
                    "refuse the request, or ask for it again with the reason for an override."
                )
            )
        secret: str | None = None
        kind = ConfirmationKind(confirmation.kind)
        account.role = confirmation.role
        fields = ["role"]
        if kind in {ConfirmationKind.NEW_ACCOUNT, ConfirmationKind.PASSWORD}:
            secret = _new_password(account)
            fields += ["password", "must_change_password"]
        if kind in {ConfirmationKind.NEW_ACCOUNT, ConfirmationKind.NEW_TOKEN}:
            account.is_active = True
            fields.append("is_active")
        if kind == ConfirmationKind.NEW_TOKEN:
            secret = _reissue_token(account)
        _save_audited(actor, account, fields, "confirmed change applied", request)
        _decide(actor, confirmation, confirmed=True, request=request)
    return confirmation, secret


def _reissue_token(system_user: User) -> str:
    """A fresh secret for the token behind ``system_user``: whatever the requester saw never
    works."""
    record = ApiToken.objects.select_for_update().get(user=system_user)
    token = "plm_" + secrets.token_urlsafe(32)
    record.digest = token_digest(token)
    record.prefix = token[:8]
    record.save(update_fields=["digest", "prefix"])
    return token


def admin_refuse(
    *, actor: Actor, confirmation: Confirmation, request: HttpRequest | None = None
) -> Confirmation:
    """Refuse (or, as the requester, withdraw) a waiting change; a new account stays
    inactive."""
    with transaction.atomic():
        confirmation = _open_confirmation(actor, confirmation)
        if not (
            may_confirm(actor, confirmation)
            or (isinstance(actor, User) and actor.pk == confirmation.requested_by_id)
        ):
            raise NotPermittedError(_("Only an administrator of the account's agency may do this."))
        _decide(actor, confirmation, confirmed=False, request=request)
    return confirmation


def admin_token_rotate(
    *, actor: Actor, token: ApiToken, request: HttpRequest | None = None
) -> tuple[ApiToken, str | None]:
    """A new token for the same system, agency and role, with a new expiry, in place of
    ``token``, which is revoked at once. Made like any new token (``admin_token_create``): its
    secret is returned once, or - for a role that needs it - waits for a second
    administrator, who receives it. One transaction; audited as a rotation naming both."""
    with transaction.atomic():
        old = admin_token_revoke(actor=actor, token=token, request=request)
        record, secret = admin_token_create(
            actor=actor, name=old.name, agency=old.agency, role=old.role, request=request
        )
        record.replaces = old
        record.save(update_fields=["replaces"])
        _audit(
            actor,
            action=AuditAction.UPDATE,
            obj=record,
            purpose="API token rotated",
            request=request,
            fields=["replaces"],
            detail={"revoked": old.prefix, "new": record.prefix, "replaces_id": old.pk},
        )
    return record, secret


def admin_user_reset_second_factor(
    *, actor: Actor, user: User, request: HttpRequest | None = None
) -> None:
    """A lost phone: remove the person's authenticator and recovery codes (audited); they set
    up a new one at their next log-in."""
    require_scope(actor, user.agency_id)
    _require_other(actor, user)
    second_factor_reset(
        actor=actor if isinstance(actor, User) else None, user=user, request=request
    )


def qualification_grant(
    *,
    actor: Actor,
    user: User,
    kind: QualificationKind | str,
    note: str = "",
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> Qualification:
    """Grant ``user`` a qualification (the child-interview qualification lets second-line
    interviewers and consular officers run the child interview). The one place a
    qualification is granted: refused to a person without a valid certificate of a course
    that taught it (``PALERMO_CERTIFICATE_REQUIRED_FOR``), unless ``override_reason`` says
    why."""
    require_scope(actor, user.agency_id)
    try:
        chosen = QualificationKind(kind)
    except ValueError:
        raise _refuse(gettext_lazy("qualification"), "kind", gettext_lazy("unknown")) from None
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if qualification_held(user, chosen):
            raise TransitionRefusedError(_("The user holds this qualification already."))
        _certificate_rule(actor, user, chosen.value, override_reason, request)
        granted = Qualification.objects.create(
            user=user,
            kind=chosen.value,
            note=note.strip()[:300],
            granted_by=None if isinstance(actor, SystemActor) else actor,
            granted_at=timezone.now(),
        )
        _audit(
            actor,
            action=AuditAction.CREATE,
            obj=granted,
            purpose="qualification granted",
            request=request,
            detail={"user": user.pk, "kind": chosen.value},
        )
    return granted


def qualification_revoke(
    *,
    actor: Actor,
    user: User,
    kind: QualificationKind | str,
    request: HttpRequest | None = None,
) -> int:
    """Withdraw a qualification from ``user`` (kept on record as revoked). How many ended."""
    require_scope(actor, user.agency_id)
    with transaction.atomic():
        held = list(
            Qualification.objects.select_for_update().filter(
                user=user, kind=str(kind), revoked_at__isnull=True
            )
        )
        now = timezone.now()
        for one in held:
            one.revoked_at = now
            one.revoked_by = None if isinstance(actor, SystemActor) else actor
            one.save(update_fields=["revoked_at", "revoked_by"])
            _audit(
                actor,
                action=AuditAction.UPDATE,
                obj=one,
                fields=["revoked_at"],
                purpose="qualification revoked",
                request=request,
                detail={"user": user.pk, "kind": str(kind)},
            )
    return len(held)


def training_account_link(
    *, actor: Actor, training: User, live: User, request: HttpRequest | None = None
) -> User:
    """Say that ``training`` (an account of a training agency) is the same person as ``live``
    (an account of a live agency): certificates earned on it are then issued to ``live``
    (``certificates.services.certificate_issue``) and count for what ``live`` may be given.

    Only an actor who manages both accounts' agencies (the national body or the command line)
    links them, never the trainee, and a training account is linked once: a certificate can
    then never be made to count for someone else by linking another person's training
    account. Audited."""
    require_scope(actor, training.agency_id)
    require_scope(actor, live.agency_id)
    where = gettext_lazy("training account")
    if not training.agency.is_training:
        raise _refuse(where, "training", gettext_lazy("is not an account of a training agency"))
    if live.agency.is_training:
        raise _refuse(where, "live", gettext_lazy("is an account of a training agency"))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=training.pk)
        if locked.live_account_id is not None:
            raise TransitionRefusedError(
                _("This training account is already linked to a live account.")
            )
        locked.live_account = live
        _save_audited(
            actor,
            locked,
            ["live_account"],
            "training account linked to live account",
            request,
            detail={"live_account": live.pk},
        )
    return locked
