"""A child's protection on a case (issue 10, item 4): the child-protection referral opened
with the case and why, the age assessment (a person whose age is in doubt is presumed a child
until one says otherwise), best-interests assessments and determinations, and the guardian or
representative appointed (never the accompanying adult by default). Names and findings are
stored encrypted. Only ``children/services.py`` writes these rows."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.cases.models import Case
from palermo.web.directory.models import ServiceProvider
from palermo.web.lib.fields import EncryptedTextField


class AutoReferral(StrEnum):
    """What became of the referral sent automatically when the child's case was opened."""

    SENT = "sent"
    NO_PROVIDER = "no_provider"  # the directory routes no child-protection service there
    NO_CONSENT = "no_consent"  # consent to disclosure or to assistance missing
    NO_AGREEMENT = "no_agreement"  # no data-sharing agreement with the routed agency
    REFUSED = "refused"  # another refusal (an open referral already, the actor's role)


AUTO_REFERRAL_LABELS = {
    AutoReferral.SENT: _("Sent automatically when the case was opened."),
    AutoReferral.NO_PROVIDER: _(
        "Not sent automatically: the service directory lists no child-protection service in "
        "Palermo for the area and language given. Find one and send the referral yourself."
    ),
    AutoReferral.NO_CONSENT: _(
        "Not sent automatically: the child's consent to disclosure to the service or to its "
        "assistance is not recorded. Record it on the case, or a supervisor refers stating "
        "the legal basis."
    ),
    AutoReferral.NO_AGREEMENT: _(
        "Not sent automatically: no data-sharing agreement in force with the service the "
        "directory routes to."
    ),
    AutoReferral.REFUSED: _("Not sent automatically: the referral was refused (see below)."),
}
AUTO_REFERRAL_CHOICES = [(code.value, label) for code, label in AUTO_REFERRAL_LABELS.items()]


class ChildProtection(models.Model):
    """The case is a child's (or a presumed child's): referred to child protection when it was
    opened, with the reasons in both languages."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="child_protection")
    # [{"en": ..., "zh": ...}]: why (marked answers, exploitation indicators, age in doubt)
    reasons = models.JSONField(default=list)
    age_in_doubt = models.BooleanField(default=False)
    # the adult the child travelled with, as given (for the guardian check), encrypted
    accompanying_adult = EncryptedTextField(_("accompanying adult"), blank=True, default="")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    # where the child is and the language they speak, as given: the directory's routing
    area = models.CharField(_("area"), max_length=200, blank=True, default="")
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    # the child-protection service the directory routed to, and what became of the referral
    routed_to = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    auto_referral = models.CharField(
        _("automatic referral"),
        max_length=16,
        choices=AUTO_REFERRAL_CHOICES,
        blank=True,
        default="",
    )

    def __str__(self) -> str:
        return f"child protection {self.case_id}"


class AgeConclusion(StrEnum):
    CHILD = "child"
    ADULT = "adult"
    UNDETERMINED = "undetermined"


AGE_CONCLUSION_CHOICES = [
    (AgeConclusion.CHILD.value, _("Under 18")),
    (AgeConclusion.ADULT.value, _("18 or over")),
    (AgeConclusion.UNDETERMINED.value, _("Not determined: the person stays presumed a child")),
]


class AgeMethod(StrEnum):
    DOCUMENTS = "documents"
    INTERVIEW = "interview"
    MULTIDISCIPLINARY = "multidisciplinary"
    MEDICAL = "medical"


AGE_METHOD_CHOICES = [
    (AgeMethod.DOCUMENTS.value, _("Documents verified")),
    (AgeMethod.INTERVIEW.value, _("Age-assessment interview")),
    (AgeMethod.MULTIDISCIPLINARY.value, _("Multidisciplinary assessment")),
    (AgeMethod.MEDICAL.value, _("Medical examination")),
]


class AgeAssessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="age_assessments")
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=AGE_CONCLUSION_CHOICES)
    method = models.CharField(_("method"), max_length=20, choices=AGE_METHOD_CHOICES)
    assessed_by = models.CharField(_("assessed by (body)"), max_length=200)
    reasons = EncryptedTextField(_("reasons"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} age {self.conclusion}"


class BestInterestsKind(StrEnum):
    ASSESSMENT = "assessment"
    DETERMINATION = "determination"


BEST_INTERESTS_KIND_CHOICES = [
    (BestInterestsKind.ASSESSMENT.value, _("Best-interests assessment (interim care)")),
    (BestInterestsKind.DETERMINATION.value, _("Best-interests determination (durable solution)")),
]


class DurableSolution(StrEnum):
    NONE = ""
    RETURN = "return"
    LOCAL_INTEGRATION = "local_integration"
    RESETTLEMENT = "resettlement"


DURABLE_SOLUTION_CHOICES = [
    (DurableSolution.NONE.value, _("None (an assessment)")),
    (DurableSolution.RETURN.value, _("Return to the family or country of origin")),
    (DurableSolution.LOCAL_INTEGRATION.value, _("Local integration")),
    (DurableSolution.RESETTLEMENT.value, _("Resettlement in a third country")),
]


class BestInterests(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="best_interests")
    kind = models.CharField(_("kind"), max_length=16, choices=BEST_INTERESTS_KIND_CHOICES)
    findings = EncryptedTextField(_("findings"))
    solution = models.CharField(
        _("durable solution"), max_length=20, choices=DURABLE_SOLUTION_CHOICES, blank=True
    )
    child_heard = models.BooleanField(_("the child's views were heard"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class GuardianKind(StrEnum):
    GUARDIAN = "guardian"
    REPRESENTATIVE = "representative"


GUARDIAN_KIND_CHOICES = [
    (GuardianKind.GUARDIAN.value, _("Legal guardian")),
    (GuardianKind.REPRESENTATIVE.value, _("Representative")),
]


class GuardianAppointment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="guardians")
    kind = models.CharField(_("kind"), max_length=16, choices=GUARDIAN_KIND_CHOICES)
    name = EncryptedTextField(_("name"))
    organisation = models.CharField(_("organisation or authority"), max_length=200, blank=True)
    appointed_by = models.CharField(_("appointed by (court or authority)"), max_length=200)
    appointed_on = models.DateField(_("appointed on"))
    # appointed although the same person as the accompanying adult: why (encrypted)
    same_as_accompanying = models.BooleanField(default=False)
    same_person_reason = EncryptedTextField(blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
