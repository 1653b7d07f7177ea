"""Notifications by e-mail (issue 9 item 9), when the installation switches them on: each
reader with an address gets the inbox's message in English and Chinese with the page's link,
after the step that caused it has committed; nobody else, and nothing when it is off."""

from __future__ import annotations

from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from palermo.web.accounts.models import User
from palermo.web.lib.roles import Role
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.models import Notification
from palermo.web.notifications.services import notification_send
from palermo.web.testsupport import BaseTestCase


class TestNotificationsByEmail(BaseTestCase):
    def setUp(self) -> None:
        User.objects.filter(pk=self.supervisor.pk).update(email="sam@agency-a.example")
        User.objects.filter(pk=self.caseworker.pk).update(email="chen@agency-a.example")
        User.objects.filter(pk=self.outsider.pk).update(email="bo@agency-b.example")

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

    @override_settings(NOTIFY_BY_EMAIL=True, SITE_URL="https://palermo.example")
    def test_the_reader_gets_the_message_in_both_languages_with_the_link(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self._task_due(recipient=self.supervisor)
        (sent,) = mail.outbox
        assert sent.to == ["sam@agency-a.example"]
        assert "C-ABCD-EFGH" in sent.body
        assert "https://palermo.example/cases/" in sent.body
        assert sent.subject.startswith("Palermo: ")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in sent.body)  # the Chinese message too
        assert any("\u4e00" <= ch <= "\u9fff" for ch in sent.subject)

    @override_settings(NOTIFY_BY_EMAIL=True)
    def test_a_role_notification_goes_to_each_active_holder_with_an_address_at_that_agency(
        self,
    ) -> None:
        second = self.user_with_role(Role.SUPERVISOR)
        User.objects.filter(pk=second.pk).update(email="", is_active=True)  # no address
        gone = self.user_with_role(Role.CASE_WORKER, agency=self.agency_a)
        User.objects.filter(pk=gone.pk).update(email="gone@agency-a.example", is_active=False)
        with self.captureOnCommitCallbacks(execute=True):
            self._task_due(agency=self.agency_a, roles=[Role.SUPERVISOR, Role.CASE_WORKER])
        assert sorted(address for m in mail.outbox for address in m.to) == [
            "chen@agency-a.example",
            "sam@agency-a.example",
        ]

    @override_settings(NOTIFY_BY_EMAIL=True)
    def test_a_step_that_rolls_back_emails_nobody(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    self._task_due(recipient=self.supervisor)
                    raise RuntimeError("the step failed")
            except RuntimeError:
                pass
        assert mail.outbox == []

    def test_nothing_is_emailed_unless_the_installation_switches_it_on(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self._task_due(recipient=self.supervisor)
        assert mail.outbox == []
        assert Notification.objects.count() == 1  # the inbox has it all the same
