"""Writes of consular assistance. Each runs in one transaction, checks the actor and the
agency, locks what it changes and writes the audit log (field names, never values).

The case itself is opened by ``cases.services.case_open`` (identity encrypted, pseudonymous
id, timeline); everything consular hangs on it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.web.accounts.models import Agency, User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case, CaseEventKind, VictimOutcome
from palermo.web.cases.services import case_event_add, case_open
from palermo.web.consular.models import (
    ASSISTANCE_KIND_CHOICES,
    ORIGIN_CHOICES,
    RETURN_STAGE_CHOICES,
    RETURN_STAGES,
    RISK_LEVEL_CHOICES,
    RISK_ORDER,
    AssistanceEntry,
    AssistanceKind,
    ConsularCase,
    FollowUp,
    Origin,
    ReturnPlan,
    ReturnRiskAssessment,
    ReturnStage,
    ReturnStageRecord,
    RiskLevel,
    TravelDocument,
)
from palermo.web.directory.models import ServiceType
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import CONSULAR_OVERRIDE_ROLES, CONSULAR_ROLES, require_role
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.services import notification_send
from palermo.web.referrals.services import referral_send
from palermo.web.screening.models import Traveller

MAX_NOTE = 5000
MIN_REASON = 10
# the stages before the person has left: a high risk not overridden stops each of them
_BEFORE_DEPARTURE = frozenset({ReturnStage.CONSENT, ReturnStage.TRAVEL_ARRANGED})


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the last day of a shorter month when it has
    no such day (31 January + 1 month = 28 or 29 February).

    >>> add_months(dt.date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    >>> add_months(dt.date(2026, 11, 15), 3)
    datetime.date(2027, 2, 15)
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def follow_up_months() -> tuple[int, ...]:
    """``PALERMO_RETURN_FOLLOWUP_MONTHS`` as sorted whole months (default 3, 6, 12)."""
    return tuple(sorted(set(settings.RETURN_FOLLOWUP_MONTHS)))


def _own(actor: User, consular_case: ConsularCase) -> None:
    if consular_case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the consulate that keeps the case can do this."))


def _locked(consular_case: ConsularCase) -> ConsularCase:
    return ConsularCase.objects.select_for_update().get(pk=consular_case.pk)


def _text(
    problems: list[Problem],
    where: Promise,
    field: str,
    value: str,
    *,
    required: bool = True,
    limit: int = MAX_NOTE,
) -> str:
    value = value.strip()
    if required and not value:
        problems.append(problem(where=where, field=field, rule=gettext_lazy("must not be empty")))
    if len(value) > limit:
        problems.append(
            problem(
                where=where,
                field=field,
                rule=gettext_lazy("must be at most %(n)d characters"),
                params={"n": limit},
            )
        )
    return value


def _not_future(problems: list[Problem], where: Promise, field: str, day: dt.date) -> None:
    if day > timezone.localdate():
        problems.append(
            problem(
                where=where, field=field, value=day, rule=gettext_lazy("must not be in the future")
            )
        )


def _timeline(actor: User, case: Case, words: Promise, **params: str | int | Promise) -> None:
    """The consular step on the case's timeline (``cases.services.case_event_add``), in words
    stored in each language; codes and labels only, never the person's data."""
    case_event_add(
        actor=actor, case=case, kind=CaseEventKind.CONSULAR, words=words, words_params=params
    )


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise InputError(problems)


def _traveller_problems(
    actor: User, origin: str, traveller: Traveller | None, problems: list[Problem]
) -> None:
    where = gettext_lazy("consular case")
    if origin == Origin.VISA_SCREENING and traveller is None:
        problems.append(
            problem(
                where=where,
                field="origin",
                rule=gettext_lazy(
                    "open it from the screened visa application (its traveller page)"
                ),
            )
        )
    if traveller is None:
        return
    if traveller.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that screened the traveller can do this."))
    if not traveller.visa_application_ref:
        problems.append(
            problem(
                where=where,
                field="traveller",
                rule=gettext_lazy("this screening record is not a visa application"),
            )
        )
    if origin != Origin.VISA_SCREENING:
        problems.append(
            problem(
                where=where,
                field="origin",
                rule=gettext_lazy(
                    "a case opened from a visa application comes from visa screening"
                ),
            )
        )


