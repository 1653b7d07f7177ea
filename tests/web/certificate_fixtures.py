"""A trainee who earned a certificate, for tests of the certificates app."""

from __future__ import annotations

from typing import Any

from academy_fixtures import a_cohort, a_course

from palermo.training.curated import curated_scenario
from palermo.training.questions import questions_for
from palermo.training.scoring import perfect_answer
from palermo.web.academy.models import Enrolment
from palermo.web.academy.services import enrolment_create, exercise_record, knowledge_test_take
from palermo.web.lib.roles import Role

SCENARIO = "lab-construction-passports"


def enrolled(test: Any, username: str = "alice") -> Enrolment:
    """``username`` enrolled in a cohort of agency A on a course with one scenario."""
    course = a_course(test, scenarios=[SCENARIO])
    return enrolment_create(
        actor=test.user_with_role(Role.TRAINER),
        cohort=a_cohort(test, course),
        username=username,
    )


def pass_course(test: Any, enrolment: Enrolment, *, right: bool = True) -> None:
    """The trainee's test after the course (every answer right, or every one wrong) and one
    perfect exercise."""
    trainee = enrolment.trainee
    questions = questions_for(enrolment.cohort.course.module_keys)
    chosen = {
        q.id: q.answer if right else next(o.id for o in q.options if o.id != q.answer)
        for q in questions
    }
    knowledge_test_take(actor=trainee, enrolment=enrolment, kind="post", chosen=chosen)
    scenario = curated_scenario(SCENARIO)
    exercise_record(
        actor=trainee, enrolment=enrolment, scenario=scenario, answer=perfect_answer(scenario)
    )
