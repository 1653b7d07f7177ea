"""Writes of the national referral mechanism's identification decisions.

The case owner submits a case to a competent authority; the authority's decision makers record
the first-stage and the conclusive decision with their reasons; either side records a request
for reconsideration, which the authority answers with a new decision. Each write checks the
actor, locks the row, keeps the clock (``due_on``), puts the step on the case's timeline and
writes the audit log, in one transaction. Nothing here decides anything about the person.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.accounts.models import Agency, User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case, CaseEventKind
from palermo.web.cases.services import case_event_add, no_sharing_consent, sharing_consent
from palermo.web.interviews.models import Interview
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import (
    COMPETENT_AUTHORITY_KINDS,
    NRM_DECISION_ROLES,
    NRM_REFERRING_ROLES,
    NRM_ROLES,
    require_role,
)
from palermo.web.lib.training import refuse_if_training
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.services import notification_send
from palermo.web.nrm.models import (
    DUE_STATES,
    Decision,
    Identification,
    IdentificationState,
    ReconsiderationRequest,
    Stage,
)

MAX_TEXT = 10_000
_OPEN_STATES = frozenset(
    {
        IdentificationState.AWAITING_FIRST_STAGE,
        IdentificationState.RECOVERY,
        IdentificationState.RECONSIDERATION,
    }
)
# a request for reconsideration is about a decision that found no grounds
_RECONSIDERABLE = frozenset(
    {IdentificationState.NEGATIVE_FIRST_STAGE, IdentificationState.CONCLUDED_NEGATIVE}
)


def recovery_days() -> int:
    """The recovery and reflection period in days: never fewer than 30 (Council of Europe
    Convention Art. 13), whatever a settings override says."""
    days = int(settings.NRM_RECOVERY_DAYS)
    if days < 30:
        raise TransitionRefusedError(
            _(
                "The recovery and reflection period is configured at %(days)d days; it must be "
                "at least 30. Ask the administrator to correct PALERMO_NRM_RECOVERY_DAYS."
            )
            % {"days": days}
        )
    return days


def is_competent_authority(agency: Agency) -> bool:
    return agency.kind in COMPETENT_AUTHORITY_KINDS


def _text(field: str, value: str, *, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("identification"),
                    field=field,
                    rule=gettext_lazy("must not be empty: %(what)s"),
                    params={"what": what},
                )
            ]
        )
    if len(cleaned) > MAX_TEXT:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("identification"),
                    field=field,
                    rule=gettext_lazy("must be at most %(n)d characters"),
                    params={"n": MAX_TEXT},
                )
            ]
        )
    return cleaned


def _today() -> date:
    return timezone.localdate(timezone.now())


def _hit_time(case: Case) -> datetime | None:
    """When the screening hit the case came from was raised (``None`` without one)."""
    interview = Interview.objects.filter(case=case, hit__isnull=False).select_related("hit").first()
    return interview.hit.created_at if interview is not None and interview.hit else None


def identification_refer(
    *,
    actor: User,
    case: Case,
    competent_authority: Agency,
    summary: str,
    request: HttpRequest | None = None,
) -> Identification:
    """Submit ``case`` to ``competent_authority`` for an identification decision: the
    first-stage decision falls due ``PALERMO_NRM_FIRST_STAGE_DAYS`` from today.

    Only the agency that owns the case submits it, only to an agency of a competent-authority
    kind, with the person's consent to sharing with that authority, and once at a time."""
    require_role(
        actor, NRM_REFERRING_ROLES, what=gettext_lazy("submit a case for an identification")
    )
    if case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can do this."))
    refuse_if_training(case, competent_authority)
    if not is_competent_authority(competent_authority):
        raise InputError(
            [
                problem(
                    where=gettext_lazy("identification"),
                    field="competent_authority",
                    value=competent_authority.name,
                    rule=gettext_lazy("is not a competent authority for identification"),
                )
            ]
        )
    text = _text("summary", summary, what=_("the grounds for the referral"))
    consent = sharing_consent(case=case, recipient=competent_authority)
    if consent is None:
        raise no_sharing_consent(competent_authority)
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if Identification.objects.filter(case=locked, state__in=_OPEN_STATES).exists():
            raise TransitionRefusedError(
                _("This case is already before a competent authority for a decision.")
            )
        identification = Identification.objects.create(
            case=locked,
            referring_agency_id=actor.agency_id,
            competent_authority=competent_authority,
            summary=text,
            referred_by=actor,
            referred_at=now,
            state=IdentificationState.AWAITING_FIRST_STAGE.value,
            due_on=_today() + timedelta(days=int(settings.NRM_FIRST_STAGE_DAYS)),
            hit_at=_hit_time(locked),
            updated_at=now,
        )
        case_event_add(
            actor=actor,
            case=locked,
            kind=CaseEventKind.NRM_REFERRED,
            agency=competent_authority.name,
            due=identification.due_on.isoformat() if identification.due_on else "",
        )
        _tell_authority(
            actor, identification, gettext_lazy("the first-stage identification decision"), request
        )
        audit_record(
            actor=actor,
            action=AuditAction.SHARE,
            obj=identification,
            fields=["summary"],
            purpose="referred for an identification decision",
            request=request,
            detail={"case": locked.reference, "to_agency": competent_authority.pk},
        )
    return identification


