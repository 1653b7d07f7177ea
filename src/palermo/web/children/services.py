"""Writes of a child's protection: opened with the case (called by the interviews service in its
transaction), age assessments, best-interests records, guardian appointments. Each checks the
actor and the owning agency, puts the step on the case's timeline and writes the audit log in
one transaction."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, PalermoError, Problem
from palermo.web.accounts.models import User
from palermo.web.agreements.services import AgreementRequiredError
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case, CaseEventKind
from palermo.web.cases.services import case_event_add, consent_record
from palermo.web.children.models import (
    AgeAssessment,
    AgeConclusion,
    AgeMethod,
    AutoReferral,
    BestInterests,
    BestInterestsKind,
    ChildProtection,
    DurableSolution,
    GuardianAppointment,
    GuardianKind,
)
from palermo.web.directory.models import ServiceProvider, ServiceType
from palermo.web.directory.selectors import provider_list
from palermo.web.lib.errors import (
    ConsentRequiredError,
    NotPermittedError,
    TransitionRefusedError,
)
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import CHILD_PROTECTION_ROLES, CONSENT_OVERRIDE_ROLES, require_role
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.services import notification_send
from palermo.web.referrals.models import Referral
from palermo.web.referrals.services import referral_send

MAX_TEXT = 10_000


def _own(actor: User, case: Case, what: str | Promise) -> None:
    require_role(actor, CHILD_PROTECTION_ROLES, what=what)
    if case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can do this."))


def _required(problems: list[Problem], field: str, value: str, *, limit: int = MAX_TEXT) -> str:
    cleaned = value.strip()
    if not cleaned:
        problems.append(
            problem(
                where=gettext_lazy("child protection"),
                field=field,
                rule=gettext_lazy("must not be empty"),
            )
        )
    elif len(cleaned) > limit:
        problems.append(
            problem(
                where=gettext_lazy("child protection"),
                field=field,
                rule=gettext_lazy("must be at most %(n)d characters"),
                params={"n": limit},
            )
        )
    return cleaned


def _choice(problems: list[Problem], field: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        problems.append(
            problem(
                where=gettext_lazy("child protection"),
                field=field,
                value=value,
                rule=gettext_lazy("unknown"),
            )
        )


def child_protection_referral_url(case: Case, provider: ServiceProvider | None = None) -> str:
    """The referrals page that sends this case to a child-protection service (the agency of
    ``provider`` chosen, when the directory routed to one)."""
    url = (
        reverse("referrals:create", kwargs={"case_pk": case.pk})
        + f"?service={ServiceType.CHILD_PROTECTION.value}"
    )
    if provider is not None and provider.agency_id is not None:
        url += f"&recipient={provider.agency_id}"
    return url


def child_protection_route(
    *, actor: User, case: Case, area: str, language: str
) -> ServiceProvider | None:
    """The child-protection service the directory routes this case to: one that receives
    referrals in Palermo, serves ``area`` (or the whole country) and works in ``language``;
    when none works in that language, one serving the area in any language. A service serving
    the area itself comes before a national one, then the one with the most places free.
    Another agency only (a case is not referred to its own agency), live or training as the
    case is."""
    for wanted in dict.fromkeys([language, ""]):
        found = list(
            provider_list(
                user=actor,
                service=ServiceType.CHILD_PROTECTION.value,
                area=area,
                language=wanted,
                receives_referrals=True,
            )
            .exclude(agency=case.agency_id)
            .filter(agency__is_training=case.agency.is_training)
        )
        if found:
            return min(found, key=lambda p: (p.nationwide, -(p.places_free or 0), p.name))
    return None


def _auto_refer(
    *,
    actor: User,
    case: Case,
    provider: ServiceProvider | None,
    consent: Mapping[str, bool] | None,
    request: HttpRequest | None,
) -> tuple[AutoReferral, Referral | None]:
    """Send the referral to ``provider``'s agency through the referrals service. A refusal
    (consent, agreement, an open referral) rolls back only the attempt: the case stays open
    and the step stays due (the caller says why)."""
    if provider is None or provider.agency is None:
        return AutoReferral.NO_PROVIDER, None
    if consent is not None:
        # the child's consent, given with the case, names the agency routed to
        consent_record(
            actor=actor,
            case=case,
            purpose="sharing",
            recipient=provider.agency,
            checklist=consent,
            request=request,
        )
    try:
        with transaction.atomic():
            referral = referral_send(
                actor=actor,
                case=case,
                recipient=provider.agency,
                service=ServiceType.CHILD_PROTECTION,
                provider=provider,
                request=request,
            )
    except ConsentRequiredError:
        return AutoReferral.NO_CONSENT, None
    except AgreementRequiredError:
        return AutoReferral.NO_AGREEMENT, None
    except PalermoError:
        return AutoReferral.REFUSED, None
    return AutoReferral.SENT, referral


def same_person(a: str, b: str) -> bool:
    """Whether two names as typed are the same person's name (case, accents, spaces and the
    order of the parts aside: "LI Wei" and "wei  li").

    >>> same_person("LI Wei", "wei  li"), same_person("Li Wei", "Li Na")
    (True, False)
    """

    def parts(name: str) -> list[str]:
        folded = unicodedata.normalize("NFKD", name.casefold())
        plain = "".join(c for c in folded if not unicodedata.combining(c))
        return sorted(plain.replace(",", " ").split())

    return bool(parts(a)) and parts(a) == parts(b)


def child_protection_open(
    *,
    actor: User,
    case: Case,
    reasons: Sequence[Mapping[str, str]],
    age_in_doubt: bool,
    accompanying_adult: str = "",
    area: str = "",
    language: str = "",
    consent: Mapping[str, bool] | None = None,
    request: HttpRequest | None = None,
) -> ChildProtection:
    """The case is a child's: refer to child protection, with the reasons (en/zh) the
    assessment gave. Runs inside the caller's transaction (the case opening).

    The referral is sent at once (``referrals.services.referral_send``) to the service the
    directory routes to for ``area`` and ``language`` (``child_protection_route``). ``consent``:
    the consent checklist, when the child gave consent with the case: it is recorded for
    assistance and for disclosure to the routed agency. When no service matches, or consent
    or an agreement is missing, nothing is sent: the record says why (``auto_referral``) and
    the agency's case workers are told the referral is due today."""
    _own(actor, case, gettext_lazy("refer a child to child protection"))
    if not reasons:
        raise TransitionRefusedError(
            _("The assessment gives no reason to refer to child protection.")
        )
    shown = [{"en": str(r.get("en", "")), "zh": str(r.get("zh", ""))} for r in reasons]
    area = area.strip()[:200]
    with transaction.atomic():
        provider = child_protection_route(actor=actor, case=case, area=area, language=language)
        record = ChildProtection.objects.create(
            case=case,
            reasons=shown,
            age_in_doubt=age_in_doubt,
            accompanying_adult=accompanying_adult.strip()[:300],
            opened_by=actor,
            opened_at=timezone.now(),
            area=area,
            language=language[:8],
            routed_to=provider,
        )
        case_event_add(
            actor=actor,
            case=case,
            kind=CaseEventKind.CHILD_PROTECTION,
            # the reasons are listed in the reader's language on the case's child-protection
            # panel; the timeline names the step (a reason here would be in English only)
            age_in_doubt=age_in_doubt,
        )
        if consent is not None:
            consent_record(
                actor=actor, case=case, purpose="assistance", checklist=consent, request=request
            )
        outcome, referral = _auto_refer(
            actor=actor, case=case, provider=provider, consent=consent, request=request
        )
        record.auto_referral = outcome.value
        record.save(update_fields=["auto_referral"])
        if referral is None:
            # not sent: the case's agency is told at once that the referral is due today
            # without consent only a supervisor may refer (legal basis, reason): tell them too
            notification_send(
                actor=actor,
                kind=NotificationKind.CASE_TASK_DUE,
                agency=case.agency,
                roles=CHILD_PROTECTION_ROLES
                | (CONSENT_OVERRIDE_ROLES if outcome is AutoReferral.NO_CONSENT else frozenset()),
                about=case,
                url=child_protection_referral_url(case, provider),
                params={
                    "reference": case.reference,
                    "task": gettext_lazy("the referral to child protection"),
                    "due": timezone.localdate(record.opened_at).isoformat(),
                },
                request=request,
            )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            fields=["accompanying_adult"] if accompanying_adult.strip() else [],
            purpose="child protection referral",
            request=request,
            detail={
                "case": case.reference,
                "age_in_doubt": age_in_doubt,
                "auto_referral": outcome.value,
                "referral": referral.reference if referral is not None else "",
                "provider": provider.pk if provider is not None else None,
            },
        )
    return record


