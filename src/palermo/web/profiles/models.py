"""Risk profiles as the web application keeps them: every uploaded version, its workflow
(draft -> submitted -> approved -> active -> retired) and who did each step.

Only ``profiles/services.py`` writes these rows. The YAML text is kept verbatim, so a version
can be re-validated, compared with another (``difflib``) and loaded into the Screener.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.review.models import ReviewedVersion


class RiskProfile(models.Model):
    """One profile id (``visible-injuries``...); its versions hold the content."""

    profile_id = models.CharField(_("profile id"), max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("profile_id",)

    def __str__(self) -> str:
        return self.profile_id


class YamlVersion(ReviewedVersion):
    """A reviewed version whose content is a YAML document kept verbatim (profile or list)."""

    yaml_text = models.TextField()  # each kind names it (``profile (YAML)``, ``list (YAML)``)
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    owner = models.CharField(_("owner"), max_length=200)

    class Meta:
        abstract = True


class ProfileVersion(YamlVersion):
    profile = models.ForeignKey(RiskProfile, on_delete=models.PROTECT, related_name="versions")
    yaml_text = models.TextField(_("profile (YAML)"))
    valid_from = models.DateField(_("valid from"))
    review_by = models.DateField(_("review by"))

    DOCUMENT_FIELD = "profile_id"

    class Meta:
        ordering = ("profile__profile_id", "-version")
        constraints = (
            models.UniqueConstraint(fields=["profile", "version"], name="profileversion_unique"),
            # at most one active version per profile: the Screener loads exactly one
            models.UniqueConstraint(
                fields=["profile"],
                condition=models.Q(status="active"),
                name="profileversion_one_active",
            ),
        )
        indexes = (models.Index(fields=["status"], name="profileversion_status"),)

    @property
    def document_id(self) -> str:
        return str(self.profile.profile_id)


class ActiveSetStamp(models.Model):
    """One row: the version stamp of the active profile set.

    Every screening call compares it with the set its Screener holds, so a profile activated
    or retired in one server process is used by every other process from its next call.
    """

    stamp = models.CharField(max_length=64)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.stamp


class ListVersion(YamlVersion):
    """One uploaded version of a named list (``agencies_of_concern``...) that ``in_list``
    criteria use. Same workflow as a profile version; the active versions are screened with
    the active profiles, and only ``profiles/services.py`` writes these rows."""

    list_id = models.CharField(_("list id"), max_length=64)
    yaml_text = models.TextField(_("list (YAML)"))
    kind = models.CharField(_("kind of values"), max_length=16)
    item_count = models.PositiveIntegerField(_("entries"))

    DOCUMENT_FIELD = "list_id"

    class Meta:
        ordering = ("list_id", "-version")
        constraints = (
            models.UniqueConstraint(fields=["list_id", "version"], name="listversion_unique"),
            models.UniqueConstraint(
                fields=["list_id"],
                condition=models.Q(status="active"),
                name="listversion_one_active",
            ),
        )
        indexes = (models.Index(fields=["status"], name="listversion_status"),)

    @property
    def document_id(self) -> str:
        return str(self.list_id)
