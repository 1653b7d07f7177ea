"""Objects for the permission-matrix examples of the named-list, agreement and
administration pages (each of agency A, made through the real services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from palermo.profiles import EXAMPLES_DIR
from palermo.web.agreements.models import DataSharingAgreement
from palermo.web.agreements.services import agreement_create, agreement_sign
from palermo.web.lib.roles import Role
from palermo.web.profiles.models import ListVersion
from palermo.web.profiles.services import list_upload

LIST_TEXT = (EXAMPLES_DIR / "lists" / "agencies_of_concern.yaml").read_text(encoding="utf-8")


def a_list_version(test: Any) -> ListVersion:
    if not hasattr(test, "_list_version"):
        analyst = test.user_with_role(Role.RISK_ANALYST)
        test._list_version = list_upload(actor=analyst, source_name="l.yaml", text=LIST_TEXT)
    version: ListVersion = test._list_version
    return version


def agreement_between(
    test: Any,
    sender: Any,
    recipient: Any,
    *,
    purposes: tuple[str, ...] = ("assistance",),
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    reference: str = "DSA-2026-001",
    signed: bool = True,
) -> DataSharingAgreement:
    """An agreement between two agencies, recorded by the sender's administrator and (unless
    ``signed=False``) signed in the system by the recipient's supervisor: in force."""
    today = dt.datetime.now(tz=dt.UTC).date()
    admin = test.user_with_role(Role.ADMINISTRATOR, agency=sender)
    agreement = agreement_create(
        actor=admin,
        reference=reference,
        title="Referral of presumed victims for shelter",
        document_id="MoU/2026/17",
        parties=[sender, recipient],
        purposes=purposes,
        valid_from=valid_from or today - dt.timedelta(days=30),
        valid_to=valid_to or today + dt.timedelta(days=365),
        signed_by="Director, Northgate; Head, Harbour shelter",
        signed_on=(valid_from or today - dt.timedelta(days=30)),
    )
    if signed:
        agreement = agreement_sign(
            actor=test.user_with_role(Role.SUPERVISOR, agency=recipient), agreement=agreement
        )
    return agreement


def an_agreement(test: Any) -> DataSharingAgreement:
    if not hasattr(test, "_agreement"):
        test._agreement = agreement_between(test, test.agency_a, test.agency_b)
    agreement: DataSharingAgreement = test._agreement
    return agreement


def a_token(test: Any) -> Any:
    if not hasattr(test, "_token"):
        from palermo.web.accounts.services import api_token_create

        test._token, _plain = api_token_create(
            name="Border control system",
            agency=test.agency_a,
            role="first_line_officer",
            created_by=None,
        )
    return test._token


def a_confirmation(test: Any) -> Any:
    """A supervisor account of agency A waiting for a second administrator."""
    if not hasattr(test, "_confirmation"):
        from palermo.web.administration.models import Confirmation
        from palermo.web.administration.services import admin_user_create
        from palermo.web.testsupport import make_user

        requester = make_user("requesting-admin", agency=test.agency_a, role=Role.ADMINISTRATOR)
        user, _none = admin_user_create(
            actor=requester, username="waiting-sup", agency=test.agency_a, role=Role.SUPERVISOR
        )
        test._confirmation = Confirmation.objects.get(account=user)
    return test._confirmation


ADMIN_URL_EXAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "profiles:list_detail": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_submit": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_approve": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_activate": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_retire": lambda t: {"pk": a_list_version(t).pk},
    "agreements:detail": lambda t: {"pk": an_agreement(t).pk},
    "administration:agency_edit": lambda t: {"pk": t.agency_a.pk},
    "administration:user": lambda t: {"pk": t.officer.pk},
    "administration:user_role": lambda t: {"pk": t.officer.pk},
    "administration:user_deactivate": lambda t: {"pk": t.officer.pk},
    "administration:user_reactivate": lambda t: {"pk": t.officer.pk},
    "administration:user_reset_password": lambda t: {"pk": t.officer.pk},
    "administration:user_qualification": lambda t: {"pk": t.officer.pk},
    "administration:confirm": lambda t: {"pk": a_confirmation(t).pk},
    "administration:refuse": lambda t: {"pk": a_confirmation(t).pk},
    "administration:token_revoke": lambda t: {"pk": a_token(t).pk},
    "administration:token_rotate": lambda t: {"pk": a_token(t).pk},
    "administration:user_reset_second_factor": lambda t: {"pk": t.outsider.pk},
    "agreements:end": lambda t: {"pk": an_agreement(t).pk},
    "agreements:sign": lambda t: {"pk": an_agreement(t).pk},
}
