"""The web part of ``palermo demo``: what a person trying the demo logs in to."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.test import Client

from palermo.synth import generate
from palermo.web.academy.models import Enrolment
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditEntry
from palermo.web.demo import USERS, prepare


@pytest.mark.django_db(transaction=True)
def test_the_demo_creates_one_user_per_role_active_profiles_and_a_screened_batch(
    tmp_path: Path,
) -> None:
    records, _truth = generate(3_000, seed=5)
    path = tmp_path / "travellers.parquet"
    pq.write_table(records, path)

    web = prepare(records=path, sample=2_000)

    assert {u.role for u in User.objects.all()} == {role for role, _name, _agency in USERS}
    assert web.profiles_active >= 12
    assert web.batch_records == 2_000
    assert web.batch_hits > 0
    assert web.simulated_trainees == 12
    # the terminal shows each role in both languages
    assert ("officer", "First-line officer 一线检查员", "Northgate border post") in web.users
    client = Client()
    assert client.login(username="officer", password=web.password)
    assert client.get("/").status_code == 200
    # made through the audited administration services, as the command line
    created = AuditEntry.objects.filter(purpose="user created")
    assert created.count() == len(USERS)
    assert {e.actor_label.split(" on host")[0] for e in created} == {"command line (palermo demo)"}
    # the academy can be tried at once: a trainer's course of modules and scenarios, and a
    # practice account of a training agency enrolled in it, linked to the officer's account
    trainee = User.objects.get(username="trainee")
    assert trainee.agency.is_training
    assert trainee.live_account == User.objects.get(username="officer")
    enrolment = Enrolment.objects.get(trainee=trainee)
    course = enrolment.cohort.course
    assert course.agency == User.objects.get(username="trainer").agency
    assert {"interviewing", "children"} <= set(course.module_keys)
    assert course.scenario_ids
    assert Client().login(username="trainee", password=web.password)


@pytest.mark.django_db(transaction=True)
def test_running_the_demo_twice_keeps_the_users_and_prints_a_new_password(
    tmp_path: Path,
) -> None:
    records, _truth = generate(500, seed=6)
    path = tmp_path / "travellers.parquet"
    pq.write_table(records, path)
    first = prepare(records=path, sample=200)
    second = prepare(records=path, sample=200)
    assert User.objects.count() == len(USERS)
    assert first.password != second.password
    assert Client().login(username="analyst", password=second.password)
    assert AuditEntry.objects.filter(purpose="password reset").count() == len(USERS)


@pytest.mark.django_db(transaction=True)
def test_in_the_demo_a_case_can_be_referred_to_the_shelter_which_accepts_it(
    tmp_path: Path,
) -> None:
    """The chain goes on after the case: the directory has somewhere to refer to, the agreement
    is in force, and someone at the shelter answers; the sandbox has its own agreement."""
    from palermo.web.agreements.services import agreement_for_transfer
    from palermo.web.cases.models import CONSENT_CHECKLIST
    from palermo.web.cases.services import case_open, consent_record
    from palermo.web.directory.models import ServiceProvider
    from palermo.web.referrals.services import referral_accept, referral_send

    records, _truth = generate(500, seed=7)
    path = tmp_path / "travellers.parquet"
    pq.write_table(records, path)
    prepare(records=path, sample=200)

    users = {u.username: u for u in User.objects.all()}
    shelter = ServiceProvider.objects.get(name="Harbour shelter")
    assert shelter.agency == users["shelter"].agency
    case = case_open(
        actor=users["interviewer"],
        full_name="Li Wei",
        document_number="E12345678",
        contact="",
        note="Recruited online; passport kept by the employer.",
        outcome="presumed",
        interview_ref="demo-interview",
    )
    checklist = {key: True for key, _label in CONSENT_CHECKLIST}
    for purpose, recipient in (("sharing", shelter.agency), ("assistance", None)):
        consent_record(
            actor=users["caseworker"],
            case=case,
            purpose=purpose,
            recipient=recipient,
            checklist=checklist,
        )
    referral = referral_send(
        actor=users["caseworker"],
        case=case,
        recipient=shelter.agency,
        service="shelter",
        provider=shelter,
    )
    assert referral_accept(actor=users["shelter"], referral=referral).state == "accepted"
    practice = agreement_for_transfer(
        sender=users["trainee"].agency,
        recipient=users["practice-labour-lead"].agency,
        purpose="investigation",
    )
    assert practice.in_force(practice.valid_from)
