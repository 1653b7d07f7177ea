"""The second factor: administrators, supervisors, case workers, interviewers (and consular
officers and investigators, who read the same personal data) and auditors reach no page with a
password alone; they enrol an authenticator (QR code drawn on the server, secret in text),
confirm it with a code, get recovery codes once, and confirm every later log-in with a code."""

from __future__ import annotations

import re

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.lib.roles import SECOND_FACTOR_ROLES, Role
from palermo.web.testsupport import BaseTestCase, make_user

PASSWORD = "correct horse battery"
SECOND_FACTOR = "/accounts/second-factor/"


def code_now(device: TOTPDevice, *, step_offset: int = 0) -> str:
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + step_offset,
    )
    return str(value).zfill(device.digits)


class TestWhoNeedsASecondFactor(BaseTestCase):
    def test_the_issue_s_roles_and_the_other_readers_of_identities_need_one(self) -> None:
        assert {
            Role.ADMINISTRATOR,
            Role.SUPERVISOR,
            Role.CASE_WORKER,
            Role.SECOND_LINE_INTERVIEWER,
            Role.AUDITOR,
            Role.CONSULAR_OFFICER,
            Role.INVESTIGATOR,
        } == SECOND_FACTOR_ROLES

    def test_a_password_alone_opens_no_page_for_those_roles(self) -> None:
        for role in Role:
            user = self.user_with_role(role)
            self.client.force_login(user)  # the password step only
            response = self.client.get("/")
            if role in SECOND_FACTOR_ROLES:
                assert response.status_code == 302, role
                assert response["Location"].startswith(SECOND_FACTOR), role
            else:
                assert response.status_code == 200, role
            self.client.logout()

    def test_a_case_worker_with_only_a_password_cannot_read_a_case(self) -> None:
        case = self.open_case()
        self.client.force_login(self.caseworker)
        response = self.client.get(f"/cases/{case.pk}/")
        assert response.status_code == 302
        assert response["Location"] == f"{SECOND_FACTOR}?next=%2Fcases%2F{case.pk}%2F"
        assert "Li Wei" not in response.content.decode()


class TestEnrolment(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.caseworker)

    def test_the_enrolment_page_draws_the_qr_code_on_the_server_and_shows_the_secret(
        self,
    ) -> None:
        page = self.client.get(SECOND_FACTOR).content.decode()
        assert "<svg" in page  # inline SVG: no image from elsewhere, no script
        assert "<img" not in page
        device = TOTPDevice.objects.get(user=self.caseworker, confirmed=False)
        secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
        assert secret is not None
        from base64 import b32encode

        assert secret.group(1).replace(" ", "") == b32encode(device.bin_key).decode().rstrip("=")
        # reloading shows the same secret (the app may already hold it)
        assert secret.group(1) in self.client.get(SECOND_FACTOR).content.decode()

    def test_a_wrong_first_code_is_refused_in_place_and_nothing_is_confirmed(self) -> None:
        self.client.get(SECOND_FACTOR)
        response = self.client.post(SECOND_FACTOR, {"code": "000000"})
        assert response.status_code == 422
        assert "is not valid" in response.content.decode()
        assert not TOTPDevice.objects.filter(user=self.caseworker, confirmed=True).exists()
        assert self.client.get("/cases/").status_code == 302

    def test_the_right_code_confirms_shows_ten_recovery_codes_once_and_opens_the_pages(
        self,
    ) -> None:
        self.client.get(SECOND_FACTOR)
        device = TOTPDevice.objects.get(user=self.caseworker, confirmed=False)
        response = self.client.post(SECOND_FACTOR, {"code": code_now(device), "next": "/cases/"})
        assert response.status_code == 200
        shown = re.findall(r'<code class="secret">([a-z0-9]+)</code>', response.content.decode())
        assert len(shown) == 10
        assert sorted(shown) == sorted(
            StaticToken.objects.filter(device__user=self.caseworker).values_list("token", flat=True)
        )
        assert self.client.get("/cases/").status_code == 200
        # the next visit to the page shows the status, not the codes again
        again = self.client.get(SECOND_FACTOR).content.decode()
        assert not any(code in again for code in shown)
        entry = AuditEntry.objects.filter(purpose="second factor enrolled").get()
        assert entry.actor_id == self.caseworker.pk

    def test_the_enrolment_page_reads_in_chinese(self) -> None:
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(SECOND_FACTOR).content.decode()
        assert "设置第二重验证" in page
        assert "身份验证器" in page


