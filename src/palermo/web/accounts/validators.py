"""Password validators: Django's, with a message of our own where Django's Chinese catalogue
falls short (Django 5.2 changed the minimum-length message and its zh_Hans catalogue still
holds the old one, so a Chinese page would show it in English)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def validate(self, password: str, user: object = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must have at least %(count)d character.",
            "This password is too short: it must have at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must have at least %(count)d character.",
            "Your password must have at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}
