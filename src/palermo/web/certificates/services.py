"""Writes of training certificates: issued when earned (``rules.py``), revoked by a trainer
with a reason. Each write audited in its transaction."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.academy.models import Enrolment
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.certificates.codes import certificate_code, new_serial, sign
from palermo.web.certificates.models import Certificate
from palermo.web.certificates.rules import WHERE, unmet_requirements
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import ACADEMY_ROLES, ACADEMY_TRAINER_ROLES, has_role, require_role

_PURPOSE = "training certificate"


def _may_issue(actor: User, enrolment: Enrolment) -> bool:
    own = enrolment.trainee_id is not None and enrolment.trainee_id == actor.pk
    trainer = (
        has_role(actor, ACADEMY_TRAINER_ROLES) and enrolment.cohort.agency_id == actor.agency_id
    )
    return own or trainer


def certificate_issue(
    *,
    actor: User,
    enrolment: Enrolment,
    today: dt.date | None = None,
    request: HttpRequest | None = None,
) -> Certificate:
    """The certificate of ``enrolment``, once its trainee has earned it (asked by the trainee
    or by a trainer of the cohort's agency). Refused, naming every requirement still unmet;
    a second one for the same enrolment is refused. Earned on a training account that an
    administrator linked to a live account (``User.live_account``), it is issued to the live
    account, in its name (``earned_by`` keeps the training account)."""
    require_role(actor, ACADEMY_ROLES, what=gettext_lazy("receive a training certificate"))
    if not _may_issue(actor, enrolment):
        raise NotPermittedError(
            gettext_lazy("Only the trainee or a trainer of the cohort's agency asks for this.")
        )
    if Certificate.objects.filter(enrolment=enrolment).exists():
        raise TransitionRefusedError(gettext_lazy("This course's certificate was already issued."))
    unmet = unmet_requirements(enrolment)
    if unmet:
        raise InputError(unmet)
    trainee = enrolment.trainee
    assert trainee is not None  # unmet_requirements refuses a simulated trainee
    # earned on a training account linked to the person's live account: the person's
    holder = trainee.live_account or trainee
    course = enrolment.cohort.course
    issued = today or timezone.localdate()
    until = issued + dt.timedelta(days=settings.CERTIFICATE_VALID_DAYS)
    serial = new_serial()
    name = (holder.get_full_name() or holder.get_username())[:150]
    try:
        with transaction.atomic():
            Enrolment.objects.select_for_update().get(pk=enrolment.pk)
            certificate = Certificate.objects.create(
                enrolment=enrolment,
                holder=holder,
                earned_by=trainee,
                agency_id=enrolment.cohort.agency_id,
                serial=serial,
                signature=sign(
                    serial=serial,
                    holder_name=name,
                    title=course.title,
                    title_zh=course.title_zh,
                    issued=issued,
                    until=until,
                ),
                holder_name=name,
                course_title=course.title,
                course_title_zh=course.title_zh,
                issued_on=issued,
                valid_until=until,
                issued_by=actor,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=certificate,
                fields=["holder", "earned_by", "course_title", "issued_on", "valid_until"],
                purpose=_PURPOSE,
                request=request,
            )
    except IntegrityError:  # a second request for the same enrolment at the same moment
        raise TransitionRefusedError(
            gettext_lazy("This course's certificate was already issued.")
        ) from None
    return certificate


def certificate_revoke(
    *,
    actor: User,
    certificate: Certificate,
    reason: str,
    request: HttpRequest | None = None,
) -> Certificate:
    """A trainer of the issuing agency withdraws a certificate, saying why; from then on its
    code verifies as revoked. Never undone (a new course gives a new certificate)."""
    require_role(actor, ACADEMY_TRAINER_ROLES, what=gettext_lazy("revoke training certificates"))
    if certificate.agency_id != actor.agency_id:
        raise NotPermittedError(gettext_lazy("This certificate was issued by another agency."))
    if not reason.strip():
        raise InputError(
            [
                problem(
                    where=WHERE,
                    field="reason",
                    rule=gettext_lazy("say why the certificate is revoked"),
                )
            ]
        )
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise TransitionRefusedError(gettext_lazy("This certificate was already revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revoke_reason = reason.strip()[:2000]
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["revoked_at", "revoke_reason"],
            purpose=_PURPOSE,
            request=request,
        )
    return locked


def certificate_download_audit(
    *, actor: User, certificate: Certificate, request: HttpRequest | None = None
) -> None:
    """Record that a certificate's PDF (the holder's name) was downloaded."""
    require_role(actor, ACADEMY_ROLES, what=gettext_lazy("download a training certificate"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=certificate,
            fields=["holder_name", "course_title"],
            purpose=_PURPOSE,
            request=request,
        )


def certificate_reminders_send(*, today: dt.date | None = None) -> int:
    """The scheduled reminder: the holder of every certificate not revoked whose end is at most
    ``PALERMO_CERTIFICATE_REMINDER_DAYS`` away (or past) and who was not told yet is told once,
    with a link to the academy, to take a refresher. How many were told."""
    from django.urls import reverse

    from palermo.web.notifications.kinds import NotificationKind
    from palermo.web.notifications.services import notification_send

    day = today or timezone.localdate()
    horizon = day + dt.timedelta(days=settings.CERTIFICATE_REMINDER_DAYS)
    due = Certificate.objects.filter(
        revoked_at__isnull=True, reminded_at__isnull=True, valid_until__lte=horizon
    ).values_list("pk", flat=True)
    told = 0
    for pk in list(due):
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().get(pk=pk)
            if certificate.reminded_at is not None:  # another worker was first
                continue
            notification_send(
                actor=None,
                kind=NotificationKind.CERTIFICATE_EXPIRING,
                recipient=certificate.holder,
                about=certificate,
                url=reverse("academy:index"),
                params={
                    "code": certificate_code(certificate),
                    "until": certificate.valid_until.isoformat(),
                },
            )
            certificate.reminded_at = timezone.now()
            certificate.save(update_fields=["reminded_at"])
            told += 1
    return told
