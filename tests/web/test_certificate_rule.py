"""The certificate rule: an administrator gives the second-line interviewer's role and the
child-interview qualification only to a person holding a valid training certificate of a course
that taught it, or records why not (kept, audited, shown on the account's page); a certificate
earned on a training account counts for the live account an administrator linked it to, and
for no one else."""

from __future__ import annotations

import datetime as dt

import pytest
from academy_fixtures import a_cohort, a_course
from certificate_fixtures import SCENARIO, pass_course
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from palermo.errors import InputError
from palermo.web.academy.models import Enrolment
from palermo.web.academy.services import enrolment_create
from palermo.web.accounts.models import Agency, Qualification, User
from palermo.web.administration.models import CertificateOverride, Confirmation
from palermo.web.administration.services import (
    admin_confirm,
    admin_user_create,
    admin_user_set_role,
    qualification_grant,
    training_account_link,
)
from palermo.web.audit.models import AuditEntry
from palermo.web.certificates.models import Certificate
from palermo.web.certificates.services import certificate_issue, certificate_revoke
from palermo.web.lib.actors import command_line_actor
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.testsupport import BaseTestCase, make_user

pytestmark = pytest.mark.web

SECOND_LINE = "second_line_interviewer"
REASON = "Certified by the national police academy interviewing course in 2025."


class RuleWorld(BaseTestCase):
    def setUp(self) -> None:
        self.admin = self.user_with_role(Role.ADMINISTRATOR)
        self.second_admin = make_user("admin-two", agency=self.agency_a, role=Role.ADMINISTRATOR)
        self.trainer = self.user_with_role(Role.TRAINER)

    def certify(self, person: User, modules: list[str], title: str = "Interviewing") -> Certificate:
        """``person`` passes a course of ``modules`` and receives its certificate."""
        course = a_course(self, title=title, modules=modules, scenarios=[SCENARIO])
        enrolment = enrolment_create(
            actor=self.trainer, cohort=a_cohort(self, course), username=person.username
        )
        pass_course(self, enrolment)
        return certificate_issue(actor=person, enrolment=enrolment)

    def ask_second_line(self, person: User, reason: str = "") -> Confirmation | None:
        return admin_user_set_role(
            actor=self.admin, user=person, role=SECOND_LINE, override_reason=reason
        )


class TestTheSecondLineRole(RuleWorld):
    def test_an_administrator_cannot_make_an_uncertified_officer_a_second_line_interviewer(
        self,
    ) -> None:
        with pytest.raises(InputError, match="no valid training certificate") as refused:
            self.ask_second_line(self.officer)
        assert "二线面谈员" in str(refused.value)  # the rule in both languages
        assert not Confirmation.objects.filter(account=self.officer).exists()
        self.officer.refresh_from_db()
        assert self.officer.role == Role.FIRST_LINE_OFFICER

    def test_a_certified_officer_is_made_a_second_line_interviewer_without_an_override(
        self,
    ) -> None:
        self.certify(self.officer, ["interviewing", "rights"])
        waiting = self.ask_second_line(self.officer)
        assert waiting is not None
        admin_confirm(actor=self.second_admin, confirmation=waiting)
        self.officer.refresh_from_db()
        assert self.officer.role == Role.SECOND_LINE_INTERVIEWER
        assert not CertificateOverride.objects.exists()

    def test_a_certificate_of_a_course_without_interviewing_does_not_count(self) -> None:
        self.certify(self.officer, ["observables", "children"])
        with pytest.raises(InputError, match="interviewing module"):
            self.ask_second_line(self.officer)

    def test_a_revoked_or_expired_certificate_does_not_count(self) -> None:
        certificate = self.certify(self.officer, ["interviewing"])
        Certificate.objects.filter(pk=certificate.pk).update(
            valid_until=timezone.localdate() - dt.timedelta(days=1)
        )
        with pytest.raises(InputError):
            self.ask_second_line(self.officer)
        Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.localdate())
        certificate_revoke(actor=self.trainer, certificate=certificate, reason="Copied the test.")
        with pytest.raises(InputError):
            self.ask_second_line(self.officer)

    def test_an_override_with_a_reason_is_kept_audited_and_the_change_still_waits(self) -> None:
        waiting = self.ask_second_line(self.officer, reason=REASON)
        assert waiting is not None
        override = CertificateOverride.objects.get(account=self.officer)
        assert (override.grant, override.reason, override.given_by) == (
            SECOND_LINE,
            REASON,
            self.admin,
        )
        entry = AuditEntry.objects.get(purpose="certificate rule overridden")
        assert entry.actor_id == self.admin.pk
        assert entry.detail["grant"] == SECOND_LINE
        admin_confirm(actor=self.second_admin, confirmation=waiting)
        self.officer.refresh_from_db()
        assert self.officer.role == Role.SECOND_LINE_INTERVIEWER

    def test_a_certificate_revoked_while_the_change_waits_stops_the_confirmation(self) -> None:
        certificate = self.certify(self.officer, ["interviewing"])
        waiting = self.ask_second_line(self.officer)
        assert waiting is not None
        certificate_revoke(actor=self.trainer, certificate=certificate, reason="Copied the test.")
        with pytest.raises(TransitionRefusedError, match="no longer holds"):
            admin_confirm(actor=self.second_admin, confirmation=waiting)
        self.officer.refresh_from_db()
        assert self.officer.role == Role.FIRST_LINE_OFFICER

    def test_a_new_second_line_account_needs_a_reason_even_from_the_command_line(self) -> None:
        actor = command_line_actor("palermo web create-user")
        with pytest.raises(InputError, match="no valid training certificate"):
            admin_user_create(actor=actor, username="nia", agency=self.agency_a, role=SECOND_LINE)
        assert not User.objects.filter(username="nia").exists()
        user, _password = admin_user_create(
            actor=actor,
            username="nia",
            agency=self.agency_a,
            role=SECOND_LINE,
            override_reason="First interviewer of a new post; trained before Palermo.",
        )
        override = CertificateOverride.objects.get(account=user)
        assert override.given_label.startswith("command line (palermo web create-user)")

    def test_an_account_of_a_training_agency_practises_the_role_without_a_certificate(
        self,
    ) -> None:
        sandbox = Agency.objects.create(
            name="Practice post", kind=AgencyKind.BORDER_POST, code="practice", is_training=True
        )
        trainee = make_user("practice-officer", agency=sandbox, role=Role.FIRST_LINE_OFFICER)
        waiting = admin_user_set_role(
            actor=command_line_actor("palermo web"), user=trainee, role=SECOND_LINE
        )
        assert waiting is None
        trainee.refresh_from_db()
        assert trainee.role == Role.SECOND_LINE_INTERVIEWER

    @override_settings(CERTIFICATE_REQUIRED_FOR=[])
    def test_with_the_rule_turned_off_no_certificate_is_asked_for(self) -> None:
        assert self.ask_second_line(self.officer) is not None
        assert not CertificateOverride.objects.exists()


