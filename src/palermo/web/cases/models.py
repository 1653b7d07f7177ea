"""A case: a person (pseudonymous id, encrypted identity), consents, shares and a timeline.

Only services in ``cases/services.py`` write these rows; views read them through
``cases/selectors.py``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.directory.models import SERVICE_TYPE_CHOICES
from palermo.web.lib.fields import EncryptedTextField


class CaseStatus(StrEnum):
    IDENTIFIED = "identified"
    REFERRED = "referred"
    ASSISTED = "assisted"
    CLOSED = "closed"


CASE_STATUS_CHOICES = [
    (CaseStatus.IDENTIFIED.value, _("Identified")),
    (CaseStatus.REFERRED.value, _("Referred")),
    (CaseStatus.ASSISTED.value, _("Assisted")),
    (CaseStatus.CLOSED.value, _("Closed")),
]

# The workflow: each status and the statuses it may move to (each move needs a reason).
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.IDENTIFIED: frozenset({CaseStatus.REFERRED, CaseStatus.CLOSED}),
    CaseStatus.REFERRED: frozenset({CaseStatus.ASSISTED, CaseStatus.CLOSED}),
    CaseStatus.ASSISTED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


class VictimOutcome(StrEnum):
    """The interview outcomes that open a case (an assessment never concludes "not a victim")."""

    POSSIBLE = "possible"
    PRESUMED = "presumed"
    # a child (or presumed child) referred to child protection although the indicators were
    # insufficient: a case to protect the child, not a finding about trafficking
    CHILD_AT_RISK = "child_at_risk"


OUTCOME_CHOICES = [
    (VictimOutcome.POSSIBLE.value, _("Possible victim")),
    (VictimOutcome.PRESUMED.value, _("Presumed victim")),
    (
        VictimOutcome.CHILD_AT_RISK.value,
        _("Child in need of protection (indicators insufficient; no finding of trafficking)"),
    ),
]


class ConsentPurpose(StrEnum):
    ASSISTANCE = "assistance"
    SHARING = "sharing"
    STATISTICS = "statistics"
    # an exchange package to a registered partner agency abroad, limited to ``Consent.fields``
    CROSS_BORDER = "cross_border"


CONSENT_PURPOSE_CHOICES = [
    (ConsentPurpose.ASSISTANCE.value, _("Assistance")),
    (ConsentPurpose.SHARING.value, _("Sharing with a named agency")),
    (ConsentPurpose.STATISTICS.value, _("Use in statistics")),
    (ConsentPurpose.CROSS_BORDER.value, _("Cross-border exchange with a named partner agency")),
]

# HTCDS con_Consent checklist (reference/rights-and-data-protection.md 4.2).
CONSENT_CHECKLIST = [
    ("consented", _("The person consented (a child: assented) to the interview")),
    ("told_purpose", _("The person was told the purpose of the interview")),
    ("told_uses", _("The person was told the actual and potential uses of the data")),
    ("told_research", _("The person was told about the use of non-identifying data for research")),
    ("told_access", _("The person was told of the right to request their data at any time")),
    ("told_retention", _("The person was told how long the data will be stored")),
    ("told_withdrawal", _("The person was told how to withdraw consent")),
]

PERSONAL_FIELDS = ("full_name", "document_number", "contact")


# HTCDS v2.0 vic_TypeOfExploitation, recorded by the case worker from the person's account
# (palermo.interchange.htcds.HTCDS_TYPES_OF_EXPLOITATION, the same codes in the same order).
# Never derived from the interview: the adult labour and sexual indicator sets run on the same
# answers, so a set lighting up says nothing about which exploitation the person went through.
EXPLOITATION_TYPE_CHOICES = [
    ("ForcedLabour", _("Forced labour")),
    ("SexualExploitation", _("Sexual exploitation")),
    ("ChildLabour", _("Child labour")),
    ("ForcedMarriage", _("Forced marriage")),
    ("Servitude", _("Servitude")),
    ("ForcedMilitaryByNonStateActors", _("Forced military service by non-state actors")),
    ("OrganRemoval", _("Organ removal")),
    ("ForcedBegging", _("Forced begging")),
    ("ForcedAdoption", _("Forced adoption")),
    ("Surrogacy", _("Surrogacy")),
    ("Other", _("Other exploitation")),
]


class Person(models.Model):
    pseudonym = models.CharField(_("pseudonymous id"), max_length=20, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    full_name = EncryptedTextField(_("name"))
    document_number = EncryptedTextField(_("document number"), blank=True)
    contact = EncryptedTextField(_("contact details"), blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.pseudonym


class Case(models.Model):
    reference = models.CharField(_("case reference"), max_length=20, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(_("status"), max_length=16, choices=CASE_STATUS_CHOICES)
    outcome = models.CharField(_("interview outcome"), max_length=16, choices=OUTCOME_CHOICES)
    interview_ref = models.CharField(_("interview"), max_length=60, blank=True)
    # HTCDS vic_TypeOfExploitation codes (EXPLOITATION_TYPE_CHOICES), chosen by a case worker
    exploitation_types = models.JSONField(_("type of exploitation"), default=list, blank=True)
    # HTCDS vic_MethodsOfControl codes: what the interview's indicators evidence (each
    # indicator's htcds_control in the catalogue), set when the case is opened from the
    # interview, or what a partner's package reported for a received case
    methods_of_control = models.JSONField(_("means of control"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # the case worker of the agency who carries the case (none: not yet assigned)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )

    class Meta:
        indexes = (
            models.Index(fields=["agency", "-opened_at", "-id"], name="case_agency_recent"),
            models.Index(fields=["assigned_to", "status"], name="case_assignee_status"),
            models.Index(fields=["agency", "status", "-opened_at"], name="case_agency_status"),
        )

    def __str__(self) -> str:
        return self.reference


class Consent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=CONSENT_PURPOSE_CHOICES)
    recipient = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checklist = models.JSONField(default=dict)
    # cross-border exchange only: the HTCDS fields the person agreed to send
    # (palermo.interchange.htcds.FIELDS); nothing else goes in the package
    fields = models.JSONField(default=list, blank=True)
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = (models.Index(fields=["case", "purpose"], name="consent_case_purpose"),)

    def __str__(self) -> str:
        return f"{self.case_id}:{self.purpose}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class CaseShareQuerySet(models.QuerySet["CaseShare"]):
    def in_effect(self, now: datetime | None = None) -> CaseShareQuerySet:
        """Shares that still give access: not revoked, not expired (override shares), and
        resting on an agreement that has not ended or run out."""
        now = now or timezone.now()
        return self.filter(
            models.Q(revoked_at__isnull=True),
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now),
            models.Q(agreement__isnull=True)
            | models.Q(
                agreement__revoked_at__isnull=True,
                agreement__in_force_since__isnull=False,
                agreement__valid_to__gte=timezone.localdate(now),
            ),
        )


class CaseShare(models.Model):
    """The case made visible to another agency, for a stated purpose. It ends when the owning
    agency revokes it, the consent or the agreement it rests on ends, or - shared without
    consent - its period runs out unless renewed with a reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="shares")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="shared_cases")
    purpose = models.CharField(_("purpose of the transfer"), max_length=300)
    # what the transfer is for (agreements.TransferPurpose) and the written agreement covering it
    transfer_purpose = models.CharField(_("kind of transfer"), max_length=32, blank=True)
    agreement = models.ForeignKey(
        "agreements.DataSharingAgreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name=_("data-sharing agreement"),
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, related_name="+")
    legal_basis = models.CharField(_("legal basis (override)"), max_length=300, blank=True)
    override_reason = models.CharField(_("reason for the override"), max_length=500, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoke_reason = models.CharField(_("why sharing stopped"), max_length=500, blank=True)
    # Shares without consent (supervisor override) end at this time unless renewed.
    expires_at = models.DateTimeField(_("sharing ends"), null=True, blank=True)

    objects = CaseShareQuerySet.as_manager()

    class Meta:
        indexes = (models.Index(fields=["agency", "revoked_at"], name="share_agency_active"),)

    def __str__(self) -> str:
        return f"{self.case_id}->{self.agency_id}"

    @property
    def is_override(self) -> bool:
        return self.consent_id is None


class CaseEventKind(StrEnum):
    OPENED = "opened"
    STATUS = "status"
    DETAILS = "details"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    SHARED = "shared"
    SHARE_REVOKED = "share_revoked"
    SHARE_RENEWED = "share_renewed"
    EXPORTED = "exported"
    # opened for a child with exploitation indicators: referred to child protection
    CHILD_PROTECTION = "child_protection"
    # the national referral mechanism (nrm app) and the child's protection (children app)
    NRM_REFERRED = "nrm_referred"
    NRM_DECISION = "nrm_decision"
    NRM_RECONSIDERATION = "nrm_reconsideration"
    AGE_ASSESSMENT = "age_assessment"
    BEST_INTERESTS = "best_interests"
    GUARDIAN = "guardian"
    NOTE = "note"
    ASSIGNED = "assigned"
    TASK_ADDED = "task_added"
    TASK_DONE = "task_done"
    ATTACHMENT = "attachment"
    SERVICE = "service"
    # a step of a referral (referrals app): sent, accepted, declined, done, revoked, transferred
    REFERRAL = "referral"
    # a step of consular assistance (consular app): the step in words (``detail["words"]``)
    CONSULAR = "consular"


CASE_EVENT_CHOICES = [
    (CaseEventKind.OPENED.value, _("Case opened")),
    (CaseEventKind.STATUS.value, _("Status changed")),
    (CaseEventKind.DETAILS.value, _("Details changed")),
    (CaseEventKind.CONSENT_GIVEN.value, _("Consent recorded")),
    (CaseEventKind.CONSENT_WITHDRAWN.value, _("Consent withdrawn")),
    (CaseEventKind.SHARED.value, _("Shared with an agency")),
    (CaseEventKind.SHARE_REVOKED.value, _("Sharing stopped")),
    (CaseEventKind.SHARE_RENEWED.value, _("Sharing without consent renewed")),
    (CaseEventKind.EXPORTED.value, _("Case file exported")),
    (CaseEventKind.CHILD_PROTECTION.value, _("Referred to child protection")),
    (CaseEventKind.NRM_REFERRED.value, _("Submitted for an identification decision")),
    (CaseEventKind.NRM_DECISION.value, _("Identification decision recorded")),
    (CaseEventKind.NRM_RECONSIDERATION.value, _("Reconsideration requested")),
    (CaseEventKind.AGE_ASSESSMENT.value, _("Age assessment recorded")),
    (CaseEventKind.BEST_INTERESTS.value, _("Best-interests assessment recorded")),
    (CaseEventKind.GUARDIAN.value, _("Guardian or representative appointed")),
    (CaseEventKind.NOTE.value, _("Note added")),
    (CaseEventKind.ASSIGNED.value, _("Case assigned")),
    (CaseEventKind.TASK_ADDED.value, _("Task added")),
    (CaseEventKind.TASK_DONE.value, _("Task done")),
    (CaseEventKind.ATTACHMENT.value, _("File attached")),
    (CaseEventKind.SERVICE.value, _("Service provided recorded")),
    (CaseEventKind.REFERRAL.value, _("Referral")),
    (CaseEventKind.CONSULAR.value, _("Consular assistance")),
]

# The step of a referral event (``detail["step"]``), in words.
REFERRAL_STEP_LABELS = {
    "sent": _("sent"),
    "accepted": _("accepted"),
    "declined": _("declined"),
    "done": _("service delivered"),
    "revoked": _("withdrawn by the sender"),
    "transferred": _("case transferred"),
}


class CaseEvent(models.Model):
    """One line of the timeline. ``detail`` holds codes and field names, never personal data."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=CASE_EVENT_CHOICES)
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        indexes = (models.Index(fields=["case", "at"], name="caseevent_case_at"),)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class NoteOrigin(StrEnum):
    """Where a note came from: written on the case (the usual), written with the opening of
    the case, carried over from the single narrative box cases had before dated notes, or
    received in an exchange package from a partner agency abroad."""

    WRITTEN = ""
    OPENING = "opening"
    CARRIED_OVER = "carried_over"
    RECEIVED = "received"


NOTE_ORIGIN_CHOICES = [
    (NoteOrigin.WRITTEN.value, _("Written on the case")),
    (NoteOrigin.OPENING.value, _("Written when the case was opened")),
    (
        NoteOrigin.CARRIED_OVER.value,
        _("Carried over from the former narrative notes; dated the day the case was opened"),
    ),
    (NoteOrigin.RECEIVED.value, _("Received from a partner agency abroad with the case")),
]


class CaseNote(models.Model):
    """A dated note on a case, by its author; never changed or removed (a correction is a new
    note). The text is encrypted at rest. Read by ``selectors.case_notes`` on the case, and by
    what shares a case once it has checked the reader's right (a referral whose type shares
    the notes, an exchange package with the consented comment)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="case_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = EncryptedTextField(_("note"))
    origin = models.CharField(
        _("origin"), max_length=16, choices=NOTE_ORIGIN_CHOICES, blank=True, default=""
    )

    class Meta:
        indexes = (models.Index(fields=["case", "at"], name="casenote_case_at"),)

    def __str__(self) -> str:
        return f"{self.case_id} note {self.pk}"


