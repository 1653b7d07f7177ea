"""Reads of the training academy. Trainers see their agency's courses and cohorts (another
agency's: 404); a trainee sees only their own enrolments."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from palermo.indicators.assessment import Outcome
from palermo.records.schema import INPUT_FIELDS, derive
from palermo.training.scenario import Disposition, Referral
from palermo.training.scoring import Conduct, ExerciseAnswer, Interpreter
from palermo.web.academy.models import (
    Cohort,
    Course,
    Enrolment,
    Exercise,
    ExerciseResult,
    KnowledgeTestAttempt,
)
from palermo.web.accounts.models import User
from palermo.web.cases.models import Case
from palermo.web.interviews.models import Interview, InterviewKind
from palermo.web.interviews.steps import as_answers, instrument, stored
from palermo.web.lib.roles import ACADEMY_ROLES, ACADEMY_TRAINER_ROLES, AgencyKind, has_role
from palermo.web.lib.training import in_training
from palermo.web.nrm.models import Identification
from palermo.web.referrals.models import Referral as CaseReferral
from palermo.web.screening.models import DispositionKind, Hit, Traveller
from palermo.web.screening.selectors import traveller_record


def course_list(*, user: User) -> QuerySet[Course]:
    if not has_role(user, ACADEMY_TRAINER_ROLES):
        return Course.objects.none()
    return Course.objects.filter(agency_id=user.agency_id)


def course_get(*, user: User, pk: int) -> Course:
    found = course_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def cohort_list(*, user: User) -> QuerySet[Cohort]:
    if not has_role(user, ACADEMY_TRAINER_ROLES):
        return Cohort.objects.none()
    return Cohort.objects.filter(agency_id=user.agency_id).select_related("course")


def cohort_get(*, user: User, pk: int) -> Cohort:
    found = cohort_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def enrolment_list(*, user: User) -> QuerySet[Enrolment]:
    """The user's own enrolments, newest cohort first."""
    if not has_role(user, ACADEMY_ROLES):
        return Enrolment.objects.none()
    return (
        Enrolment.objects.filter(trainee=user)
        .select_related("cohort", "cohort__course")
        .order_by("-cohort__starts_on", "-pk")
    )


def enrolment_get(*, user: User, pk: int) -> Enrolment:
    found = enrolment_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def cohort_results(
    *, user: User, cohort: Cohort
) -> tuple[list[Enrolment], list[KnowledgeTestAttempt], list[ExerciseResult]]:
    """A cohort's enrolments, tests and exercises, for its trainer's dashboard."""
    cohort = cohort_get(user=user, pk=cohort.pk)
    enrolments = list(cohort.enrolments.all())
    tests = list(KnowledgeTestAttempt.objects.filter(enrolment__cohort=cohort))
    exercises = list(ExerciseResult.objects.filter(enrolment__cohort=cohort))
    return enrolments, tests, exercises


def exercise_list(*, user: User) -> QuerySet[Exercise]:
    """The user's own practice exercises, newest first."""
    if not has_role(user, ACADEMY_ROLES):
        return Exercise.objects.none()
    return Exercise.objects.filter(enrolment__trainee=user).select_related(
        "enrolment", "result", "enrolment__cohort"
    )


def exercise_get(*, user: User, pk: int) -> Exercise:
    """One of the user's own exercises (404 for anyone else's)."""
    found = exercise_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def exercise_for_record(*, user: User, record_id: str) -> Exercise | None:
    """The open exercise of ``user`` whose scenario traveller has ``record_id`` (what the
    interview pages ask to show the scenario person's replies); only in a training agency."""
    if not record_id or not in_training(user):
        return None
    return exercise_list(user=user).filter(record_id=record_id, result__isnull=True).first()


def exercise_result_get(*, user: User, pk: int) -> ExerciseResult:
    """A scored exercise: the trainee's own, or one of a cohort of the trainer's agency."""
    rows = ExerciseResult.objects.select_related("enrolment", "enrolment__cohort")
    if has_role(user, ACADEMY_TRAINER_ROLES):
        found = rows.filter(pk=pk, enrolment__cohort__agency_id=user.agency_id).first()
    elif has_role(user, ACADEMY_ROLES):
        found = rows.filter(pk=pk, enrolment__trainee=user).first()
    else:
        found = None
    if found is None:
        raise Http404
    return found


# The directory's services a referral of the real pages goes to, as the scenario's referrals.
SERVICE_REFERRALS: dict[str, Referral] = {
    "shelter": Referral.SHELTER,
    "medical": Referral.HEALTH,
    "legal_aid": Referral.LEGAL_AID,
    "child_protection": Referral.CHILD_PROTECTION,
    "labour_inspection": Referral.LABOUR_INSPECTION,
}
# A first-line item of the screen is a record field; a disposition names its BRD observable.
_ITEM_OF_OBSERVABLE = {s.observation: name for name, s in INPUT_FIELDS.items() if s.observation}