class TestTheChildInterviewQualification(RuleWorld):
    def test_it_is_refused_without_a_certificate_and_granted_with_one_of_the_children_module(
        self,
    ) -> None:
        consul = make_user("consul", agency=self.agency_a, role=Role.CONSULAR_OFFICER)
        with pytest.raises(InputError, match="children module"):
            qualification_grant(actor=self.admin, user=consul, kind="child_interview")
        assert not Qualification.objects.filter(user=consul).exists()
        self.certify(consul, ["children", "interviewing"], title="Children at the border")
        qualification_grant(actor=self.admin, user=consul, kind="child_interview")
        assert Qualification.objects.filter(user=consul, revoked_at__isnull=True).exists()
        assert not CertificateOverride.objects.exists()


class TestTheAccountPage(RuleWorld):
    def test_the_refusal_and_the_override_show_on_the_accounts_page_in_english(self) -> None:
        self.login(self.admin)
        url = reverse("administration:user_role", kwargs={"pk": self.officer.pk})
        page = self.client.post(url, {"role": SECOND_LINE, "back": "user"}, follow=True)
        text = page.content.decode()
        assert "holds no valid training certificate" in text
        assert "Reason to make this person a second-line interviewer" in text
        assert not Confirmation.objects.filter(account=self.officer).exists()
        page = self.client.post(
            url, {"role": SECOND_LINE, "back": "user", "override_reason": REASON}, follow=True
        )
        text = page.content.decode()
        assert "Given without a certificate" in text
        assert REASON in text
        assert Confirmation.objects.filter(account=self.officer, role=SECOND_LINE).exists()

    def test_the_refusal_and_the_override_show_on_the_accounts_page_in_chinese(self) -> None:
        self.login(self.admin)
        self.client.cookies["django_language"] = "zh-hans"
        url = reverse("administration:user_qualification", kwargs={"pk": self.officer.pk})
        page = self.client.post(url, {"action": "grant", "back": "user"}, follow=True)
        text = page.content.decode()
        assert "培训证书" in text
        assert not Qualification.objects.filter(user=self.officer).exists()
        page = self.client.post(
            url, {"action": "grant", "back": "user", "override_reason": REASON}, follow=True
        )
        text = page.content.decode()
        assert REASON in text
        assert "儿童面谈" in text
        assert Qualification.objects.filter(user=self.officer).exists()

    def test_the_page_lists_the_persons_certificates(self) -> None:
        self.certify(self.officer, ["interviewing"], title="Interviewing at the border")
        page = self.get_as(
            self.admin, reverse("administration:user", kwargs={"pk": self.officer.pk})
        )
        text = page.content.decode()
        assert "Interviewing at the border" in text
        assert "Valid" in text
        assert "Reason to make this person" not in text  # certified: no override asked

    def test_another_agencys_account_page_is_not_found(self) -> None:
        page = self.get_as(
            self.admin, reverse("administration:user", kwargs={"pk": self.outsider.pk})
        )
        assert page.status_code == 404


