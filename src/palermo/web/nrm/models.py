"""Identification decisions of the national referral mechanism (issue 10, item 3).

A case is submitted to a competent authority (an agency of a kind in
``roles.COMPETENT_AUTHORITY_KINDS``); the authority records a first-stage (reasonable grounds)
decision, which when positive starts the recovery and reflection period, and then a
conclusive decision; either may be reconsidered on request. People decide; Palermo keeps the
clock (``due_on``), shows what is due and keeps the times for reporting. Only
``nrm/services.py`` writes these rows.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.cases.models import Case
from palermo.web.lib.fields import EncryptedTextField


class Stage(StrEnum):
    FIRST = "first_stage"
    CONCLUSIVE = "conclusive"


STAGE_CHOICES = [
    (Stage.FIRST.value, _("First-stage decision (reasonable grounds)")),
    (Stage.CONCLUSIVE.value, _("Conclusive decision")),
]


class IdentificationState(StrEnum):
    # the first-stage decision is due
    AWAITING_FIRST_STAGE = "awaiting_first_stage"
    # positive first stage: recovery and reflection period; the conclusive decision is due
    RECOVERY = "recovery"
    # a request for reconsideration waits for a new decision at its stage
    RECONSIDERATION = "reconsideration"
    # no reasonable grounds (a reconsideration may still be asked for)
    NEGATIVE_FIRST_STAGE = "negative_first_stage"
    CONCLUDED_POSITIVE = "concluded_positive"
    CONCLUDED_NEGATIVE = "concluded_negative"


STATE_CHOICES = [
    (IdentificationState.AWAITING_FIRST_STAGE.value, _("First-stage decision due")),
    (
        IdentificationState.RECOVERY.value,
        _("Recovery and reflection period; conclusive decision due"),
    ),
    (IdentificationState.RECONSIDERATION.value, _("Reconsideration requested; new decision due")),
    (IdentificationState.NEGATIVE_FIRST_STAGE.value, _("No reasonable grounds found")),
    (IdentificationState.CONCLUDED_POSITIVE.value, _("Identified as a victim (conclusive)")),
    (IdentificationState.CONCLUDED_NEGATIVE.value, _("Not identified as a victim (conclusive)")),
]

# the states in which a decision is due (the authority's list shows them)
DUE_STATES = frozenset(
    {
        IdentificationState.AWAITING_FIRST_STAGE,
        IdentificationState.RECOVERY,
        IdentificationState.RECONSIDERATION,
    }
)


class Identification(models.Model):
    """One case before the competent authority, and its clock."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="identifications")
    referring_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    competent_authority = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="identifications",
        verbose_name=_("competent authority"),
    )
    # what the referring agency tells the authority (need to know: not the whole case file)
    summary = EncryptedTextField(_("grounds for the referral"))
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(_("referred"))
    state = models.CharField(_("state"), max_length=24, choices=STATE_CHOICES)
    # the date the next decision is due (none when nothing is due)
    due_on = models.DateField(_("decision due"), null=True, blank=True)
    recovery_starts_on = models.DateField(null=True, blank=True)
    recovery_ends_on = models.DateField(_("recovery period ends"), null=True, blank=True)
    # for reporting: when the screening hit was raised (if the case came from one), and when
    # the first decision of each stage was recorded
    hit_at = models.DateTimeField(null=True, blank=True)
    first_stage_at = models.DateTimeField(null=True, blank=True)
    conclusive_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    # the due date last announced as passed (nrm.tasks): each deadline is announced once
    overdue_told_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=["competent_authority", "state", "due_on"], name="nrm_due"),)

    def __str__(self) -> str:
        return f"{self.case_id}@{self.competent_authority_id}"


class Decision(models.Model):
    """A decision the competent authority recorded, with its reasons (a reconsideration
    answers a request with a new decision; the earlier one stays)."""

    identification = models.ForeignKey(
        Identification, on_delete=models.PROTECT, related_name="decisions"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=STAGE_CHOICES)
    positive = models.BooleanField(_("grounds found"))
    reasons = EncryptedTextField(_("reasons"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    answers = models.OneToOneField(
        "ReconsiderationRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answer",
    )

    def __str__(self) -> str:
        return f"{self.identification_id} {self.stage} {self.positive}"


class ReconsiderationRequest(models.Model):
    identification = models.ForeignKey(
        Identification, on_delete=models.PROTECT, related_name="reconsiderations"
    )
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("why reconsideration is asked for"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    due_on = models.DateField()

    def __str__(self) -> str:
        return f"{self.identification_id} reconsider {self.decision_id}"
