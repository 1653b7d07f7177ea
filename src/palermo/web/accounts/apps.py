from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "palermo.web.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        # every log-in (the page, tests' force_login) starts the absolute session lifetime
        user_logged_in.connect(_session_started, dispatch_uid="palermo-session-started")


def _session_started(sender: object, request: object, **kwargs: object) -> None:
    from django.http import HttpRequest

    from palermo.web.lib.login_steps import session_started

    if isinstance(request, HttpRequest) and hasattr(request, "session"):
        session_started(request)
