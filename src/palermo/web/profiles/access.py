"""Who works on risk profiles: analysts write them, a second analyst or a supervisor approves."""

from __future__ import annotations

from palermo.web.accounts.roles import Role

PROFILE_ROLES: frozenset[Role] = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
