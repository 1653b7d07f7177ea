from __future__ import annotations

from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "palermo.web.agreements"
    label = "agreements"
