"""Writes of the training academy: trainers build courses and run cohorts; a trainee takes the
tests of their own enrolment; an exercise is scored and kept. Each write is audited."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.training.modules import MODULE_KEYS
from palermo.training.questions import grade, questions_for
from palermo.training.scenario import Scenario
from palermo.training.scoring import ExerciseAnswer, Interpreter, score_exercise
from palermo.training.simulate import simulate_cohort
from palermo.web.academy.bank import known_scenario_ids, scenario_bank
from palermo.web.academy.models import (
    Attendance,
    Cohort,
    Course,
    Enrolment,
    Exercise,
    ExerciseResult,
    KnowledgeTestAttempt,
    Phase,
    Session,
    pack,
)
from palermo.web.academy.selectors import exercise_answer
from palermo.web.accounts.models import Agency, User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.actors import SystemActor
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import ACADEMY_ROLES, ACADEMY_TRAINER_ROLES, require_role
from palermo.web.lib.training import in_training

_WHERE = gettext_lazy("training academy")
_PURPOSE = "training academy"
_TRAIN = gettext_lazy("run training courses")


def _refuse(field: str, rule: Any, value: Any = None) -> InputError:
    return InputError([problem(where=_WHERE, field=field, value=value, rule=rule)])


def _own(actor: User, cohort: Cohort) -> None:
    if cohort.agency_id != actor.agency_id:
        raise NotPermittedError(gettext_lazy("This cohort belongs to another agency."))


def course_create(
    *,
    actor: User | SystemActor,
    values: Mapping[str, Any],
    agency: Agency | None = None,
    request: HttpRequest | None = None,
) -> Course:
    """A course of the actor's agency from modules and scenarios of the bank. The command line
    (a ``SystemActor``: ``palermo training import``) names the ``agency`` whose trainers get
    it."""
    if isinstance(actor, SystemActor):
        if agency is None:
            raise _refuse("agency", gettext_lazy("name the agency the course is for"))
        owner = agency
    else:
        require_role(actor, ACADEMY_TRAINER_ROLES, what=_TRAIN)
        owner = actor.agency
    problems: list[Problem] = []
    for field in ("title", "title_zh"):
        if not str(values.get(field) or "").strip():
            problems.append(
                problem(where=_WHERE, field=field, rule=gettext_lazy("must not be empty"))
            )
    modules = [m for m in MODULE_KEYS if m in set(values.get("modules") or [])]
    if not modules:
        problems.append(
            problem(where=_WHERE, field="modules", rule=gettext_lazy("choose at least one module"))
        )
    known = known_scenario_ids()
    scenarios = list(values.get("scenarios") or [])
    problems.extend(
        problem(where=_WHERE, field="scenarios", value=s, rule=gettext_lazy("unknown scenario"))
        for s in scenarios
        if s not in known
    )
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        course = Course.objects.create(
            agency=owner,
            title=str(values["title"]).strip(),
            title_zh=str(values["title_zh"]).strip(),
            summary=str(values.get("summary") or "").strip(),
            summary_zh=str(values.get("summary_zh") or "").strip(),
            modules=pack(modules),
            scenarios=pack(scenarios),
            created_by=None if isinstance(actor, SystemActor) else actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=None if isinstance(actor, SystemActor) else actor,
            actor_label=actor.label if isinstance(actor, SystemActor) else None,
            action=AuditAction.CREATE,
            obj=course,
            fields=["title", "title_zh", "summary", "summary_zh", "modules", "scenarios"],
            purpose=_PURPOSE,
            request=request,
        )
    return course


def course_export_audit(*, actor: User, course: Course, request: HttpRequest | None = None) -> None:
    """Record that a course's offline package was downloaded (course material, no personal
    data; audited like every export)."""
    require_role(actor, ACADEMY_TRAINER_ROLES, what=_TRAIN)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=course,
            fields=["modules", "scenarios"],
            purpose="offline course package",
            request=request,
        )


def cohort_create(
    *,
    actor: User,
    course: Course,
    name: str,
    starts_on: dt.date,
    simulated: bool = False,
    request: HttpRequest | None = None,
) -> Cohort:
    require_role(actor, ACADEMY_TRAINER_ROLES, what=_TRAIN)
    if course.agency_id != actor.agency_id:
        raise NotPermittedError(gettext_lazy("This course belongs to another agency."))
    if not name.strip():
        raise _refuse("name", gettext_lazy("must not be empty"))
    with transaction.atomic():
        cohort = Cohort.objects.create(
            course=course,
            agency=actor.agency,
            name=name.strip(),
            starts_on=starts_on,
            simulated=simulated,
            created_by=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=cohort,
            fields=["course", "name", "starts_on", "simulated"],
            purpose=_PURPOSE,
            request=request,
        )
    return cohort


def enrolment_create(
    *, actor: User, cohort: Cohort, username: str, request: HttpRequest | None = None
) -> Enrolment:
    """Enrol an active user (any agency) by user name."""
    require_role(actor, ACADEMY_TRAINER_ROLES, what=_TRAIN)
    _own(actor, cohort)
    trainee = User.objects.filter(username=username.strip(), is_active=True).first()
    if trainee is None:
        raise _refuse("username", gettext_lazy("no active user has this name"), username)
    if cohort.enrolments.filter(trainee=trainee).exists():
        raise _refuse("username", gettext_lazy("is already enrolled"), username)
    with transaction.atomic():
        Cohort.objects.select_for_update().get(pk=cohort.pk)
        enrolment = Enrolment.objects.create(
            cohort=cohort,
            trainee=trainee,
            display_name=trainee.get_full_name() or trainee.username,
            enrolled_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=enrolment,
            fields=["cohort", "trainee"],
            purpose=_PURPOSE,
            request=request,
        )
    return enrolment


def session_record(
    *,
    actor: User,
    cohort: Cohort,
    held_on: dt.date,
    topic: str,
    present: Sequence[int],
    request: HttpRequest | None = None,
) -> Session:
    """A day of the course and who attended it (enrolment ids of this cohort)."""
    require_role(actor, ACADEMY_TRAINER_ROLES, what=_TRAIN)
    _own(actor, cohort)
    if not topic.strip():
        raise _refuse("topic", gettext_lazy("must not be empty"))
    enrolments = list(cohort.enrolments.all())
    unknown = set(present) - {e.pk for e in enrolments}
    if unknown:
        raise _refuse("present", gettext_lazy("not enrolled in this cohort"), sorted(unknown))
    with transaction.atomic():
        Cohort.objects.select_for_update().get(pk=cohort.pk)
        session = Session.objects.create(cohort=cohort, held_on=held_on, topic=topic.strip())
        Attendance.objects.bulk_create(
            Attendance(session=session, enrolment=e, present=e.pk in set(present))
            for e in enrolments
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=session,
            fields=["held_on", "topic", "attendance"],
            purpose=_PURPOSE,
            request=request,
        )
    return session


def knowledge_test_take(
    *,
    actor: User,
    enrolment: Enrolment,
    kind: str,
    chosen: Mapping[str, str],
    request: HttpRequest | None = None,
) -> KnowledgeTestAttempt:
    """The trainee's own knowledge test (before or after the course), graded; once per kind."""
    require_role(actor, ACADEMY_ROLES, what=gettext_lazy("take a knowledge test"))
    if enrolment.trainee_id != actor.pk:
        raise NotPermittedError(gettext_lazy("Only the trainee takes their own test."))
    if kind not in Phase.values:
        raise _refuse("kind", gettext_lazy("must be before or after the course"), kind)
    questions = questions_for(enrolment.cohort.course.module_keys)
    missing = [q.id for q in questions if not chosen.get(q.id)]
    if missing:
        raise InputError(
            [
                problem(where=_WHERE, field=qid, rule=gettext_lazy("choose an answer"))
                for qid in missing
            ]
        )
    result = grade(questions, chosen)
    with transaction.atomic():
        Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if KnowledgeTestAttempt.objects.filter(enrolment=enrolment, kind=kind).exists():
            raise _refuse("kind", gettext_lazy("this test was already taken"), kind)
        attempt = KnowledgeTestAttempt.objects.create(
            enrolment=enrolment,
            kind=kind,
            answers={q.id: chosen[q.id] for q in questions},
            right=result.right,
            total=result.total,
            percent=result.percent,
            taken_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=attempt,
            fields=["kind", "answers"],
            purpose=_PURPOSE,
            request=request,
        )
    return attempt


