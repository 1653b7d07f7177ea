from __future__ import annotations

from django.apps import AppConfig


class WatchlistsConfig(AppConfig):
    name = "palermo.web.watchlists"
    label = "watchlists"

    def ready(self) -> None:
        # registers the index build task and its housekeeping with the worker
        from palermo.web.watchlists import tasks  # noqa: F401
