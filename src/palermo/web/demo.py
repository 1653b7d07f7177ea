"""The web part of ``palermo demo``: demo agencies, one user per role, the example profiles
approved and active, a batch screening of part of the synthetic population in the queue, and
the training academy ready to try: a training consulate (the sandbox) whose practice account
``trainee`` is the first-line ``officer``'s training account (certificates earned on it are
the officer's), enrolled by the ``trainer`` in a cohort of the built-in second-line course
(modules and scenarios), beside a simulated cohort for the dashboard.

Running it again is safe: existing agencies, users and profiles are kept (passwords are reset
to the new one printed).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from palermo.profiles import EXAMPLES_DIR
from palermo.profiles.profile_set import screening_day

if TYPE_CHECKING:
    from palermo.web.accounts.models import User
    from palermo.web.lib.actors import SystemActor
    from palermo.web.screening.models import BatchJob

AGENCIES = (
    ("northgate", "Northgate border post", "border_post"),
    ("consulate", "Consulate general", "consulate"),
    ("atu", "Anti-trafficking office", "anti_trafficking"),
    ("labour", "Labour inspectorate", "labour"),
    ("harbour", "Harbour shelter", "social_welfare"),
    ("hope", "Hope NGO", "ngo"),
    ("iom", "International organisation office", "international"),
)
# training sandboxes (``Agency.is_training``): practice on the real pages, never live data
TRAINING_AGENCIES = (
    ("practice-consulate", "Practice consulate (training)", "consulate"),
    ("practice-atu", "Practice anti-trafficking office (training)", "anti_trafficking"),
    ("practice-labour", "Practice labour inspectorate (training)", "labour"),
)
# role -> (user name, agency code)
USERS = (
    ("first_line_officer", "officer", "northgate"),
    ("second_line_interviewer", "interviewer", "northgate"),
    ("consular_officer", "consul", "consulate"),
    ("case_worker", "caseworker", "northgate"),
    ("investigator", "investigator", "atu"),
    ("risk_analyst", "analyst", "northgate"),
    ("supervisor", "supervisor", "northgate"),
    ("trainer", "trainer", "northgate"),
    ("auditor", "auditor", "northgate"),
    ("administrator", "admin", "northgate"),
    # the officer's practice account in the sandbox (a consular officer's account does every
    # step of an exercise: desk, hit, interview, case, referral)
    ("consular_officer", "trainee", "practice-consulate"),
    # the receiving end of the protection chain: the shelter accepts referrals, and each party
    # to a data-sharing agreement signs it (the agreements of ``_protection_network``)
    ("case_worker", "shelter", "harbour"),
    ("supervisor", "shelter-lead", "harbour"),
    ("supervisor", "practice-lead", "practice-consulate"),
    ("supervisor", "practice-labour-lead", "practice-labour"),
)
# the demo's accounts hold no certificate yet: why the second-line interviewer is made one
# anyway (the certificate rule, ``PALERMO_CERTIFICATE_REQUIRED_FOR``)
DEMO_OVERRIDE = "Demo account: a new installation has no training certificates yet."


@dataclass(frozen=True, slots=True)
class DemoWeb:
    password: str
    users: tuple[tuple[str, str, str], ...]  # (user name, role label, agency)
    profiles_active: int
    batch_records: int
    batch_hits: int
    simulated_trainees: int = 0


def prepare(*, records: Path, sample: int = 5_000) -> DemoWeb:
    """Set up the demo world; Django must be set up by the caller."""
    from django.core.management import call_command

    from palermo.web.accounts.models import Agency, User
    from palermo.web.administration.services import (
        admin_agency_create,
        admin_user_create,
        admin_user_reset_password,
    )
    from palermo.web.lib.actors import command_line_actor

    call_command("migrate", interactive=False, verbosity=0)
    # the same audited services as the administration pages, as the command line
    actor = command_line_actor("palermo demo")
    agencies = {}
    for (code, name, kind), training in [
        *((a, False) for a in AGENCIES),
        *((a, True) for a in TRAINING_AGENCIES),
    ]:
        found = Agency.objects.filter(code=code).first()
        agencies[code] = found or admin_agency_create(
            actor=actor, name=name, kind=kind, code=code, is_training=training
        )
    password = "demo-" + secrets.token_urlsafe(9)
    shown: list[tuple[str, str, str]] = []
    people: dict[str, User] = {}
    by_name: dict[str, User] = {}
    for role, username, agency in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _shown = admin_user_create(
                actor=actor,
                username=username,
                password=password,
                agency=agencies[agency],
                role=role,
                override_reason=DEMO_OVERRIDE,
            )
        else:
            admin_user_reset_password(actor=actor, user=user, password=password)
        people.setdefault(role, user)
        by_name[username] = user
        shown.append((username, _both_languages(user.get_role_display), agencies[agency].name))
    active = _activate_examples(people["risk_analyst"], people["supervisor"])
    job = _batch(people["risk_analyst"], records, sample)
    trainees = _academy(people["trainer"])
    _practice(actor, people["trainer"], trainee=by_name["trainee"], live=by_name["officer"])
    _protection_network(agencies, by_name)
    return DemoWeb(
        password=password,
        users=tuple(shown),
        profiles_active=active,
        batch_records=job.record_count,
        batch_hits=job.hit_count,
        simulated_trainees=trainees,
    )


def _academy(trainer: User) -> int:
    """The built-in second-line course and a simulated cohort on it (once), so the trainer's
    dashboard has something to show; returns the simulated cohort's size."""
    from django.utils import timezone

    from palermo.web.academy.models import Cohort
    from palermo.web.academy.services import cohort_simulate, course_builtin

    existing = Cohort.objects.filter(simulated=True, agency=trainer.agency).first()
    if existing is not None:
        return existing.enrolments.count()
    course = course_builtin(actor=trainer, key="second-line")
    cohort = cohort_simulate(
        actor=trainer,
        course=course,
        size=12,
        exercises=8,
        seed=2026,
        starts_on=timezone.localdate(),
    )
    return cohort.enrolments.count()


