"""Who may take data out of the system, and in which form."""

from __future__ import annotations

from palermo.web.accounts.roles import Role

# The hit queue as CSV: the analysts who triage it and the supervisor who oversees it.
HIT_EXPORT_ROLES: frozenset[Role] = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
# The audit log as CSV: the auditors who search it.
AUDIT_EXPORT_ROLES: frozenset[Role] = frozenset({Role.AUDITOR})
# One case file as JSON: the case worker of the agency that owns the case.
CASE_EXPORT_ROLES: frozenset[Role] = frozenset({Role.CASE_WORKER})
