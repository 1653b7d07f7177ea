"""The four-eyes review of kept versions (risk profiles, named lists, watchlists).

A version is uploaded as a draft, submitted, approved by a second person, activated (the
previous active version of the same document retires) and finally retired. The status is
shared by every kind of reviewed version.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ACTIVE = "active"
    RETIRED = "retired"


# What a page says when the first of the two people retiring an active version has asked.
RETIREMENT_ASKED = _(
    "Retirement asked: it stays active until a second person of the agency that holds it confirms."
)

REVIEW_STATUS_CHOICES = [
    (ReviewStatus.DRAFT.value, _("Draft")),
    (ReviewStatus.SUBMITTED.value, _("Submitted for approval")),
    (ReviewStatus.APPROVED.value, _("Approved")),
    (ReviewStatus.ACTIVE.value, _("Active")),
    (ReviewStatus.RETIRED.value, _("Retired")),
]
