"""What cannot be undone asks first and says what will happen: withdrawing consent."""

from __future__ import annotations

from django.urls import reverse

from palermo.web.cases.models import CONSENT_CHECKLIST, Consent
from palermo.web.cases.services import case_open, consent_record
from palermo.web.testsupport import BaseTestCase

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
