"""Who runs the first-line screen and the second-line interview."""

from __future__ import annotations

from palermo.web.accounts.roles import Role

FIRST_LINE_ROLES: frozenset[Role] = frozenset(
    {Role.FIRST_LINE_OFFICER, Role.CONSULAR_OFFICER, Role.SECOND_LINE_INTERVIEWER}
)
SECOND_LINE_ROLES: frozenset[Role] = frozenset(
    {Role.SECOND_LINE_INTERVIEWER, Role.CONSULAR_OFFICER}
)
# Opening a case from an interview: the interviewers who may also open cases
# (accounts.roles.CASE_OPENING_ROLES, limited to those who interview).
OPEN_CASE_ROLES: frozenset[Role] = SECOND_LINE_ROLES
