from __future__ import annotations

from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "palermo.web.administration"
    label = "administration"
