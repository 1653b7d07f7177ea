"""Bearer-token authentication with a role declaration per operation.

``auth=TokenAuth(roles)`` on every operation: an unknown, revoked or expired token gets 401
(an expired one with that reason), a token whose role is not declared gets 403. The token
acts as its system user, so services and the audit log treat it like any other user of its
agency.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from palermo.web.accounts.models import ApiToken
from palermo.web.accounts.services import api_token_touch, token_digest
from palermo.web.lib.roles import Role


class TokenAuth(HttpBearer):
    def __init__(self, roles: Iterable[Role]) -> None:
        super().__init__()
        self.roles: frozenset[Role] = frozenset(roles)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        record = (
            ApiToken.objects.select_related("user__agency")  # the agency: in_training, no 2nd read
            .filter(digest=token_digest(token), revoked_at__isnull=True)
            .first()
        )
        if record is None or record.user is None or not record.user.is_active:
            return None
        if record.expires_at <= timezone.now():
            raise HttpError(401, _("This token has expired; ask an administrator to rotate it."))
        if record.user.role not in self.roles:
            raise HttpError(403, _("This token's role may not use this operation."))
        api_token_touch(record)
        request.user = record.user
        return record.user
