from __future__ import annotations

from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "palermo.web.screening"
    label = "screening"
