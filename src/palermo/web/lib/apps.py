from __future__ import annotations

import os
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created

from palermo.lib.files import PRIVATE_UMASK, make_private, private_dir


class LibConfig(AppConfig):
    name = "palermo.web.lib"
    label = "palermo_lib"
    verbose_name = "Palermo helpers"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from palermo.web.lib import checks  # noqa: F401  (registers the system checks)
        from palermo.web.lib.crypto import reset_keyring

        setting_changed.connect(reset_keyring, dispatch_uid="palermo-reset-keyring")
        make_data_private()
        connection_created.connect(_sqlite_private, dispatch_uid="palermo-sqlite-private")


def make_data_private() -> None:
    """Files this process writes are 0600 and folders 0700 (umask); the data directory and
    the folder Django streams uploads to are 0700, whoever created them."""
    os.umask(PRIVATE_UMASK)
    private_dir(settings.DATA_DIR)
    private_dir(settings.FILE_UPLOAD_TEMP_DIR)


def _sqlite_private(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The SQLite database and its WAL and shared-memory files are 0600, also when they were
    created by an older version or another program."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name and not name.startswith(":memory:") and "mode=memory" not in name:
        make_private(name, f"{name}-wal", f"{name}-shm")
