from __future__ import annotations

from django.apps import AppConfig


class WorkqueueConfig(AppConfig):
    name = "palermo.web.workqueue"
    label = "workqueue"
    verbose_name = "Work queue"
