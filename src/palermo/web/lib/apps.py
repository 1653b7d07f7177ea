from __future__ import annotations

from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "palermo.web.lib"
    label = "palermo_lib"
    verbose_name = "Palermo helpers"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from palermo.web.lib import checks  # noqa: F401  (registers the system checks)
        from palermo.web.lib.crypto import reset_keyring

        setting_changed.connect(reset_keyring, dispatch_uid="palermo-reset-keyring")
