"""``agreement_ended``: sent inside the transaction that ends an agreement, so the apps whose
records rest on it (the cases app's shares) end them in the same transaction without
``agreements`` importing them. Receivers get ``agreement`` and ``actor``."""

from __future__ import annotations

from django.dispatch import Signal

agreement_ended = Signal()
