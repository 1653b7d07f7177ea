"""Risk profiles in the web application: upload with errors in place, four-eyes approval,
activation, retirement, versions, diffs and the review date."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from flow_fixtures import example_text

from palermo.web.lib.roles import Role
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.registry import current_screener
from palermo.web.testsupport import BaseTestCase

BROKEN = """id: broken-profile
version: 1
title: {en: Broken, zh: 错误}
rationale: {en: Testing., zh: 测试。}
owner: analyst
valid_from: 2026-01-01
review_by: 2099-01-01
criteria:
  all:
    - {field: no_such_field, eq: 1}
    - {field: nationality, eq: TH}
"""


class TestProfileWorkflow(BaseTestCase):
    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.login(self.analyst)

    def upload(self, text: str) -> object:
        return self.client.post(reverse("profiles:upload"), {"text": text, "save": "1"})

    def step(self, version: ProfileVersion, step: str, **data: str) -> None:
        self.client.post(reverse(f"profiles:{step}", kwargs={"pk": version.pk}), data)

    def test_an_invalid_profile_shows_each_problem_at_its_line_and_nothing_is_saved(self) -> None:
        response = self.upload(BROKEN)
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.content.decode()  # type: ignore[attr-defined]
        assert "nothing was saved" in page
        assert '<tr class="invalid"><th scope="row">10</th>' in page
        assert "no_such_field" in page
        assert ProfileVersion.objects.count() == 0

    def test_check_only_validates_without_saving(self) -> None:
        text = example_text("visible-injuries")
        response = self.client.post(reverse("profiles:upload"), {"text": text, "check": "1"})
        assert "No problems found." in response.content.decode()
        assert ProfileVersion.objects.count() == 0

    def test_the_author_cannot_approve_their_own_version(self) -> None:
        self.upload(example_text("visible-injuries"))
        version = ProfileVersion.objects.get()
        self.step(version, "submit")
        self.step(version, "approve")
        version.refresh_from_db()
        assert version.status == "submitted"
        self.login(self.supervisor)
        self.step(version, "approve")
        version.refresh_from_db()
        assert (version.status, version.approved_by) == ("approved", self.supervisor)

    def test_activating_a_new_version_retires_the_old_and_both_are_kept(self) -> None:
        first = self.release(example_text("visible-injuries"))
        second = self.release(
            example_text("visible-injuries")
            .replace("version: 1", "version: 2")
            .replace("weight: 5", "weight: 4")
        )
        first.refresh_from_db()
        assert (first.status, second.status) == ("retired", "active")
        assert [p.version for p in current_screener().profile_set.profiles] == [2]
        diff = self.client.get(
            reverse("profiles:diff", kwargs={"pk": second.pk, "other": first.pk})
        ).content.decode()
        assert "-weight: 5" in diff
        assert "+weight: 4" in diff

    def release(self, text: str) -> ProfileVersion:
        self.login(self.analyst)
        self.upload(text)
        version = ProfileVersion.objects.latest("id")
        self.step(version, "submit")
        self.login(self.supervisor)
        self.step(version, "approve")
        self.step(version, "activate", confirm="yes")
        version.refresh_from_db()
        return version

    def test_an_older_version_number_is_refused(self) -> None:
        self.release(example_text("visible-injuries"))
        self.login(self.analyst)
        response = self.upload(example_text("visible-injuries"))
        assert "must be higher than the newest stored version" in response.content.decode()  # type: ignore[attr-defined]

    def test_an_active_profile_past_its_review_date_is_flagged_in_the_list(self) -> None:
        version = self.release(example_text("visible-injuries"))
        ProfileVersion.objects.filter(pk=version.pk).update(review_by=dt.date(2020, 1, 1))
        page = self.client.get(reverse("profiles:list")).content.decode()
        assert "past review date: does not fire" in page

    def test_a_version_past_its_review_date_cannot_be_activated(self) -> None:
        text = example_text("visible-injuries").replace(
            "review_by: 2027-12-31", "review_by: 2021-01-01"
        )
        text = text.replace("valid_from: 2026-01-01", "valid_from: 2020-01-01")
        self.upload(text)
        version = ProfileVersion.objects.get()
        self.step(version, "submit")
        self.login(self.supervisor)
        self.step(version, "approve")
        response = self.client.post(
            reverse("profiles:activate", kwargs={"pk": version.pk}), {"confirm": "yes"}, follow=True
        )
        assert "The review date (2021-01-01) has passed" in response.content.decode()
        version.refresh_from_db()
        assert version.status == "approved"


class TestMinedProfiles(BaseTestCase):
    """A mined draft goes through the normal approval, once a person has written its rationale."""

    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)

    def mined_text(self) -> str:
        from palermo.analytics.mining import Candidate, Item, draft_yaml

        candidate = Candidate(
            (Item("obs_fearful", "true"), Item("trip_type", "eq", "one_way")),
            30, 60, 2, 3_000, 750.0, 180.0, 3_100.0,
        )  # fmt: skip
        return draft_yaml(
            candidate,
            index=1,
            owner="analysis unit",
            valid_from=dt.date(2026, 1, 1),
            review_by=dt.date(2099, 1, 1),
        )

    def submit(self, text: str) -> tuple[ProfileVersion, str]:
        self.login(self.analyst)
        self.client.post(reverse("profiles:upload"), {"text": text, "save": "1"})
        version = ProfileVersion.objects.latest("id")
        response = self.client.post(
            reverse("profiles:submit", kwargs={"pk": version.pk}), follow=True
        )
        version.refresh_from_db()
        return version, response.content.decode()

    def test_a_mined_draft_cannot_be_submitted_until_its_rationale_is_written(self) -> None:
        version, page = self.submit(self.mined_text())
        assert version.status == "draft"
        assert "its rationale has not been written yet" in page

    def test_a_mined_draft_with_a_written_rationale_is_approved_by_a_second_person(self) -> None:
        text = self.mined_text()
        written = text.replace(
            "[mined draft: rationale to be written by an analyst]", "Fear and a"
        ).replace("[挖掘草稿：理由须由分析员撰写]", "恐惧与单程")
        version, _ = self.submit(written)
        assert version.status == "submitted"
        self.login(self.supervisor)
        self.client.post(reverse("profiles:approve", kwargs={"pk": version.pk}))
        version.refresh_from_db()
        assert (version.status, version.approved_by) == ("approved", self.supervisor)
