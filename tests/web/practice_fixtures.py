"""A training world for practice on the real pages: a training consulate whose consular
officer (the one role that screens, interviews, opens cases and refers) is enrolled in a cohort
of agency A's trainer, practice agencies to refer to, and the steps of an exercise done through
the real services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from academy_fixtures import a_cohort
from admin_fixtures import agreement_between
from flow_fixtures import activate_example
from referral_fixtures import CHECKLIST

from palermo.records.schema import INPUT_FIELDS
from palermo.training.scenario import Scenario
from palermo.web.academy.models import Enrolment, Exercise
from palermo.web.academy.services import enrolment_create, exercise_start, practice_scenario
from palermo.web.accounts.models import Agency
from palermo.web.cases.models import Case
from palermo.web.cases.services import consent_record
from palermo.web.interviews.models import Interview
from palermo.web.interviews.services import (
    interview_assess,
    interview_open_case,
    interview_save,
    interview_start,
)
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.nrm.services import identification_refer
from palermo.web.referrals.services import referral_send
from palermo.web.screening.models import DispositionKind, Hit, Traveller
from palermo.web.screening.services import hit_dispose
from palermo.web.testsupport import make_user

SCENARIO = "lab-construction-passports"  # labour; NRM and labour inspection expected


def practice_world(test: Any) -> None:
    """``test.trainee`` (consular officer of the training consulate ``test.sandbox``) enrolled
    in ``test.cohort`` (agency A's trainer ``test.trainer``); ``test.practice_atu`` and
    ``test.practice_labour`` to refer to, with an agreement in force."""
    test.trainer = test.user_with_role(Role.TRAINER)
    test.sandbox = Agency.objects.create(
        name="Practice consulate (training)",
        kind=AgencyKind.CONSULATE,
        code="practice-consulate",
        is_training=True,
    )
    test.practice_atu = Agency.objects.create(
        name="Practice anti-trafficking office (training)",
        kind=AgencyKind.ANTI_TRAFFICKING,
        code="practice-atu",
        is_training=True,
    )
    test.practice_labour = Agency.objects.create(
        name="Practice labour inspectorate (training)",
        kind=AgencyKind.LABOUR,
        code="practice-labour",
        is_training=True,
    )
    test.trainee = make_user("mei.practice", agency=test.sandbox, role=Role.CONSULAR_OFFICER)
    agreement_between(
        test,
        test.sandbox,
        test.practice_labour,
        purposes=("assistance", "investigation"),
        reference="DSA-PRACTICE-1",
    )
    activate_example(test, "documents-held-and-companion-answers")
    test.cohort = a_cohort(test)
    test.enrolment = enrolment_create(
        actor=test.trainer, cohort=test.cohort, username=test.trainee.username
    )


def start(test: Any, scenario_id: str = SCENARIO, enrolment: Enrolment | None = None) -> Exercise:
    return exercise_start(
        actor=test.trainee, enrolment=enrolment or test.enrolment, scenario_id=scenario_id
    )


def desk_record(exercise: Exercise, observed: Iterable[str]) -> dict[str, Any]:
    """What the desk's form sends for the scenario traveller with ``observed`` ticked."""
    scenario = practice_scenario(exercise.scenario_id)
    values: dict[str, Any] = scenario.desk_values()
    values["record_id"] = exercise.record_id
    values.update(dict.fromkeys(observed, "on"))
    return values


def observables(items: Iterable[str]) -> list[str]:
    """The BRD observables a disposition names for first-line items (record fields)."""
    return [INPUT_FIELDS[i].observation or "" for i in items]


def posted(scenario: Scenario, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    """The person's answers as the interview form posts them (yes/no, lists, option ids)."""
    skip = set(leave_out)
    out: dict[str, Any] = {}
    for qid, value in scenario.answers.items():
        if qid in skip:
            continue
        if isinstance(value, bool):
            out[qid] = "yes" if value else "no"
        elif isinstance(value, tuple):
            out[qid] = list(value)
        else:
            out[qid] = value
    return out


def screen_at_desk(test: Any, exercise: Exercise, observed: Iterable[str]) -> Traveller:
    test.login(test.trainee)
    response = test.client.post("/screening/desk/", desk_record(exercise, observed))
    assert response.status_code in (200, 302), response.content[:400]
    return Traveller.objects.get(agency=test.sandbox, record_id=exercise.record_id)


def refer_to_second_line(test: Any, traveller: Traveller, observed: Iterable[str]) -> Hit:
    hit = traveller.hits.order_by("pk").first()
    assert hit is not None
    hit_dispose(
        actor=test.trainee,
        hit=hit,
        kind=DispositionKind.REFERRED,
        reason="Passports held by the broker, who answers for the group.",
        observed=observables(observed),
    )
    return hit


def interview(test: Any, exercise: Exercise, hit: Hit, leave_out: Iterable[str] = ()) -> Interview:
    scenario = practice_scenario(exercise.scenario_id)
    done = interview_start(actor=test.trainee, instrument_id=scenario.instrument_id, hit=hit)
    consent = {c.id: True for c in scenario.instrument().consent}
    interview_save(actor=test.trainee, interview=done, consent=consent)
    done = interview_save(
        actor=test.trainee, interview=done, answers=posted(scenario, leave_out=leave_out)
    )
    interview_assess(actor=test.trainee, interview=done, language="en")
    done.refresh_from_db()
    return done


def open_case_and_refer(test: Any, done: Interview) -> Case:
    case = interview_open_case(actor=test.trainee, interview=done, full_name="Scenario person")
    consent_record(actor=test.trainee, case=case, purpose="assistance", checklist=CHECKLIST)
    for recipient in (test.practice_atu, test.practice_labour):
        consent_record(
            actor=test.trainee,
            case=case,
            purpose="sharing",
            recipient=recipient,
            checklist=CHECKLIST,
        )
    identification_refer(
        actor=test.trainee,
        case=case,
        competent_authority=test.practice_atu,
        summary="Passports held; debt to the broker.",
    )
    referral_send(
        actor=test.trainee, case=case, recipient=test.practice_labour, service="labour_inspection"
    )
    return case
