"""Screened travellers, their hits and the human disposition of every hit; batch jobs.

A traveller record is kept only when it has hits (data minimisation); it is stored encrypted,
with the few fields the queue filters on (port, event date) in the clear. Nothing here changes
what happens to a traveller: a hit waits for an officer's disposition with a reason.
"""

from __future__ import annotations

import json
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.lib.fields import EncryptedTextField


class DispositionKind(StrEnum):
    NO_ACTION = "no_action"
    QUESTIONS = "questions_asked"
    REFERRED = "referred"
    # a watchlist match (a listed recruiter, a suspected trafficker) goes to an investigator
    INVESTIGATOR = "investigator"


DISPOSITION_CHOICES = [
    (DispositionKind.NO_ACTION.value, _("No action")),
    (DispositionKind.QUESTIONS.value, _("First-line questions asked")),
    (DispositionKind.REFERRED.value, _("Referred to a second-line interview")),
    (DispositionKind.INVESTIGATOR.value, _("Referred to an investigator")),
]
# what a profile hit may become: an investigator takes watchlist matches only
PROFILE_DISPOSITIONS = frozenset(
    {DispositionKind.NO_ACTION, DispositionKind.QUESTIONS, DispositionKind.REFERRED}
)
PENDING = "pending"
HIT_STATUS_CHOICES = [(PENDING, _("Waiting for a disposition")), *DISPOSITION_CHOICES]


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"


JOB_STATUS_CHOICES = [
    (JobStatus.QUEUED.value, _("Queued")),
    (JobStatus.RUNNING.value, _("Running")),
    (JobStatus.DONE.value, _("Done")),
    (JobStatus.REJECTED.value, _("Rejected: nothing stored")),
    (JobStatus.FAILED.value, _("Failed")),
]


class BatchJob(models.Model):
    """One uploaded manifest, screened in the background."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=200)
    stored_path = models.CharField(max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JOB_STATUS_CHOICES)
    record_count = models.PositiveIntegerField(default=0)
    traveller_count = models.PositiveIntegerField(default=0)
    hit_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)
    problem_total = models.PositiveIntegerField(default=0)
    set_version = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # the django-tasks task that screens it, and how many runs it took (a killed worker's run
    # counts: recovery queues the job again or fails it with the reason)
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = (models.Index(fields=["agency", "-created_at"], name="batchjob_agency_recent"),)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class Traveller(models.Model):
    """One screened traveller record that had at least one hit."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        BatchJob, on_delete=models.PROTECT, null=True, blank=True, related_name="travellers"
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField()
    record_id = models.CharField(_("record id"), max_length=100)
    event_kind = models.CharField(_("event"), max_length=20, blank=True)
    port = models.CharField(_("port or post"), max_length=100, blank=True)
    event_date = models.DateField(_("event date"), null=True, blank=True)
    record = EncryptedTextField(_("traveller record"))
    set_version = models.CharField(max_length=64)
    # a visa application screened at a consulate: the visa file its hits link to
    visa_application_ref = models.CharField(_("visa application"), max_length=100, blank=True)

    class Meta:
        indexes = (models.Index(fields=["agency", "-screened_at"], name="traveller_agency_recent"),)
        constraints = (
            # a batch stores each record once, however often its task runs
            models.UniqueConstraint(
                fields=("batch", "record_id"),
                condition=models.Q(batch__isnull=False),
                name="traveller_once_per_batch",
            ),
        )

    def __str__(self) -> str:
        return self.record_id