def _practice(actor: SystemActor, trainer: User, *, trainee: User, live: User) -> None:
    """The practice account linked to the officer's live account (as ``palermo web
    link-training-account``), enrolled in a cohort of the built-in second-line course (once)."""
    from django.utils import timezone

    from palermo.web.academy.models import Cohort
    from palermo.web.academy.services import cohort_create, course_builtin, enrolment_create
    from palermo.web.administration.services import training_account_link

    if trainee.live_account_id is None:
        training_account_link(actor=actor, training=trainee, live=live)
    course = course_builtin(actor=trainer, key="second-line")
    cohort = Cohort.objects.filter(course=course, simulated=False).first() or cohort_create(
        actor=trainer, course=course, name="Demo cohort", starts_on=timezone.localdate()
    )
    if not cohort.enrolments.filter(trainee=trainee).exists():
        enrolment_create(actor=trainer, cohort=cohort, username=trainee.username)


def _protection_network(agencies: dict[str, Any], by_name: dict[str, User]) -> None:
    """What a case needs to go further (once): directory entries to refer to, and data-sharing
    agreements in force, signed by a signatory of each party - between the border post and the
    shelter (live), and between the practice consulate and the practice labour inspectorate
    (the sandbox: training agencies agree only with each other)."""
    import datetime as dt

    from django.utils import timezone

    from palermo.web.agreements.models import DataSharingAgreement, TransferPurpose
    from palermo.web.agreements.services import agreement_create, agreement_sign
    from palermo.web.directory.models import ServiceProvider, ServiceType
    from palermo.web.directory.services import provider_create

    today = timezone.localdate()
    entries = (
        ("admin", "Harbour shelter", "港湾庇护所", "harbour",
         [ServiceType.SHELTER, ServiceType.PSYCHOSOCIAL, ServiceType.MEDICAL]),
        ("admin", "Hope NGO legal clinic", "希望非政府组织法律诊所", "hope",
         [ServiceType.LEGAL_AID, ServiceType.INTERPRETATION]),
        ("admin", "Labour inspectorate", "劳动监察机构", "labour", [ServiceType.LABOUR_INSPECTION]),
        ("admin", "Return and reintegration desk", "回返与重新融入服务台", "iom",
         [ServiceType.RETURN_REINTEGRATION]),
        ("admin", "Anti-trafficking office", "反拐办公室", "atu",
         [ServiceType.POLICE_PROSECUTION]),
    )  # fmt: skip
    for keeper, name, name_zh, code, services in entries:
        if not ServiceProvider.objects.filter(name=name).exists():
            provider_create(
                actor=by_name[keeper],
                values={
                    "name": name,
                    "name_zh": name_zh,
                    "agency": agencies[code],
                    "services": [s.value for s in services],
                    "nationwide": True,
                    "languages": ["en", "zh"],
                    "active": True,
                },
            )
    for reference, title, creator, signers, purposes in (
        ("DEMO-NRM-1", "Northgate - Harbour shelter: referral for assistance", "supervisor",
         ["shelter-lead"], [TransferPurpose.ASSISTANCE]),
        ("PRACTICE-1", "Practice consulate - practice labour inspectorate (training)",
         "practice-lead", ["practice-labour-lead"],
         [TransferPurpose.ASSISTANCE, TransferPurpose.INVESTIGATION]),
    ):  # fmt: skip
        if DataSharingAgreement.objects.filter(reference=reference).exists():
            continue
        parties = [by_name[creator].agency, *(by_name[s].agency for s in signers)]
        agreement = agreement_create(
            actor=by_name[creator],
            reference=reference,
            title=title,
            document_id=f"{reference} (demo)",
            parties=parties,
            purposes=[p.value for p in purposes],
            valid_from=today,
            valid_to=today + dt.timedelta(days=365),
            signed_by=", ".join(a.name for a in parties),
            signed_on=today,
        )
        for signer in signers:
            agreement_sign(actor=by_name[signer], agreement=agreement)


