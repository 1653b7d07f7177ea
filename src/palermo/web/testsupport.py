"""Personas for tests: ``BaseTestCase`` gives every web test the same small world.

Agency A (a border post) has a first-line officer, a case worker and a supervisor; agency B
(an NGO shelter) has a case worker who must see nothing of A. Users have no usable password
(hashing with Argon2 is slow on purpose); log them in with ``self.client.force_login``.
"""

from __future__ import annotations

from typing import Any

from django.test import TestCase

from palermo.web.accounts.models import Agency, User
from palermo.web.cases.models import Case
from palermo.web.lib.roles import AgencyKind, Role


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
        notes: str = "Recruited online for restaurant work; passport kept by the employer.",
    ) -> Case:
        """A case opened at agency A by a second-line interviewer (or ``by``)."""
        from palermo.web.cases.services import case_open

        actor = by or self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        return case_open(
            actor=actor,
            full_name=full_name,
            document_number=document_number,
            contact="+86 138 0000 0000",
            notes=notes,
            outcome="presumed",
            interview_ref="interview-1",
        )

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def get_as(self, user: User, url: str, **kwargs: Any) -> Any:
        self.client.force_login(user)
        return self.client.get(url, **kwargs)
