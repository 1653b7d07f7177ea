"""The training academy: courses from Palermo's material, cohorts, knowledge tests, dashboard."""

from __future__ import annotations

import html
import io
import json
import zipfile

import pytest
from academy_fixtures import a_cohort, a_course
from django.urls import reverse
from django.utils import translation

from palermo.training.curated import curated_scenario
from palermo.training.questions import questions_for
from palermo.training.scoring import ExerciseAnswer, perfect_answer
from palermo.web.academy.models import Attendance, Cohort, ExerciseResult, KnowledgeTestAttempt
from palermo.web.academy.services import enrolment_create, exercise_record
from palermo.web.audit.models import AuditEntry
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web


class TestAcademy(BaseTestCase):
    def setUp(self) -> None:
        self.trainer = self.user_with_role(Role.TRAINER)

    def _enrolled(self, cohort: Cohort | None = None) -> tuple[Cohort, object]:
        cohort = cohort or a_cohort(self)
        enrolment = enrolment_create(actor=self.trainer, cohort=cohort, username="alice")
        return cohort, enrolment

    def test_a_trainer_builds_a_course_from_modules_and_scenarios(self) -> None:
        self.login(self.trainer)
        response = self.client.post(
            reverse("academy:course_create"),
            {
                "title": "Children at the border",
                "title_zh": "边境上的儿童",
                "modules": ["children", "rights"],
                "scenarios": ["child-labour-uncle"],
            },
        )
        assert response.status_code == 302
        page = self.client.get(response["Location"])
        assert "Children at the border" in page.content.decode()
        assert "A boy of fourteen" in page.content.decode()
        assert AuditEntry.objects.filter(object_type="academy.course").exists()

    def test_a_course_without_a_module_is_refused_beside_the_field(self) -> None:
        self.login(self.trainer)
        response = self.client.post(
            reverse("academy:course_create"), {"title": "x", "title_zh": "x"}
        )
        assert response.status_code == 422
        assert "modules" in response.context["form"].errors

    def test_every_role_reads_the_course_material_in_chinese_too(self) -> None:
        self.login(self.officer)
        with translation.override("zh-hans"):
            page = self.client.get(
                reverse("academy:module", kwargs={"key": "indicators"}),
                HTTP_ACCEPT_LANGUAGE="zh-hans",
            )
        assert page.status_code == 200
        assert "债务奴役" in page.content.decode()

    def test_an_unknown_module_is_not_found(self) -> None:
        self.login(self.officer)
        assert self.client.get(reverse("academy:module", kwargs={"key": "nope"})).status_code == 404

    def test_a_trainer_enrols_a_trainee_and_an_unknown_name_is_refused_inline(self) -> None:
        cohort = a_cohort(self)
        self.login(self.trainer)
        url = reverse("academy:cohort_enrol", kwargs={"pk": cohort.pk})
        assert self.client.post(url, {"username": "alice"}).status_code == 302
        again = self.client.post(url, {"username": "alice"})
        assert again.status_code == 422
        assert "already enrolled" in again.content.decode()
        unknown = self.client.post(url, {"username": "nobody"})
        assert unknown.status_code == 422
        assert "no active user" in unknown.content.decode()

    def test_attendance_is_recorded_per_day(self) -> None:
        cohort, enrolment = self._enrolled()
        self.login(self.trainer)
        response = self.client.post(
            reverse("academy:cohort_session", kwargs={"pk": cohort.pk}),
            {"held_on": "2026-03-02", "topic": "Indicators", "present": [str(enrolment.pk)]},
        )
        assert response.status_code == 302
        assert Attendance.objects.get(enrolment=enrolment).present is True
        page = self.client.get(reverse("academy:cohort", kwargs={"pk": cohort.pk}))
        assert "1 / 1" in page.content.decode()

    def test_a_trainee_takes_the_test_once_and_sees_the_reasons(self) -> None:
        cohort, enrolment = self._enrolled()
        questions = questions_for(cohort.course.module_keys)
        self.login(self.officer)
        url = reverse("academy:test")
        page = self.client.get(url, {"enrolment": enrolment.pk, "kind": "pre"})
        assert page.status_code == 200
        assert html.escape(questions[0].text.en) in page.content.decode()
        answers = {q.id: q.answer for q in questions}
        answers[questions[0].id] = next(
            o.id for o in questions[0].options if o.id != questions[0].answer
        )
        done = self.client.post(url, {"enrolment": enrolment.pk, "kind": "pre", **answers})
        assert done.status_code == 200
        attempt = KnowledgeTestAttempt.objects.get(enrolment=enrolment, kind="pre")
        assert attempt.right == len(questions) - 1
        text = done.content.decode()
        assert "The answer:" in text
        assert html.escape(questions[0].explanation.en.split(":")[0]) in text
        self.client.post(
            url, {"enrolment": enrolment.pk, "kind": "pre", **{q.id: q.answer for q in questions}}
        )
        assert KnowledgeTestAttempt.objects.filter(enrolment=enrolment).count() == 1

    def test_an_unanswered_question_is_named_and_nothing_is_kept(self) -> None:
        _cohort, enrolment = self._enrolled()
        self.login(self.officer)
        response = self.client.post(
            reverse("academy:test"), {"enrolment": enrolment.pk, "kind": "post"}
        )
        assert response.status_code == 422
        assert not KnowledgeTestAttempt.objects.exists()

    def test_nobody_opens_another_persons_test(self) -> None:
        _cohort, enrolment = self._enrolled()
        self.login(self.caseworker)
        response = self.client.get(
            reverse("academy:test"), {"enrolment": enrolment.pk, "kind": "pre"}
        )
        assert response.status_code == 404

    def test_another_agencys_trainer_does_not_see_the_cohort(self) -> None:
        cohort = a_cohort(self)
        other = self.user_with_role(Role.TRAINER, agency=self.agency_b)
        response = self.get_as(other, reverse("academy:cohort", kwargs={"pk": cohort.pk}))
        assert response.status_code == 404

    def test_the_dashboard_charts_scores_gain_and_the_indicators_missed(self) -> None:
        cohort, enrolment = self._enrolled()
        scenario = curated_scenario("lab-construction-passports")
        answer = perfect_answer(scenario)
        partial = ExerciseAnswer(
            observed=answer.observed,
            disposition=answer.disposition,
            conduct=answer.conduct,
            interview={k: v for k, v in answer.interview.items() if k != "docs_who_holds"},
        )
        exercise_record(actor=self.officer, enrolment=enrolment, scenario=scenario, answer=partial)
        exercise_record(actor=self.officer, enrolment=enrolment, scenario=scenario, answer=answer)
        result = ExerciseResult.objects.filter(enrolment=enrolment).first()
        assert result is not None
        assert "ADL-CD-01" in result.missed
        page = self.get_as(self.trainer, reverse("academy:dashboard", kwargs={"pk": cohort.pk}))
        text = page.content.decode()
        assert page.status_code == 200
        assert text.count("<svg") >= 2
        assert "ADL-CD-01 Documents confiscated" in text
        assert "Indicators most often missed" in text

    def test_only_the_trainee_records_their_own_exercise(self) -> None:
        _cohort, enrolment = self._enrolled()
        scenario = curated_scenario("look-oneway-backpacker")
        from palermo.web.lib.errors import NotPermittedError

        with pytest.raises(NotPermittedError):
            exercise_record(
                actor=self.caseworker,
                enrolment=enrolment,
                scenario=scenario,
                answer=ExerciseAnswer(),
            )

    def test_a_simulated_cohort_shows_in_the_dashboard_said_to_be_simulated(self) -> None:
        course = a_course(self)
        self.login(self.trainer)
        response = self.client.post(
            reverse("academy:cohort_simulate", kwargs={"pk": course.pk}),
            {"size": 4, "exercises": 3, "seed": 5},
        )
        assert response.status_code == 302
        cohort = Cohort.objects.get(simulated=True)
        assert cohort.enrolments.count() == 4
        assert ExerciseResult.objects.filter(enrolment__cohort=cohort).count() == 12
        page = self.client.get(response["Location"])
        text = page.content.decode()
        assert "Simulated cohort" in text
        assert "Simulated 01" in text

    def test_the_offline_package_downloads_and_is_audited(self) -> None:
        course = a_course(self)
        self.login(self.trainer)
        response = self.client.post(reverse("academy:course_export", kwargs={"pk": course.pk}))
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            doc = json.loads(z.read("course.json"))
            assert "zh/module-children.html" in z.namelist()
        assert doc["title"] == {"en": "First line", "zh": "第一线"}
        assert AuditEntry.objects.filter(action="export", object_type="academy.course").exists()

    def test_a_trainee_sees_their_courses_on_the_academy_page(self) -> None:
        self._enrolled()
        page = self.get_as(self.officer, reverse("academy:index"))
        assert "March intake" in page.content.decode()
        assert "Take the test" in page.content.decode()


