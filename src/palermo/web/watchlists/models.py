"""Watchlists as the web application keeps them: every uploaded version of a list, held by the
agency that uploaded it (the controller of those personal data), with its description (owner,
purpose, legal basis, expiry, threshold), its workflow and who did each step.

The entries - names, dates of birth, phones, e-mails - are personal data: they are kept only in
``entries``, an encrypted column (``palermo.web.lib.fields``), as the canonical JSON of the
domain's ``Entry`` (document numbers already reduced to keyed hashes by the loader). The
database never holds a listed name in plain text, the entries rotate with the other encrypted
fields (``palermo keys rotate``), and every server process reads the same lists from the one
database. Only ``watchlists/services.py`` and ``watchlists/index_files.py`` (the index a
version is matched with, built once after approval) write these rows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.web.lib.fields import EncryptedTextField
from palermo.web.review.models import ReviewedVersion


class WatchlistVersion(ReviewedVersion):
    list_id = models.CharField(_("list id"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    owner = models.CharField(_("owner"), max_length=300)
    purpose = models.CharField(_("purpose"), max_length=1000)
    legal_basis = models.CharField(_("legal basis"), max_length=1000)
    expires = models.DateField(_("expires"))
    threshold = models.PositiveSmallIntegerField(_("threshold"))
    entries = EncryptedTextField(_("entries"))
    digest = models.CharField(max_length=64)  # SHA-256 of the entries' JSON: the set's stamp
    people = models.PositiveIntegerField(_("people"))
    organisations = models.PositiveIntegerField(_("organisations"))
    contacts = models.PositiveIntegerField(_("contact points"))
    #: the sealed file of this version's matching index (``index_files.py``), built by the
    #: ``watchlist_index_build`` task after approval; empty until then
    index_file = models.CharField(max_length=200, blank=True, default="")
    index_built_at = models.DateTimeField(null=True, blank=True)

    DOCUMENT_FIELD = "list_id"

    class Meta:
        ordering = ("list_id", "-version")
        constraints = (
            models.UniqueConstraint(fields=["list_id", "version"], name="watchlist_unique"),
            # one active version per list: the index refuses two lists with one id
            models.UniqueConstraint(
                fields=["list_id"],
                condition=models.Q(status="active"),
                name="watchlist_one_active",
            ),
        )
        indexes = (
            models.Index(fields=["status"], name="watchlist_status"),
            models.Index(fields=["agency", "list_id"], name="watchlist_agency_list"),
        )


class WatchlistSetStamp(models.Model):
    """One row: the stamp of the active watchlists (ids, versions, thresholds, expiry dates,
    content digests). Every screening call compares it with the lists its Screener matches
    against, so a list activated, retired or re-thresholded in one server process is used by
    every other process from its next call."""

    stamp = models.CharField(max_length=64)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.stamp
