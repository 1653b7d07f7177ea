"""What the ``palermo audit|keys|web`` commands need from Django, so the CLI never imports it.

``palermo.cli.web`` declares the commands and imports this module inside their bodies; nothing
outside ``palermo.web`` imports Django (tests/test_architecture.py).
"""

from __future__ import annotations

import os


def setup_django() -> None:
    """Load the settings (from ``PALERMO_*`` variables) and the apps.

    Raises ``palermo.web.lib.env.ConfigurationError`` naming a malformed setting.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
    import django

    django.setup()


def migrate() -> None:
    """Create or upgrade the database tables."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


def system_check_failures(*, deploy: bool = False) -> str | None:
    """Run the configuration checks (palermo.E001 ...) and Django's own; the report of the
    failures at level ERROR or above, or ``None`` when there is none. ``deploy`` adds the
    deployment checks (Django's ``security.W0xx``, ``palermo.W010``...) and fails on any
    warning."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=deploy, fail_level="WARNING" if deploy else "ERROR")
    except SystemCheckError as exc:
        return str(exc)
    return None


def password_refusal(password: str) -> str | None:
    """Why the configured password validators refuse ``password``, or ``None``."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None
