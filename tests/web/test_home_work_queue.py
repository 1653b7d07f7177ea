"""The home page is a work queue: each role sees what waits for them with counts (hits to
dispose of, cases and tasks, interviews, reviews, account changes) and their unread
notifications; a case given to someone tells them."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

from django.utils import timezone
from flow_fixtures import FLAGGED_RECORD, activate_example, example_text

from palermo.web.cases.services import case_assign, case_task_add
from palermo.web.lib.roles import Role
from palermo.web.notifications.models import Notification
from palermo.web.profiles.services import profile_submit, profile_upload
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase


def count_of(page: str, label: str) -> int:
    """The number shown beside ``label`` in the work queue."""
    found = re.search(r'<span class="count">(\d+)</span> ' + re.escape(label), page)
    assert found is not None, label
    return int(found.group(1))


class TestHomeWorkQueue(BaseTestCase):
    def home(self, user: object) -> str:
        response = self.get_as(user, "/")  # type: ignore[arg-type]
        assert response.status_code == 200
        return str(response.content.decode())

    def test_an_officer_sees_how_many_travellers_wait_for_a_disposition(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        desk_screen(actor=self.officer, record=FLAGGED_RECORD)
        desk_screen(actor=self.officer, record={**FLAGGED_RECORD, "record_id": "desk-test-2"})
        page = self.home(self.officer)
        assert count_of(page, "Travellers with hits waiting for a disposition") == 2
        assert "?status=pending" in page

    def test_a_case_worker_sees_assigned_cases_and_tasks_overdue_and_due_soon(self) -> None:
        case = self.open_case()
        case_assign(actor=self.supervisor, case=case, assignee=self.caseworker)
        today = timezone.localdate()
        case_task_add(actor=self.caseworker, case=case, title="Call", due_on=today)
        case_task_add(
            actor=self.caseworker, case=case, title="Visit", due_on=today + dt.timedelta(days=30)
        )
        page = self.home(self.caseworker)
        assert count_of(page, "Open cases assigned to you") == 1
        assert count_of(page, "Your tasks overdue") == 0
        assert count_of(page, "Your tasks due within a week") == 1
        with mock.patch("django.utils.timezone.localdate", return_value=today + dt.timedelta(3)):
            later = self.home(self.caseworker)
        assert count_of(later, "Your tasks overdue") == 1
        assert "Call" not in later  # counts only: no task text on the home page

    def test_a_supervisor_sees_unassigned_cases_and_versions_to_review_but_not_their_own(
        self,
    ) -> None:
        self.open_case()
        analyst = self.user_with_role(Role.RISK_ANALYST)
        name = "documents-held-and-companion-answers"
        version = profile_upload(actor=analyst, source_name=f"{name}.yaml", text=example_text(name))
        profile_submit(actor=analyst, version=version)
        page = self.home(self.supervisor)
        assert count_of(page, "Open cases nobody carries yet") == 1
        assert count_of(page, "Risk profile versions to review") == 1
        assert count_of(self.home(analyst), "Risk profile versions to review") == 0

    def test_an_assignment_is_a_notification_shown_unread_on_the_home_page(self) -> None:
        case = self.open_case()
        case_assign(actor=self.supervisor, case=case, assignee=self.caseworker)
        note = Notification.objects.get(recipient=self.caseworker)
        assert note.kind == "case_assigned"
        page = self.home(self.caseworker)
        assert "1 unread notification." in page
        assert f"sam assigned case {case.reference} to you." in page
        self.client.cookies["django_language"] = "zh-hans"
        page_zh = self.client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "条未读通知" in page_zh

    def test_a_task_for_a_colleague_tells_them_without_its_words(self) -> None:
        case = self.open_case()
        interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        case_task_add(
            actor=self.caseworker,
            case=case,
            title="Ask Li Wei about the recruiter",
            due_on=timezone.localdate(),
            assignee=interviewer,
        )
        note = Notification.objects.get(recipient=interviewer)
        assert "Li Wei" not in str(note.params)

    def test_every_role_gets_a_home_page_in_both_languages(self) -> None:
        for role in Role:
            user = self.user_with_role(role)
            self.client.cookies.pop("django_language", None)
            assert "Notifications" in self.home(user)
            self.client.cookies["django_language"] = "zh-hans"
            response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code == 200
            assert "通知" in response.content.decode()
