"""Reads of training certificates: a holder sees their own; a trainer sees those their agency
issued (another agency's: 404). The public check of a code is ``codes.certificate_verify``."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from palermo.web.academy.models import Cohort
from palermo.web.academy.selectors import cohort_get
from palermo.web.accounts.models import User
from palermo.web.certificates.models import Certificate
from palermo.web.certificates.rules import person_certificates
from palermo.web.lib.roles import ACADEMY_ROLES, ACADEMY_TRAINER_ROLES, ADMIN_ROLES, has_role
from palermo.web.lib.training import same_world


def certificate_list(*, user: User) -> QuerySet[Certificate]:
    """The user's own certificates (held, or earned on this training account for the person's
    live account), newest first."""
    if not has_role(user, ACADEMY_ROLES):
        return Certificate.objects.none()
    return Certificate.objects.filter(Q(holder=user) | Q(earned_by=user))


def certificate_get(*, user: User, pk: int) -> Certificate:
    """A certificate its holder or a trainer of the issuing agency may open."""
    if not has_role(user, ACADEMY_ROLES):
        raise Http404
    mine = Q(holder=user) | Q(earned_by=user)
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


def account_certificates(*, user: User, account: User) -> QuerySet[Certificate]:
    """For an administrator's page of one account: the certificates of the person behind it
    (``rules.person_certificates``), which the certificate rule reads. An administrator of the
    account's agency, or of the national body (``PALERMO_NATIONAL_AGENCY``) in the same world
    (live or training); anyone else: 404."""
    if not has_role(user, ADMIN_ROLES):
        raise Http404
    own = account.agency_id == user.agency_id
    national = bool(settings.NATIONAL_AGENCY) and user.agency.code == settings.NATIONAL_AGENCY
    if not own and not (national and same_world(User.objects.filter(pk=account.pk), user)):
        raise Http404
    return person_certificates(account).select_related("earned_by").order_by("-issued_on", "-pk")
