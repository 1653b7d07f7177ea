"""A step saved as one goes (autosave) and the step's submit can reach the server in either
order. An autosave sent before the submit but arriving after it must not undo what was
submitted: the page carries the revision it was drawn with, and the server refuses an
autosave from before the latest submit with a 409 that says why."""

from __future__ import annotations

import json
import re
from typing import Any

from django.urls import reverse

from palermo.web.interviews.models import Interview
from palermo.web.interviews.steps import instrument, steps_of
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase


class TestAnAutosaveOlderThanTheSubmit(BaseTestCase):
    def setUp(self) -> None:
        self.interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        self.login(self.interviewer)
        response = self.client.post(
            reverse("interviews:start"), {"instrument": "second-line-adult"}
        )
        assert response.status_code == 302
        self.interview = Interview.objects.latest("id")
        consent = instrument(self.interview.instrument_id).consent
        self.post(0, {f"consent_{c.id}": "on" for c in consent}, submit=True)
        steps = steps_of(instrument(self.interview.instrument_id))
        self.debts = next(i for i, s in enumerate(steps) if s.key == "debts")

    def url(self, step: int) -> str:
        return reverse("interviews:interview_step", kwargs={"pk": self.interview.pk, "step": step})

    def drawn_revision(self, step: int) -> str:
        """The revision the step's page is drawn with, as the browser gets it."""
        page = self.client.get(self.url(step)).content.decode()
        found = re.search(r'name="revision" value="(\d+)"', page)
        assert found is not None
        return found.group(1)

    def post(self, step: int, data: dict[str, Any], *, submit: bool = False) -> Any:
        if submit:
            return self.client.post(self.url(step), {**data, "go": "next"})
        return self.client.post(self.url(step), data, HTTP_HX_REQUEST="true")

    def saved_answers(self) -> dict[str, Any]:
        self.interview.refresh_from_db()
        answers: dict[str, Any] = json.loads(self.interview.answers)["answers"]
        return answers

    def test_an_autosave_arriving_after_the_submit_is_refused_and_the_submit_stands(
        self,
    ) -> None:
        revision = self.drawn_revision(self.debts)
        # the person ticks "yes", the autosave leaves; they change to "no" and press
        # "Save and continue" at once; the submit is served first
        submitted = self.post(self.debts, {"debt_owes": "no", "revision": revision}, submit=True)
        assert submitted.status_code == 302
        late = self.post(self.debts, {"debt_owes": "yes", "revision": revision})
        assert late.status_code == 409
        page = late.content.decode()
        assert "were sent before the step was submitted" in page
        assert "error-summary" in page
        assert self.saved_answers() == {"debt_owes": False}
        # the form it swaps in is drawn with the new revision: the next change is saved
        fresh = re.search(r'name="revision" value="(\d+)"', page)
        assert fresh is not None
        assert int(fresh.group(1)) == int(revision) + 1
        again = self.post(self.debts, {"debt_owes": "yes", "revision": fresh.group(1)})
        assert again.status_code == 200
        assert self.saved_answers() == {"debt_owes": True}

    def test_a_late_autosave_of_the_last_step_does_not_undo_the_assessment(self) -> None:
        last = len(steps_of(instrument(self.interview.instrument_id))) - 1
        revision = self.drawn_revision(last)
        assert self.post(last, {"revision": revision}, submit=True).status_code == 302
        self.interview.refresh_from_db()
        assessed = (self.interview.status, self.interview.outcome)
        assert assessed[0] == "completed"
        late = self.post(last, {"revision": revision})
        assert late.status_code == 409
        self.interview.refresh_from_db()
        assert (self.interview.status, self.interview.outcome) == assessed

    def test_autosaves_from_the_same_page_are_all_kept(self) -> None:
        revision = self.drawn_revision(self.debts)
        for value in ("yes", "no", "yes"):
            response = self.post(self.debts, {"debt_owes": value, "revision": revision})
            assert response.status_code == 200
        assert self.saved_answers() == {"debt_owes": True}

    def test_a_submit_from_an_older_page_is_still_saved(self) -> None:
        """Pressing the button is deliberate (say, after the browser's Back): it is kept."""
        revision = self.drawn_revision(self.debts)
        assert self.post(self.debts, {"debt_owes": "no", "revision": revision}, submit=True)
        again = self.post(self.debts, {"debt_owes": "yes", "revision": revision}, submit=True)
        assert again.status_code == 302
        assert self.saved_answers() == {"debt_owes": True}

    def test_a_revision_that_is_not_a_number_is_refused_naming_it(self) -> None:
        response = self.post(self.debts, {"debt_owes": "yes", "revision": "abc"})
        assert response.status_code == 422
        assert "revision" in response.content.decode()
        assert self.saved_answers() == {}
