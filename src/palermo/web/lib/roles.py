"""Agency kinds, roles and every role set of the web application, declared once.

Views declare ``@allow(<SET>)`` (``palermo.web.lib.permissions``), API operations
``TokenAuth(<SET>)``, and services and selectors call ``require_role(user, <SET>, what=...)``
with the same sets, so who may do what is read in one place (and checked for every URL by
``tests/web/test_permission_matrix.py``).

Plain ``StrEnum`` (typed) plus a label table, rather than Django's ``TextChoices``, so that
``mypy --strict`` sees the members as ``Role`` values.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.web.lib.errors import NotPermittedError


class AgencyKind(StrEnum):
    BORDER_POST = "border_post"
    CONSULATE = "consulate"
    ANTI_TRAFFICKING = "anti_trafficking"
    LABOUR = "labour"
    SOCIAL_WELFARE = "social_welfare"
    NGO = "ngo"
    INTERNATIONAL = "international"


AGENCY_KIND_LABELS: dict[AgencyKind, Promise] = {
    AgencyKind.BORDER_POST: gettext_lazy("Border post"),
    AgencyKind.CONSULATE: gettext_lazy("Consulate or embassy"),
    AgencyKind.ANTI_TRAFFICKING: gettext_lazy("Anti-trafficking office (public security)"),
    AgencyKind.LABOUR: gettext_lazy("Labour authority"),
    AgencyKind.SOCIAL_WELFARE: gettext_lazy("Social welfare or shelter"),
    AgencyKind.NGO: gettext_lazy("Non-governmental organisation"),
    AgencyKind.INTERNATIONAL: gettext_lazy("International organisation"),
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
    Role.FIRST_LINE_OFFICER: gettext_lazy("First-line officer"),
    Role.SECOND_LINE_INTERVIEWER: gettext_lazy("Second-line interviewer"),
    Role.CONSULAR_OFFICER: gettext_lazy("Consular officer"),
    Role.CASE_WORKER: gettext_lazy("Case worker"),
    Role.INVESTIGATOR: gettext_lazy("Investigator"),
    Role.RISK_ANALYST: gettext_lazy("Risk analyst"),
    Role.SUPERVISOR: gettext_lazy("Supervisor"),
    Role.TRAINER: gettext_lazy("Trainer"),
    Role.AUDITOR: gettext_lazy("Auditor"),
    Role.ADMINISTRATOR: gettext_lazy("Administrator"),
}

AGENCY_KIND_CHOICES = [(kind.value, label) for kind, label in AGENCY_KIND_LABELS.items()]
ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]

RoleSet = frozenset[Role]

ALL_ROLES: RoleSet = frozenset(Role)

# --- accounts, administration, audit -------------------------------------------------------
# Agencies, users and API tokens (every agency's).
ADMIN_ROLES: RoleSet = frozenset({Role.ADMINISTRATOR})
# Search the audit log.
AUDIT_ROLES: RoleSet = frozenset({Role.AUDITOR})

# --- academy (training) ----------------------------------------------------------------------
# Everyone reads the course material and takes the tests of the cohorts they are enrolled in.
ACADEMY_ROLES: RoleSet = ALL_ROLES
# Trainers build courses, run cohorts (enrolment, attendance) and read their dashboards.
ACADEMY_TRAINER_ROLES: RoleSet = frozenset({Role.TRAINER})

# --- cases ---------------------------------------------------------------------------------
# Who works on cases at all (list, detail, timeline, consent, status).
CASE_ROLES: RoleSet = frozenset(
    {
        Role.SECOND_LINE_INTERVIEWER,
        Role.CONSULAR_OFFICER,
        Role.CASE_WORKER,
        Role.INVESTIGATOR,
        Role.SUPERVISOR,
    }
)
# Who may see a person's name, document number, contact details and the case's dated notes.
# Supervisors oversee the workflow without reading the person's identity (need to know).
PERSONAL_DATA_ROLES: RoleSet = frozenset(
    {
        Role.SECOND_LINE_INTERVIEWER,
        Role.CONSULAR_OFFICER,
        Role.CASE_WORKER,
        Role.INVESTIGATOR,
    }
)
# Who may open a case from an interview outcome.
CASE_OPENING_ROLES: RoleSet = frozenset(
    {Role.SECOND_LINE_INTERVIEWER, Role.CONSULAR_OFFICER, Role.CASE_WORKER}
)
# Who writes dated notes, tasks and attachments on a case of their agency and reads them
# (they may name the person: the roles that read the identity).
CASE_WORK_ROLES: RoleSet = PERSONAL_DATA_ROLES
# Who assigns a case of their agency to one of its case workers.
CASE_ASSIGN_ROLES: RoleSet = frozenset({Role.CASE_WORKER, Role.SUPERVISOR})
# Who may be assigned a case.
CASE_ASSIGNEE_ROLES: RoleSet = frozenset({Role.CASE_WORKER})
# Who finds cases by the person's name (keyed blind index, lib/blind_index.py).
NAME_SEARCH_ROLES: RoleSet = PERSONAL_DATA_ROLES
# Who may share a case although no matching consent exists (legal basis and reason required).
CONSENT_OVERRIDE_ROLES: RoleSet = frozenset({Role.SUPERVISOR})
# Roles that never see case content, whatever else they are given (selectors check it).
NO_CASE_CONTENT_ROLES: RoleSet = frozenset({Role.ADMINISTRATOR})
# Accounts and tokens with these roles read case content, approve others' work (four-eyes) or
# administer accounts: a second administrator of the owning agency confirms them, so that one
# administrator alone can neither reach victim data nor pass four-eyes with made-up colleagues.
CONFIRMED_ROLES: RoleSet = CASE_ROLES | frozenset(
    {Role.RISK_ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR}
)
# Who must confirm each log-in with a second factor (TOTP or a recovery code): everyone who
# reads a person's identity (PERSONAL_DATA_ROLES: interviewers, consular officers, case workers,
# investigators), supervisors, administrators (they create accounts and tokens) and auditors
# (they read who saw which person). lib/login_steps.py enforces it.
SECOND_FACTOR_ROLES: RoleSet = PERSONAL_DATA_ROLES | frozenset(
    {Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR}
)

# --- children first ------------------------------------------------------------------------
# Who records a child's age assessment, best-interests assessments and determinations, and the
# guardian appointed (the owning agency's; names are read by PERSONAL_DATA_ROLES only).
CHILD_PROTECTION_ROLES: RoleSet = CASE_OPENING_ROLES

# --- consular assistance ------------------------------------------------------------------
# Nationals abroad: open a consular case, keep the assistance log, issue an emergency travel
# document, assess the risk of return, plan and record the return, hand over, follow up.
CONSULAR_ROLES: RoleSet = frozenset({Role.CONSULAR_OFFICER})
# Read the consular cases of the agency (a supervisor oversees them without the person's
# identity) and record why a return may go ahead although its risk was assessed high.
CONSULAR_READ_ROLES: RoleSet = frozenset({Role.CONSULAR_OFFICER, Role.SUPERVISOR})
CONSULAR_OVERRIDE_ROLES: RoleSet = frozenset({Role.SUPERVISOR})

# --- data-sharing agreements ---------------------------------------------------------------
# Administrators (every agency's) and supervisors (their own agency's).
AGREEMENT_ROLES: RoleSet = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})

# --- referrals -----------------------------------------------------------------------------
# See the referrals one's agency sent or received (the receiver: only the shared fields).
REFERRAL_ROLES: RoleSet = CASE_ROLES
# Send and withdraw referrals of one's agency's cases (as sharing: CASE_OPENING_ROLES, and the
# supervisors who may override a missing consent, CONSENT_OVERRIDE_ROLES).
REFERRAL_SEND_ROLES: RoleSet = CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES
# Accept, decline and complete referrals received by one's agency.
REFERRAL_RESPOND_ROLES: RoleSet = frozenset(
    {Role.CONSULAR_OFFICER, Role.CASE_WORKER, Role.INVESTIGATOR, Role.SUPERVISOR}
)
# Referral figures (times to referral and answer, acceptance rates) of one's agency.
REFERRAL_FIGURES_ROLES: RoleSet = frozenset({Role.SUPERVISOR})

# --- service directory ---------------------------------------------------------------------
# Read the directory and route referrals: whoever works on cases; administrators keep it.
DIRECTORY_KEEPER_ROLES: RoleSet = ADMIN_ROLES
DIRECTORY_ROLES: RoleSet = CASE_ROLES | DIRECTORY_KEEPER_ROLES

# --- exports -------------------------------------------------------------------------------
# The hit queue as CSV: the analysts who triage it and the supervisor who oversees it.
HIT_EXPORT_ROLES: RoleSet = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
# The audit log as CSV: the auditors who search it.
AUDIT_EXPORT_ROLES: RoleSet = AUDIT_ROLES
# One case file as JSON: the case worker of the agency that owns the case.
CASE_EXPORT_ROLES: RoleSet = frozenset({Role.CASE_WORKER})

# --- cross-border exchange (HTCDS packages, palermo.web.exchange) -----------------------
# The agency's own key pair and the partner agencies' public keys: administrators; a second
# administrator of the same agency confirms a partner's key before any package uses it.
EXCHANGE_KEY_ROLES: RoleSet = ADMIN_ROLES
# Send a case abroad: its case workers and consular officers with the person's consent to that
# partner; a supervisor (CONSENT_OVERRIDE_ROLES) without it, stating legal basis and reason.
EXCHANGE_EXPORT_ROLES: RoleSet = (
    frozenset({Role.CASE_WORKER, Role.CONSULAR_OFFICER}) | CONSENT_OVERRIDE_ROLES
)
# Receive a package (it opens a case) or check one: those who open and work cases.
EXCHANGE_IMPORT_ROLES: RoleSet = frozenset({Role.CASE_WORKER, Role.CONSULAR_OFFICER})
# The list of packages sent and received.
EXCHANGE_ROLES: RoleSet = EXCHANGE_EXPORT_ROLES | EXCHANGE_IMPORT_ROLES

# --- interviews ----------------------------------------------------------------------------
FIRST_LINE_ROLES: RoleSet = frozenset(
    {Role.FIRST_LINE_OFFICER, Role.CONSULAR_OFFICER, Role.SECOND_LINE_INTERVIEWER}
)
SECOND_LINE_ROLES: RoleSet = frozenset({Role.SECOND_LINE_INTERVIEWER, Role.CONSULAR_OFFICER})
# Opening a case from an interview: the interviewers who may also open cases
# (CASE_OPENING_ROLES, limited to those who interview).
OPEN_CASE_ROLES: RoleSet = SECOND_LINE_ROLES & CASE_OPENING_ROLES

# --- notifications -------------------------------------------------------------------------
# Everyone has an inbox: notifications to them, or to their role at their agency.
NOTIFICATION_ROLES: RoleSet = ALL_ROLES

# --- national referral mechanism: identification decisions ---------------------------------
# The case owner's roles submit a case to the competent authority for an identification
# decision and ask for a reconsideration.
NRM_REFERRING_ROLES: RoleSet = CASE_OPENING_ROLES | frozenset({Role.SUPERVISOR})
# Who records identification decisions: investigators and supervisors of an agency of a
# competent-authority kind (COMPETENT_AUTHORITY_KINDS), and only for identifications
# addressed to their agency (the nrm services check both). The system never decides.
NRM_DECISION_ROLES: RoleSet = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
COMPETENT_AUTHORITY_KINDS: frozenset[AgencyKind] = frozenset({AgencyKind.ANTI_TRAFFICKING})
# Who opens an identification's page: the referring side and the deciding side.
NRM_ROLES: RoleSet = NRM_REFERRING_ROLES | NRM_DECISION_ROLES
# Who reads the grounds of a referral and the reasons of its decisions (need to know): the
# competent authority's decision makers (NRM_DECISION_ROLES there) and, at the agency that owns
# the case, the roles that read the person's data (its case workers, interviewers, consular
# officers, investigators). Anyone else with NRM_ROLES - a supervisor of the owning agency, a
# referring agency that no longer owns the case - follows the clock and the outcome only.
NRM_GROUNDS_OWNER_ROLES: RoleSet = PERSONAL_DATA_ROLES

# --- profiles and named lists --------------------------------------------------------------
# Analysts write them; a second analyst or a supervisor of the same agency approves.
PROFILE_ROLES: RoleSet = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
# what each profile and watchlist yields and whom it selects (issue 11): the people who write
# and approve profiles, and the auditors who check them
OUTCOME_ROLES: RoleSet = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR, Role.AUDITOR})

# --- reports -------------------------------------------------------------------------------
# Dashboards and action-plan indicators (counts only, never a person): supervisors and auditors
# of their agency; those of the national body (PALERMO_NATIONAL_AGENCY) see every agency.
REPORT_ROLES: RoleSet = frozenset({Role.SUPERVISOR, Role.AUDITOR})

# --- screening -----------------------------------------------------------------------------
# Enter a traveller at the booth or visa desk and dispose of the hits.
DESK_ROLES: RoleSet = frozenset({Role.FIRST_LINE_OFFICER, Role.CONSULAR_OFFICER})
# Upload manifests for batch screening.
BATCH_ROLES: RoleSet = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
# See the hit queue and record dispositions (the officers who meet the traveller, the analysts
# who triage the queue, the supervisor who oversees it).
HIT_ROLES: RoleSet = frozenset(
    {Role.FIRST_LINE_OFFICER, Role.CONSULAR_OFFICER, Role.RISK_ANALYST, Role.SUPERVISOR}
)
# Read a hit's reasons (they quote the record: a watchlist match names the traveller and the
# listed person): the roles that may read the traveller's record, each read audited.
HIT_REASON_ROLES: RoleSet = HIT_ROLES

# --- watchlists ----------------------------------------------------------------------------
# Risk analysts upload them; a supervisor of the same agency approves, activates, retires them
# and sets their threshold (four eyes: never the uploader).
WATCHLIST_ROLES: RoleSet = frozenset({Role.RISK_ANALYST, Role.SUPERVISOR})
WATCHLIST_APPROVERS: RoleSet = frozenset({Role.SUPERVISOR})


class Person(Protocol):
    """What a role check reads of a user (a logged-in ``User`` or Django's anonymous user)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


def has_role(user: Person | None, roles: Collection[Role]) -> bool:
    """Whether ``user`` is logged in, active and holds one of ``roles``.

    >>> class Someone:
    ...     is_authenticated = True
    ...     is_active = True
    ...     role = "risk_analyst"
    >>> has_role(Someone(), PROFILE_ROLES), has_role(Someone(), CASE_ROLES)
    (True, False)
    >>> has_role(None, ALL_ROLES)
    False
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return getattr(user, "role", None) in roles


def require_role(user: Person | None, roles: Collection[Role], *, what: str | Promise) -> None:
    """Refuse (``NotPermittedError``, 403) unless ``user`` may act with one of ``roles``.

    ``what`` completes "Your role does not allow you to ...": a lazily translated phrase such
    as ``gettext_lazy("work on risk profiles")``, so the reason reads in the page's language.
    """
    if not has_role(user, roles):
        raise NotPermittedError(_("Your role does not allow you to %(what)s.") % {"what": what})