class TestTrainingAccounts(RuleWorld):
    """A certificate earned on a training account is the person's: issued to the live account
    the training account is linked to. Only the national body or the command line links, once."""

    def setUp(self) -> None:
        super().setUp()
        self.sandbox = Agency.objects.create(
            name="Practice consulate", kind=AgencyKind.CONSULATE, code="sandbox", is_training=True
        )
        self.mei_practice = make_user("mei.practice", agency=self.sandbox, role="consular_officer")
        self.bo_practice = make_user("bo.practice", agency=self.sandbox, role="consular_officer")
        self.cli = command_line_actor("palermo web link-training-account")
        training_account_link(actor=self.cli, training=self.mei_practice, live=self.officer)

    def practise_and_certify(self, training: User) -> Certificate:
        course = a_course(
            self, title="Interviewing", modules=["interviewing"], scenarios=[SCENARIO]
        )
        enrolment: Enrolment = enrolment_create(
            actor=self.trainer, cohort=a_cohort(self, course), username=training.username
        )
        pass_course(self, enrolment)
        return certificate_issue(actor=training, enrolment=enrolment)

    def test_a_certificate_earned_on_a_linked_training_account_is_the_live_persons(self) -> None:
        self.officer.first_name, self.officer.last_name = "Mei", "Lin"
        self.officer.save(update_fields=["first_name", "last_name"])
        certificate = self.practise_and_certify(self.mei_practice)
        assert (certificate.holder, certificate.earned_by) == (self.officer, self.mei_practice)
        assert certificate.holder_name == "Mei Lin"
        assert self.ask_second_line(self.officer) is not None
        assert not CertificateOverride.objects.exists()

    def test_another_persons_training_account_cannot_certify_someone_else(self) -> None:
        self.practise_and_certify(self.bo_practice)  # not linked: Bo's own
        with pytest.raises(InputError):
            self.ask_second_line(self.officer)
        # nor can Bo's account be linked to the officer once linked to Bo
        bo = make_user("bo.live", agency=self.agency_a, role=Role.FIRST_LINE_OFFICER)
        training_account_link(actor=self.cli, training=self.bo_practice, live=bo)
        with pytest.raises(TransitionRefusedError, match="already linked"):
            training_account_link(actor=self.cli, training=self.bo_practice, live=self.officer)
        with pytest.raises(InputError):
            self.ask_second_line(self.officer)

    def test_an_agencys_own_administrator_cannot_link_a_training_account(self) -> None:
        with pytest.raises(NotPermittedError):
            training_account_link(actor=self.admin, training=self.bo_practice, live=self.officer)
        with pytest.raises(NotPermittedError):
            training_account_link(
                actor=self.bo_practice, training=self.bo_practice, live=self.officer
            )
        self.bo_practice.refresh_from_db()
        assert self.bo_practice.live_account is None

    def test_only_a_training_account_links_and_only_to_a_live_one(self) -> None:
        with pytest.raises(InputError, match="not an account of a training agency"):
            training_account_link(actor=self.cli, training=self.caseworker, live=self.officer)
        with pytest.raises(InputError, match="is an account of a training agency"):
            training_account_link(actor=self.cli, training=self.bo_practice, live=self.mei_practice)

    def test_the_link_is_audited(self) -> None:
        entry = AuditEntry.objects.get(purpose="training account linked to live account")
        assert entry.actor_label.startswith("command line (palermo web link-training-account)")
        assert entry.detail["live_account"] == self.officer.pk


class TestFromTheIndexPage(RuleWorld):
    def test_a_refusal_on_the_index_leads_to_the_accounts_page_where_the_reason_is_written(
        self,
    ) -> None:
        self.login(self.admin)
        url = reverse("administration:user_qualification", kwargs={"pk": self.officer.pk})
        response = self.client.post(url, {"action": "grant"})
        assert response["Location"] == reverse(
            "administration:user", kwargs={"pk": self.officer.pk}
        )
        page = self.client.get(response["Location"]).content.decode()
        assert "holds no valid training certificate" in page
        assert 'name="override_reason"' in page
