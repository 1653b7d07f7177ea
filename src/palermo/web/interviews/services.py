"""Writes of interviews: start (optionally from a referred hit), save a step's answers as the
interviewer goes, assess, and open a case from a possible or presumed-victim outcome (through
``cases.services.case_open``). Each write is one transaction with its audit entry."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.indicators.answers import asked
from palermo.indicators.assessment import Outcome, indicators_found
from palermo.indicators.catalogue import load_catalogue
from palermo.records.schema import derive
from palermo.web.accounts.models import QualificationKind, User, qualification_held
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case, VictimOutcome
from palermo.web.cases.services import case_open
from palermo.web.children.models import AgeAssessment, AgeConclusion
from palermo.web.children.services import child_protection_open
from palermo.web.interviews.models import Interview, InterviewKind, InterviewStatus
from palermo.web.interviews.steps import (
    CHILD_INSTRUMENT,
    FIRST_LINE_INSTRUMENT,
    SECOND_LINE_INSTRUMENTS,
    as_answers,
    assess_saved_answers,
    instrument,
    stored,
    to_json_value,
    to_value,
)
from palermo.web.lib.errors import EditConflictError, NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import FIRST_LINE_ROLES, SECOND_LINE_ROLES, require_role
from palermo.web.screening.forms import record_from_json
from palermo.web.screening.models import DispositionKind, Hit
from palermo.web.screening.services import hit_dispose

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CASE_OUTCOMES = {
    Outcome.PRESUMED.value: VictimOutcome.PRESUMED,
    Outcome.POSSIBLE.value: VictimOutcome.POSSIBLE,
}


def _reference() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"I-{body[:4]}-{body[4:]}"


def roles_for(kind: str) -> frozenset[Any]:
    return FIRST_LINE_ROLES if kind == InterviewKind.FIRST_LINE.value else SECOND_LINE_ROLES


def _require(actor: User, kind: str, instrument_id: str = "") -> None:
    require_role(actor, roles_for(kind), what=_("run this instrument"))
    if instrument_id == CHILD_INSTRUMENT and not qualification_held(
        actor, QualificationKind.CHILD_INTERVIEW
    ):
        raise NotPermittedError(
            _(
                "Only an officer holding the child-interview qualification interviews a "
                "child. Ask a qualified colleague; an administrator grants the qualification."
            )
        )


def _record_says_minor(hit: Hit) -> bool:
    """Whether the screened record's date of birth makes the traveller under 18 at travel."""
    try:
        record = record_from_json(hit.traveller.record)
    except (ValueError, InputError):  # a record masked after retention: no date of birth
        return False
    return bool(derive(record).get("is_minor"))


def assessed_adult(hit: Hit) -> bool:
    """Whether an age assessment on a case opened for this hit's traveller concluded "18 or
    over" (the latest one counts)."""
    cases = Interview.objects.filter(hit=hit, case__isnull=False).values("case")
    latest = AgeAssessment.objects.filter(case__in=cases).order_by("-recorded_at", "-id").first()
    return latest is not None and latest.conclusion == AgeConclusion.ADULT


def presumed_child(hit: Hit | None, *, age_in_doubt: bool) -> bool:
    """Treated as a child: the age is in doubt (said now, or at the desk), or the record says
    under 18 - until an age assessment concludes "18 or over"."""
    doubt = age_in_doubt or (hit is not None and _hit_age_in_doubt(hit))
    minor = hit is not None and _record_says_minor(hit)
    if not (doubt or minor):
        return False
    return hit is None or not assessed_adult(hit)


def _hit_age_in_doubt(hit: Hit) -> bool:
    disposition = getattr(hit, "disposition", None)
    return bool(getattr(disposition, "age_in_doubt", False))


def _require_agency(actor: User, interview: Interview) -> None:
    if interview.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that runs the interview can do this."))


