from __future__ import annotations

from django.apps import AppConfig


class ConsularConfig(AppConfig):
    name = "palermo.web.consular"
    label = "consular"