def exercise_record(
    *,
    actor: User,
    enrolment: Enrolment,
    scenario: Scenario,
    answer: ExerciseAnswer,
    request: HttpRequest | None = None,
) -> ExerciseResult:
    """Score one exercise of the trainee's own enrolment against the scenario's truth and keep
    the result (what the trainer's dashboard charts)."""
    require_role(actor, ACADEMY_ROLES, what=gettext_lazy("practise a scenario"))
    if enrolment.trainee_id != actor.pk:
        raise NotPermittedError(gettext_lazy("Only the trainee records their own exercise."))
    score = score_exercise(scenario, answer)
    with transaction.atomic():
        result = ExerciseResult.objects.create(
            enrolment=enrolment,
            scenario_id=scenario.id,
            total=score.total,
            missed=[m.indicator_id for m in score.missed],
            score=score.to_dict(),
            done_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=result,
            fields=["scenario_id", "total", "missed"],
            purpose=_PURPOSE,
            request=request,
        )
    return result


def cohort_simulate(
    *,
    actor: User,
    course: Course,
    size: int,
    exercises: int,
    seed: int,
    starts_on: dt.date,
    request: HttpRequest | None = None,
) -> Cohort:
    """A simulated cohort (``palermo.training.simulate``) on ``course``: trainees who are no
    accounts, their tests and scored exercises, so the dashboard can be seen and taught with."""
    require_role(actor, ACADEMY_TRAINER_ROLES, what=_TRAIN)
    if not 1 <= size <= 200:
        raise _refuse("size", gettext_lazy("must be from 1 to 200"), size)
    if not 1 <= exercises <= 50:
        raise _refuse("exercises", gettext_lazy("must be from 1 to 50"), exercises)
    wanted = set(course.scenario_ids)
    bank = scenario_bank()
    scenarios = [s for s in bank if s.id in wanted] or bank
    sim = simulate_cohort(
        scenarios, size=size, exercises=exercises, seed=seed, modules=course.module_keys
    )
    now = timezone.now()
    with transaction.atomic():
        cohort = cohort_create(
            actor=actor,
            course=course,
            name=f"{course.title} · simulated ({seed})",
            starts_on=starts_on,
            simulated=True,
            request=request,
        )
        for t in sim.trainees:
            enrolment = Enrolment.objects.create(
                cohort=cohort, display_name=f"Simulated {t.name}", enrolled_at=now
            )
            for kind, chosen in ((Phase.PRE, t.pre), (Phase.POST, t.post)):
                g = grade(sim.questions, chosen)
                KnowledgeTestAttempt.objects.create(
                    enrolment=enrolment,
                    kind=kind,
                    answers=dict(chosen),
                    right=g.right,
                    total=g.total,
                    percent=g.percent,
                    taken_at=now,
                )
            ExerciseResult.objects.bulk_create(
                ExerciseResult(
                    enrolment=enrolment,
                    scenario_id=e.scenario.id,
                    total=e.score.total,
                    missed=[m.indicator_id for m in e.score.missed],
                    score=e.score.to_dict(),
                    done_at=now,
                )
                for e in t.exercises
            )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=cohort,
            fields=["enrolments", "tests", "exercises"],
            purpose="simulated cohort",
            request=request,
            detail={"size": size, "exercises": exercises, "seed": seed},
        )
    return cohort


