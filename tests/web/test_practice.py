"""Practice on the real pages (issue 12 items 3 and 4): a trainee of a training agency starts a
scenario, works it at the desk, in the hit's disposition, the interview and the case, and is
scored against the scenario's truth; the trainer sees the cohort's results."""

from __future__ import annotations

import pytest
from django.urls import reverse
from practice_fixtures import (
    SCENARIO,
    interview,
    open_case_and_refer,
    practice_world,
    refer_to_second_line,
    screen_at_desk,
    start,
)

from palermo.indicators.catalogue import load_catalogue
from palermo.training.scenario import Disposition, Referral, Scenario
from palermo.training.scoring import Interpreter
from palermo.web.academy.models import Exercise, ExerciseResult
from palermo.web.academy.selectors import exercise_answer
from palermo.web.academy.services import (
    enrolment_create,
    exercise_finish,
    exercise_start,
    practice_scenario,
)
from palermo.web.academy.views import exercise_url, result_url
from palermo.web.interviews.services import interview_open_case
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import Role
from palermo.web.screening.models import Traveller
from palermo.web.testsupport import BaseTestCase, make_user

pytestmark = pytest.mark.web


class PracticeTests(BaseTestCase):
    def setUp(self) -> None:
        practice_world(self)
        self.scenario = practice_scenario(SCENARIO)

    def finish(self, exercise: Exercise) -> ExerciseResult:
        return exercise_finish(
            actor=self.trainee,
            exercise=exercise,
            private=True,
            interpreter=Interpreter.PROFESSIONAL.value,
            gave_information=False,
            asylum_information=False,
        )

    def work_it(self, exercise: Exercise, *, leave_out: tuple[str, ...] = ()) -> None:
        observed = sorted(self.scenario.truth.observations)
        traveller = screen_at_desk(self, exercise, observed)
        hit = refer_to_second_line(self, traveller, observed)
        done = interview(self, exercise, hit, leave_out=leave_out)
        open_case_and_refer(self, done)

    def test_a_trainee_who_works_a_scenario_right_on_the_real_pages_scores_full_marks(
        self,
    ) -> None:
        exercise = start(self)
        self.work_it(exercise)
        answer = exercise_answer(user=self.trainee, exercise=exercise)
        assert answer.disposition is Disposition.OFFER_INTERVIEW
        assert answer.observed == self.scenario.truth.observations
        assert answer.assessment is self.scenario.truth.assessment
        assert answer.referrals == {Referral.NRM, Referral.LABOUR_INSPECTION}
        result = self.finish(exercise)
        assert result.total == 100.0
        assert result.missed == []
        exercise.refresh_from_db()
        assert exercise.result == result

    def test_the_score_page_names_a_missed_indicator_in_the_catalogues_words(self) -> None:
        exercise = start(self)
        # the question whose answer evidences an indicator is left unanswered
        inst = self.scenario.instrument()
        question = next(
            q
            for q in inst.questions
            if q.id in self.scenario.answers
            and any(o.evidences for o in q.options if o.id in _chosen(self.scenario.answers[q.id]))
        )
        self.work_it(exercise, leave_out=(question.id,))
        result = self.finish(exercise)
        assert result.missed
        assert result.total < 100.0
        self.login(self.trainee)
        page = self.client.get(result_url(result.pk)).content.decode()
        indicator = load_catalogue().indicators[result.missed[0]]
        assert indicator.label("en") in page
        assert f"{result.total:g} of 100" in page or f"{result.total} of 100" in page
        assert reverse("academy:practice") in page  # the next step
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(result_url(result.pk)).content.decode()
        assert indicator.label("zh") in page
        assert "遗漏" in page

    def test_an_exercise_finished_without_doing_anything_scores_nothing_and_says_why(
        self,
    ) -> None:
        exercise = start(self)
        self.login(self.trainee)
        response = self.client.post(exercise_url(exercise.pk), {"interpreter": "none"})
        result = ExerciseResult.objects.get()
        assert response.status_code == 302
        assert response["Location"] == result_url(result.pk)
        assert result.total == 0.0
        page = self.client.get(response["Location"]).content.decode()
        assert "no disposition was recorded" in page

    def test_an_exercise_is_scored_once(self) -> None:
        exercise = start(self)
        self.finish(exercise)
        with pytest.raises(Exception, match="already scored"):
            self.finish(exercise)
        assert ExerciseResult.objects.count() == 1

    def test_a_live_account_cannot_practise_on_the_real_pages(self) -> None:
        live = enrolment_create(actor=self.trainer, cohort=self.cohort, username="alice")
        self.login(live.trainee)
        response = self.client.post(
            reverse("academy:practice_start"), {"enrolment": live.pk, "scenario": SCENARIO}
        )
        assert response.status_code == 302
        assert not Exercise.objects.exists()
        page = self.client.get(response["Location"]).content.decode()
        assert "account of a training agency" in page
        with pytest.raises(NotPermittedError):
            start(self, enrolment=live)

    def test_only_the_courses_scenarios_are_practised(self) -> None:
        with pytest.raises(Exception, match="not a scenario of this course"):
            start(self, scenario_id="child-labour-uncle")
        assert not Exercise.objects.exists()

    def test_the_desk_opens_filled_with_the_scenario_traveller_only_in_the_sandbox(
        self,
    ) -> None:
        exercise = start(self)
        self.login(self.trainee)
        briefing = self.client.get(exercise_url(exercise.pk))
        desk_url = briefing.context["desk_url"]
        filled = self.client.get(desk_url).context["form"]
        assert filled["record_id"].value() == exercise.record_id
        assert filled["nationality"].value() == self.scenario.record["nationality"]
        assert not filled["obs_document_held_by_other"].value()  # observing is the trainee's
        live = self.get_as(self.officer, desk_url).context["form"]
        assert not live["record_id"].value()

    def test_a_look_alike_without_a_hit_still_gets_a_first_line_look_in_the_sandbox(
        self,
    ) -> None:
        exercise = start(self, scenario_id="look-oneway-backpacker")
        screen_at_desk(self, exercise, observed=[])
        traveller = Traveller.objects.get(record_id=exercise.record_id)
        assert traveller.hits.get().source == "control"

    def test_the_interview_shows_what_the_scenario_person_says_in_the_pages_language(
        self,
    ) -> None:
        exercise = start(self)
        observed = sorted(self.scenario.truth.observations)
        traveller = screen_at_desk(self, exercise, observed)
        hit = refer_to_second_line(self, traveller, observed)
        done = interview(self, exercise, hit)
        question = next(
            q for q in self.scenario.instrument().questions if q.id in self.scenario.answers
        )
        step = next(
            i
            for i, s in enumerate(_steps(done.instrument_id))
            if question.id in {q.id for q in s.questions}
        )
        url = reverse("interviews:interview_step", args=[done.pk, step])
        page = self.client.get(url).content.decode()
        assert "practice-reply" in page
        assert self.scenario.reply(question.id, "en") in page
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(url).content.decode()
        assert self.scenario.reply(question.id, "zh") in page

    def test_the_briefing_says_which_steps_the_trainees_role_cannot_do(self) -> None:
        exercise = start(self)
        self.login(self.trainee)
        page = self.client.get(exercise_url(exercise.pk)).content.decode()
        assert "Your role cannot do these steps" not in page  # a consular officer does all
        officer = make_user("desk.practice", agency=self.sandbox, role=Role.FIRST_LINE_OFFICER)
        enrolment = enrolment_create(
            actor=self.trainer, cohort=self.cohort, username=officer.username
        )
        mine = exercise_start(actor=officer, enrolment=enrolment, scenario_id=SCENARIO)
        page = self.get_as(officer, exercise_url(mine.pk)).content.decode()
        assert "Your role cannot do these steps" in page
        assert "the second-line interview" in page
        assert "screening at the desk" not in page

    def test_the_trainer_sees_the_cohorts_results_and_another_trainee_does_not(self) -> None:
        exercise = start(self)
        result = self.finish(exercise)
        cohort_page = self.get_as(self.trainer, reverse("academy:cohort", args=[self.cohort.pk]))
        assert result_url(result.pk) in cohort_page.content.decode()
        assert self.get_as(self.trainer, result_url(result.pk)).status_code == 200
        other = enrolment_create(actor=self.trainer, cohort=self.cohort, username="alice")
        assert self.get_as(other.trainee, result_url(result.pk)).status_code == 404
        assert self.get_as(other.trainee, exercise_url(exercise.pk)).status_code == 404


