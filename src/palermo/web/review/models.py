"""The fields every reviewed version has: who holds it, its number, status and who did each
step of the four-eyes workflow (``palermo.web.review.workflow``)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.lib.review import REVIEW_STATUS_CHOICES


class ReviewedVersion(models.Model):
    """One kept version of a document (a profile, a named list, a watchlist): draft ->
    submitted -> approved -> active -> retired. ``agency`` holds it: the second person who
    approves it, and the two who retire it while it is active, are of that agency (or of the
    national body, ``PALERMO_NATIONAL_AGENCY``). Abstract, so each kind keeps its own table."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    source_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=REVIEW_STATUS_CHOICES)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    # Retiring an active version takes two people: the first asks (with the reason) ...
    retire_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    retire_requested_at = models.DateTimeField(null=True, blank=True)
    # ... a second of the holding agency confirms.
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    retire_reason = models.CharField(_("reason for retiring"), max_length=500, blank=True)

    DOCUMENT_FIELD: ClassVar[str]  # the field saying which document a version belongs to

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.document_id} v{self.version}"

    @property
    def document_id(self) -> str:
        """The id of the document this is a version of (profile id or list id)."""
        return str(getattr(self, self.DOCUMENT_FIELD))