def course_builtin(*, actor: User, key: str, request: HttpRequest | None = None) -> Course:
    """The actor's agency's copy of a built-in course (``palermo.training.package``), made on
    first use through :func:`course_create`."""
    from palermo.training.package import builtin_course

    spec = builtin_course(key)
    found = Course.objects.filter(agency_id=actor.agency_id, title=spec.title.en).first()
    return found or course_create(
        actor=actor,
        values={
            "title": spec.title.en,
            "title_zh": spec.title.zh,
            "summary": spec.summary.en,
            "summary_zh": spec.summary.zh,
            "modules": list(spec.modules),
            "scenarios": list(spec.scenario_ids),
        },
        request=request,
    )


def practice_scenario(scenario_id: str) -> Scenario:
    """A scenario of the bank by id (``InputError`` naming it when there is none)."""
    for s in scenario_bank():
        if s.id == scenario_id:
            return s
    raise _refuse("scenario", gettext_lazy("unknown scenario"), scenario_id)


def exercise_start(
    *, actor: User, enrolment: Enrolment, scenario_id: str, request: HttpRequest | None = None
) -> Exercise:
    """Start practising one of the course's scenarios on the real pages.

    Only from an account of a training agency: what the trainee screens, interviews and refers
    is then a training row everywhere (``lib/training.py``), and the scenario traveller gets a
    record id of its own, by which the exercise finds what was done with it."""
    require_role(actor, ACADEMY_ROLES, what=gettext_lazy("practise a scenario"))
    if enrolment.trainee_id != actor.pk:
        raise NotPermittedError(gettext_lazy("Only the trainee practises on their own enrolment."))
    if not in_training(actor):
        raise NotPermittedError(
            gettext_lazy(
                "Practice on the real pages is done with an account of a training agency, so "
                "that nothing reaches live work: ask your administrator for one."
            )
        )
    if scenario_id not in enrolment.cohort.course.scenario_ids:
        raise _refuse("scenario", gettext_lazy("is not a scenario of this course"), scenario_id)
    scenario = practice_scenario(scenario_id)
    with transaction.atomic():
        exercise = Exercise.objects.create(
            enrolment=enrolment,
            scenario_id=scenario.id,
            record_id=f"practice-{secrets.token_hex(4)}-{scenario.id}"[:100],
            started_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=exercise,
            fields=["scenario_id", "record_id"],
            purpose=_PURPOSE,
            request=request,
        )
    return exercise


