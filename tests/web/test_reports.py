"""Dashboards and the action plan (palermo.web.reports): figures by port, profile and stage,
the waiting queue's age, time to disposition and referral, in both languages; agency scope;
the plan's indicators against their targets; a bad plan file shown with its problems."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from unittest import mock

from django.test import override_settings
from django.urls import reverse

from palermo.web.accounts.models import Agency, User
from palermo.web.cases.models import Case, CaseStatus
from palermo.web.cases.services import case_transition
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.screening.models import PENDING, Disposition, Hit, Traveller
from palermo.web.testsupport import BaseTestCase, make_user

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
DASHBOARD = reverse("reports:dashboard")
PLAN = reverse("reports:plan")


def _traveller(agency: Agency, by: User, port: str, at: dt.datetime, n: int) -> Traveller:
    return Traveller.objects.create(
        agency=agency,
        screened_by=by,
        screened_at=at,
        record_id=f"r{n}",
        port=port,
        record="{}",
        set_version="v1",
    )


def _hit(
    agency: Agency, by: User, *, port: str, title: str, at: dt.datetime, n: int, status: str
) -> Hit:
    traveller = _traveller(agency, by, port, at, n)
    return Hit.objects.create(
        traveller=traveller,
        agency=agency,
        rule_id=title.lower().replace(" ", "-"),
        rule_version="1",
        weight=1.0,
        title_en=title,
        title_zh=f"{title}（中文）",
        set_version="v1",
        status=status,
        port=port,
        created_at=at,
    )


class ReportsTestCase(BaseTestCase):
    auditor: User
    other_supervisor: User
    national: Agency
    coordinator: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.auditor = make_user("audrey", agency=cls.agency_a, role=Role.AUDITOR)
        cls.other_supervisor = make_user("olga", agency=cls.agency_b, role=Role.SUPERVISOR)
        cls.national = Agency.objects.create(
            name="National anti-trafficking office", kind=AgencyKind.ANTI_TRAFFICKING, code="nat"
        )
        cls.coordinator = make_user("nadia", agency=cls.national, role=Role.SUPERVISOR)
        a, b, officer = cls.agency_a, cls.agency_b, cls.officer
        # agency A: three hits at Pudong (two disposed), one at Hongqiao still waiting 30 hours
        specs = [
            ("Pudong", "Recruited abroad", NOW - dt.timedelta(days=3), "referred", 2),
            ("Pudong", "Recruited abroad", NOW - dt.timedelta(days=2), "no_action", 6),
            ("Pudong", "Documents held", NOW - dt.timedelta(hours=2), PENDING, 0),
            ("Hongqiao", "Documents held", NOW - dt.timedelta(hours=30), PENDING, 0),
        ]
        for n, (port, title, at, status, hours) in enumerate(specs):
            hit = _hit(a, officer, port=port, title=title, at=at, n=n, status=status)
            if status != PENDING:
                Disposition.objects.create(
                    hit=hit, kind=status, reason="seen", decided_by=officer,
                    decided_at=at + dt.timedelta(hours=hours),
                )  # fmt: skip
        # agency B: one hit nobody at A may count
        other = make_user("bob", agency=b, role=Role.FIRST_LINE_OFFICER)
        _hit(b, other, port="Harbour", title="Elsewhere", at=NOW - dt.timedelta(days=1), n=9,
             status=PENDING)  # fmt: skip

    def setUp(self) -> None:
        self.clock = mock.patch("django.utils.timezone.now", return_value=NOW)
        self.clock.start()
        self.addCleanup(self.clock.stop)

    def _case(self, *, opened: dt.datetime, referred_after_days: float | None = None) -> Case:
        case = self.open_case()
        Case.objects.filter(pk=case.pk).update(opened_at=opened)
        if referred_after_days is not None:
            later = opened + dt.timedelta(days=referred_after_days)
            with mock.patch("django.utils.timezone.now", return_value=later):
                case_transition(
                    actor=self.caseworker, case=Case.objects.get(pk=case.pk),
                    expected_version=case.version, to_status=CaseStatus.REFERRED,
                    reason="shelter place found",
                )  # fmt: skip
        return case

    def _csv(self, user: User, chart: str, **query: str) -> list[list[str]]:
        response = self.get_as(user, DASHBOARD, data={**query, "export": chart})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


class DashboardTests(ReportsTestCase):
    def test_a_supervisor_sees_hits_by_port_and_disposition_of_their_agency_only(self) -> None:
        rows = self._csv(self.supervisor, "hits-by-port")
        assert rows[0] == ["Port or post", "Disposition", "Hits"]
        assert sorted(rows[1:]) == [
            ["Hongqiao", "Waiting for a disposition", "1"],
            ["Pudong", "No action", "1"],
            ["Pudong", "Referred to a second-line interview", "1"],
            ["Pudong", "Waiting for a disposition", "1"],
        ]

    def test_the_waiting_queue_is_shown_by_how_long_each_hit_has_waited(self) -> None:
        rows = self._csv(self.supervisor, "queue-age")
        assert rows[1:] == [
            ["under 1 hour", "0"],
            ["1 to 4 hours", "1"],
            ["4 to 24 hours", "0"],
            ["1 to 3 days", "1"],
            ["over 3 days", "0"],
        ]

    def test_time_from_hit_to_disposition_gives_the_median_and_longest_hours(self) -> None:
        rows = self._csv(self.supervisor, "time-to-disposition")
        assert rows[0] == ["Disposition", "Median hours", "Dispositions", "Longest, hours"]
        assert sorted(rows[1:]) == [
            ["No action", "6.0", "1", "6.0"],
            ["Referred to a second-line interview", "2.0", "1", "2.0"],
        ]

    def test_the_period_and_port_filters_narrow_the_figures(self) -> None:
        start = (NOW - dt.timedelta(days=2)).date().isoformat()
        rows = self._csv(self.supervisor, "hits-by-port", start=start, port="pudong")
        assert sorted(rows[1:]) == [
            ["Pudong", "No action", "1"],
            ["Pudong", "Waiting for a disposition", "1"],
        ]

    def test_cases_by_stage_and_days_to_referral(self) -> None:
        self._case(opened=NOW - dt.timedelta(days=20), referred_after_days=3)
        self._case(opened=NOW - dt.timedelta(days=10), referred_after_days=9)
        self._case(opened=NOW - dt.timedelta(days=5))
        stages = self._csv(self.supervisor, "cases-by-stage")
        assert stages[1:] == [
            ["Identified", "1"], ["Referred", "2"], ["Assisted", "0"], ["Closed", "0"],
        ]  # fmt: skip
        referral = self._csv(self.supervisor, "days-to-referral")
        assert referral[1:] == [["Case opened to referred", "6.0", "2", "9.0"]]

    def test_identification_decisions_by_state_and_days_to_each_decision(self) -> None:
        from palermo.web.nrm.models import Identification

        authority = self.national
        for days_ago, first, conclusive, state in (
            (30, 2, 35, "concluded_positive"),
            (20, 4, None, "recovery"),
            (10, None, None, "awaiting_first_stage"),
        ):
            referred = NOW - dt.timedelta(days=days_ago)
            Identification.objects.create(
                case=self.open_case(), referring_agency=self.agency_a,
                competent_authority=authority, summary="grounds", referred_by=self.caseworker,
                referred_at=referred, state=state, hit_at=referred - dt.timedelta(days=1),
                first_stage_at=referred + dt.timedelta(days=first) if first else None,
                conclusive_at=referred + dt.timedelta(days=conclusive) if conclusive else None,
                updated_at=referred,
            )  # fmt: skip
        states = self._csv(self.supervisor, "identifications-by-state")
        assert sorted(states[1:]) == [
            ["First-stage decision due", "1"],
            ["Identified as a victim (conclusive)", "1"],
            ["Recovery and reflection period; conclusive decision due", "1"],
        ]
        times = self._csv(self.supervisor, "identification-times")
        assert times[1:] == [
            ["Hit to referral to the competent authority", "1.0", "3", "1.0"],
            ["Referral to the first-stage decision", "3.0", "2", "4.0"],
            ["Referral to the conclusive decision", "35.0", "1", "35.0"],
        ]
        # the referring agency's neighbour sees none of it
        assert self._csv(self.other_supervisor, "identification-times")[1:] == []

    def test_referrals_by_receiving_agency_and_acceptance_by_service(self) -> None:
        from referral_fixtures import referral_world, send_to_shelter

        from palermo.web.referrals.services import referral_accept, referral_decline

        referral_world(self)
        with mock.patch("django.utils.timezone.now", return_value=NOW - dt.timedelta(days=2)):
            shelter = send_to_shelter(self)
            medical = send_to_shelter(self, service="medical")
        referral_accept(actor=self.outsider, referral=shelter)  # answered two days later
        referral_decline(actor=self.outsider, referral=medical, reason="no doctor this week")
        by_agency = self._csv(self.supervisor, "referrals-by-agency")
        assert sorted(by_agency[1:]) == [
            ["Harbour shelter", "Accepted", "1"],
            ["Harbour shelter", "Declined", "1"],
        ]
        acceptance = self._csv(self.supervisor, "referral-acceptance")
        assert acceptance[0][:2] == ["Service", "Accepted, per cent of answered"]
        assert sorted(acceptance[1:]) == [
            ["Medical care", "0.0", "1", "0", "1", "48.0"],
            ["Shelter and safe accommodation", "100.0", "1", "1", "0", "48.0"],
        ]
        # the shelter's supervisor sees the same referrals, received
        assert len(self._csv(self.other_supervisor, "referrals-by-agency")) == 3

    def test_the_page_shows_every_chart_with_its_table_in_english(self) -> None:
        response = self.get_as(self.supervisor, DASHBOARD)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('<figure class="chart"') == 14
        assert "<svg" in html
        assert "Hits by port or post and disposition" in html
        assert "Northgate border post" in html
        assert "Elsewhere" not in html  # agency B's profile

    def test_the_page_is_in_chinese_for_a_chinese_reader(self) -> None:
        self.login(self.supervisor)
        self.client.cookies["django_language"] = "zh-hans"
        response = self.client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = response.content.decode()
        assert "按口岸和处置统计的命中" in html
        assert "Recruited abroad（中文）" in html  # profile titles in the reader's language
        assert "Hits by port" not in html

    def test_an_auditor_sees_the_dashboards_but_an_officer_does_not(self) -> None:
        assert self.get_as(self.auditor, DASHBOARD).status_code == 200
        assert self.get_as(self.officer, DASHBOARD).status_code == 403

    def test_another_agency_s_figures_are_not_found_for_a_local_supervisor(self) -> None:
        response = self.get_as(self.supervisor, DASHBOARD, data={"agency": self.agency_b.pk})
        assert response.status_code == 404

    def test_the_national_coordinator_sees_every_agency_and_may_narrow_to_one(self) -> None:
        with override_settings(NATIONAL_AGENCY="nat"):
            everyone = self._csv(self.coordinator, "hits-by-port")
            harbour = self._csv(self.coordinator, "hits-by-port", agency=str(self.agency_b.pk))
        assert ["Harbour", "Waiting for a disposition", "1"] in everyone
        assert len(everyone) == 6
        assert harbour[1:] == [["Harbour", "Waiting for a disposition", "1"]]

    def test_a_period_ending_before_it_starts_is_refused_beside_the_field(self) -> None:
        response = self.get_as(
            self.supervisor, DASHBOARD, data={"start": "2026-11-10", "end": "2026-11-01"}
        )
        assert response.status_code == 422
        assert "The end of the period is before its start." in response.content.decode()

    def test_an_unknown_chart_export_is_not_found(self) -> None:
        response = self.get_as(self.supervisor, DASHBOARD, data={"export": "nope"})
        assert response.status_code == 404


GOOD_PLAN = """
plan: Test plan
plan_zh: 测试计划
indicators:
  - id: identified
    title: Victims identified
    title_zh: 识别出的受害者
    measure: cases_opened
    period: {start: 2026-01-01, end: 2026-12-31}
    target: 4
  - id: quick
    title: Referred within 7 days
    measure: share_cases_referred_within_days
    days: 7
    period: {start: 2026-01-01, end: 2026-10-31}
    target: 80
