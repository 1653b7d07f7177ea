"""A small national referral mechanism for tests: an anti-trafficking office (the competent
authority) with an investigator, and a case of agency A submitted to it with consent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palermo.web.accounts.models import Agency, User
from palermo.web.cases.models import CONSENT_CHECKLIST, Case
from palermo.web.cases.services import consent_record
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.nrm.models import Identification
from palermo.web.nrm.services import identification_refer
from palermo.web.testsupport import make_user

ALL_TOLD = {key: True for key, _label in CONSENT_CHECKLIST}


def authority(test: Any) -> Agency:
    if not hasattr(test, "_authority"):
        test._authority = Agency.objects.create(
            name="National anti-trafficking office", kind=AgencyKind.ANTI_TRAFFICKING, code="nato"
        )
    found: Agency = test._authority
    return found


def decision_maker(test: Any) -> User:
    if not hasattr(test, "_decision_maker"):
        test._decision_maker = make_user("dina", agency=authority(test), role=Role.INVESTIGATOR)
    found: User = test._decision_maker
    return found


def consent_to_authority(test: Any, case: Case) -> None:
    consent_record(
        actor=test.caseworker,
        case=case,
        purpose="sharing",
        recipient=authority(test),
        checklist=ALL_TOLD,
    )


def referred(test: Any, case: Case | None = None) -> Identification:
    """A case of agency A (a new one unless given) submitted to the authority."""
    case = case or test.open_case()
    consent_to_authority(test, case)
    return identification_refer(
        actor=test.caseworker,
        case=case,
        competent_authority=authority(test),
        summary="Passport held by the employer; debt; coached answers at the border.",
    )


def an_identification(test: Any) -> Identification:
    if not hasattr(test, "_identification"):
        test._identification = referred(test)
    found: Identification = test._identification
    return found


NRM_URL_EXAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "nrm:detail": lambda t: {"pk": an_identification(t).pk},
    "nrm:decide": lambda t: {"pk": an_identification(t).pk},
    "nrm:reconsider": lambda t: {"pk": an_identification(t).pk},
    "nrm:refer": lambda t: {"case_pk": an_identification(t).case_id},
}
