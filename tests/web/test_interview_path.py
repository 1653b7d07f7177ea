"""A path without dead ends: the first-line screen starts from a traveller's hit and refers
that traveller; consent comes before any question; the assessment puts the outcome and the
next step first; a child's referral to child protection opens a case that says so; case,
interview, traveller and hit link to each other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.urls import reverse
from flow_fixtures import a_hit

from palermo.web.administration.services import qualification_grant
from palermo.web.cases.models import Case, CaseEvent
from palermo.web.interviews.models import Interview
from palermo.web.interviews.steps import instrument, steps_of
from palermo.web.lib.roles import Role
from palermo.web.screening.models import Hit
from palermo.web.testsupport import BaseTestCase

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "answers"


def answers_file(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return doc


class TestInterviewPath(BaseTestCase):
    def start(self, instrument_id: str, **extra: str) -> Interview:
        response = self.client.post(
            reverse("interviews:start"), {"instrument": instrument_id, **extra}
        )
        assert response.status_code == 302, response
        return Interview.objects.latest("id")

    def step_url(self, interview: Interview, step: int) -> str:
        prefix = "screen" if interview.kind == "first_line" else "interview"
        return reverse(f"interviews:{prefix}_step", kwargs={"pk": interview.pk, "step": step})

    def answer(self, interview: Interview, doc: dict[str, Any]) -> None:
        for index, step in enumerate(steps_of(instrument(interview.instrument_id))):
            data: dict[str, Any] = {}
            if step.is_consent:
                data = {f"consent_{k}": "on" for k, v in doc.get("consent", {}).items() if v}
            for q in step.questions:
                value = doc["answers"].get(q.id)
                if isinstance(value, bool):
                    data[q.id] = "yes" if value else "no"
                elif value is not None:
                    data[q.id] = value
            for _round in range(2):
                self.client.post(self.step_url(interview, index), data, HTTP_HX_REQUEST="true")
        # "Save and assess" on the last step sends the step's answers with it, as the page does
        self.client.post(self.step_url(interview, index), {**data, "go": "next"})

    def test_no_question_is_asked_before_consent(self) -> None:
        self.login(self.user_with_role(Role.SECOND_LINE_INTERVIEWER))
        interview = self.start("second-line-adult")
        response = self.client.get(self.step_url(interview, 2))
        assert response.status_code == 302
        assert response["Location"] == self.step_url(interview, 0)

    def test_continuing_without_consent_stays_and_says_what_to_do(self) -> None:
        self.login(self.user_with_role(Role.SECOND_LINE_INTERVIEWER))
        interview = self.start("second-line-adult")
        response = self.client.post(self.step_url(interview, 0), {"go": "next"})
        assert response.status_code == 422
        page = response.content.decode()
        assert "cannot go on without the person&#x27;s consent" in page
        assert "If the person does not agree, stop here." in page

    def test_the_officer_screens_from_a_hit_and_the_screen_refers_the_traveller(self) -> None:
        hit = a_hit(self)
        self.login(self.officer)
        screen = self.start("first-line", hit=str(hit.pk))
        assert screen.hit_id == hit.pk
        self.answer(screen, answers_file("first-line-offer.json"))
        result = reverse("interviews:screen_result", kwargs={"pk": screen.pk})
        page = self.client.get(result).content.decode()
        assert "Refer the traveller to a private second-line interview" in page
        assert f"/screening/travellers/{hit.traveller_id}/" in page
        self.client.post(reverse("interviews:screen_refer", kwargs={"pk": screen.pk}))
        hit = Hit.objects.get(pk=hit.pk)
        assert hit.status == "referred"
        assert hit.disposition.observed == ["BRD-01", "BRD-02"]  # what the screen recorded
        assert screen.reference in hit.disposition.reason
        # the referral waits for an interviewer although a screen was run from the hit
        self.login(self.user_with_role(Role.SECOND_LINE_INTERVIEWER))
        waiting = self.client.get(reverse("interviews:list")).context["referrals"]
        assert [h.pk for h in waiting] == [hit.pk]

    def test_an_interviewer_starts_the_second_line_interview_from_the_screen(self) -> None:
        hit = a_hit(self)
        interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        self.login(interviewer)
        screen = self.start("first-line", hit=str(hit.pk))
        self.answer(screen, answers_file("first-line-offer.json"))
        page = self.client.get(
            reverse("interviews:screen_result", kwargs={"pk": screen.pk})
        ).content.decode()
        assert "Start the private second-line interview" in page
        interview = self.start("second-line-adult", screen=str(screen.pk))
        assert interview.kind == "second_line"
        assert interview.hit_id == hit.pk

    def test_the_assessment_shows_the_outcome_and_open_a_case_before_the_detail(self) -> None:
        self.login(self.user_with_role(Role.SECOND_LINE_INTERVIEWER))
        interview = self.start("second-line-adult")
        self.answer(interview, answers_file("adult-labour-presumed.json"))
        page = self.client.get(
            reverse("interviews:interview_result", kwargs={"pk": interview.pk})
        ).content.decode()
        assert page.index("Open the case") < page.index('<details class="assessment-detail">')
        assert page.index('class="outcome-box') < page.index("Open the case")

    def test_refer_to_child_protection_opens_a_case_that_records_the_referral(self) -> None:
        interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        qualification_grant(
            actor=self.user_with_role(Role.ADMINISTRATOR),
            user=interviewer,
            kind="child_interview",
            override_reason="Certified by a UNICEF course outside Palermo.",
        )
        self.login(interviewer)
        interview = self.start("second-line-child")
        self.answer(interview, answers_file("child-referral.json"))
        url = reverse("interviews:interview_result", kwargs={"pk": interview.pk})
        page = self.client.get(url).content.decode()
        assert "Open a case and refer to child protection" in page
        response = self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}),
            {"child-full_name": "Child A", "child-child_protection": "True"},
        )
        assert response.status_code == 302
        case = Case.objects.get()
        kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
        assert kinds == ["opened", "child_protection"]
        case_page = self.client.get(reverse("cases:detail", kwargs={"pk": case.pk}))
        assert "Referred to child protection" in case_page.content.decode()

    def test_the_case_links_to_its_interview_and_the_interview_to_the_case(self) -> None:
        interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        self.login(interviewer)
        interview = self.start("second-line-adult")
        self.answer(interview, answers_file("adult-labour-presumed.json"))
        self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}), {"full_name": "Li Wei"}
        )
        case = Case.objects.get()
        case_page = self.client.get(reverse("cases:detail", kwargs={"pk": case.pk})).content
        link = reverse("interviews:by_reference", kwargs={"reference": interview.reference})
        assert link.encode() in case_page
        response = self.client.get(link)
        assert response["Location"] == reverse(
            "interviews:interview_result", kwargs={"pk": interview.pk}
        )
        result = self.client.get(response["Location"]).content.decode()
        assert reverse("cases:detail", kwargs={"pk": case.pk}) in result

    def test_the_timeline_says_status_changes_in_words(self) -> None:
        interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        self.login(interviewer)
        interview = self.start("second-line-adult")
        self.answer(interview, answers_file("adult-labour-presumed.json"))
        self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}), {"full_name": "Li Wei"}
        )
        case = Case.objects.get()
        from palermo.web.cases.services import case_transition

        case_transition(
            actor=self.caseworker,
            case=case,
            expected_version=case.version,
            to_status="referred",
            reason="Shelter place found",
        )
        self.login(self.caseworker)
        page = self.client.get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
        assert "Status changed: from Identified to Referred" in page
        assert "→" not in page

    def test_the_referrals_waiting_name_observations_and_instruments_in_words(self) -> None:
        hit = a_hit(self)
        from palermo.web.screening.services import hit_dispose

        hit_dispose(
            actor=self.officer,
            hit=hit,
            kind="referred",
            reason="The companion held the passport.",
            observed=["BRD-01"],
        )
        interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        qualification_grant(
            actor=self.user_with_role(Role.ADMINISTRATOR),
            user=interviewer,
            kind="child_interview",
            override_reason="Certified by a UNICEF course outside Palermo.",
        )
        self.login(interviewer)
        self.start("second-line-child")
        page = self.client.get(reverse("interviews:list")).content.decode()
        assert "Documents held by someone else (BRD-01)" in page
        assert "Second-line interview (child)" in page
        assert "(second-line-child)" not in page
