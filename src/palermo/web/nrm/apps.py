from __future__ import annotations

from django.apps import AppConfig


class NrmConfig(AppConfig):
    name = "palermo.web.nrm"
    label = "nrm"
    verbose_name = "National referral mechanism"