def _tell_authority(
    actor: User, identification: Identification, task: str | Promise, request: HttpRequest | None
) -> None:
    """Notify the competent authority's decision makers that a decision is due."""
    notification_send(
        actor=actor,
        kind=NotificationKind.CASE_TASK_DUE,
        agency=identification.competent_authority,
        roles=NRM_DECISION_ROLES,
        about=identification,
        url=reverse("nrm:detail", kwargs={"pk": identification.pk}),
        params={
            "reference": identification.case.reference,
            "task": task,
            "due": identification.due_on.isoformat() if identification.due_on else "",
        },
        request=request,
    )


def _tell_referrer(
    actor: User, identification: Identification, decision: Decision, request: HttpRequest | None
) -> None:
    """Notify the referring agency of a decision on its case."""
    notification_send(
        actor=actor,
        kind=NotificationKind.NRM_DECISION,
        agency=identification.referring_agency,
        roles=NRM_REFERRING_ROLES,
        about=identification,
        url=reverse("nrm:detail", kwargs={"pk": identification.pk}),
        params={
            "authority": identification.competent_authority.name,
            "reference": identification.case.reference,
            "stage": gettext_lazy("first-stage decision")
            if decision.stage == Stage.FIRST.value
            else gettext_lazy("conclusive decision"),
            "result": gettext_lazy("grounds found")
            if decision.positive
            else gettext_lazy("no grounds found"),
        },
        request=request,
    )


def _require_authority(actor: User, identification: Identification) -> None:
    require_role(actor, NRM_DECISION_ROLES, what=gettext_lazy("record identification decisions"))
    if actor.agency_id != identification.competent_authority_id or not is_competent_authority(
        actor.agency
    ):
        raise NotPermittedError(
            _("Only the competent authority the case was referred to records its decisions.")
        )


def _stage_due(
    identification: Identification,
) -> tuple[Stage | None, ReconsiderationRequest | None]:
    """Which stage's decision is due now, and the request it answers (if any)."""
    state = IdentificationState(identification.state)
    if state is IdentificationState.AWAITING_FIRST_STAGE:
        return Stage.FIRST, None
    if state is IdentificationState.RECOVERY:
        return Stage.CONCLUSIVE, None
    if state is IdentificationState.RECONSIDERATION:
        pending = (
            identification.reconsiderations.filter(answer__isnull=True)
            .select_related("decision")
            .order_by("-requested_at")
            .first()
        )
        if pending is not None:
            return Stage(pending.decision.stage), pending
    return None, None


def stage_due(identification: Identification) -> Stage | None:
    """The stage whose decision is due now (``None``: nothing is due)."""
    return _stage_due(identification)[0]


