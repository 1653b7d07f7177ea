"""Palermo's own cases for statistics (issue 13 item 4): the CTDC layout and HTCDS fields,
k-anonymised with k = 11, only cases whose person consents to statistics, from the page and
the command line; every download of figures (the case export, a chart's CSV, the PDF report,
the action plan's CSV) is in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.interchange.ctdc import RAW_COLUMNS
from palermo.web.accounts.models import Agency, User
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import Case, ConsentPurpose
from palermo.web.cases.services import consent_record
from palermo.web.interviews.models import Interview
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.screening.models import Hit, Traveller
from palermo.web.testsupport import BaseTestCase, make_user

EXPORT = reverse("reports:case_export")
RARE = ("IS", "NO", "FI", "DK", "SE", "EE", "LV", "LT", "PL", "CZ", "SK")
CHECKLIST = dict.fromkeys(
    ("consented", "told_purpose", "told_uses", "told_research", "told_access",
     "told_retention", "told_withdrawal"),
    True,
)  # fmt: skip
LABOUR_POSITIVE = json.dumps(
    {"sets": [{"set": "ADL", "outcome": "presumed_victim"},
              {"set": "ADS", "outcome": "indicators_insufficient"}]}
)  # fmt: skip


class CaseExportTestCase(BaseTestCase):
    auditor: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.auditor = make_user("audrey", agency=cls.agency_a, role=Role.AUDITOR)

    def _case(self, n: int, *, nationality: str = "VN", consent: bool = True) -> Case:
        case = self.open_case(full_name=f"Person {n}")
        record = {"record_id": f"r{n}", "event_kind": "exit", "sex": "F",
                  "date_of_birth": "2000-05-01", "nationality": nationality,
                  "destination": "TH", "surname": f"SECRET{n}"}  # fmt: skip
        now = timezone.now()
        traveller = Traveller.objects.create(
            agency=self.agency_a, screened_by=self.officer, screened_at=now, record_id=f"r{n}",
            record=json.dumps(record), set_version="v1",
        )  # fmt: skip
        hit = Hit.objects.create(
            traveller=traveller, agency=self.agency_a, rule_id="p", rule_version="1",
            weight=1.0, title_en="P", title_zh="P", set_version="v1", status="referred",
            created_at=now,
        )  # fmt: skip
        Interview.objects.create(
            reference=f"I-{n}", agency=self.agency_a, kind="second_line",
            instrument_id="second-line-adult", instrument_version="1", hit=hit,
            started_by=self.officer, started_at=now, updated_at=now, status="completed",
            result=LABOUR_POSITIVE, outcome="presumed_victim", case=case,
        )  # fmt: skip
        if consent:
            consent_record(
                actor=self.user_with_role(Role.SECOND_LINE_INTERVIEWER), case=case,
                purpose=ConsentPurpose.STATISTICS, checklist=CHECKLIST,
            )  # fmt: skip
        return case

    def _world(self) -> None:
        for n in range(12):
            self._case(n)
        # eleven people of eleven nationalities: each too rare to name, together eleven
        for n, country in enumerate(RARE, start=12):
            self._case(n, nationality=country)
        self._case(99, consent=False)

    def _zip(self, user: User, **query: str) -> dict[str, str]:
        response = self.get_as(user, EXPORT, data={**query, "download": "1"})
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
            return {name: bundle.read(name).decode("utf-8") for name in bundle.namelist()}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class CaseExportTests(CaseExportTestCase):
    def test_the_ctdc_file_has_the_release_layout_with_only_consenting_cases(self) -> None:
        self._world()
        files = self._zip(self.supervisor)
        header = files["ctdc-cases.csv"].splitlines()[0].split(",")
        assert tuple(header) == RAW_COLUMNS
        rows = _rows(files["ctdc-cases.csv"])
        assert len(rows) == 23  # 24 cases, one without consent to statistics
        first = rows[0]
        assert first["yearOfRegistration"] == str(timezone.localdate().year)
        assert first["gender"] == "Female"
        assert first["majorityStatus"] == "Adult"
        assert first["CountryOfExploitation"] == "TH"
        assert first["isForcedLabour"] == "1"
        assert first["isSexualExploit"] == "0"
        assert first["meansOfControlDebtBondage"] == "-99"
        assert "SECRET" not in files["ctdc-cases.csv"] + files["htcds-cases.csv"]

    def test_rare_nationalities_are_hidden_so_no_combination_describes_fewer_than_11(
        self,
    ) -> None:
        self._world()
        files = self._zip(self.supervisor)
        citizenship = [r["citizenship"] for r in _rows(files["ctdc-cases.csv"])]
        assert not set(RARE) & set(citizenship)
        assert citizenship.count("VN") == 12
        assert citizenship.count("*") == 11
        metadata = json.loads(files["release.json"])
        assert metadata["k"] == 11
        assert metadata["checked"]["smallest_combination"] >= 11
        assert metadata["rows"]["cells_suppressed"]["citizenship"] == 11

    def test_the_htcds_file_has_the_same_cases_in_htcds_terms(self) -> None:
        self._world()
        files = self._zip(self.supervisor)
        rows = _rows(files["htcds-cases.csv"])
        assert len(rows) == 23
        assert {r["prs_Gender"] for r in rows} == {"Feminine"}
        assert {r["vic_TypeOfExploitation"] for r in rows} == {"ForcedLabour"}
        assert {r["vic_TraffickingStatus"] for r in rows} == {"PossibleVictimOfTrafficking"}
        assert sorted({r["prs_Citizenship"] for r in rows}) == ["*", "VN"]

    def test_every_download_is_in_the_audit_log_with_its_period_and_rows(self) -> None:
        self._world()
        self._zip(self.auditor)
        entry = AuditEntry.objects.get(object_type="reports.caseexport")
        assert entry.action == "export"
        assert entry.actor_id == self.auditor.pk
        assert entry.detail["rows_released"] == 23
        assert entry.detail["k"] == 11
        assert entry.detail["scope"]["agencies"] == [self.agency_a.pk]

    def test_too_few_cases_release_nothing_rather_than_a_small_group(self) -> None:
        for n in range(5):
            self._case(n)
        files = self._zip(self.supervisor)
        assert _rows(files["ctdc-cases.csv"]) == []
        assert json.loads(files["release.json"])["rows"]["withheld"] == 5

    def test_another_agency_s_cases_are_not_found_for_a_local_supervisor(self) -> None:
        response = self.get_as(
            self.supervisor, EXPORT, data={"agency": str(self.agency_b.pk), "download": "1"}
        )
        assert response.status_code == 404
        assert not AuditEntry.objects.filter(object_type="reports.caseexport").exists()

    def test_the_page_explains_the_release_in_english_and_in_chinese(self) -> None:
        english = self.get_as(self.supervisor, EXPORT).content.decode()
        assert "k = 11" in english
        assert "consents to use in statistics" in english
        self.client.cookies["django_language"] = "zh-hans"
        chinese = self.client.get(EXPORT, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "同意" in chinese
        assert "k = 11" in chinese

    def test_an_officer_may_not_export_cases_for_statistics(self) -> None:
        assert self.get_as(self.officer, EXPORT).status_code == 403


class DashboardDownloadAuditTests(CaseExportTestCase):
    def test_a_chart_s_csv_is_audited_with_the_chart_and_the_period(self) -> None:
        response = self.get_as(
            self.supervisor, reverse("reports:dashboard"),
            data={"export": "cases-by-stage", "start": "2026-01-01", "end": "2026-03-31"},
        )  # fmt: skip
        assert response.status_code == 200
        entry = AuditEntry.objects.get(object_type="reports.figures")
        assert entry.object_id == "cases-by-stage"
        assert entry.detail["format"] == "csv"
        assert entry.detail["scope"]["start"] == "2026-01-01"

    def test_the_pdf_report_and_the_plan_s_csv_are_audited(self) -> None:
        assert self.get_as(self.auditor, reverse("reports:report_pdf")).status_code == 200
        plan = self.client.get(reverse("reports:plan"), data={"export": "plan"})
        assert plan.status_code == 200
        kinds = set(
            AuditEntry.objects.filter(object_type="reports.figures").values_list(
                "object_id", "detail__format"
            )
        )
        assert kinds == {("report.pdf", "pdf"), ("action-plan", "csv")}


class CommandLineExportTests(CaseExportTestCase):
    def _run(self, *args: str) -> Any:
        return CliRunner().invoke(app, ["stats", "export-cases", *args])

    def test_the_command_writes_the_release_as_a_supervisor_and_audits_it(self) -> None:
        self._world()
        out = Path(self._tmp()) / "release"
        today = timezone.localdate()
        result = self._run("--as", "sam", "--out", str(out),
                           "--start", (today - dt.timedelta(days=30)).isoformat(),
                           "--end", today.isoformat())  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "23 case(s) released" in result.output
        assert len(_rows((out / "ctdc-cases.csv").read_text("utf-8"))) == 23
        assert json.loads((out / "release.json").read_text("utf-8"))["k"] == 11
        entry = AuditEntry.objects.get(object_type="reports.caseexport")
        assert entry.detail["channel"] == "command line"

    def test_an_officer_or_an_unknown_agency_is_refused_with_exit_status_2(self) -> None:
        Agency.objects.create(name="Elsewhere", kind=AgencyKind.NGO, code="elsewhere")
        out = str(Path(self._tmp()) / "x")
        officer = self._run("--as", "alice", "--out", out, "--start", "2026-01-01",
                            "--end", "2026-02-01")  # fmt: skip
        assert officer.exit_code == 2
        other = self._run("--as", "sam", "--out", out, "--start", "2026-01-01",
                          "--end", "2026-02-01", "--agency", "harbour")  # fmt: skip
        assert other.exit_code == 2
        assert "--agency" in other.output
        bad_day = self._run("--as", "sam", "--out", out, "--start", "2026-02-30",
                            "--end", "2026-03-01")  # fmt: skip
        assert bad_day.exit_code == 2
        assert not Path(out).exists()

    def _tmp(self) -> str:
        import tempfile

        return tempfile.mkdtemp(prefix="palermo-export-")