class TestLogInWithACode(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_user(
            "dana", agency=self.agency_a, role=Role.CASE_WORKER, password=PASSWORD
        )
        self.device = TOTPDevice.objects.create(user=self.person, name="phone", confirmed=True)

    def log_in_with_password(self) -> None:
        response = self.client.post(
            "/accounts/login/", {"username": "dana", "password": PASSWORD, "next": "/cases/"}
        )
        assert response.status_code == 302

    def test_after_the_password_the_code_is_asked_and_then_the_page_opens(self) -> None:
        self.log_in_with_password()
        response = self.client.get("/cases/")
        assert response["Location"].startswith(SECOND_FACTOR)
        assert "Enter your code" in self.client.get(response["Location"]).content.decode()
        done = self.client.post(SECOND_FACTOR, {"code": code_now(self.device), "next": "/cases/"})
        assert done.status_code == 302
        assert done["Location"] == "/cases/"
        assert self.client.get("/cases/").status_code == 200
        entry = AuditEntry.objects.filter(action=AuditAction.LOGIN).order_by("seq").last()
        assert entry is not None
        assert entry.detail["second_factor"] == "authenticator"

    def test_a_wrong_code_is_refused_and_audited(self) -> None:
        self.log_in_with_password()
        response = self.client.post(SECOND_FACTOR, {"code": "123456"})
        assert response.status_code == 422
        assert AuditEntry.objects.filter(
            action=AuditAction.LOGIN_FAILED, actor_id=self.person.pk
        ).exists()
        assert self.client.get("/cases/").status_code == 302

    def test_a_code_cannot_be_used_twice(self) -> None:
        code = code_now(self.device)
        self.log_in_with_password()
        assert self.client.post(SECOND_FACTOR, {"code": code}).status_code == 302
        self.client.post("/accounts/logout/")
        self.log_in_with_password()
        assert self.client.post(SECOND_FACTOR, {"code": code}).status_code == 422

    def test_a_recovery_code_works_once_and_says_how_many_are_left(self) -> None:
        from palermo.web.accounts.second_factor import _new_recovery_codes

        codes = _new_recovery_codes(self.person)
        self.log_in_with_password()
        response = self.client.post(SECOND_FACTOR, {"code": codes[0]}, follow=True)
        assert "9 are left" in response.content.decode()
        self.client.post("/accounts/logout/")
        self.log_in_with_password()
        assert self.client.post(SECOND_FACTOR, {"code": codes[0]}).status_code == 422

    def test_log_out_works_before_the_code(self) -> None:
        self.log_in_with_password()
        assert self.client.post("/accounts/logout/").status_code == 302
        assert self.client.get(SECOND_FACTOR).status_code == 302  # to the log-in page


class TestReset(BaseTestCase):
    def test_an_administrator_resets_a_lost_second_factor_and_the_person_enrols_again(
        self,
    ) -> None:
        TOTPDevice.objects.create(user=self.caseworker, name="phone", confirmed=True)
        admin = self.user_with_role(Role.ADMINISTRATOR)
        self.login(admin)
        url = reverse("administration:user_reset_second_factor", kwargs={"pk": self.caseworker.pk})
        assert self.client.post(url).status_code == 302
        assert not TOTPDevice.objects.filter(user=self.caseworker).exists()
        assert AuditEntry.objects.filter(purpose="second factor reset").count() == 1
        self.client.force_login(self.caseworker)
        assert "Set up your second factor" in self.client.get(SECOND_FACTOR).content.decode()