def _observed(record: dict[str, Any], hits: list[Hit]) -> frozenset[str]:
    """The first-line items the trainee noted: ticked at the desk or named in a disposition."""
    seen = {name for name in _ITEM_OF_OBSERVABLE.values() if record.get(name) is True}
    for hit in hits:
        d = getattr(hit, "disposition", None)
        if d is not None:
            seen.update(_ITEM_OF_OBSERVABLE[o] for o in d.observed if o in _ITEM_OF_OBSERVABLE)
    return frozenset(seen)


def _disposition(hits: list[Hit], minor: bool) -> Disposition | None:
    """The desk's dispositions as the scenario's: a referral to the second line offers the
    interview (a child's, or one whose age is in doubt, goes the child path); no action or
    first-line questions only let the person go on. Nothing disposed of: none."""
    decided = [d for h in hits if (d := getattr(h, "disposition", None)) is not None]
    referred = [d for d in decided if d.kind == DispositionKind.REFERRED]
    if referred:
        child = minor or any(d.age_in_doubt for d in referred)
        return Disposition.CHILD_PROTECTION if child else Disposition.OFFER_INTERVIEW
    return Disposition.NO_FURTHER_ACTION if decided else None


def _referrals(case: Case | None) -> set[Referral]:
    if case is None:
        return set()
    made: set[Referral] = set()
    for r in CaseReferral.objects.filter(case=case).select_related("recipient"):
        if r.recipient.kind == AgencyKind.ANTI_TRAFFICKING:
            made.add(Referral.NRM)
        elif r.service in SERVICE_REFERRALS:
            made.add(SERVICE_REFERRALS[r.service])
    if Identification.objects.filter(case=case).exists():
        made.add(Referral.NRM)
    return made


def _said(exercise: Exercise) -> set[Referral]:
    said: set[Referral] = set()
    if exercise.gave_information:
        said.add(Referral.HELP_INFORMATION)
    if exercise.asylum_information:
        said.add(Referral.ASYLUM)
    return said


def _interview_part(
    exercise: Exercise, interview: Interview | None
) -> tuple[Conduct, dict[str, Any], Outcome | None]:
    if interview is None:
        return Conduct(), {}, None
    inst = instrument(interview.instrument_id)
    doc = stored(interview.answers)
    consent = all(doc["consent"].get(c.id) is True for c in inst.consent if c.required)
    conduct = Conduct(
        interviewed=True,
        consent_first=consent,  # the pages ask nothing before the consent is given
        private=exercise.private,
        interpreter=Interpreter(exercise.interpreter or Interpreter.NONE.value),
        child_path=interview.instrument_id == "second-line-child",
    )
    values = dict(as_answers(inst, doc, "en").values)
    outcome = interview.outcome if interview.outcome in Outcome.__members__.values() else None
    return conduct, values, Outcome(outcome) if outcome else None


def exercise_answer(*, user: User, exercise: Exercise) -> ExerciseAnswer:
    """What the trainee did on the real pages with the exercise's scenario traveller, read in
    their own (training) agency: what they noted at the desk and in the disposition, the
    disposition, the second-line interview (its answers, consent, the child path; privacy and
    interpreter as they state them on finishing), the assessment, and the referrals of the case
    opened from it (a referral to an anti-trafficking office or an identification submitted
    is the national referral mechanism)."""
    exercise = exercise_get(user=user, pk=exercise.pk)
    traveller = (
        Traveller.objects.filter(agency_id=user.agency_id, record_id=exercise.record_id)
        .order_by("-screened_at", "-pk")
        .first()
    )
    if traveller is None or not in_training(user):
        return ExerciseAnswer(referrals=frozenset(_said(exercise)))
    hits = list(Hit.objects.filter(traveller=traveller).select_related("disposition"))
    record = traveller_record(traveller)
    interview = (
        Interview.objects.filter(
            agency_id=user.agency_id, hit__traveller=traveller, kind=InterviewKind.SECOND_LINE
        )
        .order_by("-started_at", "-pk")
        .first()
    )
    conduct, values, outcome = _interview_part(exercise, interview)
    case = interview.case if interview is not None else None
    return ExerciseAnswer(
        observed=_observed(record, hits),
        disposition=_disposition(hits, _minor(record)),
        conduct=conduct,
        interview=values,
        assessment=outcome,
        referrals=frozenset(_referrals(case) | _said(exercise)),
    )


def _minor(record: dict[str, Any]) -> bool:
    return bool(derive(record).get("is_minor"))
