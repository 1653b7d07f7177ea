"""Consular assistance to a national abroad, built on a case of ``palermo.web.cases``.

A ``ConsularCase`` is the consular side of one ``Case`` (one to one): how the person came to
the consulate, the home province, and - opened from a screened visa application - the visa
file. Around it: the assistance log, emergency travel documents (numbers encrypted like every
identity field), return risk assessments, the voluntary return plan with its dated stages, and
the follow-ups due after return. Only ``consular/services.py`` writes these rows.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.cases.models import Case
from palermo.web.lib.fields import EncryptedTextField
from palermo.web.screening.models import Traveller


class Origin(StrEnum):
    FOREIGN_AUTHORITY = "foreign_authority"
    NGO = "ngo"
    SELF_PRESENTING = "self_presenting"
    VISA_SCREENING = "visa_screening"


ORIGIN_CHOICES = [
    (Origin.FOREIGN_AUTHORITY.value, _("Identified by a foreign authority")),
    (Origin.NGO.value, _("Referred by a non-governmental organisation")),
    (Origin.SELF_PRESENTING.value, _("Came to the consulate on their own")),
    (Origin.VISA_SCREENING.value, _("Visa application screened at this consulate")),
]


class ConsularCase(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="consular")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(_("how the person came to us"), max_length=24, choices=ORIGIN_CHOICES)
    # the foreign authority or organisation that identified or referred the person
    referred_by = models.CharField(_("identified or referred by"), max_length=300, blank=True)
    country = models.CharField(_("country where the person is"), max_length=100)
    home_province = models.CharField(_("home province"), max_length=100)
    # the visa file the case was opened from (a hit of a screened visa application)
    traveller = models.ForeignKey(
        Traveller, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visa_application_ref = models.CharField(_("visa application"), max_length=100, blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = (models.Index(fields=["agency", "-opened_at"], name="consular_agency_recent"),)

    def __str__(self) -> str:
        return f"consular {self.case_id}"


class AssistanceKind(StrEnum):
    CONTACT = "contact"
    NEED_MET = "need_met"
    INTERPRETATION = "interpretation"
    LEGAL_AID = "legal_aid"


ASSISTANCE_KIND_CHOICES = [
    (AssistanceKind.CONTACT.value, _("Contact with the person or an authority")),
    (AssistanceKind.NEED_MET.value, _("Need met (shelter, medical, money, clothing)")),
    (AssistanceKind.INTERPRETATION.value, _("Interpretation")),
    (AssistanceKind.LEGAL_AID.value, _("Legal aid")),
]


class AssistanceEntry(models.Model):
    """One dated line of the assistance log. The note may name people: it is encrypted."""

    consular_case = models.ForeignKey(
        ConsularCase, on_delete=models.PROTECT, related_name="assistance"
    )
    kind = models.CharField(_("kind of assistance"), max_length=20, choices=ASSISTANCE_KIND_CHOICES)
    on = models.DateField(_("date"))
    note = EncryptedTextField(_("what was done"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("on", "id")

    def __str__(self) -> str:
        return f"{self.consular_case_id} {self.kind} {self.on}"


class TravelDocument(models.Model):
    """An emergency travel document issued to the person; its number is encrypted."""

    consular_case = models.ForeignKey(
        ConsularCase, on_delete=models.PROTECT, related_name="travel_documents"
    )
    number = EncryptedTextField(_("document number"))
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("issued_on", "id")

    def __str__(self) -> str:
        return f"travel document {self.pk}"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


RISK_LEVEL_CHOICES = [
    (RiskLevel.LOW.value, _("Low")),
    (RiskLevel.MEDIUM.value, _("Medium")),
    (RiskLevel.HIGH.value, _("High")),
]
RISK_ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


class ReturnRiskAssessment(models.Model):
    """The risk of return, on three questions (IOM): safety at home (the traffickers' reach),
    the family (its role in the trafficking, whether it can receive the person) and the risk
    of being trafficked again. The outcome is the highest of the three. A return plan needs a
    current assessment; a high one blocks it unless a supervisor records why it may go ahead.
    """

    consular_case = models.ForeignKey(
        ConsularCase, on_delete=models.PROTECT, related_name="risk_assessments"
    )
    safety = models.CharField(_("safety at home"), max_length=8, choices=RISK_LEVEL_CHOICES)
    family = models.CharField(_("family"), max_length=8, choices=RISK_LEVEL_CHOICES)
    retrafficking = models.CharField(
        _("risk of being trafficked again"), max_length=8, choices=RISK_LEVEL_CHOICES
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=RISK_LEVEL_CHOICES)
    notes = EncryptedTextField(_("what the assessment rests on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField()
    override_reason = models.CharField(
        _("why the return may go ahead"), max_length=1000, blank=True
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("assessed_at", "id")

    def __str__(self) -> str:
        return f"risk {self.outcome} ({self.consular_case_id})"

    @property
    def blocks_return(self) -> bool:
        return self.outcome == RiskLevel.HIGH and not self.override_reason


class ReturnStage(StrEnum):
    CONSENT = "consent"
    TRAVEL_ARRANGED = "travel_arranged"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    HANDED_OVER = "handed_over"


RETURN_STAGES: tuple[ReturnStage, ...] = tuple(ReturnStage)
RETURN_STAGE_CHOICES = [
    (ReturnStage.CONSENT.value, _("Consent to return given")),
    (ReturnStage.TRAVEL_ARRANGED.value, _("Travel arranged")),
    (ReturnStage.DEPARTED.value, _("Departed")),
    (ReturnStage.ARRIVED.value, _("Arrived home")),
    (ReturnStage.HANDED_OVER.value, _("Handed over to services in the home province")),
]


class ReturnPlan(models.Model):
    """The voluntary return: the assessment it rests on and its stages, in order."""

    consular_case = models.OneToOneField(
        ConsularCase, on_delete=models.PROTECT, related_name="return_plan"
    )
    assessment = models.ForeignKey(ReturnRiskAssessment, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"return plan {self.consular_case_id}"


class ReturnStageRecord(models.Model):
    """One stage reached, when it happened and who recorded it."""

    plan = models.ForeignKey(ReturnPlan, on_delete=models.PROTECT, related_name="stages")
    stage = models.CharField(_("stage"), max_length=20, choices=RETURN_STAGE_CHOICES)
    at = models.DateTimeField(_("when"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    # the hand-over: the agency in the home province that takes the person on
    receiving_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # the hand-over referral (referrals app) sent to the receiving agency
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")
        constraints = (models.UniqueConstraint(fields=("plan", "stage"), name="return_stage_once"),)

    def __str__(self) -> str:
        return f"{self.plan_id} {self.stage}"


class FollowUp(models.Model):
    """A follow-up after return, due a configured number of months after arrival
    (``PALERMO_RETURN_FOLLOWUP_MONTHS``). The scheduled task notifies once when it falls due."""

    consular_case = models.ForeignKey(
        ConsularCase, on_delete=models.PROTECT, related_name="follow_ups"
    )
    months = models.PositiveSmallIntegerField(_("months after return"))
    due_on = models.DateField(_("due on"))
    notified_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reached = models.BooleanField(_("the person was reached"), null=True)
    note = EncryptedTextField(_("how the person is doing"), blank=True)

    class Meta:
        ordering = ("due_on", "id")
        indexes = (models.Index(fields=["done_at", "due_on"], name="followup_open_due"),)
        constraints = (
            models.UniqueConstraint(fields=("consular_case", "months"), name="followup_once"),
        )

    def __str__(self) -> str:
        return f"follow-up {self.months} months ({self.consular_case_id})"
