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
