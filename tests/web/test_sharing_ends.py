"""Sharing that ends (issue 14, weaknesses 2 and 3): an agreement takes effect only when a
signatory of every party has signed it in the system; ending it revokes the shares made under
it; the owning agency stops any share; a share made without consent runs out unless renewed
with a reason. An ended or expired share gives the recipient nothing ("not found")."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from admin_fixtures import agreement_between
from django.http import Http404
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from palermo.errors import InputError
from palermo.web.accounts.models import Agency
from palermo.web.accounts.services import api_token_create
from palermo.web.agreements.services import (
    AgreementRequiredError,
    agreement_create,
    agreement_end,
    agreement_sign,
)
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import CONSENT_CHECKLIST, CaseEvent, CaseShare
from palermo.web.cases.selectors import CaseSearch, case_get, case_list, case_page
from palermo.web.cases.services import (
    case_share,
    case_share_renew,
    case_share_revoke,
    consent_record,
)
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

TODAY = dt.datetime.now(tz=dt.UTC).date()
ALL_TOLD = {key: True for key, _label in CONSENT_CHECKLIST}


def _one_person_agreement(test: BaseTestCase) -> object:
    """The attack: agency A's supervisor records an agreement naming agency B."""
    return agreement_create(
        actor=test.supervisor,
        reference="DSA-ONE",
        title="Written by one side",
        document_id="none",
        parties=[test.agency_a, test.agency_b],
        purposes=["assistance"],
        valid_from=TODAY - dt.timedelta(days=1),
        valid_to=TODAY + dt.timedelta(days=365),
        signed_by="both, reportedly",
        signed_on=TODAY - dt.timedelta(days=1),
    )


class SharingWorld(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()
        self.b_supervisor = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)

    def override_share(self) -> CaseShare:
        """Shared by agency A's supervisor without the person's consent."""
        return case_share(
            actor=self.supervisor,
            case=self.case,
            recipient=self.agency_b,
            purpose="shelter placement",
            transfer_purpose="assistance",
            legal_basis="Anti-trafficking law art. 12",
            override_reason="the person is a child in danger",
        )

    def consent_share(self) -> CaseShare:
        consent_record(
            actor=self.caseworker,
            case=self.case,
            purpose="sharing",
            recipient=self.agency_b,
            checklist=ALL_TOLD,
        )
        return case_share(
            actor=self.caseworker,
            case=self.case,
            recipient=self.agency_b,
            purpose="shelter placement",
            transfer_purpose="assistance",
        )

    def assert_b_cannot_read(self) -> None:
        with pytest.raises(Http404):
            case_get(user=self.outsider, pk=self.case.pk)
        assert list(case_list(user=self.outsider)) == []
        self.login(self.outsider)
        page = self.client.get(reverse("cases:detail", kwargs={"pk": self.case.pk}))
        assert page.status_code == 404
        _row, token = api_token_create(
            name="shelter system", agency=self.agency_b, role=Role.CASE_WORKER, created_by=None
        )
        api = self.client.get(
            f"/api/cases/{self.case.pk}", headers={"Authorization": f"Bearer {token}"}
        )
        assert api.status_code == 404
        assert "Li Wei" not in api.content.decode()


class TestAgreementsNeedEveryParty(SharingWorld):
    def test_an_agreement_recorded_by_one_side_awaits_the_others_signature(self) -> None:
        agreement = _one_person_agreement(self)
        assert agreement.in_force_since is None
        assert not agreement.in_force(TODAY)
        self.login(self.supervisor)
        page = self.client.get(reverse("agreements:detail", kwargs={"pk": agreement.pk}))
        assert "Awaiting signatures" in page.content.decode()
        assert "not signed yet" in page.content.decode()

    def test_the_no_consent_share_under_a_one_person_agreement_is_refused(self) -> None:
        _one_person_agreement(self)
        with pytest.raises(AgreementRequiredError, match="awaits the signature of Harbour shelter"):
            self.override_share()
        assert not CaseShare.objects.exists()

    def test_the_other_partys_signature_puts_it_in_force(self) -> None:
        agreement = _one_person_agreement(self)
        self.login(self.b_supervisor)
        url = reverse("agreements:sign", kwargs={"pk": agreement.pk})
        assert self.client.post(url).status_code == 302
        agreement.refresh_from_db()
        assert agreement.in_force_since is not None
        assert self.override_share().agreement == agreement
        purposes = set(AuditEntry.objects.values_list("purpose", flat=True))
        assert {
            "data-sharing agreement signed",
            "data-sharing agreement signed by every party",
        } <= purposes

    def test_only_a_signatory_of_a_party_signs_and_each_party_once(self) -> None:
        agreement = _one_person_agreement(self)
        third = Agency.objects.create(name="Labour office", kind="labour", code="lab")
        for stranger in (
            self.user_with_role(Role.SUPERVISOR, agency=third),
            self.user_with_role(Role.ADMINISTRATOR, agency=third),
            self.outsider,  # agency B's case worker: a party, not a signatory
        ):
            with pytest.raises(NotPermittedError):
                agreement_sign(actor=stranger, agreement=agreement)
        another_of_a = self.user_with_role(Role.ADMINISTRATOR)
        with pytest.raises(TransitionRefusedError, match="already signed"):
            agreement_sign(actor=another_of_a, agreement=agreement)
        assert not agreement.in_force(TODAY)


