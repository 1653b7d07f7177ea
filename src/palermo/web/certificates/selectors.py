"""Reads of training certificates: a holder sees their own; a trainer sees those their agency
issued (another agency's: 404). The public check of a code is ``codes.certificate_verify``."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from palermo.web.academy.models import Cohort
from palermo.web.academy.selectors import cohort_get
from palermo.web.accounts.models import User
from palermo.web.certificates.models import Certificate
from palermo.web.lib.roles import ACADEMY_ROLES, ACADEMY_TRAINER_ROLES, has_role


def certificate_list(*, user: User) -> QuerySet[Certificate]:
    """The user's own certificates, newest first."""
    if not has_role(user, ACADEMY_ROLES):
        return Certificate.objects.none()
    return Certificate.objects.filter(holder=user)


def certificate_get(*, user: User, pk: int) -> Certificate:
    """A certificate its holder or a trainer of the issuing agency may open."""
    if not has_role(user, ACADEMY_ROLES):
        raise Http404
    mine = Q(holder=user)
    if has_role(user, ACADEMY_TRAINER_ROLES):
        mine |= Q(agency_id=user.agency_id)
    found = Certificate.objects.filter(mine, pk=pk).first()
    if found is None:
        raise Http404
    return found


def cohort_certificates(*, user: User, cohort: Cohort) -> dict[int, Certificate]:
    """The certificates of a cohort's trainees by enrolment, for its trainer."""
    cohort = cohort_get(user=user, pk=cohort.pk)
    return {
        c.enrolment_id: c
        for c in Certificate.objects.filter(enrolment__cohort=cohort).select_related("revoked_by")
    }
