"""Passwords, API tokens and sessions that end: a one-time password must be changed at the
first log-in, everyone can change their password, tokens expire and are rotated, and a
session ends a fixed time after the log-in however active it is."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from palermo.web.accounts.models import ApiToken, User
from palermo.web.accounts.services import api_token_create
from palermo.web.audit.models import AuditEntry
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase, make_user

NEW_PASSWORD = "a long new passphrase 7"


class TestOneTimePasswords(BaseTestCase):
    def setUp(self) -> None:
        self.admin = self.user_with_role(Role.ADMINISTRATOR)
        self.login(self.admin)
        form = {"username": "dana", "agency": self.agency_a.pk, "role": Role.FIRST_LINE_OFFICER}
        page = self.client.post(reverse("administration:user_create"), form).content.decode()
        self.one_time = page.split('<code class="secret">', 1)[1].split("</code>", 1)[0]
        self.client.logout()

    def log_in(self, password: str) -> int:
        response = self.client.post("/accounts/login/", {"username": "dana", "password": password})
        return response.status_code

    def test_a_one_time_password_leads_only_to_the_password_change_page(self) -> None:
        assert self.log_in(self.one_time) == 302
        for url in ("/", "/screening/desk/"):
            response = self.client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/password/"), url
        page = self.client.get("/accounts/password/").content.decode()
        assert "works only once" in page

    def test_after_the_change_the_pages_open_and_the_one_time_password_is_dead(self) -> None:
        self.log_in(self.one_time)
        response = self.client.post(
            "/accounts/password/",
            {
                "old_password": self.one_time,
                "new_password": NEW_PASSWORD,
                "new_password_again": NEW_PASSWORD,
                "next": "/screening/desk/",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == "/screening/desk/"
        assert self.client.get("/screening/desk/").status_code == 200  # session kept
        assert User.objects.get(username="dana").must_change_password is False
        assert AuditEntry.objects.filter(purpose="password changed").count() == 1
        self.client.logout()
        assert self.log_in(self.one_time) == 401
        assert self.log_in(NEW_PASSWORD) == 302

    def test_a_password_reset_by_an_administrator_must_be_changed_again(self) -> None:
        dana = User.objects.get(username="dana")
        dana.must_change_password = False
        dana.save(update_fields=["must_change_password"])
        self.login(self.admin)
        url = reverse("administration:user_reset_password", kwargs={"pk": dana.pk})
        self.client.post(url)
        assert User.objects.get(pk=dana.pk).must_change_password is True


class TestPasswordChange(BaseTestCase):
    def setUp(self) -> None:
        self.officer.set_password("the first passphrase 1")
        self.officer.save(update_fields=["password"])
        self.login(self.officer)

    def change(self, old: str, new: str, again: str | None = None, **extra: str) -> object:
        data = {"old_password": old, "new_password": new, "new_password_again": again or new}
        return self.client.post("/accounts/password/", data, **extra)

    def test_everyone_can_reach_the_page_from_the_header(self) -> None:
        page = self.client.get("/").content.decode()
        assert 'href="/accounts/password/"' in page
        assert self.client.get("/accounts/password/").status_code == 200

    def test_a_wrong_current_password_is_refused_beside_its_field(self) -> None:
        response = self.change("not it", NEW_PASSWORD)
        assert response.status_code == 422
        assert "is not your current password" in response.content.decode()

    def test_django_s_validators_refuse_a_weak_password_in_the_page_s_language(self) -> None:
        response = self.change("the first passphrase 1", "12345678")
        assert response.status_code == 422
        assert "too short" in response.content.decode()
        assert "too common" in response.content.decode()
        self.client.cookies["django_language"] = "zh-hans"
        chinese = self.change("the first passphrase 1", "12345678")
        assert "密码长度太短" in chinese.content.decode()

    def test_the_two_new_passwords_must_match(self) -> None:
        response = self.change("the first passphrase 1", NEW_PASSWORD, "something else 99")
        assert response.status_code == 422
        assert "differ" in response.content.decode()


class TestApiTokens(BaseTestCase):
    def token(self) -> tuple[ApiToken, str]:
        return api_token_create(
            name="border system", agency=self.agency_a, role=Role.CASE_WORKER, created_by=None
        )

    def call(self, token: str) -> object:
        return self.client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {token}")

    @override_settings(API_TOKEN_DAYS=30)
    def test_a_token_expires_after_the_configured_days(self) -> None:
        record, _plain = self.token()
        expected = timezone.now() + timedelta(days=30)
        assert abs((record.expires_at - expected).total_seconds()) < 60

    def test_an_expired_token_gets_401_with_the_reason(self) -> None:
        record, plain = self.token()
        assert self.call(plain).status_code == 200
        ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now())
        response = self.call(plain)
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    def test_rotation_revokes_the_old_token_at_once_and_a_second_admin_issues_the_new(
        self,
    ) -> None:
        from palermo.web.administration.models import Confirmation

        record, old = self.token()
        self.login(self.user_with_role(Role.ADMINISTRATOR))
        response = self.client.post(
            reverse("administration:token_rotate", kwargs={"pk": record.pk})
        )
        assert response.status_code == 302
        assert self.call(old).status_code == 401  # revoked at once
        rotated = ApiToken.objects.get(replaces=record)
        assert (rotated.name, rotated.role, rotated.agency) == (
            record.name,
            record.role,
            record.agency,
        )
        entry = AuditEntry.objects.get(purpose="API token rotated")
        assert entry.detail["revoked"] == record.prefix
        # a case worker's token reads case content: a second administrator issues the secret
        second = make_user("second-admin", agency=self.agency_a, role=Role.ADMINISTRATOR)
        self.login(second)
        confirmation = Confirmation.objects.get(account=rotated.user, decided_at__isnull=True)
        page = self.client.post(
            reverse("administration:confirm", kwargs={"pk": confirmation.pk})
        ).content.decode()
        new = page.split('<code class="secret">', 1)[1].split("</code>", 1)[0]
        assert new.startswith("plm_")
        assert new != old
        self.client.logout()
        assert self.call(new).status_code == 200
        assert self.call(old).status_code == 401

    def test_the_token_page_shows_each_token_s_expiry(self) -> None:
        record, _plain = self.token()
        self.login(self.user_with_role(Role.ADMINISTRATOR))
        page = self.client.get(reverse("administration:index")).content.decode()
        assert date_format(timezone.localtime(record.expires_at), "DATE_FORMAT") in page
        assert "90 days" in page


class TestAbsoluteSessionLifetime(BaseTestCase):
    @override_settings(SESSION_MAX_HOURS=12)
    def test_an_active_session_ends_twelve_hours_after_the_log_in(self) -> None:
        self.login(self.officer)
        assert self.client.get("/").status_code == 200
        later = time.time() + 12 * 3600 + 60
        with mock.patch("palermo.web.lib.login_steps.time.time", return_value=later):
            response = self.client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert self.client.get("/").status_code == 302  # the session is gone, not just hidden

    def test_eleven_hours_of_work_keep_the_session(self) -> None:
        self.login(self.officer)
        later = time.time() + 11 * 3600
        with mock.patch("palermo.web.lib.login_steps.time.time", return_value=later):
            assert self.client.get("/").status_code == 200

    def test_a_session_without_its_log_in_time_is_ended(self) -> None:
        self.login(self.officer)
        session = self.client.session
        del session["palermo_logged_in_at"]
        session.save()
        assert self.client.get("/").status_code == 302
