"""A referral world for tests: agency A's case with both consents for agency B (the shelter),
a data-sharing agreement between them, and agency C that is party to nothing."""

from __future__ import annotations

from typing import Any

from admin_fixtures import agreement_between

from palermo.web.accounts.models import Agency
from palermo.web.cases.models import CONSENT_CHECKLIST, Case
from palermo.web.cases.services import consent_record
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.referrals.models import Referral
from palermo.web.referrals.services import referral_send

CHECKLIST = {key: True for key, _label in CONSENT_CHECKLIST}


def consent_both(test: Any, case: Case, recipient: Agency) -> None:
    """The person's consent to disclosure to ``recipient`` and to receiving assistance."""
    recorder = test.caseworker
    consent_record(
        actor=recorder, case=case, purpose="sharing", recipient=recipient, checklist=CHECKLIST
    )
    consent_record(actor=recorder, case=case, purpose="assistance", checklist=CHECKLIST)


def referral_world(test: Any) -> None:
    """``test.case`` (agency A, consents for B), an agreement A-B for assistance and
    investigation, ``test.agency_c`` with a case worker ``test.stranger``."""
    test.case = test.open_case()
    agreement_between(
        test,
        test.agency_a,
        test.agency_b,
        purposes=("assistance", "investigation", "return"),
        reference="DSA-2026-REFERRALS",
    )
    consent_both(test, test.case, test.agency_b)
    test.agency_c, _created = Agency.objects.get_or_create(
        code="eastport", defaults={"name": "Eastport police", "kind": AgencyKind.ANTI_TRAFFICKING}
    )
    test.stranger = test.user_with_role(Role.CASE_WORKER, agency=test.agency_c)
    test.b_supervisor = test.user_with_role(Role.SUPERVISOR, agency=test.agency_b)


def send_to_shelter(test: Any, **kwargs: Any) -> Referral:
    values: dict[str, Any] = {"service": "shelter"}
    values.update(kwargs)
    return referral_send(actor=test.caseworker, case=test.case, recipient=test.agency_b, **values)


def example_referral(test: Any) -> Referral:
    if not hasattr(test, "_example_referral"):
        referral_world(test)
        test._example_referral = send_to_shelter(test)
    return test._example_referral


def _example_case(test: Any) -> Case:
    example_referral(test)
    return test.case  # type: ignore[no-any-return]


REFERRAL_URL_EXAMPLES = {
    "referrals:detail": lambda t: {"pk": example_referral(t).pk},
    "referrals:create": lambda t: {"case_pk": _example_case(t).pk},
    # POST only: a GET is refused before the referral is looked up
    "referrals:accept": lambda t: {"pk": 1},
    "referrals:decline": lambda t: {"pk": 1},
    "referrals:complete": lambda t: {"pk": 1},
    "referrals:revoke": lambda t: {"pk": 1},
}
