"""What cannot be undone asks first and says what will happen: withdrawing consent."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from flow_fixtures import example_text
from watchlist_fixtures import uploaded_watchlist

from palermo.web.accounts.models import User
from palermo.web.administration.models import Confirmation, ConfirmationKind
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import CONSENT_CHECKLIST, Case, Consent
from palermo.web.cases.services import case_open, consent_record
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import profile_approve, profile_submit, profile_upload
from palermo.web.testsupport import BaseTestCase, make_user
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.services import watchlist_approve

ALL_TOLD = {key: True for key, _label in CONSENT_CHECKLIST}


class TestConsentWithdrawalAsksFirst(BaseTestCase):
    def setUp(self) -> None:
        self.case = case_open(actor=self.caseworker, full_name="Li Wei", outcome="possible")
        self.consent = consent_record(
            actor=self.caseworker, case=self.case, purpose="assistance", checklist=ALL_TOLD
        )
        self.login(self.caseworker)
        self.url = reverse("cases:consent_withdraw", args=[self.case.pk, self.consent.pk])

    def test_the_case_page_says_what_withdrawing_does_before_the_button(self) -> None:
        page = self.client.get(reverse("cases:detail", args=[self.case.pk])).content.decode()
        assert "It cannot be undone" in page
        assert 'name="confirm" value="yes" required' in page

    def test_withdrawing_without_the_confirmation_changes_nothing(self) -> None:
        response = self.client.post(self.url, {"reason": "person asked"})
        assert response.status_code == 422
        assert "Tick the box to confirm the withdrawal" in response.content.decode()
        assert Consent.objects.get(pk=self.consent.pk).withdrawn_at is None

    def test_withdrawing_with_the_confirmation_withdraws(self) -> None:
        response = self.client.post(self.url, {"reason": "person asked", "confirm": "yes"})
        assert response.status_code == 302
        assert Consent.objects.get(pk=self.consent.pk).withdrawn_at is not None


class TestReviewedVersionStepsAskFirst(BaseTestCase):
    """Activating or retiring a profile, named list or watchlist version says what will happen
    and needs its box ticked; without it the page comes back 422 and nothing changes."""

    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.version = profile_upload(
            actor=self.analyst,
            source_name="visible-injuries.yaml",
            text=example_text("visible-injuries"),
        )
        profile_submit(actor=self.analyst, version=self.version)
        profile_approve(actor=self.supervisor, version=self.version)
        self.login(self.supervisor)

    def status(self) -> str:
        return ProfileVersion.objects.get(pk=self.version.pk).status

    def test_the_profile_page_says_what_activating_does_before_the_button(self) -> None:
        page = self.client.get(reverse("profiles:detail", args=[self.version.pk])).content.decode()
        assert "in place of the one active now" in page
        assert "I confirm: activate this version" in page
        assert 'name="confirm" value="yes" required' in page

    def test_activating_a_profile_without_the_confirmation_changes_nothing(self) -> None:
        response = self.client.post(reverse("profiles:activate", args=[self.version.pk]))
        assert response.status_code == 422
        assert "Tick the box to confirm; nothing was changed." in response.content.decode()
        assert self.status() == "approved"

    def test_activating_a_profile_with_the_confirmation_activates_it(self) -> None:
        self.client.post(reverse("profiles:activate", args=[self.version.pk]), {"confirm": "yes"})
        assert self.status() == "active"

    def test_retiring_without_the_confirmation_changes_nothing(self) -> None:
        url = reverse("profiles:retire", args=[self.version.pk])
        response = self.client.post(url, {"reason": "replaced"})
        assert response.status_code == 422
        assert self.status() == "approved"
        self.client.post(url, {"reason": "replaced", "confirm": "yes"})
        assert self.status() == "retired"

    def test_the_confirmation_is_asked_in_chinese_too(self) -> None:
        self.client.cookies["django_language"] = "zh-hans"
        response = self.client.post(
            reverse("profiles:activate", args=[self.version.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "请勾选确认框；未作任何更改。" in page
        assert "我确认：启用此版本" in page

    def test_a_watchlist_is_not_activated_without_the_confirmation(self) -> None:
        version = uploaded_watchlist(self)
        watchlist_approve(actor=self.supervisor, version=version)
        run_ready_tasks()  # the index build approval queued
        url = reverse("watchlists:activate", args=[version.pk])
        assert self.client.post(url).status_code == 422
        assert WatchlistVersion.objects.get(pk=version.pk).status == "approved"
        self.client.post(url, {"confirm": "yes"})
        assert WatchlistVersion.objects.get(pk=version.pk).status == "active"


class TestDeactivatingAUserAsksFirstAndCanBeUndone(BaseTestCase):
    def setUp(self) -> None:
        self.admin = self.user_with_role(Role.ADMINISTRATOR)
        self.login(self.admin)
        self.deactivate = reverse("administration:user_deactivate", args=[self.officer.pk])
        self.reactivate = reverse("administration:user_reactivate", args=[self.officer.pk])

    def active(self) -> bool:
        return User.objects.get(pk=self.officer.pk).is_active

    def test_the_administration_page_says_what_deactivating_does(self) -> None:
        page = self.client.get(reverse("administration:index")).content.decode()
        assert "The person can no longer log in" in page
        assert "I confirm: deactivate this account" in page

    def test_deactivating_without_the_confirmation_changes_nothing(self) -> None:
        response = self.client.post(self.deactivate)
        assert response.status_code == 422
        assert "Tick the box to confirm; nothing was changed." in response.content.decode()
        assert self.active()

    def test_an_administrator_of_the_agency_reactivates_a_deactivated_user_audited(self) -> None:
        self.client.post(self.deactivate, {"confirm": "yes"})
        assert not self.active()
        page = self.client.get(reverse("administration:index")).content.decode()
        assert self.reactivate in page
        response = self.client.post(self.reactivate, follow=True)
        assert "The user can log in again." in response.content.decode()
        assert self.active()
        assert AuditEntry.objects.filter(purpose="user reactivated").count() == 1

    def test_an_administrator_of_another_agency_cannot_reactivate(self) -> None:
        self.client.post(self.deactivate, {"confirm": "yes"})
        other = make_user("olga", agency=self.agency_b, role=Role.ADMINISTRATOR)
        self.login(other)
        self.client.post(self.reactivate)
        assert not self.active()

    def test_an_account_whose_creation_was_refused_is_not_reactivated(self) -> None:
        self.client.post(self.deactivate, {"confirm": "yes"})
        Confirmation.objects.create(
            account=self.officer,
            kind=ConfirmationKind.NEW_ACCOUNT,
            role=self.officer.role,
            requested_label="x",
            requested_at=timezone.now(),
            decided_at=timezone.now(),
            confirmed=False,
        )
        response = self.client.post(self.reactivate, follow=True)
        assert "never confirmed by a second administrator" in response.content.decode()
        assert not self.active()


class TestClosingACaseAsksFirst(BaseTestCase):
    def setUp(self) -> None:
        self.case = case_open(actor=self.caseworker, full_name="Li Wei", outcome="possible")
        self.login(self.caseworker)
        self.url = reverse("cases:transition", args=[self.case.pk])
        self.form = {"version": self.case.version, "to_status": "closed", "reason": "declined"}

    def status(self) -> str:
        return Case.objects.get(pk=self.case.pk).status

    def test_the_case_page_says_closing_is_final_before_the_button(self) -> None:
        page = self.client.get(reverse("cases:detail", args=[self.case.pk])).content.decode()
        assert "a closed case cannot be reopened" in page
        assert "I confirm: close this case" in page

    def test_closing_without_the_confirmation_shows_why_at_the_box_and_changes_nothing(
        self,
    ) -> None:
        response = self.client.post(self.url, self.form)
        assert response.status_code == 422
        assert "Tick the box to confirm closing the case" in response.content.decode()
        assert self.status() == "identified"

    def test_closing_with_the_confirmation_closes(self) -> None:
        self.client.post(self.url, {**self.form, "confirm_close": "on"})
        assert self.status() == "closed"

    def test_moving_on_to_referred_needs_no_confirmation(self) -> None:
        self.client.post(self.url, {**self.form, "to_status": "referred"})
        assert self.status() == "referred"
