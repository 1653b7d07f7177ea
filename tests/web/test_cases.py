from __future__ import annotations

import pytest
from admin_fixtures import agreement_between
from django.http import Http404

from palermo.errors import InputError
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.cases import selectors
from palermo.web.cases.models import CONSENT_CHECKLIST, Case, CaseShare
from palermo.web.cases.services import (
    case_open,
    case_share,
    case_transition,
    case_update_details,
    consent_record,
    consent_withdraw,
)
from palermo.web.lib.errors import (
    ConsentRequiredError,
    EditConflictError,
    NotPermittedError,
    TransitionRefusedError,
)
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

ALL_TOLD = {key: True for key, _label in CONSENT_CHECKLIST}


class TestOpeningACase(BaseTestCase):
    def test_a_case_gets_pseudonymous_ids_and_starts_as_identified(self) -> None:
        case = self.open_case()
        assert case.reference.startswith("C-")
        assert case.person.pseudonym.startswith("P-")
        assert "Li" not in case.reference + case.person.pseudonym
        assert case.status == "identified"
        # the opening text is the case's first dated note, on the timeline after the opening
        assert [e.kind for e in case.events.order_by("id")] == ["opened", "note"]

    def test_it_is_refused_for_an_outcome_that_is_not_a_possible_or_presumed_victim(self) -> None:
        with pytest.raises(InputError, match="possible or presumed victim"):
            case_open(actor=self.caseworker, full_name="X", outcome="none")

    def test_a_first_line_officer_cannot_open_a_case(self) -> None:
        with pytest.raises(NotPermittedError):
            case_open(actor=self.officer, full_name="X", outcome="possible")

    def test_opening_is_audited_with_the_fields_but_not_their_values(self) -> None:
        case = self.open_case()
        entry = AuditEntry.objects.get(
            action=AuditAction.CREATE, object_type="cases.case", object_id=str(case.pk)
        )
        assert "full_name" in entry.fields
        assert "Li Wei" not in str(entry.detail)


class TestCaseWorkflow(BaseTestCase):
    def move(self, case: Case, expected_version: int, to_status: str, reason: str) -> Case:
        return case_transition(
            actor=self.caseworker,
            case=case,
            expected_version=expected_version,
            to_status=to_status,
            reason=reason,
        )

    def test_a_case_moves_along_the_workflow_with_reasons_in_the_timeline(self) -> None:
        case = self.open_case()
        self.move(case, 1, "referred", "to shelter")
        self.move(case, 2, "assisted", "in shelter")
        assert Case.objects.get(pk=case.pk).status == "assisted"
        reasons = [e.reason for e in case.events.order_by("at", "id") if e.kind == "status"]
        assert reasons == ["to shelter", "in shelter"]

    def test_an_invalid_step_is_refused(self) -> None:
        case = self.open_case()
        with pytest.raises(TransitionRefusedError, match="identified to assisted"):
            self.move(case, 1, "assisted", "x")

    def test_a_closed_case_cannot_move(self) -> None:
        case = self.open_case()
        self.move(case, 1, "closed", "declined")
        with pytest.raises(TransitionRefusedError):
            self.move(case, 2, "referred", "x")

    def test_a_step_without_a_reason_is_refused(self) -> None:
        case = self.open_case()
        with pytest.raises(InputError, match="reason"):
            self.move(case, 1, "referred", " ")


class TestConcurrentEdits(BaseTestCase):
    def test_the_second_of_two_officers_editing_the_same_case_gets_a_conflict(self) -> None:
        case = self.open_case()
        first = Case.objects.get(pk=case.pk)
        second = Case.objects.get(pk=case.pk)
        other = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        case_update_details(
            actor=self.caseworker,
            case=first,
            expected_version=first.version,
            changes={"contact": "first officer's number"},
        )
        with pytest.raises(EditConflictError, match="chen changed this case"):
            case_update_details(
                actor=other,
                case=second,
                expected_version=second.version,
                changes={"contact": "second officer's number"},
            )
        assert Case.objects.get(pk=case.pk).person.contact == "first officer's number"

    def test_the_conflict_is_shown_on_the_page_and_nothing_is_overwritten(self) -> None:
        case = self.open_case()
        self.login(self.caseworker)
        form = {
            "version": 1,
            "full_name": "Li Wei",
            "document_number": "E12345678",
            "contact": "A",
        }
        assert self.client.post(f"/cases/{case.pk}/edit/", form).status_code == 302
        response = self.client.post(f"/cases/{case.pk}/edit/", {**form, "contact": "B"})
        assert response.status_code == 409
        assert b"after you opened it" in response.content
        assert Case.objects.get(pk=case.pk).person.contact == "A"