def notes_in_order(case: Case) -> models.QuerySet[CaseNote]:
    """The notes of ``case``, oldest first, with each author and the author's agency."""
    return CaseNote.objects.filter(case=case).select_related("author__agency").order_by("at", "id")


class CaseTask(models.Model):
    """A task or follow-up on a case with the day it is due; done once, by whom and when.
    The title may name the person, so it is encrypted at rest."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    title = EncryptedTextField(_("task"))
    due_on = models.DateField(_("due"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_tasks",
        verbose_name=_("for"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = (
            models.Index(fields=["case", "done_at", "due_on"], name="casetask_case_open"),
            models.Index(fields=["assigned_to", "done_at", "due_on"], name="casetask_assignee"),
        )

    def __str__(self) -> str:
        return f"{self.case_id} task {self.pk}"


class CaseService(models.Model):
    """A service provided to the person (what, on which day, by whom), recorded once by a case
    worker; a correction is a new record. What was provided may name the person, so it is
    encrypted at rest; the kind of service is one of the directory's service types."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="services")
    service = models.CharField(_("service"), max_length=32, choices=SERVICE_TYPE_CHOICES)
    provided_on = models.DateField(_("provided on"))
    # an organisation or a service, not a person
    provider = models.CharField(_("provided by"), max_length=200, blank=True)
    description = EncryptedTextField(_("what was provided"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=["case", "provided_on"], name="caseservice_case_on"),)

    def __str__(self) -> str:
        return f"{self.case_id} service {self.pk}"


class CaseAttachment(models.Model):
    """A file kept with a case: sealed on disk (``lib/sealed.py``), its name encrypted; its
    type was sniffed from its content when it came in; only ever sent as a download."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file_name = EncryptedTextField(_("file name"))
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} attachment {self.pk}"


class CaseNameToken(models.Model):
    """The blind index of the person's name (``lib/blind_index.py``): one keyed digest per
    normalised name token; the name itself stays encrypted on ``Person``."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="name_tokens")
    key_id = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)

    class Meta:
        # (digest, case): a search reads the cases of a token from the index alone
        indexes = (models.Index(fields=["digest", "case"], name="casename_digest_case"),)
        constraints = (models.UniqueConstraint(fields=("case", "digest"), name="casename_once"),)

    def __str__(self) -> str:
        return f"{self.case_id} name token"