class TestEndingAnAgreementEndsItsShares(SharingWorld):
    def test_a_second_signatory_confirms_the_end_and_every_share_under_it_is_revoked(
        self,
    ) -> None:
        agreement = agreement_between(self, self.agency_a, self.agency_b)
        share = self.override_share()
        case_get(user=self.outsider, pk=self.case.pk)  # B reads it now
        agreement_end(actor=self.supervisor, agreement=agreement, reason="breach by B")
        with pytest.raises(TransitionRefusedError, match="second signatory"):
            agreement_end(actor=self.supervisor, agreement=agreement, reason="breach by B")
        case_get(user=self.outsider, pk=self.case.pk)  # asked for, not yet ended
        agreement_end(actor=self.b_supervisor, agreement=agreement, reason="agreed")
        share.refresh_from_db()
        assert share.revoked_at is not None
        assert share.revoked_by == self.b_supervisor
        assert "DSA-2026-001 ended" in share.revoke_reason
        self.assert_b_cannot_read()
        event = CaseEvent.objects.filter(case=self.case, kind="share_revoked").get()
        assert event.detail["agency"] == "Harbour shelter"
        assert AuditEntry.objects.filter(purpose="share revoked", object_id=str(self.case.pk))

    def test_an_agreement_not_yet_in_force_is_withdrawn_by_one_signatory(self) -> None:
        agreement = _one_person_agreement(self)
        ended = agreement_end(actor=self.supervisor, agreement=agreement, reason="drafted wrongly")
        assert ended.revoked_at is not None

    def test_an_agreement_past_its_end_date_gives_its_shares_nothing(self) -> None:
        agreement_between(self, self.agency_a, self.agency_b)
        self.override_share()
        later = timezone.now() + dt.timedelta(days=400)
        with (
            mock.patch("django.utils.timezone.now", return_value=later),
            pytest.raises(Http404),
        ):
            case_get(user=self.outsider, pk=self.case.pk)


class TestTheOwningAgencyStopsAnyShare(SharingWorld):
    def setUp(self) -> None:
        super().setUp()
        agreement_between(self, self.agency_a, self.agency_b)

    def test_an_override_share_is_stopped_from_the_case_page(self) -> None:
        share = self.override_share()
        self.login(self.caseworker)
        url = reverse("cases:share_revoke", kwargs={"pk": self.case.pk, "share_pk": share.pk})
        refused = self.client.post(url, {"reason": ""})
        assert refused.status_code == 422
        assert self.client.post(url, {"reason": "placement ended"}).status_code == 302
        share.refresh_from_db()
        assert share.revoked_at is not None
        self.assert_b_cannot_read()
        page = self.get_as(self.caseworker, reverse("cases:detail", kwargs={"pk": self.case.pk}))
        assert "placement ended" in page.content.decode()

    def test_the_receiving_agency_finds_a_shared_case_by_reference_and_name_until_it_stops(
        self,
    ) -> None:
        share = self.override_share()

        def found(query: str) -> list[object]:
            return list(case_page(user=self.outsider, search=CaseSearch(query=query), number=1))

        assert found(self.case.reference) == [self.case]
        assert found("Li Wei") == [self.case]
        assert found("") == [self.case]
        case_share_revoke(actor=self.supervisor, share=share, reason="placement ended")
        assert found(self.case.reference) == found("Li Wei") == found("") == []

    def test_the_recipient_cannot_stop_or_renew_the_share(self) -> None:
        share = self.override_share()
        with pytest.raises(NotPermittedError):
            case_share_revoke(actor=self.outsider, share=share, reason="mine now")
        with pytest.raises(NotPermittedError):
            case_share_renew(actor=self.b_supervisor, share=share, reason="mine now")

    @override_settings(OVERRIDE_SHARE_DAYS=10)
    def test_an_override_share_runs_out_after_the_configured_period(self) -> None:
        share = self.override_share()
        assert share.expires_at is not None
        assert dt.timedelta(days=9) < share.expires_at - timezone.now() <= dt.timedelta(days=10)
        later = timezone.now() + dt.timedelta(days=11)
        with mock.patch("django.utils.timezone.now", return_value=later):
            with pytest.raises(Http404):
                case_get(user=self.outsider, pk=self.case.pk)
            # the case can be shared again (a new decision), the old share stays in history
            assert not CaseShare.objects.in_effect().exists()

    @override_settings(OVERRIDE_SHARE_DAYS=10)
    def test_a_supervisor_renews_it_with_a_reason(self) -> None:
        share = self.override_share()
        with pytest.raises(InputError):
            case_share_renew(actor=self.supervisor, share=share, reason=" ")
        later = timezone.now() + dt.timedelta(days=8)
        with mock.patch("django.utils.timezone.now", return_value=later):
            renewed = case_share_renew(
                actor=self.supervisor, share=share, reason="the child is still in the shelter"
            )
        assert renewed.expires_at is not None
        assert renewed.expires_at > later + dt.timedelta(days=9)
        with mock.patch("django.utils.timezone.now", return_value=later + dt.timedelta(days=5)):
            assert case_get(user=self.outsider, pk=self.case.pk) == self.case
        event = CaseEvent.objects.filter(case=self.case, kind="share_renewed").get()
        assert event.reason == "the child is still in the shelter"
        assert AuditEntry.objects.filter(purpose="share renewed").exists()

    def test_a_share_with_consent_does_not_run_out_and_is_not_renewed(self) -> None:
        share = self.consent_share()
        assert share.expires_at is None
        with pytest.raises(TransitionRefusedError, match="consent"):
            case_share_renew(actor=self.supervisor, share=share, reason="x")
