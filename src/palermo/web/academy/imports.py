"""Imports into the academy (``palermo training import``): a scenario set into the scenario
bank, a course package as a course of one agency with its scenarios. Services like those of
``services.py``, for the command line's ``SystemActor`` (named in the audit log): all or
nothing, each row audited in the same transaction. And the trainers' own way to the bank:
``scenarios_generate`` draws scenarios from the synthetic population's ground truth.

A scenario is identified by its id. The same definition again (a curated scenario, or one
imported before) is taken as the one already there; a different scenario under an id already
used is refused, naming it, and nothing is written: scenarios already in courses and exercises
never change under them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.training.curated import curated_scenarios
from palermo.training.generate import generate_scenarios
from palermo.training.package import Imported
from palermo.training.scenario import Scenario
from palermo.web.academy.models import BankScenario, Course
from palermo.web.academy.services import course_create
from palermo.web.accounts.models import Agency, User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.actors import SystemActor
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import ACADEMY_TRAINER_ROLES, require_role

_PURPOSE = "training import"


def _where(source: str, scenario: Scenario) -> str:
    return f"{source} scenario {scenario.id}"


def scenarios_import(
    *,
    actor: User | SystemActor,
    scenarios: Sequence[Scenario],
    source: str,
    request: HttpRequest | None = None,
) -> tuple[list[Scenario], int]:
    """Put ``scenarios`` (checked and rebuilt by ``palermo.training.io``) in the bank; returns
    those added and how many were there already. ``InputError`` naming every id taken by a
    different scenario; then nothing is written."""
    curated = {s.id: s.definition() for s in curated_scenarios()}
    ids = [s.id for s in scenarios]
    banked = dict(
        BankScenario.objects.filter(scenario_id__in=ids).values_list("scenario_id", "definition")
    )
    problems: list[Problem] = []
    new: list[Scenario] = []
    for s in scenarios:
        there = curated.get(s.id, banked.get(s.id))
        if there is None:
            new.append(s)
        elif there != s.definition():
            problems.append(
                problem(
                    where=_where(source, s),
                    field="id",
                    value=s.id,
                    rule=gettext_lazy(
                        "a different scenario with this id is already in the academy; "
                        "give this one another id"
                    ),
                )
            )
    if problems:
        raise InputError(problems)
    now = timezone.now()
    with transaction.atomic():
        for s in new:
            row = BankScenario.objects.create(
                scenario_id=s.id,
                definition=s.definition(),
                title=s.title.en[:300],
                title_zh=s.title.zh[:300],
                source=source[:300],
                imported_at=now,
            )
            audit_record(
                actor=actor if isinstance(actor, User) else None,
                actor_label=actor.label if isinstance(actor, SystemActor) else None,
                action=AuditAction.CREATE,
                obj=row,
                fields=["scenario_id", "definition"],
                purpose=_PURPOSE,
                request=request,
            )
    return new, len(scenarios) - len(new)


MAX_GENERATED = 24


def scenarios_generate(
    *, actor: User, n: int, seed: int, request: HttpRequest | None = None
) -> list[Scenario]:
    """A trainer draws ``n`` scenarios from the synthetic population's ground truth
    (``palermo.training.generate_scenarios``: the traveller record, what an officer observes,
    the person's answers from their true indicators and willingness to disclose) into the bank,
    where they are put in courses and practised on the real pages like the curated ones. The
    same ``(n, seed)`` gives the same scenarios (taken as the ones already there); returns
    them, new or not."""
    require_role(actor, ACADEMY_TRAINER_ROLES, what=gettext_lazy("run training courses"))
    where = gettext_lazy("generated scenarios")
    problems: list[Problem] = []
    if not 1 <= n <= MAX_GENERATED:
        problems.append(
            problem(where=where, field="n", value=n, rule=gettext_lazy("must be from 1 to 24"))
        )
    if not 0 <= seed <= 2**31:
        problems.append(
            problem(where=where, field="seed", value=seed, rule=gettext_lazy("must be 0 or more"))
        )
    if problems:
        raise InputError(problems)
    scenarios = generate_scenarios(n, seed)
    scenarios_import(
        actor=actor,
        scenarios=scenarios,
        source=f"generated (n={n}, seed={seed})",
        request=request,
    )
    return scenarios


def course_import(
    *, actor: SystemActor, agency: Agency, imported: Imported, source: str
) -> tuple[Course, list[Scenario]]:
    """A course package as a course of ``agency`` (its trainers run it), its scenarios put in
    the bank first; one transaction. Refused when the agency has a course of that title."""
    if Course.objects.filter(agency=agency, title=imported.title.en).exists():
        raise InputError(
            [
                problem(
                    where=source,
                    field="title",
                    value=imported.title.en,
                    rule=gettext_lazy("the agency already has a course with this title"),
                )
            ]
        )
    with transaction.atomic():
        added, _known = scenarios_import(actor=actor, scenarios=imported.scenarios, source=source)
        course = course_create(
            actor=actor,
            agency=agency,
            values={
                "title": imported.title.en,
                "title_zh": imported.title.zh,
                "summary": imported.summary.en,
                "summary_zh": imported.summary.zh,
                "modules": list(imported.modules),
                "scenarios": [s.id for s in imported.scenarios],
            },
        )
    return course, added