def _after_decision(locked: Identification, stage: Stage, positive: bool, today: date) -> None:
    """The clock after a decision: a positive first stage starts the recovery period and the
    conclusive decision falls due at its end; any other decision leaves nothing due."""
    if stage is Stage.FIRST and positive:
        locked.state = IdentificationState.RECOVERY.value
        locked.recovery_starts_on = today
        locked.recovery_ends_on = today + timedelta(days=recovery_days())
        locked.due_on = locked.recovery_ends_on
    elif stage is Stage.FIRST:
        locked.state = IdentificationState.NEGATIVE_FIRST_STAGE.value
        locked.due_on = None
    else:
        locked.state = (
            IdentificationState.CONCLUDED_POSITIVE
            if positive
            else IdentificationState.CONCLUDED_NEGATIVE
        ).value
        locked.due_on = None


def identification_decide(
    *,
    actor: User,
    identification: Identification,
    stage: Stage | str,
    positive: bool,
    reasons: str,
    request: HttpRequest | None = None,
) -> Decision:
    """Record the competent authority's decision at ``stage`` (the one due now), with its
    reasons. A positive first-stage decision starts the recovery and reflection period
    (``PALERMO_NRM_RECOVERY_DAYS``, at least 30) and makes the conclusive decision due at its
    end; a decision answering a request for reconsideration replaces none: both stay."""
    _require_authority(actor, identification)
    text = _text("reasons", reasons, what=_("the reasons for the decision"))
    with transaction.atomic():
        locked = Identification.objects.select_for_update().get(pk=identification.pk)
        due, pending = _stage_due(locked)
        if due is None:
            raise TransitionRefusedError(_("No decision is due for this case."))
        if str(stage) != due.value:
            raise TransitionRefusedError(
                _("The decision due now is the %(stage)s.")
                % {
                    "stage": _("first-stage decision")
                    if due is Stage.FIRST
                    else _("conclusive decision")
                }
            )
        now = timezone.now()
        decision = Decision.objects.create(
            identification=locked,
            stage=due.value,
            positive=positive,
            reasons=text,
            decided_by=actor,
            decided_at=now,
            answers=pending,
        )
        _after_decision(locked, due, positive, timezone.localdate(now))
        if due is Stage.FIRST and locked.first_stage_at is None:
            locked.first_stage_at = now
        if due is Stage.CONCLUSIVE and locked.conclusive_at is None:
            locked.conclusive_at = now
        locked.updated_at = now
        locked.save(
            update_fields=[
                "state",
                "due_on",
                "recovery_starts_on",
                "recovery_ends_on",
                "first_stage_at",
                "conclusive_at",
                "updated_at",
            ]
        )
        _tell_referrer(actor, locked, decision, request)
        case_event_add(
            actor=actor,
            case=locked.case,
            kind=CaseEventKind.NRM_DECISION,
            agency=locked.competent_authority.name,
            stage=due.value,
            positive=positive,
            reconsideration=pending is not None,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=decision,
            fields=["reasons"],
            purpose="identification decision",
            request=request,
            detail={
                "identification": locked.pk,
                "stage": due.value,
                "positive": positive,
                "reconsideration": pending.pk if pending is not None else None,
            },
        )
    identification.refresh_from_db()
    return decision


