"""``EncryptedTextField``: a text column stored encrypted (see ``palermo.web.lib.crypto``).

The database never sees the plain text, so these fields cannot be filtered or sorted on;
search by the pseudonymous id instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import models

from palermo.web.lib.crypto import keyring

if TYPE_CHECKING:
    _TextField: TypeAlias = models.TextField[Any, Any]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return keyring().encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value)

    def to_python(self, value: Any) -> Any:
        return value
