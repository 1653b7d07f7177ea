from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "palermo.web.directory"
    label = "directory"