def consular_case_open(
    *,
    actor: User,
    full_name: str,
    origin: Origin | str,
    country: str,
    home_province: str,
    outcome: VictimOutcome | str = VictimOutcome.POSSIBLE,
    referred_by: str = "",
    document_number: str = "",
    contact: str = "",
    note: str = "",
    traveller: Traveller | None = None,
    request: HttpRequest | None = None,
) -> ConsularCase:
    """Open a case for a national abroad: a case of ``palermo.web.cases`` (identity encrypted,
    pseudonymous id) and its consular side. Identified by a foreign authority or referred by
    an organisation, the case names who; opened from a screened visa application, it carries
    that visa file."""
    require_role(actor, CONSULAR_ROLES, what=gettext_lazy("open a consular case"))
    where = gettext_lazy("consular case")
    problems: list[Problem] = []
    if origin not in {o.value for o in Origin}:
        problems.append(
            problem(where=where, field="origin", value=str(origin), rule=gettext_lazy("unknown"))
        )
    referred_by = _text(
        problems,
        where,
        "referred_by",
        referred_by,
        required=origin in {Origin.FOREIGN_AUTHORITY, Origin.NGO},
        limit=300,
    )
    country = _text(problems, where, "country", country, limit=100)
    home_province = _text(problems, where, "home_province", home_province, limit=100)
    _traveller_problems(actor, str(origin), traveller, problems)
    _raise(problems)
    with transaction.atomic():
        case = case_open(
            actor=actor,
            full_name=full_name,
            outcome=outcome,
            document_number=document_number,
            contact=contact,
            note=note,
            request=request,
        )
        consular_case = ConsularCase.objects.create(
            case=case,
            agency_id=actor.agency_id,
            origin=str(origin),
            referred_by=referred_by,
            country=country,
            home_province=home_province,
            traveller=traveller,
            visa_application_ref=traveller.visa_application_ref if traveller else "",
            opened_at=timezone.now(),
            opened_by=actor,
        )
        _timeline(
            actor,
            case,
            gettext_lazy("consular case opened (%(origin)s)"),
            origin=dict(ORIGIN_CHOICES)[str(origin)],
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=consular_case,
            fields=["origin", "referred_by", "country", "home_province"],
            purpose="consular case opened",
            request=request,
            detail={
                "case": case.reference,
                "origin": str(origin),
                "visa_file": consular_case.visa_application_ref,
            },
        )
    return consular_case


