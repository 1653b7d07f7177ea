"""What a notification says, per kind: the one table of messages (English source, Chinese in
the catalogue). A message names the object by its reference, never a person's data.

Adding a kind: a member of ``NotificationKind`` and its message in ``MESSAGES`` (placeholders
``%(name)s`` filled from the ``params`` given to ``notification_send``), then the Chinese in
``locale/zh_Hans``. ``notification_send`` refuses a kind without a message or params that do
not fill it.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class NotificationKind(StrEnum):
    REFERRAL_RECEIVED = "referral_received"
    REFERRAL_ACCEPTED = "referral_accepted"
    REFERRAL_DECLINED = "referral_declined"
    REFERRAL_COMPLETED = "referral_completed"
    REFERRAL_REVOKED = "referral_revoked"
    REFERRAL_OVERDUE = "referral_overdue"
    REFERRAL_OVERDUE_RECEIVER = "referral_overdue_receiver"
    # for any app: something on a case falls due (an NRM decision, a follow-up, a review)
    CASE_TASK_DUE = "case_task_due"
    # the competent authority recorded an identification decision (nrm app)
    NRM_DECISION = "nrm_decision"
    # an identification decision's deadline (or the recovery period's end) passed (nrm app)
    NRM_OVERDUE = "nrm_overdue"
    # a case given to a case worker (cases.services.case_assign)
    CASE_ASSIGNED = "case_assigned"
    # a training certificate's end is near (certificates app, daily)
    CERTIFICATE_EXPIRING = "certificate_expiring"
    # a risk profile's review date is near: its outcomes to its holders (outcomes app, daily)
    PROFILE_REVIEW_DUE = "profile_review_due"


MESSAGES: dict[NotificationKind, Promise] = {
    NotificationKind.REFERRAL_RECEIVED: _(
        "%(sender)s sent your agency referral %(reference)s (%(service)s). Please accept or "
        "decline it by %(due)s."
    ),
    NotificationKind.REFERRAL_ACCEPTED: _(
        "%(recipient)s accepted referral %(reference)s (%(service)s)."
    ),
    NotificationKind.REFERRAL_DECLINED: _(
        "%(recipient)s declined referral %(reference)s (%(service)s). Reason: %(reason)s"
    ),
    NotificationKind.REFERRAL_COMPLETED: _(
        "%(recipient)s recorded the service of referral %(reference)s (%(service)s) as delivered."
    ),
    NotificationKind.REFERRAL_REVOKED: _(
        "%(sender)s withdrew referral %(reference)s (%(service)s). Reason: %(reason)s"
    ),
    NotificationKind.REFERRAL_OVERDUE: _(
        "Referral %(reference)s to %(recipient)s (%(service)s) has had no answer since %(due)s. "
        "Please follow it up."
    ),
    NotificationKind.REFERRAL_OVERDUE_RECEIVER: _(
        "Referral %(reference)s from %(sender)s (%(service)s) was due for an answer by %(due)s."
    ),
    NotificationKind.CASE_TASK_DUE: _("Case %(reference)s: %(task)s is due by %(due)s."),
    NotificationKind.NRM_DECISION: _(
        "%(authority)s recorded the %(stage)s on case %(reference)s: %(result)s."
    ),
    NotificationKind.CASE_ASSIGNED: _("%(by)s assigned case %(reference)s to you."),
    NotificationKind.NRM_OVERDUE: _(
        "Case %(reference)s: %(task)s was due by %(due)s at %(authority)s and is not recorded."
    ),
    NotificationKind.CERTIFICATE_EXPIRING: _(
        "Your training certificate %(code)s is valid until %(until)s. Take a refresher course "
        "before then to stay certified."
    ),
    NotificationKind.PROFILE_REVIEW_DUE: _(
        "Risk profile %(profile)s version %(version)s is due for review by %(due)s. Since "
        "%(since)s: %(hits)s hits, %(second_line)s sent to second line, %(victims)s possible or "
        "presumed victims per 100 flagged, %(minutes)s minutes per hit, a yield of %(yield)s per "
        "100,000 screened.%(floor)s"
    ),
}

KIND_LABELS: dict[NotificationKind, Promise] = {
    NotificationKind.REFERRAL_RECEIVED: _("Referral received"),
    NotificationKind.REFERRAL_ACCEPTED: _("Referral accepted"),
    NotificationKind.REFERRAL_DECLINED: _("Referral declined"),
    NotificationKind.REFERRAL_COMPLETED: _("Referral completed"),
    NotificationKind.REFERRAL_REVOKED: _("Referral withdrawn"),
    NotificationKind.REFERRAL_OVERDUE: _("Referral overdue"),
    NotificationKind.REFERRAL_OVERDUE_RECEIVER: _("Referral overdue"),
    NotificationKind.CASE_TASK_DUE: _("Task due"),
    NotificationKind.NRM_DECISION: _("Identification decision"),
    NotificationKind.CASE_ASSIGNED: _("Case assigned to you"),
    NotificationKind.NRM_OVERDUE: _("Identification decision overdue"),
    NotificationKind.CERTIFICATE_EXPIRING: _("Certificate ending soon"),
    NotificationKind.PROFILE_REVIEW_DUE: _("Profile review due"),
}
