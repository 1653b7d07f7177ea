"""What a certificate needs: the rule a trainee's results are held to.

A trainee earns the certificate of a course when the test after the course reached
``PALERMO_CERTIFICATE_PASS_PERCENT`` (70) and, when the course has practice scenarios, they
scored at least one exercise and the mean of their exercises reached the same mark. A simulated
trainee (no account) earns none. Each requirement not met is a ``Problem`` that says what is
missing, so the page and the command line can tell the trainee what to do next.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from palermo.errors import Problem
from palermo.web.academy.models import Enrolment, Phase
from palermo.web.lib.problems import problem

WHERE = gettext_lazy("training certificate")


def unmet_requirements(enrolment: Enrolment) -> list[Problem]:
    """What ``enrolment`` still lacks for its certificate (empty: it is earned)."""
    needed = settings.CERTIFICATE_PASS_PERCENT
    if enrolment.trainee_id is None:
        return [problem(where=WHERE, rule=gettext_lazy("a simulated trainee holds no certificate"))]
    found: list[Problem] = []
    post = enrolment.tests.filter(kind=Phase.POST).first()
    if post is None:
        found.append(
            problem(
                where=WHERE,
                field="post",
                rule=gettext_lazy("take the test after the course (%(needed)s%% passes)"),
                params={"needed": needed},
            )
        )
    elif post.percent < needed:
        found.append(
            problem(
                where=WHERE,
                field="post",
                value=round(post.percent, 1),
                rule=gettext_lazy(
                    "the test after the course reached %(percent)s%%; %(needed)s%% is needed"
                ),
                params={"percent": round(post.percent, 1), "needed": needed},
            )
        )
    if enrolment.cohort.course.scenario_ids:
        scores = list(enrolment.exercises.values_list("total", flat=True))
        if not scores:
            found.append(
                problem(
                    where=WHERE,
                    field="exercises",
                    rule=gettext_lazy("practise at least one scenario of the course"),
                )
            )
        elif sum(scores) / len(scores) < needed:
            mean = round(sum(scores) / len(scores), 1)
            found.append(
                problem(
                    where=WHERE,
                    field="exercises",
                    value=mean,
                    rule=gettext_lazy(
                        "the exercises scored %(mean)s of 100 on average; %(needed)s is needed"
                    ),
                    params={"mean": mean, "needed": needed},
                )
            )
    return found
