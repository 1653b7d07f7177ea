"""An interview: the first-line screen or a second-line interview, answered step by step.

The answers and the assessment are about a person and are stored encrypted; the outcome code
stays readable so lists can show it. Only ``interviews/services.py`` writes these rows.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.interviews.presentation import outcome_label, outcome_tone
from palermo.web.lib.fields import EncryptedTextField


class InterviewKind(StrEnum):
    FIRST_LINE = "first_line"
    SECOND_LINE = "second_line"


INTERVIEW_KIND_CHOICES = [
    (InterviewKind.FIRST_LINE.value, _("First-line screen")),
    (InterviewKind.SECOND_LINE.value, _("Second-line interview")),
]


class InterviewStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


INTERVIEW_STATUS_CHOICES = [
    (InterviewStatus.IN_PROGRESS.value, _("In progress")),
    (InterviewStatus.COMPLETED.value, _("Assessed")),
]


class Interview(models.Model):
    reference = models.CharField(_("interview"), max_length=20, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=INTERVIEW_KIND_CHOICES)
    instrument_id = models.CharField(max_length=60)
    instrument_version = models.CharField(max_length=20)
    hit = models.ForeignKey(
        "screening.Hit", on_delete=models.PROTECT, null=True, blank=True, related_name="interviews"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=INTERVIEW_STATUS_CHOICES)
    answers = EncryptedTextField(default="{}")  # {"consent": {...}, "answers": {...}}
    result = EncryptedTextField(blank=True, default="")  # the assessment, as JSON
    outcome = models.CharField(max_length=32, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # the person may be under 18 whatever their document says: presumed a child (the child
    # instrument only) until an age assessment concludes otherwise
    age_in_doubt = models.BooleanField(default=False)
    # how many times a step was submitted ("Save and continue", "Back", "Save and assess"): a
    # step's page carries the number it was drawn with, and a save made as one goes
    # (autosave) from a page drawn before the latest submit is refused, so an autosave still
    # on its way cannot land after the submit and undo it (``services.interview_save``)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = (models.Index(fields=["agency", "-started_at"], name="interview_agency_recent"),)

    def __str__(self) -> str:
        return self.reference

    @property
    def outcome_label(self) -> str:
        """The outcome code (``presumed_victim`` ...) as a label in the page's language."""
        return outcome_label(self.outcome) if self.outcome else ""

    @property
    def outcome_tone(self) -> str:
        return outcome_tone(self.outcome)
