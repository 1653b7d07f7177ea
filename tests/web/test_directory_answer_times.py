"""How quickly each directory entry answers referrals (issue 10): median and 90th percentile
hours from a referral's sending to its acceptance or refusal, from the referral history, on
the directory's pages in English and Chinese. Times are set with a controlled clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from directory_fixtures import a_provider
from django.urls import reverse
from referral_fixtures import consent_both, referral_world, send_to_shelter

from palermo.web.lib.roles import Role
from palermo.web.referrals.selectors import provider_answer_times
from palermo.web.referrals.services import referral_accept, referral_decline, referral_send
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web

# after the consents and the agreement the world records now (the agreement is in force from
# today), so the controlled clock only moves forward
MONDAY = dt.datetime.now(tz=dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


class TestAnswerTimes(BaseTestCase):
    def setUp(self) -> None:
        referral_world(self)
        self.shelter = a_provider(self)
        self.clinic = a_provider(self, agency=None, name="Free clinic", name_zh="义诊所")
        self.receiver = self.user_with_role(Role.CASE_WORKER, agency=self.agency_b)

    def answered_after(self, *hours: float, accept_last: bool = False) -> None:
        """One referral a day to the shelter, answered ``hours`` after it was sent (declined,
        so the next one may be sent; the last accepted if asked)."""
        for day, took in enumerate(hours):
            sent_at = MONDAY + dt.timedelta(days=day)
            with clock(sent_at):
                referral = send_to_shelter(self, provider=self.shelter)
            with clock(sent_at + dt.timedelta(hours=took)):
                if accept_last and day == len(hours) - 1:
                    referral_accept(actor=self.receiver, referral=referral)
                else:
                    referral_decline(actor=self.receiver, referral=referral, reason="Full.")

    def test_median_and_90th_percentile_hours_come_from_the_answered_referrals(self) -> None:
        self.answered_after(2, 4, 6, 8, 30, accept_last=True)
        other = self.open_case()
        consent_both(self, other, self.agency_b)
        with clock(MONDAY + dt.timedelta(days=6)):
            unanswered = referral_send(
                actor=self.caseworker,
                case=other,
                recipient=self.agency_b,
                service="shelter",
                provider=self.shelter,
            )
        assert unanswered.responded_at is None  # waiting: not counted
        times = provider_answer_times(user=self.caseworker, providers=[self.shelter, self.clinic])
        shelter = times[self.shelter.pk]
        assert (shelter.answered, shelter.median_hours, shelter.p90_hours) == (5, 6.0, 30.0)
        # an entry outside Palermo receives no referral through it: no figure at all
        assert self.clinic.pk not in times

    def test_two_answers_are_too_few_for_a_figure(self) -> None:
        self.answered_after(1, 3)
        shelter = provider_answer_times(user=self.caseworker, providers=[self.shelter])[
            self.shelter.pk
        ]
        assert (shelter.answered, shelter.median_hours, shelter.p90_hours) == (2, None, None)

    def test_the_directory_pages_show_the_times_in_english_and_chinese(self) -> None:
        self.answered_after(2, 4, 6)
        self.login(self.caseworker)
        listing = self.client.get(reverse("directory:list")).content.decode()
        assert "median 4.0 h, 90% within 6.0 h (3 referrals answered)" in listing
        detail = self.client.get(
            reverse("directory:detail", kwargs={"pk": self.shelter.pk}),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        ).content.decode()
        assert "中位数 4.0 小时，90% 在 6.0 小时内（已答复 3 件转介）" in detail

    def test_an_outsider_of_the_directory_gets_no_figures(self) -> None:
        self.answered_after(2, 4, 6)
        auditor = self.user_with_role(Role.AUDITOR)
        assert provider_answer_times(user=auditor, providers=[self.shelter]) == {}