def interview_start(
    *,
    actor: User,
    instrument_id: str,
    hit: Hit | None = None,
    age_in_doubt: bool = False,
    request: HttpRequest | None = None,
) -> Interview:
    """Start the first-line screen or a second-line interview (adult or child).

    A person whose age is in doubt (``age_in_doubt``, or marked at the desk) or whose record
    says under 18 is presumed a child: the adult interview is refused until an age assessment
    on their case concludes "18 or over". The child interview needs the child-interview
    qualification."""
    if instrument_id == FIRST_LINE_INSTRUMENT:
        kind = InterviewKind.FIRST_LINE.value
    elif instrument_id in SECOND_LINE_INSTRUMENTS:
        kind = InterviewKind.SECOND_LINE.value
    else:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("interview"),
                    field="instrument",
                    value=instrument_id,
                    rule=gettext_lazy("unknown instrument"),
                )
            ]
        )
    _require(actor, kind, instrument_id)
    if hit is not None and hit.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that screened the traveller can do this."))
    inst = instrument(instrument_id)
    child_presumed = kind == InterviewKind.SECOND_LINE.value and presumed_child(
        hit, age_in_doubt=age_in_doubt
    )
    if child_presumed and inst.population != "child":
        raise TransitionRefusedError(
            _(
                "The person may be under 18 (their age is in doubt, or their record says so): "
                "they are treated as a child until an age assessment concludes otherwise. "
                "Start the child interview."
            )
        )
    now = timezone.now()
    with transaction.atomic():
        interview = Interview.objects.create(
            reference=_reference(),
            agency_id=actor.agency_id,
            kind=kind,
            instrument_id=inst.id,
            instrument_version=inst.version,
            hit=hit,
            started_by=actor,
            started_at=now,
            updated_at=now,
            status=InterviewStatus.IN_PROGRESS.value,
            answers=json.dumps({"consent": {}, "answers": {}}),
            age_in_doubt=inst.population == "child"
            and (age_in_doubt or (hit is not None and _hit_age_in_doubt(hit))),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=interview,
            purpose="interview started",
            request=request,
            detail={
                "instrument": inst.id,
                "hit": hit.pk if hit else None,
                "age_in_doubt": age_in_doubt,
            },
        )
    return interview


def interview_save(
    *,
    actor: User,
    interview: Interview,
    consent: Mapping[str, bool] | None = None,
    answers: Mapping[str, Any] | None = None,
    revision: int | None = None,
    submit: bool = False,
    request: HttpRequest | None = None,
) -> Interview:
    """Save the answers of one step (raw posted values) as the interviewer goes.

    A changed answer makes an earlier assessment stale: it is cleared until assessed again.
    ``revision``: the interview's ``revision`` the step's page was drawn with. ``submit``: the
    step's button was pressed (the revision goes up by one). A save as one goes (not
    ``submit``) from a page drawn before the latest submit is refused with
    ``EditConflictError``: it was sent before the submit, reached the server after it, and
    would otherwise overwrite what was submitted.
    """
    _require(actor, interview.kind, interview.instrument_id)
    _require_agency(actor, interview)
    if interview.case_id is not None:
        raise TransitionRefusedError(_("A case was opened from this interview; it is closed."))
    inst = instrument(interview.instrument_id)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        if not submit and revision is not None and revision < locked.revision:
            raise EditConflictError(
                _(
                    "These answers were sent before the step was submitted, and arrived after "
                    "it: they were not saved, so that they do not undo what was submitted. "
                    "The form now shows the answers as saved; change them again if you need to."
                )
            )
        doc = stored(locked.answers)
        known_consent = {c.id for c in inst.consent}
        for key, given in (consent or {}).items():
            if key in known_consent:
                doc["consent"][key] = bool(given)
        for qid, raw in (answers or {}).items():
            question = inst.question(qid)
            value = to_value(question, raw)
            if value is None:
                doc["answers"].pop(qid, None)
            else:
                doc["answers"][qid] = to_json_value(value)
        # the same checks as an answer file; answers the skip logic no longer asks are dropped
        is_asked = asked(inst, as_answers(inst, doc, "en"))
        doc["answers"] = {q: v for q, v in doc["answers"].items() if is_asked.get(q, False)}
        locked.answers = json.dumps(doc)
        locked.updated_at = timezone.now()
        locked.status = InterviewStatus.IN_PROGRESS.value
        locked.result = ""
        locked.outcome = ""
        fields = ["answers", "updated_at", "status", "result", "outcome"]
        if submit:
            locked.revision += 1
            fields.append("revision")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=sorted({*(consent or {}), *(answers or {})}),
            purpose="interview answers",
            request=request,
        )
    return locked


