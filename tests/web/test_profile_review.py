"""A profile's outcomes at its review date (issue 11 item 3): the review page shows what its
hits became since it was activated, and as the review date nears the daily task sends the same
figures to the approver and to the holding agency's analysts and supervisors, once per review
date."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from flow_fixtures import TODAY

from palermo.web.interviews.models import Interview
from palermo.web.lib.roles import Role
from palermo.web.notifications.models import Notification
from palermo.web.notifications.selectors import notification_list, notification_text
from palermo.web.outcomes.models import ReviewNotice
from palermo.web.outcomes.services import profile_reviews_notify
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import (
    profile_activate,
    profile_approve,
    profile_submit,
    profile_upload,
)
from palermo.web.screening.services import desk_screen, hit_dispose
from palermo.web.testsupport import BaseTestCase

REVIEW_IN = 10  # days from today to the review date
_ids = itertools.count()


def profile_text(version: int, review_by: dt.date) -> str:
    return f"""\
id: held-documents
version: {version}
title: {{en: Documents held by a companion, zh: 同行人保管证件}}
rationale: {{en: Someone else holds the passport., zh: 他人保管护照。}}
owner: Analysis unit
valid_from: 2026-01-01
review_by: {review_by.isoformat()}
applies_to: [entry, exit]
weight: 2
indicators: [BRD-01, BRD-02]
criteria:
  all: [obs_document_held_by_other, obs_companion_answers]
