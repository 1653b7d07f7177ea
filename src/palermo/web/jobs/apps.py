from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "palermo.web.jobs"
    label = "jobs"
    verbose_name = "Background work"

    def ready(self) -> None:
        from palermo.web.jobs.recovery import on_housekeeping
        from palermo.web.lib.upload_handlers import incoming_sweep

        # sealed uploads of requests a killed server process never finished
        on_housekeeping(incoming_sweep)