def assistance_record(
    *,
    actor: User,
    consular_case: ConsularCase,
    kind: AssistanceKind | str,
    on: dt.date,
    note: str,
    request: HttpRequest | None = None,
) -> AssistanceEntry:
    """Add one dated line to the assistance log (a contact, a need met, interpretation,
    legal aid); the note is encrypted."""
    require_role(actor, CONSULAR_ROLES, what=gettext_lazy("keep the assistance log"))
    _own(actor, consular_case)
    where = gettext_lazy("assistance log")
    problems: list[Problem] = []
    if kind not in {k.value for k in AssistanceKind}:
        problems.append(
            problem(where=where, field="kind", value=str(kind), rule=gettext_lazy("unknown"))
        )
    note = _text(problems, where, "note", note)
    _not_future(problems, where, "on", on)
    _raise(problems)
    with transaction.atomic():
        locked = _locked(consular_case)
        entry = AssistanceEntry.objects.create(
            consular_case=locked,
            kind=str(kind),
            on=on,
            note=note,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _timeline(
            actor,
            locked.case,
            gettext_lazy("%(kind)s recorded in the assistance log"),
            kind=dict(ASSISTANCE_KIND_CHOICES)[str(kind)],
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=entry,
            fields=["kind", "on", "note"],
            purpose="consular assistance",
            request=request,
            detail={"case": locked.case_id, "kind": str(kind)},
        )
    return entry


def travel_document_issue(
    *,
    actor: User,
    consular_case: ConsularCase,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date,
    request: HttpRequest | None = None,
) -> TravelDocument:
    """Record the emergency travel document issued to the person (number encrypted)."""
    require_role(actor, CONSULAR_ROLES, what=gettext_lazy("issue travel documents"))
    _own(actor, consular_case)
    where = gettext_lazy("emergency travel document")
    problems: list[Problem] = []
    number = _text(problems, where, "number", number, limit=40)
    _not_future(problems, where, "issued_on", issued_on)
    if valid_until <= issued_on:
        problems.append(
            problem(
                where=where,
                field="valid_until",
                value=valid_until,
                rule=gettext_lazy("must be after the day of issue"),
            )
        )
    _raise(problems)
    with transaction.atomic():
        locked = _locked(consular_case)
        document = TravelDocument.objects.create(
            consular_case=locked,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            issued_by=actor,
            recorded_at=timezone.now(),
        )
        _timeline(
            actor,
            locked.case,
            gettext_lazy("emergency travel document issued, valid until %(day)s"),
            day=valid_until.isoformat(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=document,
            fields=["number", "issued_on", "valid_until"],
            purpose="emergency travel document",
            request=request,
            detail={"case": locked.case_id},
        )
    return document


def _level(problems: list[Problem], field: str, value: str) -> RiskLevel:
    try:
        return RiskLevel(value)
    except ValueError:
        problems.append(
            problem(
                where=gettext_lazy("return risk assessment"),
                field=field,
                value=value,
                rule=gettext_lazy("choose low, medium or high"),
            )
        )
        return RiskLevel.HIGH


def return_risk_assess(
    *,
    actor: User,
    consular_case: ConsularCase,
    safety: RiskLevel | str,
    family: RiskLevel | str,
    retrafficking: RiskLevel | str,
    notes: str,
    request: HttpRequest | None = None,
) -> ReturnRiskAssessment:
    """Record a return risk assessment; its outcome is the highest of the three answers. The
    newest assessment is the one a return plan rests on."""
    require_role(actor, CONSULAR_ROLES, what=gettext_lazy("assess the risk of return"))
    _own(actor, consular_case)
    problems: list[Problem] = []
    levels = [
        _level(problems, "safety", str(safety)),
        _level(problems, "family", str(family)),
        _level(problems, "retrafficking", str(retrafficking)),
    ]
    notes = _text(problems, gettext_lazy("return risk assessment"), "notes", notes)
    _raise(problems)
    outcome = max(levels, key=RISK_ORDER.__getitem__)
    with transaction.atomic():
        locked = _locked(consular_case)
        assessment = ReturnRiskAssessment.objects.create(
            consular_case=locked,
            safety=levels[0].value,
            family=levels[1].value,
            retrafficking=levels[2].value,
            outcome=outcome.value,
            notes=notes,
            assessed_by=actor,
            assessed_at=timezone.now(),
        )
        _timeline(
            actor,
            locked.case,
            gettext_lazy("return risk assessed: %(level)s"),
            level=dict(RISK_LEVEL_CHOICES)[outcome.value],
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=assessment,
            fields=["safety", "family", "retrafficking", "notes"],
            purpose="return risk assessment",
            request=request,
            detail={"case": locked.case_id, "outcome": outcome.value},
        )
    return assessment


def return_risk_override(
    *,
    actor: User,
    assessment: ReturnRiskAssessment,
    reason: str,
    request: HttpRequest | None = None,
) -> ReturnRiskAssessment:
    """A supervisor records why a return assessed at high risk may go ahead (the person's
    informed wish, protection arranged at home ...). Once, with a reason; audited."""
    require_role(
        actor, CONSULAR_OVERRIDE_ROLES, what=gettext_lazy("let a high-risk return go ahead")
    )
    _own(actor, assessment.consular_case)
    reason = reason.strip()
    if len(reason) < MIN_REASON or len(reason) > 1000:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("return risk assessment"),
                    field="reason",
                    rule=gettext_lazy("write the reason in %(min)d to %(max)d characters"),
                    params={"min": MIN_REASON, "max": 1000},
                )
            ]
        )
    with transaction.atomic():
        locked = ReturnRiskAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.outcome != RiskLevel.HIGH:
            raise TransitionRefusedError(
                _("Only a return assessed at high risk needs a supervisor's reason.")
            )
        if locked.override_reason:
            raise TransitionRefusedError(_("A supervisor has already recorded a reason."))
        locked.override_reason = reason
        locked.override_by = actor
        locked.override_at = timezone.now()
        locked.save(update_fields=["override_reason", "override_by", "override_at"])
        _timeline(
            actor,
            locked.consular_case.case,
            gettext_lazy("a supervisor recorded why the high-risk return may go ahead"),
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["override_reason"],
            purpose="high-risk return allowed",
            request=request,
            detail={"case": locked.consular_case.case_id},
        )
    return locked


