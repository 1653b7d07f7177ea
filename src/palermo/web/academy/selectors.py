"""Reads of the training academy. Trainers see their agency's courses and cohorts (another
agency's: 404); a trainee sees only their own enrolments."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from palermo.web.academy.models import (
    Cohort,
    Course,
    Enrolment,
    ExerciseResult,
    KnowledgeTestAttempt,
)
from palermo.web.accounts.models import User
from palermo.web.lib.roles import ACADEMY_ROLES, ACADEMY_TRAINER_ROLES, has_role


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