class TestSimulateCohortCommand(BaseTestCase):
    def test_the_command_adds_a_simulated_cohort_to_the_trainers_course(self) -> None:
        from palermo.web.commands import academy_simulate

        course = a_course(self)
        trainer = self.user_with_role(Role.TRAINER)
        name, trainees = academy_simulate(
            trainer=trainer.username, course=course.pk, size=3, exercises=2, seed=1
        )
        assert trainees == 3
        assert Cohort.objects.get(simulated=True).name == name

    def test_a_built_in_course_is_copied_for_the_trainers_agency_once(self) -> None:
        from palermo.web.academy.models import Course
        from palermo.web.commands import academy_simulate

        trainer = self.user_with_role(Role.TRAINER)
        for seed in (1, 2):
            academy_simulate(
                trainer=trainer.username, course="children", size=2, exercises=1, seed=seed
            )
        assert Course.objects.filter(agency=self.agency_a).count() == 1
        assert Cohort.objects.filter(simulated=True).count() == 2

    def test_an_unknown_trainer_or_course_is_refused_naming_the_option(self) -> None:
        from palermo.errors import InputError
        from palermo.web.commands import academy_simulate

        course = a_course(self)
        with pytest.raises(InputError, match="--trainer"):
            academy_simulate(trainer="nobody", course=course.pk, size=2, exercises=1, seed=1)
        other = self.user_with_role(Role.TRAINER, agency=self.agency_b)
        with pytest.raises(InputError, match="--course"):
            academy_simulate(trainer=other.username, course=course.pk, size=2, exercises=1, seed=1)
