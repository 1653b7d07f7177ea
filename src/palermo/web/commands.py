"""What the ``palermo audit|keys|web`` commands need from Django, so the CLI never imports it.

``palermo.cli.web`` declares the commands and imports this module inside their bodies; nothing
outside ``palermo.web`` imports Django (tests/test_architecture.py).
"""

from __future__ import annotations

import os
from typing import Any


def setup_django() -> None:
    """Load the settings (from ``PALERMO_*`` variables) and the apps.

    Raises ``palermo.web.lib.env.ConfigurationError`` naming a malformed setting.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
    import django

    django.setup()


def migrate() -> None:
    """Create or upgrade the database tables."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


def system_check_failures(*, deploy: bool = False) -> str | None:
    """Run the configuration checks (palermo.E001 ...) and Django's own; the report of the
    failures at level ERROR or above, or ``None`` when there is none. ``deploy`` adds the
    deployment checks (Django's ``security.W0xx``, ``palermo.W010``...) and fails on any
    warning."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=deploy, fail_level="WARNING" if deploy else "ERROR")
    except SystemCheckError as exc:
        return str(exc)
    return None


def password_refusal(password: str) -> str | None:
    """Why the configured password validators refuse ``password``, or ``None``."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def academy_simulate(
    *, trainer: str, course: int | str, size: int, exercises: int, seed: int
) -> tuple[str, int]:
    """``palermo training simulate-cohort``: a simulated cohort on one of the trainer's
    courses, through the academy's service (the trainer is the actor)."""
    from django.utils import timezone
    from django.utils.translation import gettext_lazy

    from palermo.errors import InputError
    from palermo.web.academy.models import Course
    from palermo.web.academy.services import cohort_simulate, course_builtin
    from palermo.web.accounts.models import User
    from palermo.web.lib.problems import problem

    user = User.objects.filter(username=trainer, is_active=True).first()
    if user is None:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("the option --trainer"),
                    value=trainer,
                    rule=gettext_lazy("no active user has this name"),
                )
            ]
        )
    if isinstance(course, str) and not course.isdigit():
        found: Course | None = course_builtin(actor=user, key=course)
    else:
        found = Course.objects.filter(pk=int(course), agency_id=user.agency_id).first()
    if found is None:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("the option --course"),
                    value=course,
                    rule=gettext_lazy("no course of the trainer's agency has this number"),
                )
            ]
        )
    cohort = cohort_simulate(
        actor=user,
        course=found,
        size=size,
        exercises=exercises,
        seed=seed,
        starts_on=timezone.localdate(),
    )
    return cohort.name, cohort.enrolments.count()


def stats_export_cases(
    *, username: str, start: object, end: object, agency_code: str | None
) -> object:
    """``palermo stats export-cases``: the reports service as ``username`` (their role and
    agency decide the scope; another agency only for the national body), audited as the page's
    download is. Returns ``reports.services.CaseExportFile``; ``InputError`` naming a bad user,
    agency or period."""
    import datetime as dt

    from django.http import Http404
    from django.utils.functional import Promise
    from django.utils.translation import gettext_lazy

    from palermo.errors import InputError
    from palermo.web.accounts.models import Agency, User
    from palermo.web.lib.problems import problem
    from palermo.web.reports.selectors import report_scope
    from palermo.web.reports.services import case_statistics_export

    assert isinstance(start, dt.date)
    assert isinstance(end, dt.date)

    def refused(field: str, value: object, rule: Promise) -> InputError:
        where = gettext_lazy("case export")
        return InputError([problem(where=where, field=field, value=value, rule=rule)])

    user = User.objects.select_related("agency").filter(username=username, is_active=True).first()
    if user is None:
        raise refused("--as", username, gettext_lazy("no active user of that name"))
    agency_id = None
    if agency_code:
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise refused("--agency", agency_code, gettext_lazy("no agency with that code"))
        agency_id = agency.pk
    if start > end:
        rule = gettext_lazy("The end of the period is before its start.")
        raise refused("--end", end.isoformat(), rule)
    try:
        scope = report_scope(user=user, start=start, end=end, agency_id=agency_id)
    except Http404:
        rule = gettext_lazy("not an agency whose figures you may read")
        raise refused("--agency", agency_code, rule) from None
    return case_statistics_export(actor=user, scope=scope, channel="command line")


def academy_import(
    *, source: str, agency: str | None, course: Any | None, scenarios: Any
) -> tuple[str | None, int, int]:
    """``palermo training import``: a course package (``course``, a
    ``palermo.training.package.Imported``) as a course of the agency with code ``agency``, or a
    scenario set (``scenarios``) into the scenario bank, through the academy's import services
    as the command line. Returns the course's title (or ``None``), the scenarios added and
    those already there."""
    from django.utils.translation import gettext_lazy

    from palermo.errors import InputError
    from palermo.web.academy.imports import course_import, scenarios_import
    from palermo.web.accounts.models import Agency
    from palermo.web.lib.actors import command_line_actor
    from palermo.web.lib.problems import problem

    actor = command_line_actor("palermo training import")
    if course is None:
        added, known = scenarios_import(actor=actor, scenarios=scenarios, source=source)
        return None, len(added), known
    found = Agency.objects.filter(code=agency or "").first()
    if found is None:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("the option --agency"),
                    value=agency,
                    rule=gettext_lazy("name the agency whose trainers get the course, by its code"),
                )
            ]
        )
    made, added = course_import(actor=actor, agency=found, imported=course, source=source)
    return made.title, len(added), len(course.scenarios) - len(added)