def _chosen(value: object) -> set[str]:
    if isinstance(value, tuple):
        return set(value)
    if isinstance(value, bool):
        return {"yes" if value else "no"}
    return {str(value)}


def _steps(instrument_id: str) -> list[object]:
    from palermo.web.interviews.steps import instrument, steps_of

    return list(steps_of(instrument(instrument_id)))


class TestGeneratedScenariosArePractisedLikeCuratedOnes(BaseTestCase):
    """A trainer draws scenarios from the synthetic population's ground truth into the bank
    from the course form; a trainee practises one on the real pages: the desk, the hit, the
    interview where the scenario person answers from their truth, the case, and the score."""

    def setUp(self) -> None:
        practice_world(self)

    def test_a_generated_case_is_worked_from_the_desk_to_the_case_and_scored(self) -> None:
        from academy_fixtures import a_cohort, a_course

        self.login(self.trainer)
        page = self.client.get(reverse("academy:course_create")).content.decode()
        assert "Scenarios from the synthetic population" in page
        response = self.client.post(
            reverse("academy:scenarios_generate"), {"n": 6, "seed": 3}, follow=True
        )
        assert response.status_code == 200
        generated = [s for s in _bank() if s.id.startswith("gen-3-")]
        assert len(generated) == 6
        assert all(s.source == "imported" for s in generated)
        # one that a second-line interviewer should interview, with a disclosed indicator
        scenario = next(
            s for s in generated if s.truth.is_case and s.truth.disclosed and s.truth.observations
        )
        assert scenario.id in response.content.decode()  # offered on the course form
        course = a_course(self, title="Generated", scenarios=[scenario.id])
        enrolment = enrolment_create(
            actor=self.trainer, cohort=a_cohort(self, course), username=self.trainee.username
        )
        exercise = start(self, scenario_id=scenario.id, enrolment=enrolment)
        observed = sorted(scenario.truth.observations)
        traveller = screen_at_desk(self, exercise, observed)
        assert traveller.record_id == exercise.record_id
        hit = refer_to_second_line(self, traveller, observed)
        done = interview(self, exercise, hit)
        # the interview pages show what the generated person says, from their truth
        question = next(q for q in scenario.instrument().questions if q.id in scenario.answers)
        step = next(
            i
            for i, s in enumerate(_steps(done.instrument_id))
            if question.id in {q.id for q in s.questions}
        )
        page = self.client.get(
            reverse("interviews:interview_step", args=[done.pk, step])
        ).content.decode()
        assert scenario.reply(question.id, "en") in page
        case = interview_open_case(actor=self.trainee, interview=done, full_name="Generated person")
        assert case.agency == self.sandbox
        result = exercise_finish(
            actor=self.trainee,
            exercise=exercise,
            private=True,
            interpreter=Interpreter.PROFESSIONAL.value,
            gave_information=True,
            asylum_information=False,
        )
        answer = exercise_answer(user=self.trainee, exercise=exercise)
        assert answer.observed == scenario.truth.observations
        assert answer.assessment is scenario.truth.assessment
        assert result.scenario_id == scenario.id
        assert result.total > 0
        assert set(scenario.truth.disclosed) - set(result.missed)  # some indicator found

    def test_a_bad_number_of_scenarios_is_refused_beside_the_field(self) -> None:
        self.login(self.trainer)
        response = self.client.post(reverse("academy:scenarios_generate"), {"n": 0, "seed": 3})
        assert response.status_code == 422
        assert not [s for s in _bank() if s.id.startswith("gen-")]


def _bank() -> list[Scenario]:
    from palermo.web.academy.bank import scenario_bank

    return scenario_bank()