def age_assessment_record(
    *,
    actor: User,
    case: Case,
    conclusion: AgeConclusion | str,
    method: AgeMethod | str,
    assessed_by: str,
    reasons: str,
    request: HttpRequest | None = None,
) -> AgeAssessment:
    """Record an age assessment made by the competent body. Until one concludes "18 or over",
    the person is presumed a child."""
    _own(actor, case, gettext_lazy("record an age assessment"))
    problems: list[Problem] = []
    _choice(problems, "conclusion", str(conclusion), [c.value for c in AgeConclusion])
    _choice(problems, "method", str(method), [m.value for m in AgeMethod])
    body = _required(problems, "assessed_by", assessed_by, limit=200)
    text = _required(problems, "reasons", reasons)
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        record = AgeAssessment.objects.create(
            case=case,
            conclusion=str(conclusion),
            method=str(method),
            assessed_by=body,
            reasons=text,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        case_event_add(
            actor=actor,
            case=case,
            kind=CaseEventKind.AGE_ASSESSMENT,
            conclusion=str(conclusion),
            method=str(method),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            fields=["reasons"],
            purpose="age assessment",
            request=request,
            detail={"case": case.reference, "conclusion": str(conclusion)},
        )
    return record


def best_interests_record(
    *,
    actor: User,
    case: Case,
    kind: BestInterestsKind | str,
    findings: str,
    child_heard: bool,
    solution: DurableSolution | str = "",
    request: HttpRequest | None = None,
) -> BestInterests:
    """Record a best-interests assessment (interim care) or determination (a durable solution:
    return, local integration or resettlement; a determination names one)."""
    _own(actor, case, gettext_lazy("record a best-interests assessment"))
    problems: list[Problem] = []
    _choice(problems, "kind", str(kind), [k.value for k in BestInterestsKind])
    _choice(problems, "solution", str(solution), [s.value for s in DurableSolution])
    text = _required(problems, "findings", findings)
    if str(kind) == BestInterestsKind.DETERMINATION and not solution:
        problems.append(
            problem(
                where=gettext_lazy("child protection"),
                field="solution",
                rule=gettext_lazy("a determination names the durable solution"),
            )
        )
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        record = BestInterests.objects.create(
            case=case,
            kind=str(kind),
            findings=text,
            solution=str(solution),
            child_heard=child_heard,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        case_event_add(
            actor=actor,
            case=case,
            kind=CaseEventKind.BEST_INTERESTS,
            best_interests=str(kind),
            solution=str(solution),
            child_heard=child_heard,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            fields=["findings"],
            purpose="best interests",
            request=request,
            detail={"case": case.reference, "kind": str(kind)},
        )
    return record


class SamePersonError(TransitionRefusedError):
    """The guardian named is the adult the child travelled with."""


def guardian_appoint(
    *,
    actor: User,
    case: Case,
    kind: GuardianKind | str,
    name: str,
    appointed_by: str,
    appointed_on: date,
    organisation: str = "",
    same_person_reason: str = "",
    request: HttpRequest | None = None,
) -> GuardianAppointment:
    """Record the guardian or representative a court or authority appointed for the child.

    Never the accompanying adult by default: when the name is the accompanying adult's, the
    appointment is refused (``SamePersonError``) unless ``same_person_reason`` says why that
    adult was appointed all the same."""
    _own(actor, case, gettext_lazy("record a guardian appointment"))
    problems: list[Problem] = []
    _choice(problems, "kind", str(kind), [k.value for k in GuardianKind])
    who = _required(problems, "name", name, limit=300)
    body = _required(problems, "appointed_by", appointed_by, limit=200)
    if problems:
        raise InputError(problems)
    protection = ChildProtection.objects.filter(case=case).first()
    accompanying = protection.accompanying_adult if protection is not None else ""
    same = bool(accompanying) and same_person(who, accompanying)
    if same and not same_person_reason.strip():
        raise SamePersonError(
            _(
                "This is the adult the child travelled with. An accompanying adult is never "
                "the guardian by default: check that the appointing authority knows it, and "
                "give the reason to record the appointment."
            )
        )
    with transaction.atomic():
        record = GuardianAppointment.objects.create(
            case=case,
            kind=str(kind),
            name=who,
            organisation=organisation.strip()[:200],
            appointed_by=body,
            appointed_on=appointed_on,
            same_as_accompanying=same,
            same_person_reason=same_person_reason.strip()[:MAX_TEXT] if same else "",
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        case_event_add(
            actor=actor,
            case=case,
            kind=CaseEventKind.GUARDIAN,
            guardian=str(kind),
            same_as_accompanying=same,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            fields=["name", *(["same_person_reason"] if same else [])],
            purpose="guardian appointed",
            request=request,
            detail={"case": case.reference, "same_as_accompanying": same},
        )
    return record