def _both_languages(label: Callable[[], object]) -> str:
    """A translated label in English and Simplified Chinese, for the terminal."""
    from django.utils import translation

    with translation.override("en"):
        english = str(label())
    with translation.override("zh-hans"):
        chinese = str(label())
    return english if english == chinese else f"{english} {chinese}"


def _activate_examples(analyst: User, supervisor: User) -> int:
    from palermo.web.lib.review import ReviewStatus
    from palermo.web.profiles.models import ProfileVersion, RiskProfile
    from palermo.web.profiles.services import (
        profile_activate,
        profile_approve,
        profile_submit,
        profile_upload,
        shipped_lists_install,
    )

    shipped_lists_install(analyst=analyst, approver=supervisor)
    today = screening_day()
    for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if RiskProfile.objects.filter(profile_id=path.stem).exists():
            continue
        version = profile_upload(actor=analyst, source_name=path.name, text=text)
        profile_submit(actor=analyst, version=version)
        profile_approve(actor=supervisor, version=version)
        if version.review_by >= today:
            profile_activate(actor=supervisor, version=version)
    return ProfileVersion.objects.filter(status=ReviewStatus.ACTIVE.value).count()


def _batch(analyst: User, records: Path, sample: int) -> BatchJob:
    from palermo.web.jobs.worker import run_ready_tasks
    from palermo.web.screening.services import batch_job_create

    table = pq.read_table(records).slice(0, sample)
    part = records.with_name("demo-manifest.parquet")
    pq.write_table(table, part)
    with part.open("rb") as fh:
        job = batch_job_create(
            actor=analyst,
            file_name=part.name,
            chunks=iter(lambda: fh.read(1 << 20), b""),
        )
    part.unlink(missing_ok=True)
    run_ready_tasks()
    job.refresh_from_db()
    return job
