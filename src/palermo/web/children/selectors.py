"""Reads of a child's protection on a case the user may see (``cases.selectors.case_get``):
names, reasons and findings decrypted only for roles that read personal data, each such read
audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case
from palermo.web.cases.selectors import case_get, may_read_personal_data
from palermo.web.children.models import (
    AUTO_REFERRAL_LABELS,
    AgeAssessment,
    AgeConclusion,
    AutoReferral,
    BestInterests,
    ChildProtection,
    GuardianAppointment,
)
from palermo.web.children.services import child_protection_referral_url
from palermo.web.directory.models import ServiceType
from palermo.web.referrals.models import Referral


@dataclass(frozen=True, slots=True)
class ChildFile:
    protection: ChildProtection | None
    reasons: list[str]
    age_assessments: list[AgeAssessment]
    best_interests: list[BestInterests]
    guardians: list[GuardianAppointment]
    personal: bool
    accompanying_adult: str = ""
    # referrals of the case to a child-protection service (the referrals app), oldest first
    referrals: list[Referral] = field(default_factory=list)
    referral_url: str = ""
    # what became of the automatic referral (AUTO_REFERRAL_LABELS) and where it was routed
    auto_referral: str = ""
    routed_to: str = ""

    @property
    def presumed_child(self) -> bool:
        """Treated as a child until an age assessment concludes "18 or over"."""
        latest = self.age_assessments[-1] if self.age_assessments else None
        return latest is None or latest.conclusion != AgeConclusion.ADULT

    @property
    def is_child_case(self) -> bool:
        return self.protection is not None or bool(self.age_assessments)


def child_file(
    *, user: User, case: Case, language: str, request: HttpRequest | None = None
) -> ChildFile:
    """The child-protection records of ``case`` (which ``user`` may see, else ``Http404``)."""
    case_get(user=user, pk=case.pk)
    protection = ChildProtection.objects.filter(case=case).select_related("routed_to").first()
    ages = list(case.age_assessments.select_related("recorded_by").order_by("recorded_at", "id"))
    interests = list(case.best_interests.select_related("recorded_by").order_by("recorded_at"))
    guardians = list(case.guardians.select_related("recorded_by").order_by("recorded_at", "id"))
    personal = may_read_personal_data(user, case)
    if personal and (protection is not None or ages or interests or guardians):
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=case,
            fields=["child_protection"],
            purpose="child protection",
            request=request,
        )
    lang = "zh" if language.startswith("zh") else "en"
    reasons: list[Any] = protection.reasons if protection is not None else []
    return ChildFile(
        protection=protection,
        reasons=[str(r.get(lang, r.get("en", ""))) for r in reasons],
        age_assessments=ages,
        best_interests=interests,
        guardians=guardians,
        personal=personal,
        accompanying_adult=protection.accompanying_adult
        if personal and protection is not None
        else "",
        referrals=list(
            Referral.objects.filter(case=case, service=ServiceType.CHILD_PROTECTION.value)
            .select_related("recipient")
            .order_by("sent_at", "id")
        ),
        referral_url=child_protection_referral_url(
            case, protection.routed_to if protection is not None else None
        ),
        auto_referral=_auto_referral_text(protection),
        routed_to=protection.routed_to.name_in(language)
        if protection is not None and protection.routed_to is not None
        else "",
    )


def _auto_referral_text(protection: ChildProtection | None) -> str:
    if protection is None or not protection.auto_referral:
        return ""
    return str(AUTO_REFERRAL_LABELS[AutoReferral(protection.auto_referral)])