def exercise_finish(
    *,
    actor: User,
    exercise: Exercise,
    private: bool,
    interpreter: str,
    gave_information: bool,
    asylum_information: bool,
    request: HttpRequest | None = None,
) -> ExerciseResult:
    """Finish an exercise: what the trainee did on the real pages (``selectors.
    exercise_answer``), with what the pages cannot see as they state it (a private interview,
    who interpreted, information given), scored against the scenario's truth; once."""
    require_role(actor, ACADEMY_ROLES, what=gettext_lazy("practise a scenario"))
    if exercise.enrolment.trainee_id != actor.pk:
        raise NotPermittedError(gettext_lazy("Only the trainee records their own exercise."))
    if interpreter not in Interpreter.__members__.values():
        raise _refuse("interpreter", gettext_lazy("choose who interpreted"), interpreter)
    with transaction.atomic():
        locked = Exercise.objects.select_for_update().get(pk=exercise.pk)
        if locked.result_id is not None:
            raise _refuse("exercise", gettext_lazy("this exercise was already scored"))
        locked.private = private
        locked.interpreter = interpreter
        locked.gave_information = gave_information
        locked.asylum_information = asylum_information
        fields = ["private", "interpreter", "gave_information", "asylum_information"]
        locked.save(update_fields=fields)
        answer = exercise_answer(user=actor, exercise=locked)
        result = exercise_record(
            actor=actor,
            enrolment=locked.enrolment,
            scenario=practice_scenario(locked.scenario_id),
            answer=answer,
            request=request,
        )
        locked.result = result
        locked.save(update_fields=["result"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=[*fields, "result"],
            purpose=_PURPOSE,
            request=request,
        )
    return result
