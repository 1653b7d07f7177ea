from __future__ import annotations

from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "palermo.web.exports"
    label = "exports"
