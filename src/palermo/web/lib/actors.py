"""Who acts when no one is logged in: the command line (``SystemActor``).

On the ground floor because every app that takes the command line as an actor (administration,
the academy's imports, exchange, certificates) needs it, and an app's import of another app for
it made cycles (administration -> certificates -> academy -> administration).
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SystemActor:
    """Someone at the server's command line: trusted like the owner of the database files
    (they could read them anyway), never a logged-in user; named in the audit log."""

    label: str
    is_authenticated = False
    is_active = True
    role = None
    agency_id = None
    pk = None


def command_line_actor(command: str) -> SystemActor:
    """``command line (palermo web create-user) on host H by OS user U``."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        os_user = "unknown"
    label = f"command line ({command}) on host {socket.gethostname()} by OS user {os_user}"
    return SystemActor(label[:200])