"""


def record(*, flagged: bool) -> dict[str, Any]:
    return {
        "record_id": f"r-{next(_ids)}",
        "event_kind": "exit",
        "port": "PEK",
        "event_date": TODAY,
        "nationality": "TH",
        "sex": "F",
        "date_of_birth": TODAY.replace(year=TODAY.year - 30),
        "obs_document_held_by_other": flagged,
        "obs_companion_answers": flagged,
    }


class ReviewCase(BaseTestCase):
    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.version = self.activate(1, TODAY + dt.timedelta(days=REVIEW_IN))
        # four flagged travellers, one referred (12 minutes) and found a presumed victim;
        # six not flagged: ten screened
        hits = []
        for _ in range(4):
            traveller, _engine = desk_screen(actor=self.officer, record=record(flagged=True))
            assert traveller is not None
            hits.extend(traveller.hits.all())
        for _ in range(6):
            desk_screen(actor=self.officer, record=record(flagged=False))
        hit = hits[0]
        hit_dispose(
            actor=self.officer, hit=hit, kind="referred", reason="Seen at the first line.",
            observed=["BRD-01"], minutes=12,
        )  # fmt: skip
        now = timezone.now()
        Interview.objects.create(
            reference="I-1", agency=self.agency_a, kind="second_line", instrument_id="adult",
            instrument_version="1", hit=hit, started_by=self.supervisor, started_at=now,
            updated_at=now, status="completed", outcome="presumed_victim",
        )  # fmt: skip

    def activate(self, number: int, review_by: dt.date) -> ProfileVersion:
        version = profile_upload(
            actor=self.analyst, source_name="p.yaml", text=profile_text(number, review_by)
        )
        profile_submit(actor=self.analyst, version=version)
        profile_approve(actor=self.supervisor, version=version)
        return profile_activate(actor=self.supervisor, version=version)


class TestReviewPage(ReviewCase):
    def page(self, language: str = "en") -> str:
        self.login(self.analyst)
        self.client.cookies["django_language"] = language
        response = self.client.get(reverse("outcomes:review", kwargs={"pk": self.version.pk}))
        assert response.status_code == 200
        return response.content.decode()

    def test_the_review_page_shows_what_its_hits_became_since_activation(self) -> None:
        text = self.page()
        assert "Review of held-documents version 1" in text
        assert "Its review is due by" in text
        assert f"in {REVIEW_IN} days" in text
        assert '<th scope="row">Hits</th><td>4</td>' in text
        assert "25.0% (" in text  # one of four sent to second line
        assert "25.0 (" in text  # one possible or presumed victim per four flagged
        assert "12.0" in text  # minutes per hit
        assert "10000.0 (" in text  # one victim among ten screened, per 100,000
        assert 'data-flag="below-floor"' not in text
        assert reverse("profiles:upload") in text

    @override_settings(PROFILE_YIELD_FLOOR_PER_100000=90_000)
    def test_a_yield_below_the_floor_is_flagged_on_the_review_page(self) -> None:
        assert 'data-flag="below-floor"' in self.page()

    def test_the_review_page_reads_in_chinese(self) -> None:
        text = self.page("zh-hans")
        assert "复审" in text
        assert "Its review is due by" not in text

    def test_the_version_page_links_to_its_review(self) -> None:
        self.login(self.analyst)
        page = self.client.get(reverse("profiles:detail", kwargs={"pk": self.version.pk}))
        assert reverse("outcomes:review", kwargs={"pk": self.version.pk}) in page.content.decode()

    def test_a_first_line_officer_cannot_open_the_review(self) -> None:
        self.login(self.officer)
        url = reverse("outcomes:review", kwargs={"pk": self.version.pk})
        assert self.client.get(url).status_code == 403


class TestReviewNotice(ReviewCase):
    def test_the_holders_are_told_the_outcomes_once_per_review_date(self) -> None:
        assert profile_reviews_notify(today=TODAY) == [self.version.pk]
        assert profile_reviews_notify(today=TODAY) == []
        assert profile_reviews_notify(today=TODAY + dt.timedelta(days=REVIEW_IN + 1)) == []
        (note,) = Notification.objects.filter(kind="profile_review_due")
        assert note.recipient == self.supervisor  # the approver
        assert note.url == reverse("outcomes:review", kwargs={"pk": self.version.pk})
        assert note in notification_list(user=self.analyst)  # the holding agency's analysts
        outsider = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)
        assert note not in notification_list(user=outsider)
        assert note not in notification_list(user=self.officer)
        with translation.override("en"):
            text = notification_text(note)
        due = (TODAY + dt.timedelta(days=REVIEW_IN)).isoformat()
        assert f"held-documents version 1 is due for review by {due}" in text
        assert "4 hits, 25.0% (" in text  # one of four sent to second line
        assert "25.0 (" in text  # one victim per four flagged, per 100
        assert "12.0 minutes per hit" in text
        assert "below the floor" not in text
        assert ReviewNotice.objects.get().notification == note

    def test_nothing_is_sent_before_the_notice_period(self) -> None:
        with override_settings(PROFILE_REVIEW_NOTICE_DAYS=REVIEW_IN - 1):
            assert profile_reviews_notify(today=TODAY) == []
            assert profile_reviews_notify(today=TODAY + dt.timedelta(days=1)) == [self.version.pk]

    @override_settings(PROFILE_YIELD_FLOOR_PER_100000=90_000)
    def test_a_yield_below_the_floor_is_said_in_the_notice_in_both_languages(self) -> None:
        profile_reviews_notify(today=TODAY)
        note = Notification.objects.get(kind="profile_review_due")
        with translation.override("en"):
            assert "below the floor" in notification_text(note)
        with translation.override("zh-hans"):
            text = notification_text(note)
        assert "复审" in text
        assert "下限" in text

    def test_a_new_version_with_its_own_review_date_is_told_again(self) -> None:
        assert profile_reviews_notify(today=TODAY) == [self.version.pk]
        later = TODAY + dt.timedelta(days=REVIEW_IN + 60)
        second = self.activate(2, later)
        assert profile_reviews_notify(today=TODAY) == []
        assert profile_reviews_notify(today=later - dt.timedelta(days=5)) == [second.pk]
        assert Notification.objects.filter(kind="profile_review_due").count() == 2

    def test_the_daily_task_sends_the_notice_once(self) -> None:
        from palermo.web.jobs.schedule import plan_scheduled
        from palermo.web.outcomes.tasks import profile_reviews_daily

        assert "profile-reviews-daily" in plan_scheduled(now=timezone.now())
        assert profile_reviews_daily.call() == {"told": [self.version.pk]}
        assert profile_reviews_daily.call() == {"told": []}