def stored_backtest(
    *, username: str, days: int, draft: object, active: object | None
) -> dict[str, object]:
    """``palermo profiles backtest --stored-days``: ``draft`` (a ``ProfileSet``) on the
    screenings stored in the last ``days`` days, in the scope of ``username`` (their role and
    agency, as on the page). Returns figures only - no record leaves. ``InputError`` naming a
    bad user, a role that may not read outcomes, or a period retention does not keep."""
    from django.conf import settings
    from django.utils.functional import Promise
    from django.utils.translation import gettext_lazy

    from palermo.analytics.stored import backtest_stored, stored_backtest_json
    from palermo.errors import InputError
    from palermo.profiles import ProfileSet
    from palermo.web.accounts.models import User
    from palermo.web.lib.errors import NotPermittedError
    from palermo.web.lib.problems import problem
    from palermo.web.outcomes.selectors import stored_window
    from palermo.web.profiles.registry import active_profile_set

    assert isinstance(draft, ProfileSet)

    def refused(
        field: str, value: object, rule: Promise, params: dict[str, object] | None = None
    ) -> InputError:
        where = gettext_lazy("backtest on stored screenings")
        found = problem(where=where, field=field, value=value, rule=rule, params=params)
        return InputError([found])

    user = User.objects.select_related("agency").filter(username=username, is_active=True).first()
    if user is None:
        raise refused("--as", username, gettext_lazy("no active user of that name"))
    limit = int(settings.SCREENING_RETENTION_DAYS)
    if not 1 <= days <= limit:
        span = gettext_lazy("from 1 to the retention period in days (%(days)d)")
        raise refused("--stored-days", days, span, {"days": limit})
    try:
        window = stored_window(user=user, days=days)
    except NotPermittedError:
        role = gettext_lazy("this user's role may not read what profiles yield")
        raise refused("--as", username, role) from None
    if active is None:
        current = active_profile_set()
        ids = {p.id for p in draft.profiles}
        active = ProfileSet.of(
            [p for p in current.profiles if p.id not in ids], list(current.lists.values())
        )
    assert isinstance(active, ProfileSet)
    result = backtest_stored(
        draft, window.screenings, active, min_control=int(settings.BACKTEST_MIN_CONTROL)
    )
    doc = stored_backtest_json(result)
    doc.update({"since": window.since.isoformat(), "until": window.until.isoformat()})
    doc["masked_left_out"] = window.masked
    return doc


def mining_tables(
    *,
    username: str,
    since: object,
    until: object,
    own_cases: bool,
    stored_baseline: bool,
) -> dict[str, object]:
    """``palermo profiles mine --own-cases`` / without ``--baseline``: the identified cases and
    the stored screenings of ``since``-``until`` in the scope of ``username``, as on the mining
    page (their role must mine profiles; the run is audited). Returns ``cases`` and
    ``baseline`` (``pyarrow`` tables, or ``None`` when not asked), ``weights`` of the baseline
    and ``notes`` (what was left out, in both languages). ``InputError`` naming a bad user, a
    refused role or too few stored travellers."""
    import datetime as dt

    from django.conf import settings
    from django.utils.translation import gettext_lazy

    from palermo.errors import InputError
    from palermo.web.accounts.models import User
    from palermo.web.lib.problems import problem
    from palermo.web.lib.roles import PROFILE_ROLES
    from palermo.web.outcomes import selectors
    from palermo.web.outcomes.selectors import Period

    assert isinstance(since, dt.date)
    assert isinstance(until, dt.date)
    where = gettext_lazy("profile mining")
    user = User.objects.select_related("agency").filter(username=username, is_active=True).first()
    if user is None:
        rule = gettext_lazy("no active user of that name")
        raise InputError([problem(where=where, field="--as", value=username, rule=rule)])
    if user.role not in PROFILE_ROLES:
        rule = gettext_lazy("this user's role may not mine profiles")
        raise InputError([problem(where=where, field="--as", value=username, rule=rule)])
    period = Period(since, until)
    out: dict[str, object] = {"cases": None, "baseline": None, "weights": None, "notes": []}
    notes: list[str] = []
    if own_cases:
        own = selectors.mining_own_cases(user=user, period=period)
        out["cases"] = own.records
        notes.append(
            f"{own.cases} identified case(s); left out: {own.without_record} without a screened "
            f"traveller, {own.masked} masked by retention / 已识别个案 {own.cases} 个；未纳入："
            f"{own.without_record} 个无筛查记录，{own.masked} 个已因保留期限被遮蔽"
        )
    if stored_baseline:
        stored = selectors.mining_baseline(user=user, period=period)
        if not stored.enough:
            rule = gettext_lazy(
                "too few stored travellers: the control sample holds %(n)d, a baseline needs "
                "%(floor)d; choose a longer period or a population file (--baseline)"
            )
            params = {
                "n": len(stored.window.screenings.control),
                "floor": int(settings.BACKTEST_MIN_CONTROL),
            }
            raise InputError([problem(where=where, field="--since", rule=rule, params=params)])
        out["baseline"], out["weights"] = stored.records, stored.weights
        notes.append(
            f"stored screenings {stored.window.since} - {stored.window.until}: "
            f"{stored.window.screenings.screened} screened, {stored.records.num_rows} stored / "
            f"已存筛查：受筛查 {stored.window.screenings.screened} 名，已存 "
            f"{stored.records.num_rows} 名"
        )
    selectors.mining_audit(user=user, source="own" if own_cases else "file")
    out["notes"] = notes
    return out
