"""Who manages data-sharing agreements: administrators (every agency's) and supervisors
(their own agency's)."""

from __future__ import annotations

from palermo.web.accounts.roles import Role

AGREEMENT_ROLES: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})
