from __future__ import annotations

from django.apps import AppConfig


class AcademyConfig(AppConfig):
    name = "palermo.web.academy"
    label = "academy"
