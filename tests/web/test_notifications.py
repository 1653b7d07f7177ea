"""Notifications (issue 10): a message to one person or to a role at an agency, shown in the
reader's language, counted in the header until read, invisible to everyone else."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from palermo.web.audit.models import AuditEntry
from palermo.web.lib.roles import Role
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.models import Notification
from palermo.web.notifications.selectors import (
    notification_get,
    notification_list,
    notification_text,
    unread_count,
)
from palermo.web.notifications.services import notification_mark_read, notification_send
from palermo.web.testsupport import BaseTestCase


class TestNotifications(BaseTestCase):
    def _task_due(self, **target: object) -> Notification:
        return notification_send(
            actor=self.caseworker,
            kind=NotificationKind.CASE_TASK_DUE,
            params={"reference": "C-ABCD-EFGH", "task": "a decision", "due": "2026-12-10"},
            object_type="cases.case",
            object_id="1",
            url=reverse("cases:list"),
            **target,  # type: ignore[arg-type]
        )

    def test_a_notification_to_a_person_reaches_only_that_person(self) -> None:
        note = self._task_due(recipient=self.supervisor)
        assert list(notification_list(user=self.supervisor)) == [note]
        assert list(notification_list(user=self.caseworker)) == []
        assert list(notification_list(user=self.outsider)) == []

    def test_a_notification_to_a_role_reaches_every_holder_at_that_agency_only(self) -> None:
        note = self._task_due(agency=self.agency_a, roles=[Role.SUPERVISOR, Role.CASE_WORKER])
        second_supervisor = self.user_with_role(Role.SUPERVISOR)
        b_supervisor = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)
        for user in (self.supervisor, self.caseworker, second_supervisor):
            assert list(notification_list(user=user)) == [note]
        for user in (self.officer, b_supervisor, self.outsider):
            assert list(notification_list(user=user)) == []

    def test_someone_else_s_notification_is_not_found_by_its_id(self) -> None:
        note = self._task_due(recipient=self.supervisor)
        with pytest.raises(Http404):
            notification_get(user=self.outsider, pk=note.pk)
        self.login(self.outsider)
        response = self.client.post(reverse("notifications:open", args=[note.pk]))
        assert response.status_code == 404

    def test_the_text_reads_in_the_readers_language(self) -> None:
        note = self._task_due(recipient=self.supervisor)
        with translation.override("en"):
            assert notification_text(note) == "Case C-ABCD-EFGH: a decision is due by 2026-12-10."
        with translation.override("zh-hans"):
            text = notification_text(note)
        assert "C-ABCD-EFGH" in text
        assert "Case" not in text

    def test_a_kind_whose_message_is_not_filled_is_refused_and_nothing_is_sent(self) -> None:
        with pytest.raises(KeyError, match="task"):
            notification_send(
                actor=None,
                kind=NotificationKind.CASE_TASK_DUE,
                recipient=self.supervisor,
                params={"reference": "C-1"},
            )
        with pytest.raises(ValueError, match="no_such_kind"):
            notification_send(actor=None, kind="no_such_kind", recipient=self.supervisor)
        with pytest.raises(ValueError, match="needs a recipient"):
            notification_send(
                actor=None,
                kind=NotificationKind.CASE_TASK_DUE,
                agency=self.agency_a,
                params={"reference": "C-1", "task": "x", "due": "y"},
            )
        assert Notification.objects.count() == 0

    def test_sending_is_audited(self) -> None:
        note = self._task_due(recipient=self.supervisor)
        entry = AuditEntry.objects.get(
            object_type="notifications.notification", object_id=str(note.pk)
        )
        assert entry.actor == self.caseworker
        assert entry.detail["kind"] == "case_task_due"

    def test_the_header_counts_unread_notifications_until_they_are_read(self) -> None:
        note = self._task_due(recipient=self.supervisor)
        self._task_due(agency=self.agency_a, roles=[Role.SUPERVISOR])
        page = self.get_as(self.supervisor, reverse("notifications:inbox"))
        assert "Notifications (2 unread)" in page.content.decode()
        assert "Case C-ABCD-EFGH: a decision is due by 2026-12-10." in page.content.decode()
        response = self.client.post(reverse("notifications:open", args=[note.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:list")
        assert unread_count(user=self.supervisor) == 1
        self.client.post(reverse("notifications:read_all"))
        assert unread_count(user=self.supervisor) == 0
        page = self.client.get(reverse("notifications:inbox"))
        assert "unread)" not in page.content.decode()

    def test_a_role_notification_read_by_one_colleague_stays_unread_for_another(self) -> None:
        note = self._task_due(agency=self.agency_a, roles=[Role.SUPERVISOR])
        colleague = self.user_with_role(Role.SUPERVISOR)
        assert notification_mark_read(actor=self.supervisor, notification=note)
        assert not notification_mark_read(actor=self.supervisor, notification=note)
        assert unread_count(user=self.supervisor) == 0
        assert unread_count(user=colleague) == 1

    def test_marking_read_and_staying_keeps_the_inbox(self) -> None:
        note = self._task_due(recipient=self.supervisor)
        self.login(self.supervisor)
        response = self.client.post(
            reverse("notifications:open", args=[note.pk]), {"stay": "1"}, follow=True
        )
        assert response.redirect_chain[-1][0] == reverse("notifications:inbox")
        assert "Marked as read." in response.content.decode()

    def test_the_inbox_in_chinese_shows_the_chinese_message(self) -> None:
        self._task_due(recipient=self.supervisor)
        self.login(self.supervisor)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("notifications:inbox")).content.decode()
        assert "C-ABCD-EFGH" in page
        assert "is due by" not in page