"""


class PlanTests(ReportsTestCase):
    def _with_plan(self, text: str) -> Path:
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def test_the_indicators_are_computed_and_shown_against_their_targets(self) -> None:
        self._case(opened=NOW - dt.timedelta(days=60), referred_after_days=3)  # September
        self._case(opened=NOW - dt.timedelta(days=50), referred_after_days=10)
        self._case(opened=NOW - dt.timedelta(days=5))
        path = self._with_plan(GOOD_PLAN)
        self.login(self.supervisor)
        with override_settings(ACTION_PLAN=str(path)):
            response = self.client.get(PLAN)
            exported = self.client.get(PLAN, data={"export": "plan"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Test plan" in html
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[1:] == [
            ["Victims identified", "75.0", "3.0", "4.0", "Behind the target so far"],
            ["Referred within 7 days", "62.5", "50.0", "80.0", "Target missed"],
        ]

    def test_the_plan_page_is_in_chinese(self) -> None:
        path = self._with_plan(GOOD_PLAN)
        self.login(self.supervisor)
        self.client.cookies["django_language"] = "zh-hans"
        with override_settings(ACTION_PLAN=str(path)):
            html = self.client.get(PLAN, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "测试计划" in html
        assert "识别出的受害者" in html
        assert "行动计划" in html

    def test_a_plan_with_mistakes_is_shown_with_each_problem_and_no_indicator(self) -> None:
        bad = GOOD_PLAN.replace("measure: cases_opened", "measure: arrests").replace(
            "target: 80", "target: 180"
        )
        path = self._with_plan(bad)
        self.login(self.supervisor)
        with override_settings(ACTION_PLAN=str(path)):
            response = self.client.get(PLAN)
        html = response.content.decode()
        assert response.status_code == 422
        assert "indicator 1 (identified)" in html
        assert "unknown measure" in html
        assert "a percentage target is at most 100" in html
        assert "<table>" not in html

    def test_the_bundled_example_plan_is_shown_when_none_is_configured(self) -> None:
        response = self.get_as(self.auditor, PLAN)
        assert response.status_code == 200
        assert "National plan of action" in response.content.decode()

    def test_the_plan_is_for_report_roles_only(self) -> None:
        assert self.get_as(self.caseworker, PLAN).status_code == 403


class ReportPdfTests(ReportsTestCase):
    def _pdf(self, lang: str) -> tuple[str, list[str]]:
        from pypdf import PdfReader

        self.login(self.supervisor)
        self.client.cookies["django_language"] = lang
        response = self.client.get(reverse("reports:report_pdf"), HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        # pypdf returns the two-byte CID text of an Identity-H font with its zero bytes
        text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
        fonts = [
            str(font.get_object()["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        ]
        return text, fonts

    def test_the_pdf_report_has_every_chart_table_and_privacy_statement_in_english(self) -> None:
        text, fonts = self._pdf("en")
        assert "Hits by port or post and disposition" in text
        assert "Pudong" in text
        assert "could point to a person" in text  # Pudong's counts are under 11
        assert fonts

    def test_the_pdf_report_renders_chinese_with_the_font_embedded(self) -> None:
        from pypdf import PdfReader

        text, fonts = self._pdf("zh-hans")
        assert "按口岸和处置统计的命中" in text
        assert "隐私" in text
        assert any("CJK" in name or "Hei" in name or "PingFang" in name for name in fonts)
        self.client.cookies["django_language"] = "zh-hans"
        raw = self.client.get(reverse("reports:report_pdf")).content
        descriptor = PdfReader(io.BytesIO(raw)).pages[0]["/Resources"]["/Font"]
        embedded = [
            f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            for f in descriptor.values()
        ]
        assert all("/FontFile2" in d or "/FontFile3" in d for d in embedded)

    def test_the_pdf_report_is_for_report_roles_only(self) -> None:
        assert self.get_as(self.officer, reverse("reports:report_pdf")).status_code == 403
