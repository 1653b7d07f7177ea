"""Agency kinds and roles: declared once, with English labels marked for translation.

Plain ``StrEnum`` (typed) plus a label table, rather than Django's ``TextChoices``, so that
``mypy --strict`` sees the members as ``Role`` values.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class AgencyKind(StrEnum):
    BORDER_POST = "border_post"
    CONSULATE = "consulate"
    ANTI_TRAFFICKING = "anti_trafficking"
    LABOUR = "labour"
    SOCIAL_WELFARE = "social_welfare"
    NGO = "ngo"
    INTERNATIONAL = "international"


AGENCY_KIND_LABELS: dict[AgencyKind, Promise] = {
    AgencyKind.BORDER_POST: _("Border post"),
    AgencyKind.CONSULATE: _("Consulate or embassy"),
    AgencyKind.ANTI_TRAFFICKING: _("Anti-trafficking office (public security)"),
    AgencyKind.LABOUR: _("Labour authority"),
    AgencyKind.SOCIAL_WELFARE: _("Social welfare or shelter"),
    AgencyKind.NGO: _("Non-governmental organisation"),
    AgencyKind.INTERNATIONAL: _("International organisation"),
}


class Role(StrEnum):
    FIRST_LINE_OFFICER = "first_line_officer"
    SECOND_LINE_INTERVIEWER = "second_line_interviewer"
    CONSULAR_OFFICER = "consular_officer"
    CASE_WORKER = "case_worker"
    INVESTIGATOR = "investigator"
    RISK_ANALYST = "risk_analyst"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


ROLE_LABELS: dict[Role, Promise] = {
    Role.FIRST_LINE_OFFICER: _("First-line officer"),
    Role.SECOND_LINE_INTERVIEWER: _("Second-line interviewer"),
    Role.CONSULAR_OFFICER: _("Consular officer"),
    Role.CASE_WORKER: _("Case worker"),
    Role.INVESTIGATOR: _("Investigator"),
    Role.RISK_ANALYST: _("Risk analyst"),
    Role.SUPERVISOR: _("Supervisor"),
    Role.TRAINER: _("Trainer"),
    Role.AUDITOR: _("Auditor"),
    Role.ADMINISTRATOR: _("Administrator"),
}

AGENCY_KIND_CHOICES = [(kind.value, label) for kind, label in AGENCY_KIND_LABELS.items()]
ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]

ALL_ROLES: frozenset[Role] = frozenset(Role)

# Who works on cases at all (list, detail, timeline, consent, status).
CASE_ROLES: frozenset[Role] = frozenset(
    {
        Role.SECOND_LINE_INTERVIEWER,
        Role.CONSULAR_OFFICER,
        Role.CASE_WORKER,
        Role.INVESTIGATOR,
        Role.SUPERVISOR,
    }
)
# Who may see a person's name, document number, contact details and narrative notes.
# Supervisors oversee the workflow without reading the person's identity (need to know).
PERSONAL_DATA_ROLES: frozenset[Role] = frozenset(
    {
        Role.SECOND_LINE_INTERVIEWER,
        Role.CONSULAR_OFFICER,
        Role.CASE_WORKER,
        Role.INVESTIGATOR,
    }
)
# Who may open a case from an interview outcome.
CASE_OPENING_ROLES: frozenset[Role] = frozenset(
    {Role.SECOND_LINE_INTERVIEWER, Role.CONSULAR_OFFICER, Role.CASE_WORKER}
)
# Who may share a case although no matching consent exists (legal basis and reason required).
CONSENT_OVERRIDE_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR})
# Accounts and tokens with these roles read case content, approve others' work (four-eyes) or
# administer accounts: a second administrator of the owning agency confirms them, so that one
# administrator alone can neither reach victim data nor pass four-eyes with made-up colleagues.
CONFIRMED_ROLES: frozenset[Role] = CASE_ROLES | frozenset(
    {Role.RISK_ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR}
)
# Roles that never see case content, whatever else they are given (selectors check it).
NO_CASE_CONTENT_ROLES: frozenset[Role] = frozenset({Role.ADMINISTRATOR})