class TestConsentAndSharing(BaseTestCase):
    def setUp(self) -> None:
        agreement_between(self, self.agency_a, self.agency_b)

    def share_for_shelter(self, case: Case) -> CaseShare:
        """The caseworker shares the case with agency B for shelter (assistance)."""
        return case_share(
            actor=self.caseworker,
            case=case,
            recipient=self.agency_b,
            purpose="shelter",
            transfer_purpose="assistance",
        )

    def test_sharing_without_consent_for_that_agency_is_blocked(self) -> None:
        case = self.open_case()
        with pytest.raises(ConsentRequiredError, match="Harbour shelter"):
            self.share_for_shelter(case)

    def test_consent_needs_every_point_of_the_checklist(self) -> None:
        case = self.open_case()
        with pytest.raises(InputError) as caught:
            consent_record(
                actor=self.caseworker,
                case=case,
                purpose="assistance",
                checklist={**ALL_TOLD, "told_retention": False},
            )
        assert [p.field for p in caught.value.problems] == ["told_retention"]

    def test_consent_to_share_with_another_agency_does_not_cover_this_one(self) -> None:
        case = self.open_case()
        third = type(self.agency_b).objects.create(name="Labour office", kind="labour", code="lab")
        consent_record(
            actor=self.caseworker, case=case, purpose="sharing", recipient=third, checklist=ALL_TOLD
        )
        with pytest.raises(ConsentRequiredError):
            self.share_for_shelter(case)

    def test_with_consent_the_recipient_sees_the_case_and_withdrawal_stops_it(self) -> None:
        case = self.open_case()
        consent = consent_record(
            actor=self.caseworker,
            case=case,
            purpose="sharing",
            recipient=self.agency_b,
            checklist=ALL_TOLD,
        )
        self.share_for_shelter(case)
        assert selectors.case_get(user=self.outsider, pk=case.pk) == case
        consent_withdraw(actor=self.caseworker, consent=consent, reason="person asked")
        with pytest.raises(Http404):
            selectors.case_get(user=self.outsider, pk=case.pk)
        assert CaseShare.objects.get().revoked_at is not None

    def test_a_supervisor_may_override_only_with_a_legal_basis_and_reason(self) -> None:
        case = self.open_case()
        with pytest.raises(InputError):
            case_share(
                actor=self.supervisor,
                case=case,
                recipient=self.agency_b,
                purpose="x",
                transfer_purpose="assistance",
            )
        share = case_share(
            actor=self.supervisor,
            case=case,
            recipient=self.agency_b,
            purpose="imminent danger",
            transfer_purpose="assistance",
            legal_basis="Art. 13 exception",
            override_reason="threat to life reported",
        )
        assert share.consent is None
        assert AuditEntry.objects.filter(action=AuditAction.SHARE).get().detail["override"]


class TestAgencyBSeesNothingOfA(BaseTestCase):
    def test_guessing_the_id_of_agency_as_case_gives_not_found(self) -> None:
        case = self.open_case()
        self.login(self.outsider)
        for url in (
            f"/cases/{case.pk}/",
            f"/cases/{case.pk + 1}/",
        ):
            assert self.client.get(url).status_code == 404
        for url in ("edit", "status", "consents", "share"):
            assert self.client.post(f"/cases/{case.pk}/{url}/", {}).status_code == 404
        assert b"Li Wei" not in self.client.get("/cases/").content
        assert case.reference.encode() not in self.client.get("/cases/").content

    def test_agency_bs_own_list_does_not_count_as_cases(self) -> None:
        self.open_case()
        assert selectors.case_list(user=self.outsider).count() == 0


class TestCasePages(BaseTestCase):
    def test_a_case_worker_sees_the_identity_and_the_read_is_audited(self) -> None:
        case = self.open_case()
        response = self.get_as(self.caseworker, f"/cases/{case.pk}/")
        assert b"Li Wei" in response.content
        entry = AuditEntry.objects.filter(action=AuditAction.READ, object_id=str(case.pk)).get()
        assert entry.actor_id == self.caseworker.pk
        assert "document_number" in entry.fields

    def test_a_supervisor_sees_the_workflow_but_not_the_identity(self) -> None:
        case = self.open_case()
        response = self.get_as(self.supervisor, f"/cases/{case.pk}/")
        assert response.status_code == 200
        assert b"Li Wei" not in response.content
        assert b"E12345678" not in response.content
        assert case.reference.encode() in response.content

    def test_the_case_list_pages_and_filters_by_status(self) -> None:
        for _ in range(3):
            self.open_case()
        response = self.get_as(self.caseworker, "/cases/?status=identified")
        assert response.status_code == 200
        assert response.content.count(b"C-") >= 3
        assert b"C-" not in self.get_as(self.caseworker, "/cases/?status=closed").content

    def test_the_case_list_runs_a_fixed_number_of_queries_however_many_cases(self) -> None:
        for _ in range(3):
            self.open_case()
        self.login(self.caseworker)
        self.client.get("/cases/")
        with self.assertNumQueries(self._list_queries()):
            self.client.get("/cases/")
        for _ in range(5):
            self.open_case()
        with self.assertNumQueries(self._list_queries()):
            self.client.get("/cases/")

    def _list_queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.client.get("/cases/")
        return len(captured)

    def test_a_transition_with_a_stale_version_shows_a_conflict(self) -> None:
        case = self.open_case()
        self.login(self.caseworker)
        form = {"version": 1, "to_status": "referred", "reason": "shelter"}
        assert self.client.post(f"/cases/{case.pk}/status/", form).status_code == 302
        response = self.client.post(
            f"/cases/{case.pk}/status/", {**form, "to_status": "closed", "confirm_close": "on"}
        )
        assert response.status_code == 409
