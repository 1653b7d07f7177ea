"""Correcting a recorded disposition: the officer who recorded it or a supervisor of the same
agency supersedes it with a reason; the previous one stays in the hit's history (audited)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from flow_fixtures import flagged_traveller

from palermo.web.audit.models import AuditEntry
from palermo.web.interviews.services import interview_start
from palermo.web.lib.roles import Role
from palermo.web.screening.models import Disposition, DispositionCorrection, Hit
from palermo.web.screening.services import hit_dispose
from palermo.web.testsupport import BaseTestCase

WHY = "Wrong button: the companion was the mother of the traveller."


class TestDispositionCorrection(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = flagged_traveller(self)
        self.hit: Hit = self.traveller.hits.get()
        hit_dispose(
            actor=self.officer,
            hit=self.hit,
            kind="referred",
            reason="Companion held the passport and answered every question.",
            observed=["BRD-01", "BRD-02"],
        )
        self.url = reverse("screening:correct", kwargs={"pk": self.hit.pk})

    def correct(self, user: Any = None, **data: Any) -> Any:
        self.login(user or self.officer)
        fields = {
            "kind": "no_action",
            "reason": "Mother travelling with her daughter; documents in order.",
            "correction_reason": WHY,
            **data,
        }
        prefixed = {f"fix{self.hit.pk}-{k}": v for k, v in fields.items()}
        return self.client.post(self.url, prefixed, HTTP_HX_REQUEST="true")

    def test_the_officer_who_recorded_it_corrects_it_and_the_old_one_stays_in_history(
        self,
    ) -> None:
        response = self.correct()
        assert response.status_code == 200
        page = response.content.decode()
        assert "No action" in page
        assert "Referred to a second-line interview" in page  # in the history
        assert WHY in page
        self.hit.refresh_from_db()
        assert self.hit.status == "no_action"
        current = Disposition.objects.get(hit=self.hit)
        assert (current.kind, current.observed) == ("no_action", [])
        old = DispositionCorrection.objects.get(hit=self.hit)
        assert (old.previous_kind, old.previous_observed) == ("referred", ["BRD-01", "BRD-02"])
        assert (old.previous_decided_by, old.corrected_by, old.reason) == (
            self.officer,
            self.officer,
            WHY,
        )
        entry = AuditEntry.objects.get(purpose="hit disposition corrected")
        assert entry.detail["from"] == "referred"
        assert entry.detail["to"] == "no_action"

    def test_the_traveller_page_shows_the_correction_on_the_hit(self) -> None:
        self.correct()
        page = self.client.get(
            reverse("screening:traveller", kwargs={"pk": self.traveller.pk})
        ).content.decode()
        assert "Corrected once" in page
        assert WHY in page

    def test_a_supervisor_of_the_same_agency_may_correct_it(self) -> None:
        assert self.correct(self.supervisor).status_code == 200
        assert DispositionCorrection.objects.get().corrected_by == self.supervisor

    def test_another_officer_of_the_same_agency_may_not(self) -> None:
        colleague = self.user_with_role(Role.FIRST_LINE_OFFICER)
        self.login(colleague)
        page = self.client.get(
            reverse("screening:traveller", kwargs={"pk": self.traveller.pk})
        ).content.decode()
        assert "Correct this disposition" not in page
        response = self.correct(colleague)
        assert response.status_code == 403
        assert not DispositionCorrection.objects.exists()
        self.hit.refresh_from_db()
        assert self.hit.status == "referred"

    def test_a_supervisor_of_another_agency_cannot_even_find_the_hit(self) -> None:
        stranger = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)
        assert self.correct(stranger).status_code == 404
        assert not DispositionCorrection.objects.exists()

    def test_a_correction_needs_its_own_reason(self) -> None:
        response = self.correct(correction_reason="oops")
        assert response.status_code == 422
        assert not DispositionCorrection.objects.exists()

    def test_a_correction_follows_the_disposition_rules(self) -> None:
        response = self.correct(kind="referred", reason="Just a feeling about this one.")
        assert response.status_code == 422
        assert "a hunch alone cannot be saved" in response.content.decode()
        assert not DispositionCorrection.objects.exists()

    def test_a_referral_an_interview_has_taken_up_cannot_be_withdrawn(self) -> None:
        interview_start(
            actor=self.user_with_role(Role.SECOND_LINE_INTERVIEWER),
            instrument_id="second-line-adult",
            hit=self.hit,
        )
        response = self.correct()
        assert response.status_code == 409
        assert "interview was started" in response.content.decode()
        assert not DispositionCorrection.objects.exists()

    def test_a_pending_hit_has_nothing_to_correct(self) -> None:
        Disposition.objects.filter(hit=self.hit).delete()
        Hit.objects.filter(pk=self.hit.pk).update(status="pending")
        assert self.correct().status_code == 409

    def test_corrections_can_follow_each_other_and_all_are_kept(self) -> None:
        self.correct()
        self.correct(
            self.supervisor,
            kind="questions_asked",
            reason="Asked both separately; consistent answers.",
            correction_reason="Questions were asked before the decision.",
        )
        kinds = list(
            DispositionCorrection.objects.order_by("id").values_list("previous_kind", flat=True)
        )
        assert kinds == ["referred", "no_action"]
        assert Disposition.objects.get(hit=self.hit).kind == "questions_asked"
