"""Referral deadlines (issue 10, items 2 and 7) on a controlled clock: an unanswered referral
past its service's response time is escalated once to the sending agency's supervisors (and
the receiver is reminded); every stage keeps its time; figures by agency."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone
from referral_fixtures import referral_world, send_to_shelter

from palermo.web.jobs.schedule import hourly, plan_scheduled
from palermo.web.lib.roles import Role
from palermo.web.notifications.selectors import notification_list
from palermo.web.referrals.selectors import referral_figures
from palermo.web.referrals.services import (
    referral_accept,
    referral_complete,
    referral_decline,
    referrals_escalate_overdue,
)
from palermo.web.referrals.tasks import referrals_overdue
from palermo.web.testsupport import BaseTestCase

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def at(moment: dt.datetime) -> mock._patch:  # type: ignore[type-arg]
    return mock.patch("django.utils.timezone.now", return_value=moment)


class TestEscalation(BaseTestCase):
    def setUp(self) -> None:
        with at(T0):
            referral_world(self)
            self.shelter = send_to_shelter(self)  # 24 hours to answer
            self.police = send_to_shelter(self, service="police_prosecution")  # 72 hours

    def _overdue_notes(self, user: object) -> list[str]:
        return [
            n.params["en"]["reference"]
            for n in notification_list(user=user)  # type: ignore[arg-type]
            if n.kind.startswith("referral_overdue")
        ]

    def test_nothing_is_escalated_before_the_answer_is_due(self) -> None:
        assert referrals_escalate_overdue(now=T0 + dt.timedelta(hours=23, minutes=59)) == []
        assert self._overdue_notes(self.supervisor) == []

    def test_an_unanswered_referral_goes_to_the_senders_supervisors_once(self) -> None:
        later = T0 + dt.timedelta(hours=25)
        with at(later):
            assert referrals_escalate_overdue() == [self.shelter.reference]
            assert referrals_escalate_overdue() == []  # once
        colleague = self.user_with_role(Role.SUPERVISOR)
        assert self._overdue_notes(self.supervisor) == [self.shelter.reference]
        assert self._overdue_notes(colleague) == [self.shelter.reference]
        assert self._overdue_notes(self.caseworker) == []  # supervisors only on the sender side
        assert self._overdue_notes(self.outsider) == [self.shelter.reference]  # the receiver
        assert self._overdue_notes(self.b_supervisor) == [self.shelter.reference]
        self.shelter.refresh_from_db()
        assert self.shelter.escalated_at == later

    def test_the_deadline_depends_on_the_service(self) -> None:
        escalated = referrals_escalate_overdue(now=T0 + dt.timedelta(hours=73))
        assert sorted(escalated) == sorted([self.shelter.reference, self.police.reference])

    def test_an_answered_referral_is_not_escalated(self) -> None:
        with at(T0 + dt.timedelta(hours=2)):
            referral_decline(actor=self.outsider, referral=self.shelter, reason="full")
        assert referrals_escalate_overdue(now=T0 + dt.timedelta(hours=30)) == []

    def test_the_escalation_runs_hourly_as_a_scheduled_task(self) -> None:
        assert hourly(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)) == dt.datetime(
            2026, 12, 1, 10, 0, tzinfo=dt.UTC
        )
        assert hourly(dt.datetime(2026, 12, 1, 9, 59, tzinfo=dt.UTC)).hour == 10
        assert "referrals-overdue" in plan_scheduled(now=T0)
        with at(T0 + dt.timedelta(days=2)):
            result = referrals_overdue.call()
        assert result == {"escalated": [self.shelter.reference]}


class TestFigures(BaseTestCase):
    def setUp(self) -> None:
        with at(T0):
            referral_world(self)
            self.case.opened_at = T0 - dt.timedelta(hours=6)
            self.case.save(update_fields=["opened_at"])
        with at(T0):
            first = send_to_shelter(self)
            second = send_to_shelter(self, service="psychosocial")
            third = send_to_shelter(self, service="medical")
        with at(T0 + dt.timedelta(hours=2)):
            referral_accept(actor=self.outsider, referral=first)
        with at(T0 + dt.timedelta(hours=4)):
            referral_decline(actor=self.outsider, referral=second, reason="no counsellor")
        with at(T0 + dt.timedelta(hours=50)):
            referral_complete(actor=self.outsider, referral=first)
        self.unanswered = third

    def test_each_stage_keeps_its_start_and_end(self) -> None:
        first = self.case.referrals.get(service="shelter")
        assert first.sent_at == T0
        assert first.responded_at == T0 + dt.timedelta(hours=2)
        assert first.completed_at == T0 + dt.timedelta(hours=50)

    def test_figures_give_acceptance_rate_and_stage_times_by_agency(self) -> None:
        with at(T0 + dt.timedelta(hours=60)):
            figures = referral_figures(user=self.supervisor)
        (shelter,) = figures.by_recipient
        assert shelter.agency == "Harbour shelter"
        assert (shelter.sent, shelter.accepted, shelter.declined, shelter.done) == (3, 1, 1, 1)
        assert shelter.awaiting_answer == 1
        assert shelter.overdue == 1  # medical: 24 hours, unanswered after 60
        assert shelter.acceptance_rate == 0.5
        assert shelter.sent_to_answer.median_hours == 3.0  # 2 and 4 hours
        assert shelter.accepted_to_done.median_hours == 48.0
        assert shelter.sent_to_done.mean_hours == 50.0
        (sender,) = figures.by_sender
        assert sender.agency == "Northgate border post"
        assert figures.case_opened_to_first_referral.median_hours == 6.0

    def test_an_agency_party_to_nothing_sees_no_figures_of_others(self) -> None:
        stranger_supervisor = self.user_with_role(Role.SUPERVISOR, agency=self.agency_c)
        figures = referral_figures(user=stranger_supervisor)
        assert figures.by_recipient == []
        assert figures.case_opened_to_first_referral.count == 0

    def test_the_figures_page_shows_the_table(self) -> None:
        page = self.get_as(self.supervisor, "/referrals/figures/").content.decode()
        assert "Harbour shelter" in page
        assert "50%" in page
        assert timezone.now() > T0

    def test_the_figures_page_counts_only_the_period_asked_for(self) -> None:
        self.login(self.supervisor)
        day = T0.date().isoformat()
        inside = self.client.get("/referrals/figures/", {"since": day, "until": day})
        assert "Harbour shelter" in inside.content.decode()
        after = self.client.get("/referrals/figures/", {"since": "2026-12-02"})
        assert "Harbour shelter" not in after.content.decode()
        backwards = self.client.get("/referrals/figures/", {"since": day, "until": "2026-11-01"})
        assert backwards.status_code == 422


class TestConfiguredResponseTimes(BaseTestCase):
    """The answer times per service come from PALERMO_REFERRAL_RESPONSE_HOURS when it names
    the service; a service it does not know stops the server (system check palermo.E020)."""

    def test_a_configured_response_time_replaces_the_default_for_that_service_only(self) -> None:
        from django.test import override_settings

        with override_settings(REFERRAL_RESPONSE_HOURS={"shelter": 2}), at(T0):
            referral_world(self)
            shelter = send_to_shelter(self)
            medical = send_to_shelter(self, service="medical")
        assert shelter.respond_by == T0 + dt.timedelta(hours=2)
        assert medical.respond_by == T0 + dt.timedelta(hours=24)  # the default
        escalated = referrals_escalate_overdue(now=T0 + dt.timedelta(hours=3))
        assert escalated == [shelter.reference]

    def test_an_unknown_service_in_the_setting_is_a_start_up_error_naming_it(self) -> None:
        from django.core.checks import run_checks
        from django.test import override_settings

        with override_settings(REFERRAL_RESPONSE_HOURS={"shelters": 12, "medical": 6}):
            errors = [e for e in run_checks() if e.id == "palermo.E020"]
        assert len(errors) == 1
        assert "shelters" in errors[0].msg
        assert "medical" not in errors[0].msg
        with override_settings(REFERRAL_RESPONSE_HOURS={"medical": 6}):
            assert [e for e in run_checks() if e.id == "palermo.E020"] == []
