from __future__ import annotations

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "palermo.web.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes and fairness of profiles"