class Hit(models.Model):
    """A profile that fired for a traveller, or a watchlist entry it matched: an invitation to
    look closer, never a decision."""

    traveller = models.ForeignKey(Traveller, on_delete=models.PROTECT, related_name="hits")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # "profile" or "watchlist" (rule_id is then "<list id>:<entry id>", weight the match score)
    source = models.CharField(max_length=16, default="profile")
    rule_id = models.CharField(_("profile"), max_length=140)
    rule_version = models.CharField(max_length=20)
    weight = models.FloatField()
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    # Why it fired, in English and Chinese: {"en": [...], "zh": [...]}. Encrypted: the reasons
    # quote the record (a watchlist match names the traveller and the listed person). Read
    # through screening.selectors.hit_reasons, which checks the role and audits the read.
    reasons = EncryptedTextField(null=True, blank=True)
    indicators = models.JSONField(default=list)  # the BRD observables the profile rests on
    set_version = models.CharField(max_length=64)
    status = models.CharField(_("disposition"), max_length=20, choices=HIT_STATUS_CHOICES)
    # copied from the traveller so the queue filters without a join
    port = models.CharField(max_length=100, blank=True)
    event_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = (
            models.Index(fields=["agency", "status", "-created_at"], name="hit_agency_status"),
            models.Index(fields=["agency", "rule_id"], name="hit_agency_rule"),
            models.Index(fields=["agency", "port", "event_date"], name="hit_agency_port_date"),
        )
        constraints = (
            models.UniqueConstraint(
                fields=("traveller", "source", "rule_id"), name="hit_once_per_traveller"
            ),
        )

    def __str__(self) -> str:
        return f"{self.rule_id} for {self.traveller_id}"

    @staticmethod
    def reasons_text(english: list[str], chinese: list[str]) -> str:
        """The stored form of a hit's reasons (encrypted by the field)."""
        return json.dumps({"en": list(english), "zh": list(chinese)}, ensure_ascii=False)


class Disposition(models.Model):
    """An officer's decision on one hit, with the reason (and, for a referral, what was seen)."""

    hit = models.OneToOneField(Hit, on_delete=models.PROTECT, related_name="disposition")
    kind = models.CharField(_("disposition"), max_length=20, choices=DISPOSITION_CHOICES)
    reason = models.TextField(_("reason"))
    observed = models.JSONField(_("observed indicators"), default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    # what the hit cost the officer (issue 11: officer minutes per hit), when recorded
    minutes = models.PositiveSmallIntegerField(_("minutes spent"), null=True, blank=True)
    # the officer doubts the traveller's age (a minor on an adult's document): the second line
    # presumes a child and runs the child interview until an age assessment says otherwise
    age_in_doubt = models.BooleanField(_("age in doubt"), default=False)

    def __str__(self) -> str:
        return f"{self.hit_id}: {self.kind}"


class DispositionCorrection(models.Model):
    """A disposition superseded by a correction: what it said, who had recorded it, and who
    corrected it and why. The hit's ``Disposition`` always holds the current decision; these
    rows are its history, never edited."""

    hit = models.ForeignKey(Hit, on_delete=models.PROTECT, related_name="corrections")
    previous_kind = models.CharField(max_length=20, choices=DISPOSITION_CHOICES)
    previous_reason = models.TextField()
    previous_observed = models.JSONField(default=list)
    previous_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    previous_decided_at = models.DateTimeField()
    reason = models.TextField(_("reason for the correction"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField()

    class Meta:
        ordering = ("corrected_at", "id")

    def __str__(self) -> str:
        return f"{self.hit_id}: {self.previous_kind} corrected"


class ScreeningTally(models.Model):
    """How many travellers an agency screened, per day, port and protected group: the
    denominator of every yield and selection rate (issue 11). Counts only - a traveller without
    a hit leaves nothing else behind. ``control``: of them, drawn into the random control sample.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    port = models.CharField(max_length=100, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    age_band = models.CharField(max_length=16, blank=True)
    screened = models.PositiveIntegerField(default=0)
    control = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("agency", "day", "port", "nationality", "sex", "age_band"),
                name="tally_once_per_group",
            ),
        )
        indexes = (models.Index(fields=["agency", "day"], name="tally_agency_day"),)

    def __str__(self) -> str:
        return f"{self.day} {self.port}: {self.screened}"


class TravellerNameToken(models.Model):
    """The blind index of a screened traveller's names (``lib/blind_index.py``), so the hit
    queue finds a traveller by name while the record stays encrypted. Removed when retention
    masks the record."""

    traveller = models.ForeignKey(Traveller, on_delete=models.PROTECT, related_name="name_tokens")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    key_id = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = (models.Index(fields=["agency", "digest"], name="travellername_digest"),)
        constraints = (
            models.UniqueConstraint(fields=("traveller", "digest"), name="travellername_once"),
        )

    def __str__(self) -> str:
        return f"{self.traveller_id} name token"