def current_assessment(consular_case: ConsularCase) -> ReturnRiskAssessment | None:
    return consular_case.risk_assessments.order_by("-assessed_at", "-id").first()


def _require_return_allowed(consular_case: ConsularCase) -> ReturnRiskAssessment:
    assessment = current_assessment(consular_case)
    if assessment is None:
        raise TransitionRefusedError(
            _("Assess the risk of return first: a return plan rests on a risk assessment.")
        )
    if assessment.blocks_return:
        raise TransitionRefusedError(
            _(
                "The risk of return was assessed high: the return cannot go ahead unless a "
                "supervisor records why it may (or a new assessment finds the risk lower)."
            )
        )
    return assessment


def return_plan_create(
    *, actor: User, consular_case: ConsularCase, request: HttpRequest | None = None
) -> ReturnPlan:
    """Start the voluntary return plan on the newest risk assessment (refused while it is
    high and no supervisor has recorded a reason)."""
    require_role(actor, CONSULAR_ROLES, what=gettext_lazy("plan a return"))
    _own(actor, consular_case)
    with transaction.atomic():
        locked = _locked(consular_case)
        if ReturnPlan.objects.filter(consular_case=locked).exists():
            raise TransitionRefusedError(_("This case already has a return plan."))
        assessment = _require_return_allowed(locked)
        plan = ReturnPlan.objects.create(
            consular_case=locked,
            assessment=assessment,
            created_by=actor,
            created_at=timezone.now(),
        )
        _timeline(actor, locked.case, gettext_lazy("voluntary return plan started"))
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=plan,
            purpose="voluntary return plan",
            request=request,
            detail={
                "case": locked.case_id,
                "risk": assessment.outcome,
                "overridden": bool(assessment.override_reason),
            },
        )
    return plan


def next_stage(plan: ReturnPlan) -> ReturnStage | None:
    """The stage to record next, or ``None`` when the person has been handed over."""
    done = set(plan.stages.values_list("stage", flat=True))
    return next((s for s in RETURN_STAGES if s.value not in done), None)


