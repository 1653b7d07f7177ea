"""Consular assistance: a national abroad from the first contact to return, hand-over to the
home province and follow-up after return; the visa file a screened visa application links."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from admin_fixtures import agreement_between
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from flow_fixtures import FLAGGED_RECORD, TODAY, activate_example
from referral_fixtures import CHECKLIST

from palermo.errors import InputError
from palermo.web.accounts.models import Agency
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import Case
from palermo.web.cases.services import consent_record
from palermo.web.consular.models import ConsularCase, FollowUp, ReturnStage, TravelDocument
from palermo.web.consular.services import (
    add_months,
    assistance_record,
    consular_case_open,
    follow_ups_notify,
    return_plan_create,
    return_risk_assess,
    return_risk_override,
    return_stage_record,
    travel_document_issue,
)
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.errors import ConsentRequiredError, NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.notifications.models import Notification
from palermo.web.referrals.models import Referral
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase, make_user

DOCUMENT = "ETD-PK-7731904"
# a tourist visa applied for with a job arranged by a recruitment agency
VISA_APPLICATION: dict[str, Any] = {
    "record_id": "V-2026-004211",
    "event_kind": "visa_application",
    "port": "Consulate General in Milan",
    "event_date": TODAY,
    "surname": "LIN",
    "given_names": "XIAOHONG",
    "visa_type": "tourist",
    "offered_job_sector": "hospitality",
    "sponsor_kind": "recruitment_agency",
}


class ConsularTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.consulate = Agency.objects.create(
            name="Consulate General in Milan", kind=AgencyKind.CONSULATE, code="milan"
        )
        cls.home = Agency.objects.create(
            name="Fujian provincial women's federation", kind=AgencyKind.NGO, code="fujian"
        )
        cls.consul = make_user("mei", agency=cls.consulate, role=Role.CONSULAR_OFFICER)
        cls.head = make_user("zhou", agency=cls.consulate, role=Role.SUPERVISOR)

    def open(self, **overrides: Any) -> ConsularCase:
        values: dict[str, Any] = {
            "actor": self.consul,
            "full_name": "Lin Xiaohong",
            "origin": "foreign_authority",
            "referred_by": "Carabinieri, Milan anti-trafficking unit",
            "country": "Italy",
            "home_province": "Fujian",
            "document_number": "E99887766",
            **overrides,
        }
        return consular_case_open(**values)

    def ready_to_return(self, consular_case: ConsularCase, *, risk: str = "low") -> None:
        assistance_record(
            actor=self.consul,
            consular_case=consular_case,
            kind="contact",
            on=timezone.localdate(),
            note="Met at the police station with an interpreter.",
        )
        return_risk_assess(
            actor=self.consul,
            consular_case=consular_case,
            safety=risk,
            family="low",
            retrafficking="low",
            notes="Recruiter is in custody in Italy; family not involved.",
        )

    def ready_to_hand_over(self, consular_case: ConsularCase) -> None:
        """The person's consents for the home province's agency, and an agreement with it."""
        agreement_between(
            self, self.consulate, self.home, purposes=("return",), reference="DSA-2026-RETURN"
        )
        for purpose, recipient in (("sharing", self.home), ("assistance", None)):
            consent_record(
                actor=self.consul,
                case=consular_case.case,
                purpose=purpose,
                recipient=recipient,
                checklist=CHECKLIST,
            )

    def stage(self, consular_case: ConsularCase, stage: str, at: dt.datetime, **kw: Any) -> Any:
        return return_stage_record(
            actor=self.consul, consular_case=consular_case, stage=stage, at=at, **kw
        )


class TestOpening(ConsularTestCase):
    def test_a_consul_opens_a_case_for_a_national_identified_by_a_foreign_authority(self) -> None:
        consular_case = self.open()
        case = Case.objects.get(pk=consular_case.case_id)
        assert case.agency_id == self.consulate.pk
        assert case.person.full_name == "Lin Xiaohong"
        assert consular_case.origin == "foreign_authority"
        assert AuditEntry.objects.filter(purpose="consular case opened").count() == 1

    def test_a_foreign_authority_or_organisation_must_be_named(self) -> None:
        with pytest.raises(InputError) as caught:
            self.open(referred_by=" ")
        assert [p.field for p in caught.value.problems] == ["referred_by"]
        assert not Case.objects.exists()
        self.open(origin="self_presenting", referred_by="")

    def test_only_a_consular_officer_opens_one(self) -> None:
        with pytest.raises(NotPermittedError):
            self.open(actor=self.caseworker)

    def test_the_open_page_refuses_a_missing_home_province_beside_the_field(self) -> None:
        self.login(self.consul)
        response = self.client.post(
            reverse("consular:open"),
            {
                "origin": "self_presenting",
                "full_name": "Lin Xiaohong",
                "country": "Italy",
                "home_province": "",
                "outcome": "possible",
            },
        )
        assert response.status_code == 422
        assert 'id="id_home_province-error"' in response.content.decode()
        assert not ConsularCase.objects.exists()

    def test_the_open_page_opens_the_case_and_says_what_comes_next(self) -> None:
        self.login(self.consul)
        response = self.client.post(
            reverse("consular:open"),
            {
                "origin": "ngo",
                "referred_by": "On the Road association",
                "full_name": "Lin Xiaohong",
                "country": "Italy",
                "home_province": "Fujian",
                "outcome": "presumed",
            },
            follow=True,
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Record the first contact in the assistance log." in page
        assert "Referred by a non-governmental organisation" in page


class TestAssistanceAndDocuments(ConsularTestCase):
    def test_the_assistance_log_keeps_dated_entries_each_audited(self) -> None:
        consular_case = self.open()
        day = timezone.localdate() - dt.timedelta(days=2)
        for kind in ("contact", "interpretation", "legal_aid", "need_met"):
            assistance_record(
                actor=self.consul, consular_case=consular_case, kind=kind, on=day, note="done"
            )
        assert [e.kind for e in consular_case.assistance.all()] == [
            "contact",
            "interpretation",
            "legal_aid",
            "need_met",
        ]
        assert AuditEntry.objects.filter(purpose="consular assistance").count() == 4

    def test_an_entry_dated_in_the_future_is_refused(self) -> None:
        consular_case = self.open()
        with pytest.raises(InputError) as caught:
            assistance_record(
                actor=self.consul,
                consular_case=consular_case,
                kind="contact",
                on=timezone.localdate() + dt.timedelta(days=1),
                note="planned",
            )
        assert [p.field for p in caught.value.problems] == ["on"]

    def test_the_travel_document_number_is_stored_encrypted(self) -> None:
        consular_case = self.open()
        travel_document_issue(
            actor=self.consul,
            consular_case=consular_case,
            number=DOCUMENT,
            issued_on=timezone.localdate(),
            valid_until=timezone.localdate() + dt.timedelta(days=30),
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT number FROM consular_traveldocument")
            (stored,) = cursor.fetchone()
        assert DOCUMENT not in stored
        assert TravelDocument.objects.get().number == DOCUMENT

    def test_a_supervisor_oversees_the_case_without_the_document_number_or_notes(self) -> None:
        consular_case = self.open()
        travel_document_issue(
            actor=self.consul,
            consular_case=consular_case,
            number=DOCUMENT,
            issued_on=timezone.localdate(),
            valid_until=timezone.localdate() + dt.timedelta(days=30),
        )
        url = reverse("consular:detail", args=[consular_case.case_id])
        assert DOCUMENT in self.get_as(self.consul, url).content.decode()
        page = self.get_as(self.head, url).content.decode()
        assert DOCUMENT not in page
        assert "number hidden" in page

    def test_another_consulate_cannot_open_the_case_by_guessing_its_id(self) -> None:
        consular_case = self.open()
        rome = Agency.objects.create(name="Embassy in Rome", kind=AgencyKind.CONSULATE, code="rome")
        other = make_user("ren", agency=rome, role=Role.CONSULAR_OFFICER)
        url = reverse("consular:detail", args=[consular_case.case_id])
        assert self.get_as(other, url).status_code == 404
        with pytest.raises(NotPermittedError):
            assistance_record(
                actor=other,
                consular_case=consular_case,
                kind="contact",
                on=timezone.localdate(),
                note="x",
            )


class TestReturnRisk(ConsularTestCase):
    def test_the_outcome_is_the_highest_of_the_three_answers(self) -> None:
        consular_case = self.open()
        assessment = return_risk_assess(
            actor=self.consul,
            consular_case=consular_case,
            safety="low",
            family="medium",
            retrafficking="low",
            notes="Family owes the recruiter money.",
        )
        assert assessment.outcome == "medium"

    def test_a_high_risk_blocks_the_return_plan(self) -> None:
        consular_case = self.open()
        self.ready_to_return(consular_case, risk="high")
        with pytest.raises(TransitionRefusedError):
            return_plan_create(actor=self.consul, consular_case=consular_case)

    def test_a_supervisors_reason_lets_a_high_risk_return_go_ahead(self) -> None:
        consular_case = self.open()
        self.ready_to_return(consular_case, risk="high")
        assessment = consular_case.risk_assessments.get()
        with pytest.raises(NotPermittedError):
            return_risk_override(actor=self.consul, assessment=assessment, reason="She insists.")
        with pytest.raises(InputError):
            return_risk_override(actor=self.head, assessment=assessment, reason="ok")
        return_risk_override(
            actor=self.head,
            assessment=assessment,
            reason="She wishes to return; police escort and shelter arranged in Fuzhou.",
        )
        plan = return_plan_create(actor=self.consul, consular_case=consular_case)
        assert plan.assessment == assessment
        assert AuditEntry.objects.filter(purpose="high-risk return allowed").count() == 1

    def test_no_plan_without_an_assessment(self) -> None:
        consular_case = self.open()
        with pytest.raises(TransitionRefusedError):
            return_plan_create(actor=self.consul, consular_case=consular_case)

    def test_a_new_high_assessment_stops_a_return_not_yet_departed(self) -> None:
        consular_case = self.open()
        self.ready_to_return(consular_case)
        return_plan_create(actor=self.consul, consular_case=consular_case)
        self.stage(consular_case, "consent", timezone.now() - dt.timedelta(hours=3))
        return_risk_assess(
            actor=self.consul,
            consular_case=consular_case,
            safety="high",
            family="low",
            retrafficking="low",
            notes="The recruiter was released and phoned her family.",
        )
        with pytest.raises(TransitionRefusedError):
            self.stage(consular_case, "travel_arranged", timezone.now())

    def test_the_supervisor_page_offers_the_reason_form_and_the_officer_page_does_not(
        self,
    ) -> None:
        consular_case = self.open()
        self.ready_to_return(consular_case, risk="high")
        url = reverse("consular:detail", args=[consular_case.case_id])
        assert "Record the reason: the return may go ahead" in (
            self.get_as(self.head, url).content.decode()
        )
        officer_page = self.get_as(self.consul, url).content.decode()
        assert "Record the reason: the return may go ahead" not in officer_page
        assert "the return is stopped" in officer_page


class TestReturnAndFollowUp(ConsularTestCase):
    def walk_to_arrival(self, consular_case: ConsularCase, arrived: dt.datetime) -> None:
        self.ready_to_return(consular_case)
        return_plan_create(actor=self.consul, consular_case=consular_case)
        for offset, stage in zip(
            (30, 20, 10), ("consent", "travel_arranged", "departed"), strict=True
        ):
            self.stage(consular_case, stage, arrived - dt.timedelta(hours=offset))
        self.stage(consular_case, "arrived", arrived)

    def test_the_stages_go_in_order_each_with_its_time(self) -> None:
        consular_case = self.open()
        self.ready_to_return(consular_case)
        return_plan_create(actor=self.consul, consular_case=consular_case)
        with pytest.raises(TransitionRefusedError):
            self.stage(consular_case, "departed", timezone.now())
        consent = self.stage(consular_case, "consent", timezone.now() - dt.timedelta(days=2))
        with pytest.raises(InputError) as caught:
            self.stage(consular_case, "travel_arranged", consent.at - dt.timedelta(hours=1))
        assert [p.field for p in caught.value.problems] == ["at"]
        with pytest.raises(InputError):
            self.stage(consular_case, "travel_arranged", timezone.now() + dt.timedelta(hours=1))

    @override_settings(RETURN_FOLLOWUP_MONTHS=[3, 6, 12])
    def test_arrival_plans_follow_ups_at_the_configured_months(self) -> None:
        consular_case = self.open()
        arrived = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
        self.walk_to_arrival(consular_case, arrived)
        assert [(f.months, f.due_on) for f in consular_case.follow_ups.all()] == [
            (3, dt.date(2027, 2, 28)),
            (6, dt.date(2027, 5, 30)),
            (12, dt.date(2027, 11, 30)),
        ]

    def test_the_hand_over_names_another_agency_in_the_home_province(self) -> None:
        consular_case = self.open()
        arrived = timezone.now() - dt.timedelta(hours=2)
        self.walk_to_arrival(consular_case, arrived)
        with pytest.raises(InputError):
            self.stage(consular_case, "handed_over", timezone.now())
        with pytest.raises(InputError):
            self.stage(
                consular_case, "handed_over", timezone.now(), receiving_agency=self.consulate
            )
        with pytest.raises(ConsentRequiredError):
            self.stage(consular_case, "handed_over", timezone.now(), receiving_agency=self.home)
        assert not Referral.objects.exists()
        self.ready_to_hand_over(consular_case)
        record = self.stage(
            consular_case, "handed_over", timezone.now(), receiving_agency=self.home
        )
        assert record.referral.recipient == self.home
        assert record.referral.service == "return_reintegration"
        assert record.referral.case_id == consular_case.case_id
        with pytest.raises(TransitionRefusedError):
            self.stage(consular_case, "handed_over", timezone.now(), receiving_agency=self.home)
        url = reverse("consular:detail", args=[consular_case.case_id])
        page = self.get_as(self.consul, url).content.decode()
        assert "Fujian provincial women&#x27;s federation" in page
        assert "Next follow-up after return" in page
        assert record.referral.reference in page

    @override_settings(RETURN_FOLLOWUP_MONTHS=[3, 6])
    def test_the_daily_task_announces_each_follow_up_once_when_it_falls_due(self) -> None:
        from palermo.web.consular.tasks import follow_ups_daily

        consular_case = self.open()
        self.walk_to_arrival(consular_case, dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC))
        before = dt.datetime(2026, 4, 9, 12, 0, tzinfo=dt.UTC)
        on_the_day = dt.datetime(2026, 4, 10, 7, 0, tzinfo=dt.UTC)
        assert follow_ups_notify(now=before) == 0
        with mock.patch("django.utils.timezone.now", return_value=on_the_day):
            follow_ups_daily.enqueue()
            assert run_ready_tasks() == 1
        (done,) = DBTaskResult.objects.filter(task_path__endswith="follow_ups_daily")
        assert done.return_value == {"announced": 1}
        three, six = consular_case.follow_ups.all()
        assert three.notified_at == on_the_day
        assert six.notified_at is None
        assert follow_ups_notify(now=on_the_day + dt.timedelta(days=1)) == 0
        assert AuditEntry.objects.filter(purpose="follow-up after return due").count() == 1
        (note,) = Notification.objects.filter(kind="case_task_due")
        assert note.agency_id == self.consulate.pk
        assert note.roles == ",consular_officer,"
        assert "3 months after return" in note.params["en"]["task"]
        assert "回国 3 个月后的回访" in note.params["zh-hans"]["task"]
        with mock.patch("django.utils.timezone.now", return_value=on_the_day):
            url = reverse("consular:list")
            page = self.get_as(self.consul, url).content.decode()
        assert "3 months after return" in page

    @override_settings(RETURN_FOLLOWUP_MONTHS=[3])
    def test_a_recorded_follow_up_is_never_announced(self) -> None:
        consular_case = self.open()
        self.walk_to_arrival(consular_case, dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC))
        self.login(self.consul)
        follow_up = FollowUp.objects.get()
        response = self.client.post(
            reverse("consular:follow_up", args=[consular_case.case_id, follow_up.pk]),
            {"reached": "yes", "note": "Working in a garment cooperative, safe."},
        )
        assert response.status_code == 302
        assert follow_ups_notify(now=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)) == 0

    def test_add_months_keeps_the_day_or_takes_the_last_of_a_short_month(self) -> None:
        assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
        assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
        assert add_months(dt.date(2026, 3, 15), 12) == dt.date(2027, 3, 15)


class TestPagesWalkTheReturn(ConsularTestCase):
    def test_a_consul_walks_the_return_on_the_page_with_a_next_step_at_every_stage(self) -> None:
        consular_case = self.open()
        self.ready_to_hand_over(consular_case)
        pk = consular_case.case_id
        self.login(self.consul)
        detail = reverse("consular:detail", args=[pk])
        assert "Record the first contact" in self.client.get(detail).content.decode()
        self.client.post(
            reverse("consular:assistance", args=[pk]),
            {"kind": "contact", "on": timezone.localdate().isoformat(), "note": "First visit."},
        )
        assert "Assess the risk of return" in self.client.get(detail).content.decode()
        self.client.post(
            reverse("consular:risk", args=[pk]),
            {"safety": "low", "family": "low", "retrafficking": "medium", "notes": "Debts."},
        )
        assert "Start the voluntary return plan." in self.client.get(detail).content.decode()
        self.client.post(reverse("consular:return_plan", args=[pk]))
        start = timezone.localtime() - dt.timedelta(days=3)
        for step, stage in enumerate(ReturnStage):
            page = self.client.get(detail).content.decode()
            assert "Next step:" in page
            data = {
                "stage": stage.value,
                "at": (start + dt.timedelta(hours=step)).strftime("%Y-%m-%dT%H:%M"),
            }
            if stage is ReturnStage.HANDED_OVER:
                data["receiving_agency"] = str(self.home.pk)
            response = self.client.post(reverse("consular:return_stage", args=[pk]), data)
            assert response.status_code == 302, response.content.decode()[:2000]
        page = self.client.get(detail).content.decode()
        assert "The return is complete" in page
        assert "Next follow-up after return" in page

    def test_a_refused_plan_is_explained_on_the_page(self) -> None:
        consular_case = self.open()
        self.login(self.consul)
        response = self.client.post(reverse("consular:return_plan", args=[consular_case.case_id]))
        assert response.status_code == 409
        assert "Assess the risk of return first" in response.content.decode()

    def test_the_case_page_reads_in_chinese(self) -> None:
        consular_case = self.open()
        self.login(self.consul)
        with translation.override("zh-hans"):
            response = self.client.get(
                reverse("consular:detail", args=[consular_case.case_id]),
                HTTP_ACCEPT_LANGUAGE="zh-hans",
            )
        page = response.content.decode()
        assert "领事个案" in page
        assert "下一步" in page


class TestVisaFile(ConsularTestCase):
    def test_a_hit_on_a_visa_application_links_to_the_visa_file_and_the_case_carries_it(
        self,
    ) -> None:
        activate_example(self, "visa-inconsistent-with-job")
        traveller, hits = desk_screen(actor=self.consul, record=VISA_APPLICATION)
        assert traveller is not None
        assert hits
        assert traveller.visa_application_ref == "V-2026-004211"
        consular_case = self.open(origin="visa_screening", referred_by="", traveller=traveller)
        assert consular_case.visa_application_ref == "V-2026-004211"
        page = self.get_as(
            self.consul, reverse("consular:detail", args=[consular_case.case_id])
        ).content.decode()
        assert "Visa application V-2026-004211" in page
        case_page = self.get_as(
            self.consul, reverse("cases:detail", args=[consular_case.case_id])
        ).content.decode()
        assert "Visa application V-2026-004211" in case_page
        traveller_page = self.get_as(
            self.consul, reverse("screening:traveller", args=[traveller.pk])
        ).content.decode()
        assert "Open a consular case from this visa application" in traveller_page

    def test_a_record_that_is_not_a_visa_application_has_no_visa_file(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        traveller, _hits = desk_screen(actor=self.consul, record=FLAGGED_RECORD)
        assert traveller is not None
        assert traveller.visa_application_ref == ""
        with pytest.raises(InputError):
            self.open(origin="visa_screening", referred_by="", traveller=traveller)


class TestTheCaseTimeline(ConsularTestCase):
    """Every consular step is a line on the case's timeline, in the reader's language, and
    written by the cases service (nothing else writes CaseEvent)."""

    def walk_every_step(self) -> ConsularCase:
        from palermo.web.consular.services import follow_up_record

        consular_case = self.open()
        self.ready_to_hand_over(consular_case)
        self.ready_to_return(consular_case)
        travel_document_issue(
            actor=self.consul,
            consular_case=consular_case,
            number="ETD-0042",
            issued_on=timezone.localdate(),
            valid_until=timezone.localdate() + dt.timedelta(days=30),
        )
        return_plan_create(actor=self.consul, consular_case=consular_case)
        start = timezone.now() - dt.timedelta(days=2)
        for step, stage in enumerate(ReturnStage):
            extra = {"receiving_agency": self.home} if stage is ReturnStage.HANDED_OVER else {}
            self.stage(consular_case, stage.value, start + dt.timedelta(hours=step), **extra)
        first = consular_case.follow_ups.order_by("months").first()
        assert first is not None
        follow_up_record(actor=self.consul, follow_up=first, reached=True, note="Back at school.")
        return consular_case

    def test_assistance_documents_return_and_follow_up_appear_on_the_timeline(self) -> None:
        from palermo.web.cases.models import CaseEvent

        consular_case = self.walk_every_step()
        events = CaseEvent.objects.filter(case=consular_case.case, kind="consular")
        english = [e.detail["words"]["en"] for e in events.order_by("at", "id")]
        assert english[0] == "consular case opened (Identified by a foreign authority)"
        assert "Contact with the person or an authority recorded in the assistance log" in english
        assert "return risk assessed: Low" in english
        assert any(w.startswith("emergency travel document issued, valid until") for w in english)
        assert "voluntary return plan started" in english
        assert sum(w.startswith("return: ") for w in english) == len(ReturnStage)
        assert english[-1] == "follow-up 3 months after return: the person was reached"
        assert all("ETD-0042" not in w and "Back at school" not in w for w in english)
        # the hand-over's referral keeps its own line
        assert CaseEvent.objects.filter(case=consular_case.case, kind="referral").exists()

    def test_the_case_page_shows_the_consular_steps_in_english_and_in_chinese(self) -> None:
        consular_case = self.walk_every_step()
        self.login(self.consul)
        url = reverse("cases:detail", kwargs={"pk": consular_case.case_id})
        page = self.client.get(url).content.decode()
        assert "Consular assistance: voluntary return plan started" in page
        with translation.override("zh-hans"):
            chinese = self.client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        text = chinese.content.decode()
        assert "领事协助" in text
        assert "已启动自愿返回计划" in text
        assert "voluntary return plan started" not in text
