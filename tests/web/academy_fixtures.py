"""Courses and cohorts for tests (and the permission matrix's URL examples)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from palermo.web.academy.models import Cohort, Course
from palermo.web.academy.services import cohort_create, course_create
from palermo.web.lib.roles import Role


def a_course(test: Any, **values: Any) -> Course:
    """A course of agency A built by its trainer."""
    row: dict[str, Any] = {
        "title": "First line",
        "title_zh": "第一线",
        "summary": "Signs at the desk.",
        "summary_zh": "柜台上的迹象。",
        "modules": ["observables", "rights", "children"],
        "scenarios": ["lab-construction-passports", "look-oneway-backpacker"],
    }
    row.update(values)
    return course_create(actor=test.user_with_role(Role.TRAINER), values=row)


def a_cohort(test: Any, course: Course | None = None) -> Cohort:
    return cohort_create(
        actor=test.user_with_role(Role.TRAINER),
        course=course or a_course(test),
        name="March intake",
        starts_on=dt.date(2026, 3, 2),
    )


def example_course(test: Any) -> Course:
    if not hasattr(test, "_example_course"):
        test._example_course = a_course(test)
    return test._example_course


def example_cohort(test: Any) -> Cohort:
    if not hasattr(test, "_example_cohort"):
        test._example_cohort = a_cohort(test, example_course(test))
    return test._example_cohort


ACADEMY_URL_EXAMPLES = {
    "academy:module": lambda t: {"key": "indicators"},
    "academy:course": lambda t: {"pk": example_course(t).pk},
    "academy:course_export": lambda t: {"pk": example_course(t).pk},
    "academy:cohort_create": lambda t: {"pk": example_course(t).pk},
    "academy:cohort_simulate": lambda t: {"pk": example_course(t).pk},
    "academy:cohort": lambda t: {"pk": example_cohort(t).pk},
    "academy:cohort_enrol": lambda t: {"pk": example_cohort(t).pk},
    "academy:cohort_session": lambda t: {"pk": example_cohort(t).pk},
    "academy:dashboard": lambda t: {"pk": example_cohort(t).pk},
}


# POST only: a GET is refused before the certificate is looked up
ACADEMY_URL_EXAMPLES["certificates:revoke"] = lambda t: {"pk": 1}
