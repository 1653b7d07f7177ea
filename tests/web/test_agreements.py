"""Data-sharing agreements: no case leaves its agency without a written agreement in force
that covers the purpose of the transfer, and the transfer refers to it."""

from __future__ import annotations

import datetime as dt

import pytest
from admin_fixtures import agreement_between
from django.http import Http404
from django.urls import reverse

from palermo.errors import InputError
from palermo.web.accounts.models import Agency
from palermo.web.agreements import selectors
from palermo.web.agreements.models import DataSharingAgreement
from palermo.web.agreements.services import AgreementRequiredError, agreement_end
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.cases.models import CONSENT_CHECKLIST, CaseShare
from palermo.web.cases.services import case_share, consent_record
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

ALL_TOLD = {key: True for key, _label in CONSENT_CHECKLIST}
TODAY = dt.datetime.now(tz=dt.UTC).date()


class TestTransfersNeedAnAgreement(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()
        consent_record(
            actor=self.caseworker,
            case=self.case,
            purpose="sharing",
            recipient=self.agency_b,
            checklist=ALL_TOLD,
        )

    def share(self, transfer_purpose: str = "assistance") -> CaseShare:
        return case_share(
            actor=self.caseworker,
            case=self.case,
            recipient=self.agency_b,
            purpose="shelter placement",
            transfer_purpose=transfer_purpose,
        )

    def test_without_any_agreement_the_transfer_is_refused_naming_both_agencies(self) -> None:
        with pytest.raises(AgreementRequiredError) as caught:
            self.share()
        message = str(caught.value)
        assert "No written data-sharing agreement" in message
        assert "Northgate border post" in message
        assert "Harbour shelter" in message
        assert not CaseShare.objects.exists()

    def test_an_expired_agreement_does_not_cover_a_transfer(self) -> None:
        agreement_between(
            self,
            self.agency_a,
            self.agency_b,
            valid_from=TODAY - dt.timedelta(days=400),
            valid_to=TODAY - dt.timedelta(days=1),
        )
        with pytest.raises(AgreementRequiredError, match=r"DSA-2026-001.*expired on"):
            self.share()
        assert not CaseShare.objects.exists()

    def test_an_agreement_for_another_purpose_does_not_cover_the_transfer(self) -> None:
        agreement_between(self, self.agency_a, self.agency_b, purposes=("family_tracing",))
        with pytest.raises(AgreementRequiredError, match="does not cover the purpose"):
            self.share("assistance")

    def test_an_agreement_with_another_agency_does_not_cover_this_one(self) -> None:
        third = Agency.objects.create(name="Labour office", kind="labour", code="lab")
        agreement_between(self, self.agency_a, third)
        with pytest.raises(AgreementRequiredError, match="No written data-sharing agreement"):
            self.share()

    def test_an_ended_agreement_no_longer_covers_new_transfers(self) -> None:
        agreement = agreement_between(self, self.agency_a, self.agency_b)
        agreement_end(actor=self.supervisor, agreement=agreement, reason="terminated by NGO")
        other_party = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)
        agreement_end(actor=other_party, agreement=agreement, reason="terminated by NGO")
        with pytest.raises(AgreementRequiredError, match="has been ended"):
            self.share()

    def test_the_transfer_record_refers_to_the_agreement_that_covers_it(self) -> None:
        agreement = agreement_between(self, self.agency_a, self.agency_b)
        share = self.share()
        assert share.agreement == agreement
        assert share.transfer_purpose == "assistance"
        entry = AuditEntry.objects.filter(action=AuditAction.SHARE).get()
        assert entry.detail["agreement"] == "DSA-2026-001"

    def test_the_case_page_shows_the_refusal_and_the_agreement(self) -> None:
        self.login(self.caseworker)
        url = reverse("cases:share", kwargs={"pk": self.case.pk})
        form = {
            "recipient": self.agency_b.pk,
            "transfer_purpose": "assistance",
            "purpose": "shelter placement",
        }
        refused = self.client.post(url, form)
        assert refused.status_code == 403
        assert "No written data-sharing agreement" in refused.content.decode()
        agreement_between(self, self.agency_a, self.agency_b)
        assert self.client.post(url, form).status_code == 302
        page = self.client.get(reverse("cases:detail", kwargs={"pk": self.case.pk}))
        assert "DSA-2026-001" in page.content.decode()


class TestManagingAgreements(BaseTestCase):
    def test_a_supervisor_records_only_agreements_their_agency_is_party_to(self) -> None:
        third = Agency.objects.create(name="Labour office", kind="labour", code="lab")
        self.login(self.supervisor)
        form = {
            "reference": "DSA-X",
            "title": "Labour referrals",
            "document_id": "MoU/9",
            "parties": [self.agency_b.pk, third.pk],
            "purposes": ["assistance"],
            "valid_from": "2026-01-01",
            "valid_to": "2027-01-01",
            "signed_by": "Heads of both",
            "signed_on": "2026-01-01",
        }
        response = self.client.post(reverse("agreements:create"), form)
        assert response.status_code == 422
        assert "your own agency must be a party" in response.content.decode()
        form["parties"] = [self.agency_a.pk, third.pk]
        assert self.client.post(reverse("agreements:create"), form).status_code == 302
        assert DataSharingAgreement.objects.get().reference == "DSA-X"

    def test_an_agreement_ending_before_it_starts_is_refused(self) -> None:
        with pytest.raises(InputError, match="must not be before the start date"):
            agreement_between(
                self,
                self.agency_a,
                self.agency_b,
                valid_from=TODAY,
                valid_to=TODAY - dt.timedelta(days=1),
            )

    def test_a_supervisor_of_another_agency_cannot_open_the_agreement(self) -> None:
        agreement = agreement_between(
            self, self.agency_a, Agency.objects.create(name="L", kind="labour", code="l")
        )
        other = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)
        with pytest.raises(Http404):
            selectors.agreement_get(user=other, pk=agreement.pk)
        admin = self.user_with_role(Role.ADMINISTRATOR, agency=self.agency_b)
        with pytest.raises(Http404):
            selectors.agreement_get(user=admin, pk=agreement.pk)
        own_admin = self.user_with_role(Role.ADMINISTRATOR)
        assert selectors.agreement_get(user=own_admin, pk=agreement.pk) == agreement
