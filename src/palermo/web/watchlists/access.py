"""Who works on watchlists: risk analysts upload them; a supervisor of the same agency
approves, activates, retires them and sets their threshold (four eyes: never the uploader)."""

from __future__ import annotations

from palermo.web.accounts.roles import Role

WATCHLIST_ROLES: frozenset[Role] = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
WATCHLIST_APPROVERS: frozenset[Role] = frozenset({Role.SUPERVISOR})
