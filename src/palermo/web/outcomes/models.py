"""What the outcomes app keeps: which review dates were announced (issue 11 item 3). Written
only by ``outcomes/services.py``."""

from __future__ import annotations

from django.db import models


class ReviewNotice(models.Model):
    """A profile version's outcomes were sent to its holders ahead of one review date: one row
    per version and review date (unique), so the daily task tells them once, whichever worker
    runs it."""

    version = models.ForeignKey(
        "profiles.ProfileVersion", on_delete=models.PROTECT, related_name="+"
    )
    review_by = models.DateField()
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.PROTECT, null=True, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["version", "review_by"], name="reviewnotice_once_per_date"
            ),
        )

    def __str__(self) -> str:
        return f"{self.version_id} review {self.review_by.isoformat()}"
