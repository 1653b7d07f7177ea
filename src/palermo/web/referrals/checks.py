"""The referrals' configuration as a Django system check (registered in ``apps.py``).

| id | problem |
|---|---|
| ``palermo.E020`` | ``PALERMO_REFERRAL_RESPONSE_HOURS`` names a service that does not exist |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from palermo.web.directory.models import ServiceType


def check_response_hours(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    known = {s.value for s in ServiceType}
    unknown = sorted(set(settings.REFERRAL_RESPONSE_HOURS) - known)
    if not unknown:
        return []
    return [
        Error(
            f"PALERMO_REFERRAL_RESPONSE_HOURS names unknown services: {', '.join(unknown)}",
            hint=f"Use these service codes: {', '.join(sorted(known))}.",
            id="palermo.E020",
        )
    ]
