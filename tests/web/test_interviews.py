"""First-line screen and second-line interview pages: one question group per step, saved as
you go, the assessment with its reasoning, and a case opened from a victim outcome."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.urls import reverse
from flow_fixtures import a_hit, an_interview

from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import Case
from palermo.web.interviews.models import Interview
from palermo.web.interviews.steps import instrument, steps_of
from palermo.web.lib.roles import Role
from palermo.web.screening.services import hit_dispose
from palermo.web.testsupport import BaseTestCase

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "answers"


def answers_file(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return doc


class TestSecondLineInterview(BaseTestCase):
    def setUp(self) -> None:
        self.interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        self.login(self.interviewer)

    def start(self, instrument_id: str = "second-line-adult", **extra: str) -> Interview:
        response = self.client.post(
            reverse("interviews:start"), {"instrument": instrument_id, **extra}
        )
        assert response.status_code == 302
        return Interview.objects.latest("id")

    def answer_all(self, interview: Interview, doc: dict[str, Any]) -> None:
        """Post every step like the page does, twice, so follow-up questions appear."""
        steps = steps_of(instrument(interview.instrument_id))
        for index, step in enumerate(steps):
            url = reverse("interviews:interview_step", kwargs={"pk": interview.pk, "step": index})
            data: dict[str, Any] = {}
            if step.is_consent:
                data = {f"consent_{k}": "on" for k, v in doc["consent"].items() if v}
            for q in step.questions:
                value = doc["answers"].get(q.id)
                if isinstance(value, bool):
                    data[q.id] = "yes" if value else "no"
                elif value is not None:
                    data[q.id] = value
            for _round in range(2):
                assert self.client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200

    def submit_last_step(self, interview: Interview) -> Any:
        """Press "Save and assess" on the last step, as the interviewer does."""
        last = len(steps_of(instrument(interview.instrument_id))) - 1
        url = reverse("interviews:interview_step", kwargs={"pk": interview.pk, "step": last})
        return self.client.post(url, {"go": "next"})

    def test_each_step_shows_one_question_group(self) -> None:
        interview = self.start()
        page = self.client.get(
            reverse("interviews:interview_step", kwargs={"pk": interview.pk, "step": 0})
        ).content.decode()
        assert "consent_consented" in page
        assert "debt_owes" not in page

    def give_consent(self, interview: Interview) -> None:
        consent = instrument(interview.instrument_id).consent
        url = reverse("interviews:interview_step", kwargs={"pk": interview.pk, "step": 0})
        data = {f"consent_{c.id}": "on" for c in consent}
        assert self.client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200

    def test_answers_are_saved_as_you_go_and_follow_ups_appear(self) -> None:
        interview = self.start()
        self.give_consent(interview)
        steps = steps_of(instrument(interview.instrument_id))
        debts = next(i for i, s in enumerate(steps) if s.key == "debts")
        url = reverse("interviews:interview_step", kwargs={"pk": interview.pk, "step": debts})
        assert "debt_work_off" not in self.client.get(url).content.decode()
        response = self.client.post(url, {"debt_owes": "yes"}, HTTP_HX_REQUEST="true")
        assert "Saved at" in response.content.decode()
        assert 'name="debt_work_off"' in response.content.decode()
        interview.refresh_from_db()
        assert json.loads(interview.answers)["answers"] == {"debt_owes": True}

    def test_an_interview_without_consent_is_not_assessed(self) -> None:
        interview = self.start()
        response = self.client.get(
            reverse("interviews:interview_result", kwargs={"pk": interview.pk})
        )
        assert response.status_code == 422
        assert "consent" in response.content.decode()

    def test_a_presumed_victim_outcome_opens_a_case_from_the_interview(self) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-labour-presumed.json"))
        assert self.submit_last_step(interview).status_code == 302
        result_url = reverse("interviews:interview_result", kwargs={"pk": interview.pk})
        page = self.client.get(result_url).content.decode()
        assert "presumed victim" in page
        assert "Open the case" in page
        response = self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}),
            {"full_name": "Li Wei", "document_number": "E12345678", "note": "Met at gate 4."},
        )
        assert response.status_code == 302
        case = Case.objects.get()
        assert (case.outcome, case.interview_ref) == ("presumed", interview.reference)
        (note,) = case.case_notes.all()  # the opening text is the case's first dated note
        assert (note.text, note.author, note.origin) == (
            "Met at gate 4.",
            self.interviewer,
            "opening",
        )
        interview.refresh_from_db()
        assert interview.case == case
        again = self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}), {"full_name": "Li Wei"}
        )
        assert again.status_code == 302
        assert Case.objects.count() == 1

    def test_an_insufficient_outcome_offers_no_case(self) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-insufficient.json"))
        self.submit_last_step(interview)
        page = self.client.get(reverse("interviews:interview_result", kwargs={"pk": interview.pk}))
        assert "indicators insufficient" in page.content.decode()
        assert "Open the case" not in page.content.decode()
        self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}), {"full_name": "X Y"}
        )
        assert Case.objects.count() == 0

    def test_opening_the_result_page_stores_nothing_until_the_interviewer_assesses(
        self,
    ) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-labour-presumed.json"))
        url = reverse("interviews:interview_result", kwargs={"pk": interview.pk})
        preview = self.client.get(url)
        assert preview.status_code == 200
        assert "Not yet assessed" in preview.content.decode()
        assert "Open the case" not in preview.content.decode()
        interview.refresh_from_db()
        assert (interview.result, interview.outcome, interview.status) == ("", "", "in_progress")
        assessed = AuditEntry.objects.filter(purpose="interview assessed").count()
        assert self.client.post(url).status_code == 302
        interview.refresh_from_db()
        assert (interview.outcome, interview.status) == ("presumed_victim", "completed")
        assert AuditEntry.objects.filter(purpose="interview assessed").count() == assessed + 1
        shown = self.client.get(url).content.decode()
        assert "Not yet assessed" not in shown
        assert "Open the case" in shown
        self.client.get(url)
        assert AuditEntry.objects.filter(purpose="interview assessed").count() == assessed + 1

    def test_the_last_steps_submit_stores_the_assessment(self) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-labour-presumed.json"))
        self.submit_last_step(interview)
        interview.refresh_from_db()
        assert interview.outcome == "presumed_victim"

    def test_the_assessment_shows_a_table_per_dimension_with_strength_and_verification(
        self,
    ) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-labour-presumed.json"))
        self.submit_last_step(interview)
        response = self.client.get(
            reverse("interviews:interview_result", kwargs={"pk": interview.pk})
        )
        page = response.content.decode()
        view = response.context["view"]
        adl = next(s for s in view.sets if s.code == "ADL")
        assert [d.code for d in adl.dimensions] == ["DR", "CR", "VR", "EX", "CD", "VD"]
        for code in ("DR", "CR", "VR", "EX", "CD", "VD"):
            assert f'id="dim-ADL-{code}"' in page
        found = [f for d in adl.dimensions for f in d.found]
        assert found
        assert {f.strength_code for f in found} <= {"strong", "medium", "weak"}
        assert any(not f.verified for s in view.sets for d in s.dimensions for f in d.found)
        assert "(unverified)" in page
        assert [e.label.split(" ")[0] for e in adl.elements] == ["Act", "Means", "Purpose"]
        used, other = adl.rules
        assert used.used
        assert not other.used
        assert "ILO reading" in used.title
        assert "Moldova" in other.title
        assert "Alternative reading:" in page

    def test_the_evidence_reads_as_the_questions_asked_in_the_page_language(self) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-labour-presumed.json"))
        self.submit_last_step(interview)
        url = reverse("interviews:interview_result", kwargs={"pk": interview.pk})
        page = self.client.get(url).content.decode()
        assert "Is anything different from what you were told before you left?" in page
        assert '<span class="via">rec_differs</span>' not in page
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(url).content.decode()
        assert "有没有什么情况和您出发前被告知的不一样？" in page

    def test_the_interview_list_shows_the_outcome_as_a_label(self) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-labour-presumed.json"))
        self.submit_last_step(interview)
        page = self.client.get(reverse("interviews:list")).content.decode()
        assert "Presumed victim" in page
        assert "presumed_victim" not in page

    def test_the_reasoning_is_shown_in_chinese(self) -> None:
        interview = self.start()
        self.answer_all(interview, answers_file("adult-labour-presumed.json"))
        self.submit_last_step(interview)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("interviews:interview_result", kwargs={"pk": interview.pk}))
        assert "推定受害人" in page.content.decode()
        assert "（未经核实）" in page.content.decode()

    def test_a_referred_hit_waits_for_an_interview_until_one_starts(self) -> None:
        hit = a_hit(self)
        hit_dispose(
            actor=self.officer,
            hit=hit,
            kind="referred",
            reason="Companion holds the passport and answers for her.",
            observed=["BRD-01"],
        )
        listing = self.client.get(reverse("interviews:list"))
        assert list(listing.context["referrals"]) == [hit]
        interview = self.start(hit=str(hit.pk))
        assert interview.hit == hit
        assert list(self.client.get(reverse("interviews:list")).context["referrals"]) == []

    def test_another_agency_cannot_open_the_interview(self) -> None:
        interview = an_interview(self, "second-line-adult")
        self.login(self.user_with_role(Role.SECOND_LINE_INTERVIEWER, agency=self.agency_b))
        url = reverse("interviews:interview_step", kwargs={"pk": interview.pk, "step": 0})
        assert self.client.get(url).status_code == 404


class TestFirstLineScreen(BaseTestCase):
    def test_a_decisive_observation_offers_a_private_interview(self) -> None:
        self.login(self.officer)
        self.client.post(reverse("interviews:start"), {"instrument": "first-line"})
        interview = Interview.objects.get()
        url = reverse("interviews:screen_step", kwargs={"pk": interview.pk, "step": 0})
        self.client.post(url, {"obs_visible_injuries": "yes", "go": "next"})
        interview.refresh_from_db()
        assert interview.outcome == "offer_interview"
        page = self.client.get(reverse("interviews:screen_result", kwargs={"pk": interview.pk}))
        assert "offer a private second-line interview" in page.content.decode()
        assert "Open the case" not in page.content.decode()

    def test_a_first_line_officer_cannot_start_a_second_line_interview(self) -> None:
        self.login(self.officer)
        self.client.post(reverse("interviews:start"), {"instrument": "second-line-adult"})
        assert Interview.objects.count() == 0
