"""The training sandbox never touches live work (issue 12 item 3).

Every selector module of the web application and every export is enumerated by introspection:
each function is called as every live role with the training agency's rows for its arguments,
and what it returns is searched for a training row. A new selector whose arguments this test
cannot make fails it until it says how (``VALUES``), so nothing slips past unseen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page
from django.db.models import Model, QuerySet
from django.http import Http404
from django.test import override_settings
from django.utils import timezone
from flow_fixtures import FLAGGED_RECORD, activate_example
from watchlist_fixtures import LISTED, active_watchlist

import palermo.web
from palermo.errors import PalermoError
from palermo.synth import generate
from palermo.web.academy.models import Exercise
from palermo.web.accounts.models import Agency, User
from palermo.web.agreements.services import agreement_create
from palermo.web.audit.models import AuditEntry
from palermo.web.audit.selectors import AuditFilters
from palermo.web.cases.models import CONSENT_CHECKLIST, Case
from palermo.web.cases.selectors import CaseSearch
from palermo.web.cases.services import case_open, case_share, consent_record
from palermo.web.directory.models import ServiceProvider
from palermo.web.exports.services import case_file_export
from palermo.web.interviews.models import Interview, InterviewKind
from palermo.web.interviews.services import interview_start
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.lib.training import refuse_if_training
from palermo.web.nrm.services import identification_refer
from palermo.web.outcomes.selectors import Period
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import profile_upload
from palermo.web.screening.models import BatchJob, Hit, Traveller
from palermo.web.screening.selectors import HitFilters
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase, make_user

pytestmark = pytest.mark.web

TRAINEE_RECORD = {
    **FLAGGED_RECORD,
    "record_id": "training-scenario-7",
    "surname": "SCENARIOPERSON",
    "given_names": "XIAOLAN",
}

FLAGGED_RECORD_OBSERVED = {
    "obs_document_held_by_other": True,
    "obs_companion_answers": True,
}

# Helpers that read a row already obtained through a selector (never a row by id or a list):
# they have nothing to scope, and say so here.
NOT_READS = {
    "palermo.web.screening.selectors.traveller_record": "decodes a traveller already read",
    "palermo.web.screening.selectors.version_labels": "labels hits already read",
    "palermo.web.cases.selectors.may_read_personal_data": "a yes/no on a case already read",
    "palermo.web.exports.selectors.may_export_personal_data": "a yes/no on a case already read",
    "palermo.web.notifications.selectors.notification_text": "words of a notification read",
    "palermo.web.notifications.selectors.notification_label": "words of a notification read",
    "palermo.web.reports.selectors.summarise_waits": "arithmetic on figures already read",
    "palermo.web.cases.selectors.is_reference": "whether a text looks like a case reference",
    "palermo.web.referrals.selectors.sharing_holds": "a yes/no on a referral already read",
    "palermo.web.outcomes.selectors.review_for_holders": (
        "a live profile version's figures as its holding agency sees them (the scheduled review "
        "notice, no user): profile versions are never written in training"
    ),
}


def _modules() -> Iterator[Any]:
    """Every ``palermo.web.<app>.selectors`` module, and the exports' services."""
    for info in pkgutil.iter_modules(palermo.web.__path__):
        try:
            yield importlib.import_module(f"palermo.web.{info.name}.selectors")
        except ModuleNotFoundError:
            continue
    yield importlib.import_module("palermo.web.exports.services")


def _reads(module: Any) -> Iterator[tuple[str, Callable[..., Any]]]:
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ != module.__name__ or name.startswith("_"):
            continue
        if module.__name__.endswith(".services") and not name.endswith("_export"):
            continue
        qualified = f"{module.__name__}.{name}"
        if qualified not in NOT_READS:
            yield qualified, function


class TrainingSandboxTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.academy = Agency.objects.create(
            name="Border academy (training)",
            kind=AgencyKind.BORDER_POST,
            code="academy",
            is_training=True,
        )
        cls.training_shelter = Agency.objects.create(
            name="Practice shelter (training)",
            kind=AgencyKind.NGO,
            code="practice-shelter",
            is_training=True,
        )
        cls.training_authority = Agency.objects.create(
            name="Practice anti-trafficking office (training)",
            kind=AgencyKind.ANTI_TRAFFICKING,
            code="practice-atu",
            is_training=True,
        )
        cls.live_authority = Agency.objects.create(
            name="Anti-trafficking office", kind=AgencyKind.ANTI_TRAFFICKING, code="atu"
        )
        cls.trainees = {
            role: make_user(f"trainee-{role.value}", agency=cls.academy, role=role) for role in Role
        }

    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        self.watchlist = active_watchlist(self)
        # live work at agency A
        live_traveller, _hits = desk_screen(actor=self.officer, record=FLAGGED_RECORD)
        assert live_traveller is not None
        self.live_case = self.open_case()
        # the same steps in the training agency, through the same services
        trainee = self.trainees
        traveller, hits = desk_screen(actor=trainee[Role.FIRST_LINE_OFFICER], record=TRAINEE_RECORD)
        assert traveller is not None
        assert hits
        self.traveller = traveller
        self.interview = interview_start(
            actor=trainee[Role.SECOND_LINE_INTERVIEWER],
            instrument_id="second-line-adult",
            hit=traveller.hits.first(),
        )
        self.case = case_open(
            actor=trainee[Role.SECOND_LINE_INTERVIEWER],
            full_name="Scenario Person Xiaolan",
            outcome="presumed",
            note="Scenario 7: documents held by the recruiter.",
            interview_ref=self.interview.reference,
        )
        self.consent = consent_record(
            actor=trainee[Role.SECOND_LINE_INTERVIEWER],
            case=self.case,
            purpose="assistance",
            checklist={key: True for key, _label in CONSENT_CHECKLIST},
        )
        consent_record(
            actor=trainee[Role.SECOND_LINE_INTERVIEWER],
            case=self.case,
            purpose="sharing",
            recipient=self.training_authority,
            checklist={key: True for key, _label in CONSENT_CHECKLIST},
        )
        self.identification = identification_refer(
            actor=trainee[Role.SECOND_LINE_INTERVIEWER],
            case=self.case,
            competent_authority=self.training_authority,
            summary="Scenario 7: documents held, debt.",
        )
        # a practice exercise of a trainee of the academy, in a cohort of agency A's trainer
        from academy_fixtures import a_cohort

        from palermo.web.academy.services import enrolment_create, exercise_start

        cohort = a_cohort(self)
        practising = trainee[Role.CONSULAR_OFFICER]
        enrolment = enrolment_create(
            actor=self.user_with_role(Role.TRAINER), cohort=cohort, username=practising.username
        )
        self.exercise = exercise_start(
            actor=practising, enrolment=enrolment, scenario_id="lab-construction-passports"
        )
        desk_screen(
            actor=practising, record={**TRAINEE_RECORD, "record_id": self.exercise.record_id}
        )
        self.markers = {
            self.exercise.record_id,
            self.case.reference,
            self.case.person.pseudonym,
            self.interview.reference,
            "SCENARIOPERSON",
            "Scenario Person Xiaolan",
            "training-scenario-7",
        }

    # --- what a training row is -------------------------------------------------------

    def training_row(self, row: Model) -> bool:
        if isinstance(row, (User, Agency)):
            return False  # accounts are administered, not practice records
        if isinstance(row, AuditEntry):
            return (
                bool(row.actor_id)
                and User.objects.filter(pk=row.actor_id, agency__is_training=True).exists()
            )
        if isinstance(row, Exercise):
            return bool(row.enrolment.trainee and row.enrolment.trainee.agency.is_training)
        agency_id = getattr(row, "agency_id", None)
        if agency_id is not None:
            return bool(Agency.objects.filter(pk=agency_id, is_training=True).exists())
        for parent in ("case", "hit", "traveller", "interview"):
            if getattr(row, f"{parent}_id", None) is not None:
                return self.training_row(getattr(row, parent))
        return False

    def leaks(self, value: Any, seen: int = 0) -> list[str]:
        """The training rows and training words found anywhere in ``value``."""
        if seen > 6:
            return []
        found: list[str] = []
        if isinstance(value, Model):
            if self.training_row(value):
                found.append(f"{type(value).__name__} {value.pk}")
            return found
        if isinstance(value, str):
            return [m for m in self.markers if m in value]
        if isinstance(value, bytes):
            return self.leaks(value.decode("utf-8", "replace"), seen + 1)
        if isinstance(value, QuerySet):
            value = list(value)
        if isinstance(value, Page):
            value = list(value.object_list)
        if isinstance(value, dict):
            if value.get("traveller_id") == self.traveller.pk:
                found.append(f"traveller {self.traveller.pk}")
            value = list(value.values())
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = [getattr(value, f.name) for f in dataclasses.fields(value)]
            # an export's rows are a generator of text: read it
        if isinstance(value, Iterator):
            value = list(value)
        if isinstance(value, (list, tuple, set)):
            for item in value:
                found.extend(self.leaks(item, seen + 1))
        return found

    # --- the arguments a read is called with ------------------------------------------

    def values(self, parameter: str) -> list[Any]:
        """Every value tried for ``parameter``: the training agency's rows, and plain values."""
        training_pks = sorted(
            {
                self.case.pk,
                self.consent.pk,
                self.traveller.pk,
                self.interview.pk,
                self.identification.pk,
                *Hit.objects.filter(agency=self.academy).values_list("pk", flat=True),
            }
        )
        live_version = ProfileVersion.objects.filter(status="active").first()
        table: dict[str, list[Any]] = {
            "pk": training_pks,
            "case": [self.case],
            # the consular side of a case is read by the case's id
            "case_pk": [self.case.pk],
            # a consular case's own reads (assistance log, risk, return plan) start from
            # consular_case_get, which is called above with the training case's id
            "consular_case": [],
            "traveller": [self.traveller],
            "hits": [list(Hit.objects.filter(agency=self.academy))],
            "traveller_ids": [[self.traveller.pk]],
            "reference": [self.interview.reference],
            "identification": [self.identification],
            # the directory's answer times: every entry; only the reader's world's referrals count
            "providers": [list(ServiceProvider.objects.all())],
            # no referral crosses the wall (referral_send refuses: see
            # test_a_training_case_is_never_referred_to_a_live_agency), so none is handed here
            "referral": [],
            # the academy's cohorts are courses' groups of trainees, scoped by the trainer's
            # agency (tests/web/test_academy*.py); no cohort holds practice records
            "cohort": [],
            # a trainee's practice exercise and its scenario traveller's record id
            "exercise": [self.exercise],
            # a training agency's account, for the administrators' reads of one account
            "account": [self.trainees[Role.CONSULAR_OFFICER]],
            "record_id": [self.exercise.record_id],
            # a window of stored screenings (outcomes.stored_between)
            "since": [timezone.localdate() - dt.timedelta(days=30)],
            "until": [timezone.localdate()],
            # what a mining run read (outcomes.mining_audit: an audit entry, no rows)
            "source": ["own_cases"],
            # an uploaded population file (a backtest reads the version by its id, the
            # travellers from the file, never from stored rows)
            "population": [generate(200, seed=3)[0]],
            "direction": [""],
            "period": [
                Period(
                    since=timezone.localdate() - dt.timedelta(days=30), until=timezone.localdate()
                )
            ],
            "rule_id": ["documents-held-and-companion-answers"],
            "days": [30],
            "start": [timezone.localdate() - dt.timedelta(days=30)],
            "end": [timezone.localdate() + dt.timedelta(days=1)],
            "kind": list(InterviewKind),
            "filters:HitFilters": [HitFilters()],
            "filters:AuditFilters": [AuditFilters()],
            "purpose": ["sandbox test"],
            "language": ["en", "zh-hans"],
            "personal": [True],
            "include_personal": [True],
            "version:V": [live_version],
            "version:WatchlistVersion": [self.watchlist],
            "old": [live_version],
            "new": [live_version],
            # a page of the case list: the whole list, the training case's reference
            "search": [CaseSearch(), CaseSearch(query=self.case.reference)],
            "number": [1],
        }
        if parameter not in table:
            raise AssertionError(
                f"no value for parameter {parameter!r}: say in VALUES what a training row "
                "for it is, so the new read is checked"
            )
        return table[parameter]

    def calls(self, function: Callable[..., Any]) -> Iterator[dict[str, Any]]:
        """Keyword arguments for ``function``: every combination of the values tried."""
        combos: list[dict[str, Any]] = [{}]
        for name, parameter in inspect.signature(function).parameters.items():
            if name in ("user", "actor", "request"):
                continue
            if parameter.default is not inspect.Parameter.empty and name not in (
                "include_personal",
            ):
                continue
            typed = name in ("filters", "version")
            key = f"{name}:{parameter.annotation}" if typed else name
            combos = [{**c, name: v} for c in combos for v in self.values(key)]
        yield from combos

    def test_no_live_selector_or_export_returns_a_training_row_to_any_live_role(self) -> None:
        live_users = [self.user_with_role(role) for role in Role]
        checked: list[str] = []
        for module in _modules():
            for qualified, function in _reads(module):
                if "scope" in inspect.signature(function).parameters:
                    continue  # statistics: test_no_live_statistic_counts_a_training_row
                user_parameter = (
                    "actor" if "actor" in inspect.signature(function).parameters else "user"
                )
                for kwargs in self.calls(function):
                    for user in live_users:
                        try:
                            result = function(**{user_parameter: user}, **kwargs)
                        except (Http404, ObjectDoesNotExist, PalermoError):
                            continue
                        leaked = self.leaks(result)
                        assert not leaked, f"{qualified} gave {user.role} training rows: {leaked}"
                checked.append(qualified)
        # the enumeration found the reads it must (a rename or a move cannot empty it)
        for expected in (
            "palermo.web.cases.selectors.case_list",
            "palermo.web.screening.selectors.hit_list",
            "palermo.web.interviews.selectors.interview_list",
            "palermo.web.audit.selectors.audit_search",
            "palermo.web.exports.services.hit_queue_export",
            "palermo.web.exports.services.audit_log_export",
            "palermo.web.exports.services.case_file_export",
        ):
            assert expected in checked
        assert len(checked) >= 45

    @override_settings(NATIONAL_AGENCY="northgate")
    def test_no_live_statistic_counts_a_training_row(self) -> None:
        """Every report figure over "every agency" (the national body's) equals the same figure
        over the live agencies named one by one; once the academy stops being a training
        agency, its rows count (so the figures do cover them). The same for the profiles'
        outcomes seen by the national body."""
        from palermo.analytics.action_plan import MEASURES
        from palermo.web.reports import selectors as reports

        national = self.user_with_role(Role.SUPERVISOR)
        today = timezone.localdate()
        scope = reports.report_scope(
            user=national, start=today - dt.timedelta(days=30), end=today + dt.timedelta(days=1)
        )
        assert scope.agency_ids is None
        assert self.academy not in reports.report_agencies(user=national)
        with pytest.raises(Http404):
            reports.report_scope(user=national, start=today, end=today, agency_id=self.academy.pk)
        live = dataclasses.replace(
            scope,
            agency_ids=tuple(Agency.objects.filter(is_training=False).values_list("pk", flat=True)),
        )
        extra: dict[str, list[Any]] = {
            "field": ["port", "title_en", "status"],
            "now": [timezone.now()],
            "hours": [24],
            "measure": sorted(MEASURES),
            "param": [7],
            "min_percent": [None, 50],
        }
        figures = [
            (name, function)
            for name, function in inspect.getmembers(reports, inspect.isfunction)
            if function.__module__ == reports.__name__
            and not name.startswith("_")
            and "scope" in inspect.signature(function).parameters
        ]
        assert len(figures) >= 10

        def combos(function: Callable[..., Any]) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = [{}]
            for name in inspect.signature(function).parameters:
                if name != "scope":
                    found = [{**c, name: v} for c in found for v in extra[name]]
            return found

        from palermo.web.outcomes import selectors as outcomes

        period = outcomes.Period(since=today - dt.timedelta(days=30), until=today)
        analyst = self.user_with_role(Role.RISK_ANALYST)
        outcome_figures = {
            "rule_outcomes": lambda: outcomes.rule_outcomes(user=analyst, period=period),
            "control_estimate": lambda: outcomes.control_estimate(user=analyst, period=period),
            "disparity": lambda: outcomes.disparity(user=analyst, period=period),
        }
        outcomes_before = {name: figure() for name, figure in outcome_figures.items()}
        before = {}
        for name, function in figures:
            for kwargs in combos(function):
                key = (name, repr(sorted(kwargs.items())))
                before[key] = function(scope=scope, **kwargs)
                assert before[key] == function(scope=live, **kwargs), key
        Agency.objects.filter(is_training=True).update(is_training=False)
        moved = [
            key
            for (name, function) in figures
            for kwargs in combos(function)
            if (key := (name, repr(sorted(kwargs.items()))))
            and function(scope=scope, **kwargs) != before[key]
        ]
        assert any(name == "cases_by_stage" for name, _k in moved)
        assert any(name == "hits_by" for name, _k in moved)
        # the profiles' outcomes: the trainee's hit left them unchanged, and counts once live
        assert outcome_figures["rule_outcomes"]() != outcomes_before["rule_outcomes"]

    def test_the_check_itself_sees_a_training_row_handed_to_it(self) -> None:
        # the same search finds training rows where they are: it cannot pass by looking away
        trainee = self.trainees[Role.SECOND_LINE_INTERVIEWER]
        from palermo.web.cases.selectors import case_list
        from palermo.web.screening.selectors import hit_list

        assert self.leaks(case_list(user=trainee))
        assert self.leaks(
            hit_list(user=self.trainees[Role.FIRST_LINE_OFFICER], filters=HitFilters())
        )
        assert self.leaks([Interview.objects.get(pk=self.interview.pk)])
        assert self.leaks({"traveller_id": self.traveller.pk})

    def test_trainees_see_their_own_sandbox_and_nothing_live(self) -> None:
        from palermo.web.audit.selectors import audit_search
        from palermo.web.cases.selectors import case_list

        trainee = self.trainees[Role.SECOND_LINE_INTERVIEWER]
        assert list(case_list(user=trainee)) == [self.case]
        auditor = self.trainees[Role.AUDITOR]
        entries = list(audit_search(user=auditor, filters=AuditFilters()))
        assert entries
        assert {e.actor.agency_id for e in entries} == {self.academy.pk}
        live = list(audit_search(user=self.user_with_role(Role.AUDITOR), filters=AuditFilters()))
        assert live
        assert self.academy.pk not in {e.actor.agency_id for e in live if e.actor_id}

    def test_a_training_case_cannot_be_shared_or_sent_to_a_live_agency(self) -> None:
        trainee = self.trainees[Role.SECOND_LINE_INTERVIEWER]
        with pytest.raises(NotPermittedError, match="training case"):
            case_share(
                actor=trainee,
                case=self.case,
                recipient=self.agency_b,
                purpose="assistance",
                transfer_purpose="assistance",
            )
        with pytest.raises(NotPermittedError, match="training case"):
            case_file_export(
                actor=self.trainees[Role.CASE_WORKER],
                case=self.case,
                purpose="referral",
                recipient=self.agency_b,
                transfer_purpose="assistance",
            )
        assert not self.case.shares.exists()

    def test_a_training_case_is_never_submitted_to_a_live_competent_authority(self) -> None:
        trainee = self.trainees[Role.SECOND_LINE_INTERVIEWER]
        other = case_open(actor=trainee, full_name="Scenario Person 8", outcome="possible")
        consent_record(
            actor=trainee,
            case=other,
            purpose="sharing",
            recipient=self.live_authority,
            checklist={key: True for key, _label in CONSENT_CHECKLIST},
        )
        with pytest.raises(NotPermittedError, match="training case"):
            identification_refer(
                actor=trainee, case=other, competent_authority=self.live_authority, summary="x"
            )
        # within the sandbox the practice authority decides
        assert self.identification.competent_authority_id == self.training_authority.pk

    def test_a_training_case_is_never_referred_to_a_live_agency(self) -> None:
        from palermo.web.referrals.models import Referral
        from palermo.web.referrals.services import referral_send

        with pytest.raises(NotPermittedError, match="training case"):
            referral_send(
                actor=self.trainees[Role.SECOND_LINE_INTERVIEWER],
                case=self.case,
                recipient=self.agency_b,
                service="shelter",
            )
        with pytest.raises(NotPermittedError, match="never live ones"):
            referral_send(
                actor=self.user_with_role(Role.SECOND_LINE_INTERVIEWER),
                case=self.live_case,
                recipient=self.training_shelter,
                service="shelter",
            )
        assert not Referral.objects.exists()

    def test_a_live_case_never_reaches_a_training_agency(self) -> None:
        with pytest.raises(NotPermittedError, match="never live ones"):
            refuse_if_training(self.live_case, self.training_shelter)
        with pytest.raises(NotPermittedError):
            case_share(
                actor=self.supervisor,
                case=self.live_case,
                recipient=self.academy,
                purpose="practice",
                transfer_purpose="assistance",
                legal_basis="none",
                override_reason="none",
            )

    def test_training_agencies_share_among_themselves_only(self) -> None:
        refuse_if_training(self.case, self.training_shelter)  # training to training: allowed
        with pytest.raises(NotPermittedError, match="only with training agencies"):
            agreement_create(
                actor=self.user_with_role(Role.ADMINISTRATOR),
                reference="DSA-T-1",
                title="Practice",
                document_id="doc",
                parties=[self.academy, self.agency_b],
                purposes=["assistance"],
                valid_from=self.case.opened_at.date(),
                valid_to=self.case.opened_at.date(),
                signed_by="x",
                signed_on=self.case.opened_at.date(),
            )

    def test_a_scenario_traveller_is_never_matched_against_live_watchlists(self) -> None:
        _live, live_hits = desk_screen(actor=self.officer, record=LISTED)
        assert any(h.source == "watchlist" for h in live_hits)  # the list does match
        scenario = {**LISTED, "record_id": "training-listed", **FLAGGED_RECORD_OBSERVED}
        _traveller, hits = desk_screen(
            actor=self.trainees[Role.FIRST_LINE_OFFICER], record=scenario
        )
        assert hits  # the profiles still screen it
        assert all(h.source != "watchlist" for h in hits)
        assert not Hit.objects.filter(agency=self.academy, source="watchlist").exists()

    def test_a_trainee_cannot_write_a_profile_that_would_screen_live_travellers(self) -> None:
        from flow_fixtures import example_text

        with pytest.raises(NotPermittedError, match="training sandbox"):
            profile_upload(
                actor=self.trainees[Role.RISK_ANALYST],
                source_name="visible-injuries.yaml",
                text=example_text("visible-injuries"),
            )
        assert not ProfileVersion.objects.filter(agency=self.academy).exists()

    def test_a_training_case_file_says_it_is_training(self) -> None:
        import json

        exported = case_file_export(
            actor=self.trainees[Role.CASE_WORKER], case=self.case, purpose="practice"
        )
        assert json.loads(exported.content)["export"]["training"] is True
        live = case_file_export(actor=self.caseworker, case=self.live_case, purpose="review")
        assert json.loads(live.content)["export"]["training"] is False

    def test_every_page_in_training_carries_the_banner_in_both_languages(self) -> None:
        trainee = self.trainees[Role.CASE_WORKER]
        from django.urls import reverse

        for url in (
            reverse("home"),
            reverse("cases:list"),
            reverse("cases:detail", args=[self.case.pk]),
        ):
            page = self.get_as(trainee, url)
            assert page.status_code == 200
            assert "training-banner" in page.content.decode()
            assert "<title>Training" in page.content.decode()
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("cases:list"))
        assert "培训沙盒" in page.content.decode()
        live_page = self.get_as(self.caseworker, reverse("cases:list"))
        assert "training-banner" not in live_page.content.decode()

    def test_a_live_share_form_offers_no_training_agency(self) -> None:
        from django.urls import reverse

        page = self.get_as(self.caseworker, reverse("cases:detail", args=[self.live_case.pk]))
        assert self.agency_b.name in page.content.decode()
        assert self.academy.name not in page.content.decode()
        page = self.get_as(
            self.trainees[Role.CASE_WORKER], reverse("cases:detail", args=[self.case.pk])
        )
        assert self.training_shelter.name in page.content.decode()
        assert self.agency_b.name not in page.content.decode()

    def test_an_exercise_reads_only_its_trainees_sandbox(self) -> None:
        from palermo.web.academy.selectors import exercise_answer, exercise_for_record

        practising = self.trainees[Role.CONSULAR_OFFICER]
        before = exercise_answer(user=practising, exercise=self.exercise)
        assert before.disposition is None  # screened, nothing disposed of yet
        # a live officer screens a traveller under the same record id: the exercise never
        # sees it, and no live user reaches the exercise or the scenario person's replies
        live, _hits = desk_screen(
            actor=self.officer, record={**FLAGGED_RECORD, "record_id": self.exercise.record_id}
        )
        assert live is not None
        from palermo.records.schema import INPUT_FIELDS
        from palermo.web.screening.models import DispositionKind
        from palermo.web.screening.services import hit_dispose

        hit_dispose(
            actor=self.officer,
            hit=live.hits.first(),
            kind=DispositionKind.REFERRED,
            reason="Documents held by the companion.",
            observed=[INPUT_FIELDS["obs_document_held_by_other"].observation or ""],
        )
        assert exercise_answer(user=practising, exercise=self.exercise) == before
        for role in Role:
            user = self.user_with_role(role)
            assert exercise_for_record(user=user, record_id=self.exercise.record_id) is None
            with pytest.raises(Http404):
                exercise_answer(user=user, exercise=self.exercise)


def test_the_enumeration_finds_every_selector_module() -> None:
    names = {m.__name__ for m in _modules()}
    assert "palermo.web.cases.selectors" in names
    assert "palermo.web.screening.selectors" in names
    assert "palermo.web.exports.services" in names
    assert len(names) >= 9


def test_batch_jobs_and_cases_are_kinds_the_check_knows() -> None:
    # the models whose rows are practice records all carry their agency
    for model in (Case, Traveller, Hit, Interview, BatchJob):
        assert "agency" in {f.name for f in model._meta.get_fields()}
