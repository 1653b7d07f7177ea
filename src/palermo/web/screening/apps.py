from __future__ import annotations

from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "palermo.web.screening"
    label = "screening"

    def ready(self) -> None:
        # registers the batch task's recovery handler and upload clean-up with the worker
        from palermo.web.screening import tasks  # noqa: F401
