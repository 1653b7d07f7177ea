"""Which screened travellers have been masked, and when (``retention/services.py`` only)."""

from __future__ import annotations

from django.db import models


class MaskedTraveller(models.Model):
    traveller = models.OneToOneField(
        "screening.Traveller", on_delete=models.PROTECT, related_name="masking"
    )
    masked_at = models.DateTimeField()
    retention_days = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.traveller_id} masked {self.masked_at:%Y-%m-%d}"
