"""Who uses the screening desk, the batch upload and the hit queue."""

from __future__ import annotations

from palermo.web.accounts.roles import Role

# Enter a traveller at the booth or visa desk and dispose of the hits.
DESK_ROLES: frozenset[Role] = frozenset({Role.FIRST_LINE_OFFICER, Role.CONSULAR_OFFICER})
# Upload manifests for batch screening.
BATCH_ROLES: frozenset[Role] = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
# See the hit queue and record dispositions (the officers who meet the traveller, the analysts
# who triage the queue, the supervisor who oversees it).
HIT_ROLES: frozenset[Role] = frozenset(
    {Role.FIRST_LINE_OFFICER, Role.CONSULAR_OFFICER, Role.RISK_ANALYST, Role.SUPERVISOR}
)
