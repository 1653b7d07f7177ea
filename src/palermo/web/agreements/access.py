"""Who records, signs and ends data-sharing agreements: the supervisors and administrators of
the party agencies (each signs for their own agency)."""

from __future__ import annotations

from palermo.web.accounts.roles import Role

AGREEMENT_ROLES: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})
