"""Training certificates: earned by passing a course, printed in English and Chinese with a
signed verification code, checked by anyone on a public page, revoked by a trainer."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from certificate_fixtures import enrolled, pass_course
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from palermo.errors import InputError
from palermo.web.academy.models import Cohort
from palermo.web.audit.models import AuditEntry
from palermo.web.certificates.codes import certificate_code, certificate_verify
from palermo.web.certificates.models import Certificate
from palermo.web.certificates.services import certificate_issue, certificate_revoke
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web


def _pdf_text(content: bytes) -> tuple[str, list[object]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    # pypdf gives the two-byte CID text of an Identity-H font with its zero bytes
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    return text, fonts


class TestCertificates(BaseTestCase):
    def setUp(self) -> None:
        self.trainer = self.user_with_role(Role.TRAINER)
        self.officer.first_name, self.officer.last_name = "Alice", "Wong"
        self.officer.save(update_fields=["first_name", "last_name"])

    def _certified(self) -> Certificate:
        enrolment = enrolled(self)
        pass_course(self, enrolment)
        return certificate_issue(actor=self.officer, enrolment=enrolment)

    def test_a_trainee_who_passed_receives_the_certificate_from_the_academy_page(self) -> None:
        enrolment = enrolled(self)
        pass_course(self, enrolment)
        self.login(self.officer)
        page = self.client.get(reverse("academy:index")).content.decode()
        assert "Receive the certificate" in page
        response = self.client.post(
            reverse("certificates:issue"), {"enrolment": enrolment.pk}, follow=True
        )
        certificate = Certificate.objects.get(enrolment=enrolment)
        text = response.content.decode()
        assert certificate_code(certificate) in text
        assert "Download the certificate (PDF)" in text
        assert certificate.holder_name == "Alice Wong"
        assert certificate.valid_until == certificate.issued_on + dt.timedelta(days=730)
        assert AuditEntry.objects.filter(
            object_type="certificates.certificate", action="create"
        ).exists()

    def test_a_trainee_who_has_not_passed_is_told_what_is_still_needed(self) -> None:
        enrolment = enrolled(self)
        self.login(self.officer)
        page = self.client.get(reverse("academy:index")).content.decode()
        assert "take the test after the course (70% passes)" in page
        assert "practise at least one scenario" in page
        pass_course(self, enrolment, right=False)
        response = self.client.post(reverse("certificates:issue"), {"enrolment": enrolment.pk})
        assert response.status_code == 422
        assert "the test after the course reached 0.0%; 70% is needed" in (
            response.content.decode()
        )
        assert not Certificate.objects.exists()

    @override_settings(CERTIFICATE_PASS_PERCENT=100)
    def test_the_pass_mark_is_configurable(self) -> None:
        enrolment = enrolled(self)
        pass_course(self, enrolment)
        enrolment.tests.update(percent=95.0)
        with pytest.raises(InputError) as refused:
            certificate_issue(actor=self.officer, enrolment=enrolment)
        assert "95.0%; 100% is needed" in str(refused.value)

    def test_a_certificate_is_issued_once_and_only_to_its_trainee_or_their_trainer(self) -> None:
        enrolment = enrolled(self)
        pass_course(self, enrolment)
        with pytest.raises(NotPermittedError):
            certificate_issue(actor=self.caseworker, enrolment=enrolment)
        other_trainer = self.user_with_role(Role.TRAINER, agency=self.agency_b)
        with pytest.raises(NotPermittedError):
            certificate_issue(actor=other_trainer, enrolment=enrolment)
        certificate_issue(actor=self.trainer, enrolment=enrolment)
        with pytest.raises(TransitionRefusedError):
            certificate_issue(actor=self.officer, enrolment=enrolment)
        assert Certificate.objects.count() == 1

    def test_a_simulated_trainee_holds_no_certificate(self) -> None:
        from academy_fixtures import a_course

        from palermo.web.academy.services import cohort_simulate

        cohort: Cohort = cohort_simulate(
            actor=self.trainer,
            course=a_course(self),
            size=2,
            exercises=2,
            seed=1,
            starts_on=dt.date(2026, 3, 2),
        )
        with pytest.raises(InputError, match="simulated trainee"):
            certificate_issue(actor=self.trainer, enrolment=cohort.enrolments.first())

    def test_the_pdf_is_in_english_and_chinese_with_the_font_embedded_and_the_code(self) -> None:
        certificate = self._certified()
        self.login(self.officer)
        response = self.client.get(
            reverse("certificates:download"), {"certificate": certificate.pk}
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text, fonts = _pdf_text(response.content)
        assert "Certificate of training" in text
        assert "培训证书" in text
        assert "Alice Wong" in text
        assert "First line" in text
        assert "第一线" in text
        assert certificate_code(certificate) in text
        assert "/certificates/verify/?code=" in text
        descriptors = [
            f["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()  # type: ignore[index]
            for f in fonts
        ]
        assert descriptors
        assert all("/FontFile2" in d or "/FontFile3" in d for d in descriptors)
        assert AuditEntry.objects.filter(
            object_type="certificates.certificate", action="export"
        ).exists()

    def test_nobody_else_downloads_a_trainees_certificate(self) -> None:
        certificate = self._certified()
        url = reverse("certificates:download")
        assert (
            self.get_as(self.caseworker, url, data={"certificate": certificate.pk}).status_code
            == 404
        )
        other_trainer = self.user_with_role(Role.TRAINER, agency=self.agency_b)
        assert (
            self.get_as(other_trainer, url, data={"certificate": certificate.pk}).status_code == 404
        )
        assert (
            self.get_as(self.trainer, url, data={"certificate": certificate.pk}).status_code == 200
        )

    def test_the_public_page_says_a_genuine_code_is_valid_and_shows_nothing_more(self) -> None:
        certificate = self._certified()
        self.client.logout()
        typed = certificate_code(certificate).lower().replace("-", " ")
        page = self.client.get(reverse("certificates:verify"), {"code": typed})
        assert page.status_code == 200
        text = page.content.decode()
        assert "Valid." in text
        assert "Alice Wong" in text
        assert "First line" in text
        assert certificate.valid_until.isoformat() in text
        for private in ("alice", "Northgate", "first_line_officer", "March intake"):
            assert private not in text

    def test_the_public_page_answers_in_chinese_with_the_chinese_course_title(self) -> None:
        certificate = self._certified()
        self.client.logout()
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(
            reverse("certificates:verify"),
            {"code": certificate_code(certificate)},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        text = page.content.decode()
        assert "有效。" in text
        assert "第一线" in text

    def test_a_made_up_code_or_a_changed_certificate_is_not_genuine(self) -> None:
        certificate = self._certified()
        code = certificate_code(certificate)
        last = code[-1]
        forged = code[:-1] + ("A" if last != "A" else "B")
        assert certificate_verify(code=forged).status == "unknown"
        assert certificate_verify(code="ABCD-EFGH-IJKL-MNOP-QRST-UVWX").status == "unknown"
        assert certificate_verify(code="nonsense").status == "unknown"
        assert certificate_verify(code=code).status == "valid"
        Certificate.objects.filter(pk=certificate.pk).update(valid_until=dt.date(2099, 1, 1))
        assert certificate_verify(code=code).status == "unknown"
        page = self.client.get(reverse("certificates:verify"), {"code": forged})
        assert "Not genuine." in page.content.decode()

    @override_settings(SECRET_KEY="another-installation-" + "x" * 40)
    def test_a_code_signed_with_another_key_is_not_genuine(self) -> None:
        certificate = self._certified()
        with override_settings(SECRET_KEY="the-real-key-" + "y" * 40):
            assert certificate_verify(code=certificate_code(certificate)).status == "unknown"

    def test_a_certificate_expires_after_its_validity(self) -> None:
        certificate = self._certified()
        code = certificate_code(certificate)
        assert certificate_verify(code=code, today=certificate.valid_until).status == "valid"
        later = certificate.valid_until + dt.timedelta(days=1)
        assert certificate_verify(code=code, today=later).status == "expired"

    def test_a_trainer_revokes_a_certificate_with_a_reason_and_its_code_says_so(self) -> None:
        certificate = self._certified()
        self.login(self.trainer)
        cohort_url = reverse("academy:cohort", kwargs={"pk": certificate.enrolment.cohort_id})
        page = self.client.get(cohort_url).content.decode()
        assert certificate_code(certificate) in page
        url = reverse("certificates:revoke", kwargs={"pk": certificate.pk})
        empty = self.client.post(url, {"reason": "  "})
        assert empty.status_code == 422
        assert "reason" in empty.context["form"].errors
        assert Certificate.objects.get(pk=certificate.pk).revoked_at is None
        self.client.post(url, {"reason": "Copied answers in the test"})
        certificate.refresh_from_db()
        assert certificate.revoke_reason == "Copied answers in the test"
        assert certificate_verify(code=certificate_code(certificate)).status == "revoked"
        assert AuditEntry.objects.filter(
            object_type="certificates.certificate", action="update"
        ).exists()
        self.client.logout()
        public = self.client.get(
            reverse("certificates:verify"), {"code": certificate_code(certificate)}
        ).content.decode()
        assert "Genuine, but revoked." in public
        assert "Copied answers" not in public

    def test_only_a_trainer_of_the_issuing_agency_revokes(self) -> None:
        certificate = self._certified()
        with pytest.raises(NotPermittedError):
            certificate_revoke(
                actor=self.user_with_role(Role.TRAINER, agency=self.agency_b),
                certificate=certificate,
                reason="x",
            )
        with pytest.raises(NotPermittedError):
            certificate_revoke(actor=self.officer, certificate=certificate, reason="x")
        with pytest.raises(InputError, match="say why the certificate is revoked"):
            certificate_revoke(actor=self.trainer, certificate=certificate, reason=" ")
        certificate_revoke(actor=self.trainer, certificate=certificate, reason="x")
        with pytest.raises(TransitionRefusedError):
            certificate_revoke(actor=self.trainer, certificate=certificate, reason="again")

    def test_the_examples_of_how_a_code_is_typed_hold(self) -> None:
        import doctest

        from palermo.web.certificates import codes

        assert doctest.testmod(codes).failed == 0

    def test_the_code_on_the_page_is_grouped_in_fours(self) -> None:
        certificate = self._certified()
        assert re.fullmatch(r"([A-Z2-7]{4}-){5}[A-Z2-7]{4}", certificate_code(certificate))


class TestRefresherReminders(BaseTestCase):
    def setUp(self) -> None:
        enrolment = enrolled(self)
        pass_course(self, enrolment)
        self.certificate = certificate_issue(
            actor=self.officer, enrolment=enrolment, today=dt.date(2026, 3, 2)
        )

    def test_the_holder_is_told_once_sixty_days_before_the_end_to_take_a_refresher(self) -> None:
        from django.utils import translation

        from palermo.web.certificates.services import certificate_reminders_send
        from palermo.web.notifications.selectors import notification_list, notification_text

        end = self.certificate.valid_until
        assert certificate_reminders_send(today=end - dt.timedelta(days=61)) == 0
        assert certificate_reminders_send(today=end - dt.timedelta(days=60)) == 1
        assert certificate_reminders_send(today=end - dt.timedelta(days=30)) == 0
        [note] = [
            n for n in notification_list(user=self.officer) if n.kind == "certificate_expiring"
        ]
        text = notification_text(note)
        assert certificate_code(self.certificate) in text
        assert end.isoformat() in text
        assert "refresher" in text
        with translation.override("zh-hans"):
            assert "复训" in notification_text(note)

    def test_a_revoked_certificate_brings_no_reminder(self) -> None:
        from palermo.web.certificates.services import certificate_reminders_send

        certificate_revoke(
            actor=self.user_with_role(Role.TRAINER), certificate=self.certificate, reason="x"
        )
        assert certificate_reminders_send(today=self.certificate.valid_until) == 0

    def test_the_reminder_runs_daily_as_a_scheduled_task(self) -> None:
        from palermo.web.certificates.tasks import certificate_reminders_daily
        from palermo.web.jobs.schedule import plan_scheduled

        now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
        assert "certificate-reminders-daily" in plan_scheduled(now=now)
        Certificate.objects.filter(pk=self.certificate.pk).update(
            valid_until=timezone.localdate() + dt.timedelta(days=10)
        )
        assert certificate_reminders_daily.call() == {"reminded": 1}
        assert certificate_reminders_daily.call() == {"reminded": 0}


class TestVerificationByApiAndCommandLine(BaseTestCase):
    """The API and ``palermo academy verify-certificate`` answer what the public page does:
    holder, course, dates, valid/expired/revoked; a bad code is an error with its reason."""

    def setUp(self) -> None:
        from palermo.web.accounts.services import api_token_create

        self.trainer = self.user_with_role(Role.TRAINER)
        self.officer.first_name, self.officer.last_name = "Alice", "Wong"
        self.officer.save(update_fields=["first_name", "last_name"])
        enrolment = enrolled(self)
        pass_course(self, enrolment)
        self.certificate = certificate_issue(actor=self.officer, enrolment=enrolment)
        self.code = certificate_code(self.certificate)
        _record, token = api_token_create(
            name="HR system", agency=self.agency_a, role=Role.SUPERVISOR, created_by=None
        )
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def api(self, code: str) -> tuple[int, dict[str, object]]:
        response = self.client.get(f"/api/certificates/{code}", **self.auth)
        return response.status_code, response.json()

    def cli(self, code: str) -> tuple[int, str]:
        from typer.testing import CliRunner

        from palermo.cli.main import app

        result = CliRunner().invoke(app, ["academy", "verify-certificate", code])
        return result.exit_code, result.output

    def test_the_api_answers_holder_course_dates_and_validity(self) -> None:
        status, body = self.api(self.code.lower().replace("-", ""))
        assert status == 200
        assert body["code"] == self.code
        assert (body["status"], body["valid"], body["expired"], body["revoked"]) == (
            "valid",
            True,
            False,
            False,
        )
        assert body["holder"] == "Alice Wong"
        assert body["course"] == self.certificate.course_title
        assert body["valid_until"] == self.certificate.valid_until.isoformat()

    def test_the_api_says_revoked_and_expired(self) -> None:
        Certificate.objects.filter(pk=self.certificate.pk).update(
            valid_until=timezone.localdate() - dt.timedelta(days=1)
        )
        # the row changed: its signature no longer verifies
        assert self.api(self.code)[0] == 404
        Certificate.objects.filter(pk=self.certificate.pk).update(
            valid_until=self.certificate.valid_until
        )
        certificate_revoke(actor=self.trainer, certificate=self.certificate, reason="Copied.")
        status, body = self.api(self.code)
        assert (status, body["status"], body["revoked"], body["valid"]) == (
            200,
            "revoked",
            True,
            False,
        )

    def test_a_bad_or_forged_code_is_a_4xx_with_the_reason(self) -> None:
        status, body = self.api("not-a-code")
        assert status == 422
        assert "is not a verification code" in str(body["reasons"])
        assert "核验码" in str(body["reasons"])
        forged = self.code[:-1] + ("A" if self.code[-1] != "A" else "B")
        status, body = self.api(forged)
        assert status == 404
        assert "not genuine" in str(body["reasons"])

    def test_the_api_needs_a_token(self) -> None:
        assert self.client.get(f"/api/certificates/{self.code}").status_code == 401

    def test_the_command_line_prints_the_answer_and_exits_2_on_a_bad_code(self) -> None:
        status, output = self.cli(self.code)
        assert status == 0, output
        assert "Alice Wong" in output
        assert "valid 有效" in output
        status, output = self.cli("XXXX")
        assert status == 2
        assert "is not a verification code" in output
        status, output = self.cli(self.code[:-1] + ("A" if self.code[-1] != "A" else "B"))
        assert status == 2
        assert "not genuine" in output
        certificate_revoke(actor=self.trainer, certificate=self.certificate, reason="Copied.")
        status, output = self.cli(self.code)
        assert status == 1
        assert "revoked" in output
