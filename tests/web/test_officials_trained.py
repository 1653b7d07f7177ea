"""The action plan's "officials trained" (issue 13 item 2) from the training academy: people who
completed a course in the period (took its after-course knowledge test), optionally with a
minimum score; counted for the agency of the account enrolled; simulated trainees never count."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from unittest import mock

from academy_fixtures import a_cohort, a_course
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from palermo.training.questions import questions_for
from palermo.web.academy.models import Cohort, Enrolment, Phase
from palermo.web.academy.services import enrolment_create, knowledge_test_take
from palermo.web.accounts.models import User
from palermo.web.lib.roles import Role
from palermo.web.reports import selectors
from palermo.web.testsupport import BaseTestCase, make_user

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
PLAN = """plan: Training plan
indicators:
  - id: trained
    title: Officials trained
    title_zh: 受训官员
    measure: officials_trained
    period: {start: 2026-01-01, end: 2026-12-31}
    target: 4
  - id: trained-well
    title: Officials trained, 70% or more
    title_zh: 受训官员（70% 及以上）
    measure: officials_trained_scoring_at_least
    percent: 70
    period: {start: 2026-01-01, end: 2026-12-31}
    target: 2
"""


class OfficialsTrainedTests(BaseTestCase):
    def setUp(self) -> None:
        clock = mock.patch("django.utils.timezone.now", return_value=NOW)
        clock.start()
        self.addCleanup(clock.stop)
        self.cohort = a_cohort(self)

    def _enrol(self, user: User, cohort: Cohort | None = None) -> Enrolment:
        return enrolment_create(
            actor=self.user_with_role(Role.TRAINER), cohort=cohort or self.cohort,
            username=user.username,
        )  # fmt: skip

    def _post_test(self, enrolment: Enrolment, *, right: bool) -> None:
        questions = questions_for(enrolment.cohort.course.module_keys)
        chosen = {
            q.id: q.answer if right else next(o.id for o in q.options if o.id != q.answer)
            for q in questions
        }
        assert enrolment.trainee is not None
        knowledge_test_take(actor=enrolment.trainee, enrolment=enrolment, kind=Phase.POST,
                            chosen=chosen)  # fmt: skip

    def _scope(self, user: User) -> selectors.Scope:
        return selectors.report_scope(
            user=user, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
        )

    def test_officials_who_took_the_after_course_test_count_once_for_their_agency(self) -> None:
        first, second = self.officer, self.caseworker
        self._post_test(self._enrol(first), right=True)
        self._post_test(self._enrol(second), right=False)
        self._enrol(self.user_with_role(Role.SECOND_LINE_INTERVIEWER))  # never finished
        # the same officer completes a second course: still one official
        other = a_cohort(self)
        self._post_test(self._enrol(first, other), right=True)
        # an official of agency B counts for B, not for A
        self._post_test(self._enrol(self.outsider), right=True)
        scope = self._scope(self.supervisor)
        assert selectors.officials_trained(scope) == 2
        assert selectors.officials_trained(scope, min_percent=70) == 1
        other_supervisor = make_user("olga", agency=self.agency_b, role=Role.SUPERVISOR)
        assert selectors.officials_trained(self._scope(other_supervisor)) == 1

    def test_certificates_count_their_holders_until_revoked(self) -> None:
        from palermo.web.certificates.services import certificate_issue, certificate_revoke

        cohort = a_cohort(self, a_course(self, scenarios=[]))  # the test alone decides
        passed, failed = self._enrol(self.officer, cohort), self._enrol(self.caseworker, cohort)
        self._post_test(passed, right=True)
        self._post_test(failed, right=False)
        certificate = certificate_issue(actor=self.officer, enrolment=passed)
        scope = self._scope(self.supervisor)
        assert selectors.officials_certified(scope) == 1
        assert selectors.measure_value(scope, "officials_certified", None) == 1.0
        certificate_revoke(actor=self.user_with_role(Role.TRAINER), certificate=certificate,
                           reason="issued in error")  # fmt: skip
        assert selectors.officials_certified(scope) == 0

    def test_a_test_taken_outside_the_period_does_not_count(self) -> None:
        self._post_test(self._enrol(self.officer), right=True)
        scope = selectors.report_scope(
            user=self.supervisor, start=dt.date(2026, 7, 1), end=dt.date(2026, 12, 31)
        )
        assert selectors.officials_trained(scope) == 0

    def test_simulated_trainees_are_not_officials(self) -> None:
        from palermo.web.academy.services import cohort_simulate

        cohort_simulate(actor=self.user_with_role(Role.TRAINER), course=self.cohort.course,
                        size=6, exercises=2, seed=1, starts_on=timezone.localdate())  # fmt: skip
        assert selectors.officials_trained(self._scope(self.supervisor)) == 0

    def test_the_plan_page_shows_officials_trained_against_the_target_in_both_languages(
        self,
    ) -> None:
        for user in (self.officer, self.caseworker):
            self._post_test(self._enrol(user), right=user == self.officer)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "plan.yaml"
            path.write_text(PLAN, encoding="utf-8")
            with override_settings(ACTION_PLAN=str(path)):
                english = self.get_as(self.supervisor, reverse("reports:plan")).content.decode()
                exported = self.client.get(reverse("reports:plan"), data={"export": "plan"})
                self.client.cookies["django_language"] = "zh-hans"
                chinese = self.client.get(
                    reverse("reports:plan"), HTTP_ACCEPT_LANGUAGE="zh-hans"
                ).content.decode()
        assert "Officials trained" in english
        assert "officials who completed a course" in english
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))[1:]
        # indicator, per cent of target, value, target, standing
        assert [[float(v) for v in r[1:4]] for r in rows] == [[50, 2, 4], [50, 1, 2]]
        assert "受训官员" in chinese
        assert "完成培训课程" in chinese

    def test_a_percentage_above_100_is_refused_naming_the_indicator(self) -> None:
        from palermo.analytics.action_plan import read_plan
        from palermo.errors import InputError

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "plan.yaml"
            path.write_text(PLAN.replace("percent: 70", "percent: 170"), encoding="utf-8")
            try:
                read_plan(path)
            except InputError as exc:
                said = str(exc)
            else:
                raise AssertionError("a percent of 170 was accepted")
        assert "percent" in said
        assert "trained-well" in said
