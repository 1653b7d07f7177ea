"""Referrals between agencies (issue 10, item 2): sent -> accepted | declined (a reason) ->
done, revoked by the sender, transfers; both consents or an audited override; the receiver
sees only the referral type's fields; every other agency gets "not found"."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse
from referral_fixtures import consent_both, referral_world, send_to_shelter

from palermo.web.agreements.services import AgreementRequiredError
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import Case, CaseEvent, Consent
from palermo.web.cases.selectors import case_get
from palermo.web.cases.services import case_note_add, consent_withdraw
from palermo.web.lib.errors import (
    ConsentRequiredError,
    NotPermittedError,
    TransitionRefusedError,
)
from palermo.web.lib.roles import Role
from palermo.web.notifications.models import Notification
from palermo.web.notifications.selectors import notification_list
from palermo.web.referrals.models import Referral
from palermo.web.referrals.selectors import referral_get, referral_shared_fields
from palermo.web.referrals.services import (
    referral_accept,
    referral_complete,
    referral_decline,
    referral_revoke,
    referral_send,
)
from palermo.web.testsupport import BaseTestCase

from palermo.errors import InputError  # isort: skip


class TestSending(BaseTestCase):
    def setUp(self) -> None:
        referral_world(self)

    def test_a_referral_with_both_consents_is_sent_and_the_receiving_agency_is_told(self) -> None:
        referral = send_to_shelter(self)
        assert referral.state == "sent"
        assert referral.fields == ["full_name", "contact"]  # the shelter's usual type
        assert referral.respond_by - referral.sent_at == __import__("datetime").timedelta(hours=24)
        (note,) = notification_list(user=self.outsider)
        assert note.kind == "referral_received"
        assert note.url == reverse("referrals:detail", args=[referral.pk])
        assert notification_list(user=self.stranger).count() == 0
        assert CaseEvent.objects.filter(case=self.case, kind="referral").count() == 1
        entry = AuditEntry.objects.get(object_type="referrals.referral", action="share")
        assert entry.fields == ["contact", "full_name"]

    def test_without_consent_a_case_worker_is_refused_and_nothing_is_sent(self) -> None:
        Consent.objects.filter(case=self.case, purpose="assistance").update(
            withdrawn_at=self.case.opened_at
        )
        with pytest.raises(ConsentRequiredError, match="receiving assistance"):
            send_to_shelter(self)
        assert Referral.objects.count() == 0
        assert Notification.objects.count() == 0

    def test_a_supervisor_overrides_a_missing_consent_only_with_legal_basis_and_reason(
        self,
    ) -> None:
        case = self.open_case(full_name="Wang Fang")
        with pytest.raises(ConsentRequiredError):
            referral_send(
                actor=self.caseworker, case=case, recipient=self.agency_b, service="shelter"
            )
        with pytest.raises(InputError, match="legal_basis"):
            referral_send(
                actor=self.supervisor, case=case, recipient=self.agency_b, service="shelter"
            )
        referral = referral_send(
            actor=self.supervisor,
            case=case,
            recipient=self.agency_b,
            service="shelter",
            legal_basis="Art. 12 CETS 197: immediate assistance",
            override_reason="The person is unconscious in hospital",
        )
        assert referral.is_override
        assert AuditEntry.objects.get(object_id=str(referral.pk), action="share").detail["override"]

    def test_without_an_agreement_covering_the_purpose_the_referral_is_refused(self) -> None:
        consent_both(self, self.case, self.agency_c)
        with pytest.raises(AgreementRequiredError):
            referral_send(
                actor=self.caseworker,
                case=self.case,
                recipient=self.agency_c,
                service="police_prosecution",
            )
        assert Referral.objects.count() == 0

    def test_a_second_open_referral_to_the_same_agency_for_the_same_service_is_refused(
        self,
    ) -> None:
        send_to_shelter(self)
        with pytest.raises(TransitionRefusedError):
            send_to_shelter(self)
        send_to_shelter(self, service="psychosocial")  # another service is fine

    def test_only_the_owning_agency_refers_its_case(self) -> None:
        with pytest.raises(NotPermittedError):
            referral_send(
                actor=self.outsider, case=self.case, recipient=self.agency_c, service="shelter"
            )
        with pytest.raises(NotPermittedError):
            referral_send(
                actor=self.officer, case=self.case, recipient=self.agency_b, service="shelter"
            )

    def test_a_transfer_must_send_the_whole_case_file(self) -> None:
        with pytest.raises(InputError, match="referral_type"):
            send_to_shelter(self, kind="transfer", referral_type="contact")


class TestWhatTheReceiverSees(BaseTestCase):
    def setUp(self) -> None:
        referral_world(self)
        self.referral = send_to_shelter(self)

    def test_the_receiver_sees_only_the_fields_of_the_referral_type(self) -> None:
        shared = referral_shared_fields(user=self.outsider, referral=self.referral)
        assert shared is not None
        assert {f.name: f.value for f in shared} == {
            "full_name": "Li Wei",
            "contact": "+86 138 0000 0000",
        }
        page = self.get_as(self.outsider, reverse("referrals:detail", args=[self.referral.pk]))
        text = page.content.decode()
        assert "Li Wei" in text
        assert "E12345678" not in text  # document number: not in this type
        assert "passport kept by the employer" not in text  # notes: not in this type
        read = AuditEntry.objects.filter(
            action="read", object_type="cases.case", actor=self.outsider
        ).last()
        assert read is not None
        assert read.fields == ["contact", "full_name"]

    def test_a_type_that_shares_the_notes_shows_them_dated_and_signed_and_others_do_not(
        self,
    ) -> None:
        case_note_add(actor=self.caseworker, case=self.case, text="Met her lawyer.")
        legal = send_to_shelter(self, service="legal_aid", referral_type="assistance")
        shared = referral_shared_fields(user=self.outsider, referral=legal)
        assert shared is not None
        (notes,) = [f for f in shared if f.name == "notes"]
        assert [(n.text, n.author) for n in notes.notes] == [
            (
                "Recruited online for restaurant work; passport kept by the employer.",
                self.user_with_role(Role.SECOND_LINE_INTERVIEWER),
            ),
            ("Met her lawyer.", self.caseworker),
        ]
        page = self.get_as(self.outsider, reverse("referrals:detail", args=[legal.pk]))
        text = page.content.decode()
        assert "Met her lawyer." in text
        assert "Written when the case was opened" in text
        # the shelter referral's type (contact) does not share the notes, dated or not
        shelter = referral_shared_fields(user=self.outsider, referral=self.referral)
        assert shelter is not None
        assert "notes" not in {f.name for f in shelter}
        page = self.get_as(self.outsider, reverse("referrals:detail", args=[self.referral.pk]))
        assert "Met her lawyer." not in page.content.decode()

    def test_the_receiver_cannot_open_the_case_itself(self) -> None:
        with pytest.raises(Http404):
            case_get(user=self.outsider, pk=self.case.pk)
        assert self.get_as(self.outsider, f"/cases/{self.case.pk}/").status_code == 404

    def test_an_agency_not_party_to_the_referral_gets_not_found_by_guessing_ids(self) -> None:
        with pytest.raises(Http404):
            referral_get(user=self.stranger, pk=self.referral.pk)
        url = reverse("referrals:detail", args=[self.referral.pk])
        assert self.get_as(self.stranger, url).status_code == 404
        for step in ("accept", "decline", "complete", "revoke"):
            response = self.client.post(
                reverse(f"referrals:{step}", args=[self.referral.pk]),
                {"reason": "x", "confirm": "yes"},
            )
            assert response.status_code == 404, step
        assert Referral.objects.get(pk=self.referral.pk).state == "sent"

    def test_a_supervisor_at_the_receiver_sees_the_referral_but_not_the_identity(self) -> None:
        page = self.get_as(self.b_supervisor, reverse("referrals:detail", args=[self.referral.pk]))
        assert page.status_code == 200
        assert "Li Wei" not in page.content.decode()

    def test_withdrawn_consent_hides_the_shared_fields_at_once(self) -> None:
        consent = Consent.objects.get(case=self.case, purpose="sharing")
        consent_withdraw(actor=self.caseworker, consent=consent, reason="changed her mind")
        self.referral.refresh_from_db()
        assert referral_shared_fields(user=self.outsider, referral=self.referral) is None


class TestAnswering(BaseTestCase):
    def setUp(self) -> None:
        referral_world(self)
        self.referral = send_to_shelter(self)

    def test_accepting_tells_the_sender_and_completing_records_the_delivery(self) -> None:
        referral = referral_accept(actor=self.outsider, referral=self.referral)
        assert referral.state == "accepted"
        assert referral.responded_by == self.outsider
        kinds = [n.kind for n in notification_list(user=self.caseworker)]
        assert kinds == ["referral_accepted"]
        done = referral_complete(actor=self.outsider, referral=referral, note="bed for 30 days")
        assert done.state == "done"
        assert done.completed_at is not None
        steps = list(
            CaseEvent.objects.filter(case=self.case, kind="referral")
            .order_by("at", "id")
            .values_list("detail__step", flat=True)
        )
        assert steps == ["sent", "accepted", "done"]
        # the receiver still sees what was shared once the service is delivered
        assert referral_shared_fields(user=self.outsider, referral=done)

    def test_declining_needs_a_reason_and_then_hides_the_case(self) -> None:
        with pytest.raises(InputError, match="reason"):
            referral_decline(actor=self.outsider, referral=self.referral, reason="  ")
        declined = referral_decline(actor=self.outsider, referral=self.referral, reason="full")
        assert declined.state == "declined"
        assert declined.decline_reason == "full"
        (note,) = notification_list(user=self.caseworker)
        assert note.kind == "referral_declined"
        assert "full" in note.params["en"]["reason"]
        assert referral_shared_fields(user=self.outsider, referral=declined) is None
        with pytest.raises(TransitionRefusedError):
            referral_accept(actor=self.outsider, referral=declined)

    def test_only_the_receiving_agency_answers(self) -> None:
        with pytest.raises(NotPermittedError):
            referral_accept(actor=self.caseworker, referral=self.referral)
        with pytest.raises(NotPermittedError):
            referral_decline(actor=self.stranger, referral=self.referral, reason="no")

    def test_the_sender_withdraws_and_the_receiver_is_told_and_sees_nothing_more(self) -> None:
        with pytest.raises(NotPermittedError):
            referral_revoke(actor=self.outsider, referral=self.referral, reason="mine")
        revoked = referral_revoke(
            actor=self.caseworker, referral=self.referral, reason="found a closer shelter"
        )
        assert revoked.state == "revoked"
        assert [n.kind for n in notification_list(user=self.outsider)] == [
            "referral_received",
            "referral_revoked",
        ][::-1]
        assert referral_shared_fields(user=self.outsider, referral=revoked) is None
        with pytest.raises(TransitionRefusedError):
            referral_complete(actor=self.outsider, referral=revoked)

    def test_a_transfer_moves_the_case_to_the_receiving_agency_on_acceptance(self) -> None:
        transfer = send_to_shelter(
            self, service="psychosocial", kind="transfer", referral_type="full_case"
        )
        assert case_get(user=self.caseworker, pk=self.case.pk)
        done = referral_accept(actor=self.outsider, referral=transfer)
        assert done.state == "done"
        case = Case.objects.get(pk=self.case.pk)
        assert case.agency == self.agency_b
        assert case.person.agency == self.agency_b
        assert case_get(user=self.outsider, pk=self.case.pk) == case
        with pytest.raises(Http404):
            case_get(user=self.caseworker, pk=self.case.pk)
        # the sender still sees the referral itself (its steps and times)
        assert referral_get(user=self.caseworker, pk=transfer.pk) == transfer


class TestPages(BaseTestCase):
    def setUp(self) -> None:
        referral_world(self)

    def test_the_case_page_lists_referrals_and_offers_to_refer(self) -> None:
        referral = send_to_shelter(self)
        page = self.get_as(self.caseworker, f"/cases/{self.case.pk}/").content.decode()
        assert referral.reference in page
        assert reverse("referrals:create", args=[self.case.pk]) in page

    def test_a_case_worker_refers_from_the_page_and_the_receiver_accepts_there(self) -> None:
        from directory_fixtures import a_provider

        provider = a_provider(self)
        self.login(self.caseworker)
        url = reverse("referrals:create", args=[self.case.pk])
        routed = self.client.get(url, {"service": "shelter", "area": "Kunming", "language": "my"})
        assert "Harbour shelter" in routed.content.decode()
        response = self.client.post(
            url,
            {
                "service": "shelter",
                "recipient": self.agency_b.pk,
                "provider": provider.pk,
                "kind": "referral",
                "referral_type": "contact",
                "message": "Arrives tonight with her sister.",
            },
        )
        referral = Referral.objects.get()
        assert response.status_code == 302
        assert referral.provider == provider
        self.login(self.outsider)
        detail = reverse("referrals:detail", args=[referral.pk])
        page = self.client.get(detail).content.decode()
        assert "Arrives tonight with her sister." in page
        refused = self.client.post(reverse("referrals:accept", args=[referral.pk]))
        assert refused.status_code == 422  # the confirmation box was not ticked
        self.client.post(reverse("referrals:accept", args=[referral.pk]), {"confirm": "yes"})
        assert Referral.objects.get().state == "accepted"

    def test_a_refused_send_shows_the_reason_on_the_form(self) -> None:
        self.login(self.caseworker)
        response = self.client.post(
            reverse("referrals:create", args=[self.case.pk]),
            {
                "service": "police_prosecution",
                "recipient": self.agency_c.pk,
                "kind": "referral",
                "referral_type": "investigation",
            },
        )
        assert response.status_code == 422
        assert "Eastport police" in response.content.decode()
        assert Referral.objects.count() == 0

    def test_the_referral_page_reads_in_chinese(self) -> None:
        referral = send_to_shelter(self)
        self.login(self.outsider)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        assert "庇护所与安全住所" in page
        assert "Accept" not in page