def _stage_problems(
    actor: User,
    plan: ReturnPlan,
    stage: ReturnStage,
    at: dt.datetime,
    receiving_agency: Agency | None,
) -> list[Problem]:
    where = gettext_lazy("return plan")
    problems: list[Problem] = []
    if at > timezone.now():
        problems.append(
            problem(
                where=where, field="at", value=at, rule=gettext_lazy("must not be in the future")
            )
        )
    last = plan.stages.order_by("-at", "-id").first()
    if last is not None and at < last.at:
        problems.append(
            problem(
                where=where,
                field="at",
                value=at,
                rule=gettext_lazy("must not be before the previous stage"),
            )
        )
    if stage is ReturnStage.HANDED_OVER:
        if receiving_agency is None:
            problems.append(
                problem(
                    where=where,
                    field="receiving_agency",
                    rule=gettext_lazy("name the agency in the home province that takes over"),
                )
            )
        elif receiving_agency.pk == actor.agency_id:
            problems.append(
                problem(
                    where=where,
                    field="receiving_agency",
                    rule=gettext_lazy("hand over to another agency, in the home province"),
                )
            )
    return problems


def return_stage_record(
    *,
    actor: User,
    consular_case: ConsularCase,
    stage: ReturnStage | str,
    at: dt.datetime,
    note: str = "",
    receiving_agency: Agency | None = None,
    request: HttpRequest | None = None,
) -> ReturnStageRecord:
    """Record the next stage of the return, with when it happened: consent to return, travel
    arranged, departed, arrived (the follow-ups after return are then planned), handed over to
    services in the home province (naming the receiving agency). Stages go in this order only;
    until the person has departed a high risk not overridden stops the return."""
    require_role(actor, CONSULAR_ROLES, what=gettext_lazy("record the return"))
    _own(actor, consular_case)
    where = gettext_lazy("return plan")
    try:
        wanted = ReturnStage(stage)
    except ValueError:
        raise InputError(
            [problem(where=where, field="stage", value=str(stage), rule=gettext_lazy("unknown"))]
        ) from None
    note_problems: list[Problem] = []
    note = _text(note_problems, where, "note", note, required=False, limit=500)
    _raise(note_problems)
    with transaction.atomic():
        locked = _locked(consular_case)
        plan = ReturnPlan.objects.filter(consular_case=locked).first()
        if plan is None:
            raise TransitionRefusedError(_("Start the return plan first."))
        expected = next_stage(plan)
        if expected is None:
            raise TransitionRefusedError(_("The return is complete: the person was handed over."))
        if wanted is not expected:
            raise TransitionRefusedError(
                _("The next stage of the return is: %(stage)s.") % {"stage": stage_label(expected)}
            )
        if wanted in _BEFORE_DEPARTURE or wanted is ReturnStage.DEPARTED:
            _require_return_allowed(locked)
        _raise(_stage_problems(actor, plan, wanted, at, receiving_agency))
        referral = None
        if wanted is ReturnStage.HANDED_OVER and receiving_agency is not None:
            # the hand-over is a referral for return and reintegration: the person's consents
            # and a data-sharing agreement are checked there; a refusal leaves nothing written
            referral = referral_send(
                actor=actor,
                case=locked.case,
                recipient=receiving_agency,
                service=ServiceType.RETURN_REINTEGRATION,
                message=note or _("Hand-over after return: reintegration in the home province."),
                request=request,
            )
        record = ReturnStageRecord.objects.create(
            plan=plan,
            stage=wanted.value,
            at=at,
            note=note,
            receiving_agency=receiving_agency if wanted is ReturnStage.HANDED_OVER else None,
            referral=referral,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        planned = _plan_follow_ups(locked, at) if wanted is ReturnStage.ARRIVED else []
        _timeline(
            actor,
            locked.case,
            gettext_lazy("return: %(stage)s on %(day)s"),
            stage=dict(RETURN_STAGE_CHOICES)[wanted.value],
            day=timezone.localtime(at).date().isoformat(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=plan,
            fields=["stages"],
            purpose="voluntary return",
            request=request,
            detail={
                "case": locked.case_id,
                "stage": wanted.value,
                "follow_ups": planned,
                "to_agency": receiving_agency.pk if receiving_agency else None,
                "referral": referral.reference if referral else "",
            },
        )
    return record


def stage_label(stage: ReturnStage) -> str:
    return str(dict(RETURN_STAGE_CHOICES)[stage.value])


def _plan_follow_ups(consular_case: ConsularCase, arrived: dt.datetime) -> list[str]:
    day = timezone.localtime(arrived).date()
    due: list[str] = []
    for months in follow_up_months():
        follow_up = FollowUp.objects.create(
            consular_case=consular_case, months=months, due_on=add_months(day, months)
        )
        due.append(follow_up.due_on.isoformat())
    return due


def follow_up_record(
    *,
    actor: User,
    follow_up: FollowUp,
    reached: bool,
    note: str,
    request: HttpRequest | None = None,
) -> FollowUp:
    """Record a follow-up after return: whether the person was reached and how they are
    (encrypted). Once per follow-up."""
    require_role(actor, CONSULAR_ROLES, what=gettext_lazy("record a follow-up"))
    _own(actor, follow_up.consular_case)
    problems: list[Problem] = []
    note = _text(problems, gettext_lazy("follow-up"), "note", note)
    _raise(problems)
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if locked.done_at is not None:
            raise TransitionRefusedError(_("This follow-up was already recorded."))
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.reached = reached
        locked.note = note
        locked.save(update_fields=["done_at", "done_by", "reached", "note"])
        _timeline(
            actor,
            locked.consular_case.case,
            gettext_lazy("follow-up %(months)d months after return: the person was reached")
            if reached
            else gettext_lazy(
                "follow-up %(months)d months after return: the person could not be reached"
            ),
            months=locked.months,
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["reached", "note"],
            purpose="follow-up after return",
            request=request,
            detail={"case": locked.consular_case.case_id, "months": locked.months},
        )
    return locked


def follow_ups_due(*, today: dt.date | None = None) -> Sequence[FollowUp]:
    """Open follow-ups due on or before ``today`` that nobody has been told about yet."""
    today = today or timezone.localdate()
    return list(
        FollowUp.objects.filter(done_at__isnull=True, notified_at__isnull=True, due_on__lte=today)
        .select_related("consular_case__case", "consular_case__agency")
        .order_by("due_on", "id")
    )


def follow_ups_notify(*, now: dt.datetime | None = None) -> int:
    """The scheduled check: every follow-up that fell due and was not announced yet is
    announced to the consular officers of its consulate, once. How many."""
    now = now or timezone.now()
    count = 0
    for follow_up in follow_ups_due(today=timezone.localdate(now)):
        with transaction.atomic():
            locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
            if locked.notified_at is not None or locked.done_at is not None:
                continue
            locked.notified_at = now
            locked.save(update_fields=["notified_at"])
            _announce(follow_up)
            count += 1
    return count


def _follow_up_words(months: int) -> str:
    return _("the follow-up %(months)d months after return") % {"months": months}


# translated when the notification stores its text in each language, not now
_follow_up_task = lazy(_follow_up_words, str)


def _announce(follow_up: FollowUp) -> None:
    """Tell the consulate's consular officers (their notifications) and write the audit log."""
    consular_case = follow_up.consular_case
    notification_send(
        actor=None,
        kind=NotificationKind.CASE_TASK_DUE,
        agency=consular_case.agency,
        roles=sorted(CONSULAR_ROLES),
        about=follow_up,
        url=reverse("consular:detail", args=[consular_case.case_id]) + "#follow-h",
        params={
            "reference": consular_case.case.reference,
            "task": _follow_up_task(follow_up.months),
            "due": follow_up.due_on.isoformat(),
        },
    )
    audit_record(
        actor=None,
        actor_label="scheduled follow-up check",
        action=AuditAction.UPDATE,
        obj=follow_up,
        fields=["notified_at"],
        purpose="follow-up after return due",
        detail={
            "case": follow_up.consular_case.case.reference,
            "months": follow_up.months,
            "due": follow_up.due_on.isoformat(),
        },
    )