def identification_reconsideration_request(
    *,
    actor: User,
    identification: Identification,
    reason: str,
    request: HttpRequest | None = None,
) -> ReconsiderationRequest:
    """Record a request (by the person through the referring agency, or received by the
    authority) to reconsider the last decision that found no grounds; a new decision at the
    same stage falls due in ``PALERMO_NRM_RECONSIDERATION_DAYS``."""
    require_role(actor, NRM_ROLES, what=gettext_lazy("ask for a reconsideration"))
    if actor.agency_id not in {
        identification.referring_agency_id,
        identification.competent_authority_id,
    }:
        raise NotPermittedError(_("Only the referring agency or the competent authority can."))
    text = _text("reason", reason, what=_("why reconsideration is asked for"))
    with transaction.atomic():
        locked = Identification.objects.select_for_update().get(pk=identification.pk)
        if IdentificationState(locked.state) not in _RECONSIDERABLE:
            raise TransitionRefusedError(
                _("Reconsideration is asked for a decision that found no grounds.")
            )
        last = locked.decisions.order_by("-decided_at", "-id").first()
        if last is None:  # a negative state always has its decision
            raise TransitionRefusedError(_("No decision to reconsider."))
        now = timezone.now()
        asked = ReconsiderationRequest.objects.create(
            identification=locked,
            decision=last,
            reason=text,
            requested_by=actor,
            requested_at=now,
            due_on=timezone.localdate(now) + timedelta(days=int(settings.NRM_RECONSIDERATION_DAYS)),
        )
        locked.state = IdentificationState.RECONSIDERATION.value
        locked.due_on = asked.due_on
        locked.updated_at = now
        locked.save(update_fields=["state", "due_on", "updated_at"])
        _tell_authority(
            actor,
            locked,
            gettext_lazy("a new decision after a request for reconsideration"),
            request,
        )
        case_event_add(
            actor=actor,
            case=locked.case,
            kind=CaseEventKind.NRM_RECONSIDERATION,
            agency=locked.competent_authority.name,
            stage=last.stage,
            due=asked.due_on.isoformat(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=asked,
            fields=["reason"],
            purpose="reconsideration requested",
            request=request,
            detail={"identification": locked.pk, "decision": last.pk},
        )
    identification.refresh_from_db()
    return asked


# what is overdue, per state in which a decision is due
_OVERDUE_TASK: dict[IdentificationState, Promise] = {
    IdentificationState.AWAITING_FIRST_STAGE: gettext_lazy("the first-stage decision"),
    IdentificationState.RECOVERY: gettext_lazy(
        "the conclusive decision (the recovery and reflection period has ended)"
    ),
    IdentificationState.RECONSIDERATION: gettext_lazy(
        "the new decision after a request for reconsideration"
    ),
}


def identifications_overdue_notify(*, now: datetime | None = None) -> list[int]:
    """Every identification whose decision was due before today (the first-stage deadline,
    the end of the recovery and reflection period, a reconsideration's deadline) and is not
    recorded: the competent authority's decision makers and the referring agency are told,
    once per deadline (a new deadline is told again). The identifications told (the scheduled
    task's report)."""
    today = timezone.localdate(now or timezone.now())
    candidates = Identification.objects.filter(
        state__in=[s.value for s in DUE_STATES], due_on__lt=today
    ).values_list("pk", flat=True)
    told: list[int] = []
    for pk in list(candidates):
        with transaction.atomic():
            locked = (
                Identification.objects.select_for_update(of=("self",))
                .select_related("case", "competent_authority", "referring_agency")
                .get(pk=pk)
            )
            state = IdentificationState(locked.state)
            if state not in DUE_STATES or locked.due_on is None or locked.due_on >= today:
                continue
            if locked.overdue_told_on == locked.due_on:
                continue
            locked.overdue_told_on = locked.due_on
            locked.save(update_fields=["overdue_told_on"])
            audit_record(
                actor=None,
                actor_label="scheduled task",
                action=AuditAction.UPDATE,
                obj=locked,
                fields=["overdue_told_on"],
                purpose="identification decision overdue",
                detail={"case": locked.case.reference, "due": locked.due_on.isoformat()},
            )
            params: dict[str, str | Promise] = {
                "reference": locked.case.reference,
                "task": _OVERDUE_TASK[state],
                "due": locked.due_on.isoformat(),
                "authority": locked.competent_authority.name,
            }
            url = reverse("nrm:detail", kwargs={"pk": locked.pk})
            for agency, roles in (
                (locked.competent_authority, NRM_DECISION_ROLES),
                (locked.referring_agency, NRM_REFERRING_ROLES),
            ):
                notification_send(
                    actor=None,
                    kind=NotificationKind.NRM_OVERDUE,
                    agency=agency,
                    roles=roles,
                    about=locked,
                    url=url,
                    params=params,
                )
        told.append(pk)
    return told
