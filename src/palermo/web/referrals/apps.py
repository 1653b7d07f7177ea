from __future__ import annotations

from django.apps import AppConfig
from django.core.checks import register


class ReferralsConfig(AppConfig):
    name = "palermo.web.referrals"
    label = "referrals"

    def ready(self) -> None:
        from palermo.web.referrals.checks import check_response_hours

        register(check_response_hours)
