"""The training academy: courses built from Palermo's own material, cohorts with enrolment and
attendance, knowledge tests before and after, and scored exercises.

A course names modules (``palermo.training.modules``) and scenarios (``palermo.training``) by
key, so the material stays the shipped one and a course stays small. A cohort belongs to the
trainer's agency; its trainees may come from any agency. A simulated cohort's trainees are no
accounts: each enrolment carries a display name and no user.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency


def split(text: str) -> list[str]:
    return [x for x in text.split(",") if x]


def pack(values: list[str] | tuple[str, ...]) -> str:
    return ",".join(values)


class Course(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    summary_zh = models.TextField(blank=True)
    modules = models.CharField(max_length=500)
    scenarios = models.TextField(blank=True)
    # none: imported by the command line (``palermo training import``; named in the audit log)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("title", "pk")

    def __str__(self) -> str:
        return self.title

    @property
    def module_keys(self) -> list[str]:
        return split(self.modules)

    @property
    def scenario_ids(self) -> list[str]:
        return split(self.scenarios)

    def title_in(self, language: str | None) -> str:
        return self.title_zh if (language or "").startswith("zh") else self.title

    def summary_in(self, language: str | None) -> str:
        return self.summary_zh if (language or "").startswith("zh") else self.summary


class Cohort(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    simulated = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-starts_on", "-pk")

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enrolments",
        null=True,
        blank=True,
    )
    display_name = models.CharField(max_length=150)
    enrolled_at = models.DateTimeField()

    class Meta:
        ordering = ("display_name", "pk")
        constraints = (
            models.UniqueConstraint(
                fields=["cohort", "trainee"],
                name="academy_one_enrolment_per_trainee",
                condition=models.Q(trainee__isnull=False),
            ),
        )

    def __str__(self) -> str:
        return self.display_name


class Session(models.Model):
    """One day of a cohort's course, for attendance."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField()
    topic = models.CharField(max_length=200)

    class Meta:
        ordering = ("held_on", "pk")

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="academy_one_attendance_per_session"
            ),
        )

    def __str__(self) -> str:
        return f"{self.session_id} {self.enrolment_id} {self.present}"


class Phase(models.TextChoices):
    PRE = "pre", _("Before the course")
    POST = "post", _("After the course")


class KnowledgeTestAttempt(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="tests")
    kind = models.CharField(max_length=4, choices=Phase.choices)
    answers = models.JSONField()
    right = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    percent = models.FloatField()
    taken_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["enrolment", "kind"], name="academy_one_test_per_kind"),
        )

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.kind} {self.percent}"


class ExerciseResult(models.Model):
    """One scored exercise (``palermo.training.score_exercise``), as the dashboard reads it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="exercises")
    scenario_id = models.CharField(max_length=100)
    total = models.FloatField()
    missed = models.JSONField(default=list)  # indicator ids
    score = models.JSONField()  # Score.to_dict(): parts and feedback in both languages
    done_at = models.DateTimeField()

    class Meta:
        ordering = ("done_at", "pk")

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.scenario_id} {self.total}"


class Exercise(models.Model):
    """A scenario practised on the real pages in a training agency (``Agency.is_training``).

    ``record_id`` is the scenario traveller's record id in the sandbox, unique per exercise: the
    desk stores what the trainee screens under it, and the exercise finds the hits, the
    interview, the case and its referrals through it when the trainee finishes. ``result`` is
    the scored exercise once finished.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="practice")
    scenario_id = models.CharField(max_length=100)
    record_id = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField()
    result = models.OneToOneField(
        ExerciseResult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercise",
    )
    # what the real pages cannot see, stated by the trainee when they finish
    private = models.BooleanField(default=False)
    interpreter = models.CharField(max_length=16, blank=True)
    gave_information = models.BooleanField(default=False)
    asylum_information = models.BooleanField(default=False)

    class Meta:
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.scenario_id}"


class BankScenario(models.Model):
    """A scenario imported into the academy's scenario bank (``palermo training import``),
    beside the curated ones: its definition as the file gave it, so its answers and truth are
    computed again by this installation's tools whenever it is used (``bank.py``). Scenarios
    are invented people and course material, so every agency's trainers may use them. Never
    changed once imported: a changed scenario is imported under a new id."""

    scenario_id = models.CharField(max_length=100, unique=True)
    definition = models.JSONField()
    title = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    source = models.CharField(max_length=300)  # the file it came from
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.scenario_id
