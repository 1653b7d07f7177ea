"""What a certificate needs: the rule a trainee's results are held to.

A trainee earns the certificate of a course when the test after the course reached
``PALERMO_CERTIFICATE_PASS_PERCENT`` (70) and, when the course has practice scenarios, they
scored at least one exercise and the mean of their exercises reached the same mark. A simulated
trainee (no account) earns none. Each requirement not met is a ``Problem`` that says what is
missing, so the page and the command line can tell the trainee what to do next.

And what a certificate is needed for: the roles and qualifications of
``PALERMO_CERTIFICATE_REQUIRED_FOR`` are given only to a person holding a valid certificate of a
course that taught them (``covering_certificate``; ``administration.services`` asks through
``lib/certificate_rule.py``), unless an administrator records why not.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from palermo.errors import Problem
from palermo.web.academy.models import Enrolment, Phase
from palermo.web.certificates.models import Certificate
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


# What a course must have taught for its certificate to count for a role or qualification an
# administrator gives (``PALERMO_CERTIFICATE_REQUIRED_FOR``): the second-line interviewer's
# role needs a course with the interviewing module, the child-interview qualification one with
# the children module.
GRANT_MODULES: dict[str, str] = {
    "second_line_interviewer": "interviewing",
    "child_interview": "children",
}


def person_certificates(user: object) -> QuerySet[Certificate]:
    """The certificates of the person behind ``user``: issued to this account, or earned on a
    training account an administrator linked to it (``User.live_account``). Never another
    account's: a training account counts only for the live account it is linked to."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return Certificate.objects.none()
    return Certificate.objects.filter(Q(holder_id=pk) | Q(earned_by__live_account_id=pk))


def covering_certificate(
    user: object, grant: str, *, today: dt.date | None = None
) -> Certificate | None:
    """A certificate of ``user`` valid ``today`` (not revoked, not expired) of a course that
    taught what ``grant`` needs (``GRANT_MODULES``); the one valid longest, or none."""
    module = GRANT_MODULES.get(grant)
    if module is None:
        return None
    day = today or timezone.localdate()
    valid = (
        person_certificates(user)
        .filter(revoked_at__isnull=True, valid_until__gte=day)
        .select_related("enrolment__cohort__course")
        .order_by("-valid_until", "-pk")
    )
    for certificate in valid:
        if module in certificate.enrolment.cohort.course.module_keys:
            return certificate
    return None
