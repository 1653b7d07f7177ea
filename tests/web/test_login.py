from __future__ import annotations

from django.test import override_settings

from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase, make_user

PASSWORD = "correct horse battery"


class TestLogin(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_user(
            "dana", agency=self.agency_a, role=Role.CASE_WORKER, password=PASSWORD
        )

    def post(self, password: str, username: str = "dana") -> int:
        return self.client.post(
            "/accounts/login/", {"username": username, "password": password}
        ).status_code

    def test_a_correct_password_logs_in_and_is_audited(self) -> None:
        assert self.post(PASSWORD) == 302
        entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
        assert entry.actor_id == self.person.pk

    def test_passwords_are_stored_as_argon2_hashes(self) -> None:
        self.person.refresh_from_db()
        assert self.person.password.startswith("argon2$")

    def test_a_wrong_password_is_refused_and_audited(self) -> None:
        assert self.post("wrong") == 401
        assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1

    @override_settings(LOGIN_MAX_FAILURES=3)
    def test_too_many_failures_lock_the_account_even_with_the_right_password(self) -> None:
        for _ in range(3):
            assert self.post("wrong") == 401
        response = self.client.post("/accounts/login/", {"username": "dana", "password": PASSWORD})
        assert response.status_code == 401
        assert b"Too many failed log-ins" in response.content
        assert AuditEntry.objects.filter(action=AuditAction.LOGIN_LOCKED).count() == 1

    @override_settings(LOGIN_MAX_FAILURES=3)
    def test_failures_for_another_user_name_do_not_lock_this_one(self) -> None:
        for _ in range(3):
            self.post("wrong", username="someone-else")
        assert self.post(PASSWORD) == 302

    @override_settings(LOGIN_MAX_FAILURES=2)
    def test_a_success_before_the_limit_clears_the_failures(self) -> None:
        self.post("wrong")
        assert self.post(PASSWORD) == 302
        self.client.logout()
        self.post("wrong")
        assert self.post(PASSWORD) == 302

    def test_the_session_expires_after_the_configured_inactivity(self) -> None:
        assert self.post(PASSWORD) == 302
        assert self.client.session.get_expiry_age() == 30 * 60

    def test_logging_out_needs_a_post_and_ends_the_session(self) -> None:
        self.post(PASSWORD)
        assert self.client.get("/accounts/logout/").status_code == 405
        assert self.client.post("/accounts/logout/").status_code == 302
        assert self.client.get("/").status_code == 302