def interview_assess(
    *, actor: User, interview: Interview, language: str, request: HttpRequest | None = None
) -> dict[str, Any]:
    """Assess the saved answers (second line) or apply the screen's cut-off (first line), keep
    the result on the interview and return it. The outcome is advice for the interviewer.

    Only a deliberate action (the last step's submit, or the page's "Assess" button: a POST)
    stores an assessment; showing the result page never does.
    """
    _require(actor, interview.kind, interview.instrument_id)
    _require_agency(actor, interview)
    if interview.case_id is not None:
        raise TransitionRefusedError(_("A case was opened from this interview; it is closed."))
    result, outcome = assess_saved_answers(
        interview.instrument_id, interview.answers, language, age_in_doubt=interview.age_in_doubt
    )
    with transaction.atomic():
        interview.result = json.dumps(result, ensure_ascii=False)
        interview.outcome = outcome
        interview.status = InterviewStatus.COMPLETED.value
        interview.updated_at = timezone.now()
        interview.save(update_fields=["result", "outcome", "status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=interview,
            fields=["result", "outcome"],
            purpose="interview assessed",
            request=request,
            detail={"outcome": outcome},
        )
    return result


def _stored_result(interview: Interview) -> dict[str, Any]:
    try:
        result = json.loads(interview.result or "{}")
    except ValueError:
        return {}
    return result if isinstance(result, dict) else {}


def child_protection_reasons(interview: Interview) -> list[dict[str, str]]:
    """Why the stored assessment refers the child to child protection, in en/zh (empty:
    it does not)."""
    result = _stored_result(interview)
    if not result.get("child_protection_referral"):
        return []
    reasons = [r for r in result.get("child_protection_reasons", []) if isinstance(r, dict)]
    # an assessment stored before the reasons were recorded: exploitation indicators
    return reasons or [
        {
            "en": "exploitation indicators are present for a child",
            "zh": "儿童存在剥削指标",
        }
    ]


def interview_open_case(
    *,
    actor: User,
    interview: Interview,
    full_name: str,
    document_number: str = "",
    contact: str = "",
    note: str = "",
    accompanying_adult: str = "",
    area: str = "",
    language: str = "",
    consent: Mapping[str, bool] | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Open a case for the person interviewed, when the assessment says possible or presumed
    victim, or refers a child to child protection; the interview then points to the case.

    A child referred to child protection gets the referral with the case, automatically, with
    the assessment's reasons (``children.services.child_protection_open``). If the indicators
    were insufficient, the case is a child in need of protection - not a "possible victim":
    the child rule needs an act and exploitation, and "insufficient" means neither was shown.
    ``accompanying_adult``: the adult the child travelled with (never the guardian by
    default); ``area``, ``language``: where the child is and the language they speak, for the
    directory's routing of the referral; ``consent``: the child's consent checklist, when given
    with the case (recorded for assistance and for disclosure to the service routed to)."""
    _require(actor, InterviewKind.SECOND_LINE.value)
    _require_agency(actor, interview)
    outcome = CASE_OUTCOMES.get(interview.outcome)
    reasons = child_protection_reasons(interview)
    if reasons and outcome is None:
        outcome = VictimOutcome.CHILD_AT_RISK
    if interview.kind != InterviewKind.SECOND_LINE.value or outcome is None:
        raise TransitionRefusedError(
            _(
                "A case is opened from a second-line interview assessed as possible or "
                "presumed victim, or referring a child to child protection."
            )
        )
    if interview.case_id is not None:
        raise TransitionRefusedError(_("A case was already opened from this interview."))
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        if locked.case_id is not None:
            raise TransitionRefusedError(_("A case was already opened from this interview."))
        case = case_open(
            actor=actor,
            full_name=full_name,
            outcome=outcome,
            document_number=document_number,
            contact=contact,
            note=note,
            interview_ref=locked.reference,
            methods_of_control=load_catalogue().methods_of_control(
                indicators_found(_stored_result(locked))
            ),
            request=request,
        )
        if reasons:
            child_protection_open(
                actor=actor,
                case=case,
                reasons=reasons,
                age_in_doubt=locked.age_in_doubt,
                accompanying_adult=accompanying_adult,
                area=area,
                language=language,
                consent=consent,
                request=request,
            )
        locked.case = case
        locked.updated_at = timezone.now()
        locked.save(update_fields=["case", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["case"],
            purpose="case opened from interview",
            request=request,
            detail={"case": case.reference, "child_protection": bool(reasons)},
        )
    interview.case = case
    return case


def screen_refer(*, actor: User, interview: Interview, request: HttpRequest | None = None) -> None:
    """Refer the traveller whose hit the first-line screen started from to a second-line
    interview: the hit's disposition, with the screen as the reason and the border
    observations the officer recorded in the screen (never any they did not record)."""
    _require(actor, InterviewKind.FIRST_LINE.value)
    _require_agency(actor, interview)
    if interview.kind != InterviewKind.FIRST_LINE.value or interview.outcome != "offer_interview":
        raise TransitionRefusedError(
            _("Only a first-line screen that offers a private interview refers the traveller.")
        )
    if interview.hit is None:
        raise TransitionRefusedError(
            _(
                "This screen was not started from a traveller's hit: screen the traveller "
                "at the desk first."
            )
        )
    inst = instrument(interview.instrument_id)
    answers = stored(interview.answers)["answers"]
    observed = [
        q.observation for q in inst.questions if q.observation and answers.get(q.id) is True
    ]
    hit_dispose(
        actor=actor,
        hit=interview.hit,
        kind=DispositionKind.REFERRED,
        reason=_("First-line screen %(ref)s: offer a private second-line interview.")
        % {"ref": interview.reference},
        observed=observed,
        request=request,
    )
