"""Personas for tests: ``BaseTestCase`` gives every web test the same small world.

Agency A (a border post) has a first-line officer, a case worker and a supervisor; agency B
(an NGO shelter) has a case worker who must see nothing of A. Users have no usable password
(hashing with Argon2 is slow on purpose); ``self.login(user)`` gives a session as after the
log-in page, second factor included for the roles that need one.
"""

from __future__ import annotations

from typing import Any

from django.test import Client, TestCase

from palermo.web.accounts.models import Agency, User
from palermo.web.cases.models import Case
from palermo.web.lib.roles import SECOND_FACTOR_ROLES, AgencyKind, Role


def verify_session_with_second_factor(client: Client, user: User) -> None:
    """Mark the client's session verified by the user's (test) authenticator, as django-otp
    does after a correct code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def make_user(username: str, *, agency: Agency, role: str, password: str | None = None) -> User:
    user: User = User.objects.create_user(
        username=username, password=password, agency=agency, role=role
    )
    return user


class BaseTestCase(TestCase):
    agency_a: Agency
    agency_b: Agency
    officer: User
    caseworker: User
    supervisor: User
    outsider: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.agency_a = Agency.objects.create(
            name="Northgate border post", kind=AgencyKind.BORDER_POST, code="northgate"
        )
        cls.agency_b = Agency.objects.create(
            name="Harbour shelter", kind=AgencyKind.NGO, code="harbour"
        )
        cls.officer = make_user("alice", agency=cls.agency_a, role=Role.FIRST_LINE_OFFICER)
        cls.caseworker = make_user("chen", agency=cls.agency_a, role=Role.CASE_WORKER)
        cls.supervisor = make_user("sam", agency=cls.agency_a, role=Role.SUPERVISOR)
        cls.outsider = make_user("bo", agency=cls.agency_b, role=Role.CASE_WORKER)

    def user_with_role(self, role: Role, *, agency: Agency | None = None) -> User:
        """A user of ``role`` at agency A (or ``agency``), created on first request."""
        target = agency or self.agency_a
        username = f"{role.value}-{target.code}"
        existing = User.objects.filter(username=username).first()
        return existing or make_user(username, agency=target, role=role)

    def open_case(
        self,
        *,
        by: User | None = None,
        full_name: str = "Li Wei",
        document_number: str = "E12345678",
        note: str = "Recruited online for restaurant work; passport kept by the employer.",
    ) -> Case:
        """A case opened at agency A by a second-line interviewer (or ``by``)."""
        from palermo.web.cases.services import case_open

        actor = by or self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        return case_open(
            actor=actor,
            full_name=full_name,
            document_number=document_number,
            contact="+86 138 0000 0000",
            note=note,
            outcome="presumed",
            interview_ref="interview-1",
        )

    def login(self, user: User) -> None:
        """A session as after the log-in page: password and, for the roles that need one, the
        second factor (an authenticator is enrolled for the user if they have none)."""
        self.client.force_login(user)
        if user.role in SECOND_FACTOR_ROLES:
            verify_session_with_second_factor(self.client, user)

    def get_as(self, user: User, url: str, **kwargs: Any) -> Any:
        self.login(user)
        return self.client.get(url, **kwargs)
