"""The mining page (issue 11 item 7): an analyst mines the identified cases their agency may
see - or CTDC and HTCDS data - against the traffic, sees each candidate with its support, lift
and interval in their language and the ones the rights guard dropped, and makes a draft that
cannot be activated without a written rationale and a second person."""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from flow_fixtures import TODAY, activate_example

from palermo.web.interviews.models import Interview
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import Role
from palermo.web.nrm.models import Decision, Identification
from palermo.web.outcomes import selectors
from palermo.web.outcomes.selectors import Period
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import profile_activate, profile_approve, profile_submit
from palermo.web.screening.models import Hit
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web

_ids = itertools.count()
PERIOD = Period(TODAY - timezone.timedelta(days=30), TODAY)
CTDC_HEADER = (
    "yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit,"
    "CountryOfExploitation\n"
)


def record(*, victim: bool) -> dict[str, Any]:
    """A traveller; a victim's ticket was paid by a recruitment agency and they go to Malaysia."""
    return {
        "record_id": f"m-{next(_ids)}",
        "event_kind": "exit",
        "port": "PEK",
        "event_date": TODAY,
        "nationality": "VN" if victim else "CN",
        "sex": "F",
        "date_of_birth": TODAY.replace(year=TODAY.year - 30),
        "destination": "MY" if victim else "TH",
        "ticket_paid_by": "recruitment_agency" if victim else "self",
        "obs_fearful": victim,
    }


@override_settings(CONTROL_SAMPLE_PER_100000=100_000, BACKTEST_MIN_CONTROL=3)
class MiningCase(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        # every traveller has no profile hit, so each is drawn into the control sample (rate
        # 100%): 12 identified victims among 60 travellers
        for _ in range(48):
            desk_screen(actor=self.officer, record=record(victim=False))
        for _ in range(12):
            traveller, _hits = desk_screen(actor=self.officer, record=record(victim=True))
            assert traveller is not None
            self.identify(traveller.hits.get(), self.agency_a)

    def identify(self, hit: Hit, agency: Any, *, positive: bool = True) -> None:
        now = timezone.now()
        case = self.open_case()
        if agency != self.agency_a:
            type(case).objects.filter(pk=case.pk).update(agency=agency)
        Interview.objects.create(
            reference=f"I-{hit.pk}", agency=agency, kind="second_line", instrument_id="adult",
            instrument_version="1", hit=hit, started_by=self.supervisor, started_at=now,
            updated_at=now, status="completed", outcome="presumed", case=case,
        )  # fmt: skip
        identification = Identification.objects.create(
            case=case, referring_agency=agency, competent_authority=self.agency_b,
            summary="grounds", referred_by=self.supervisor, referred_at=now,
            state="first_stage_positive", updated_at=now,
        )  # fmt: skip
        Decision.objects.create(
            identification=identification, stage="first_stage", positive=positive,
            reasons="reasonable grounds", decided_by=self.outsider, decided_at=now,
        )  # fmt: skip

    def mine(self, language: str = "en", **fields: Any) -> tuple[int, str]:
        self.client.cookies["django_language"] = language
        data = {
            "source": "own",
            "baseline": "stored",
            "since": PERIOD.since.isoformat(),
            "until": PERIOD.until.isoformat(),
            "min_cases": 5,
            "min_lift": 1.5,
            **fields,
        }
        response = self.client.post(reverse("outcomes:mine"), data)
        return response.status_code, response.content.decode()

    def tokens(self, text: str) -> list[tuple[str, str]]:
        return re.findall(r'name="(c\d+)-token" value="([^"]+)"', text)


class TestMiningOwnCases(MiningCase):
    def test_an_analyst_sees_candidates_with_support_lift_and_interval(self) -> None:
        self.login(self.analyst)
        status, text = self.mine()
        assert status == 200, text
        assert "Ticket paid by = recruitment agency" in text
        assert "12 / 12 (100%)" in text
        assert "Lift (95% interval)" in text
        assert "Create draft" in text
        # 60 travellers screened, all stored (the control sample at 100%)
        assert "60 screened, from 60 stored travellers" in text

    def test_the_page_reads_in_chinese(self) -> None:
        self.login(self.analyst)
        status, text = self.mine(language="zh-hans")
        assert status == 200
        assert "风险画像挖掘" in text
        assert "机票付款方" in text
        assert "Create draft" not in text

    def test_only_the_cases_the_agency_may_see_are_mined(self) -> None:
        other_officer = self.user_with_role(Role.FIRST_LINE_OFFICER, agency=self.agency_b)
        for _ in range(3):
            traveller, _hits = desk_screen(actor=other_officer, record=record(victim=True))
            assert traveller is not None
            self.identify(traveller.hits.get(), self.agency_b)
        own = selectors.mining_own_cases(user=self.analyst, period=PERIOD)
        assert (own.cases, own.records.num_rows) == (12, 12)
        theirs = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)
        assert selectors.mining_own_cases(user=theirs, period=PERIOD).cases == 3

    def test_a_case_whose_latest_decision_is_negative_is_not_mined(self) -> None:
        traveller, _hits = desk_screen(actor=self.officer, record=record(victim=True))
        assert traveller is not None
        self.identify(traveller.hits.get(), self.agency_a, positive=False)
        assert selectors.mining_own_cases(user=self.analyst, period=PERIOD).cases == 12

    def test_a_first_line_officer_cannot_mine(self) -> None:
        self.login(self.officer)
        assert self.client.get(reverse("outcomes:mine")).status_code == 403

    def test_a_mining_run_is_audited(self) -> None:
        from palermo.web.audit.models import AuditEntry

        self.login(self.analyst)
        self.mine()
        assert AuditEntry.objects.filter(
            object_type="outcomes.mining", purpose="profile mining"
        ).exists()


class TestMiningFromTheCommandLine(MiningCase):
    def mine_cli(self, tmp: Path, *args: str) -> tuple[int, str]:
        from typer.testing import CliRunner

        from palermo.cli.main import app

        result = CliRunner().invoke(
            app, ["profiles", "mine", "--out", str(tmp / "drafts"), "--min-cases", "5",
                  "--min-lift", "1.5", "--since", PERIOD.since.isoformat(), *args],
        )  # fmt: skip
        return result.exit_code, result.output

    def test_the_command_mines_the_own_cases_against_the_stored_screenings_in_a_scope(
        self,
    ) -> None:
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        status, output = self.mine_cli(tmp, "--own-cases", "--as", self.analyst.username)
        assert status == 0, output
        assert "12 identified case(s)" in output
        evidence = json.loads((tmp / "drafts" / "evidence.json").read_text(encoding="utf-8"))
        assert any(
            {"field": "ticket_paid_by", "eq": "recruitment_agency"} in d["items"]
            for d in evidence["drafts"]
        )
        assert "m-" not in output  # figures only: no stored record leaves

    def test_the_command_refuses_a_role_that_may_not_mine_with_status_2(self) -> None:
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        status, output = self.mine_cli(tmp, "--own-cases", "--as", self.officer.username)
        assert status == 2
        assert "may not mine profiles" in output
        status, output = self.mine_cli(tmp, "--own-cases")
        assert status == 2
        assert "need --as USER" in output


class TestMinedDraftApproval(MiningCase):
    def draft(self, **rationale: str) -> ProfileVersion:
        self.login(self.analyst)
        _status, text = self.mine()
        prefix, token = self.tokens(text)[0]
        data = {f"{prefix}-token": token}
        data.update({f"{prefix}-{k}": v for k, v in rationale.items()})
        response = self.client.post(reverse("outcomes:mine_draft"), data)
        assert response.status_code == 302, response.content.decode()
        return ProfileVersion.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))

    def test_a_mined_draft_carries_its_evidence_and_cannot_be_submitted_without_a_rationale(
        self,
    ) -> None:
        version = self.draft()
        assert version.status == "draft"
        assert "identified cases" in version.yaml_text
        with pytest.raises(TransitionRefusedError):
            profile_submit(actor=self.analyst, version=version)

    def test_with_a_rationale_it_still_needs_a_second_person_to_be_activated(self) -> None:
        version = self.draft(
            rationale_en="Recruiters who pay the ticket hold the debt.",
            rationale_zh="由招聘中介支付机票的，往往以债务控制当事人。",
        )
        assert "Recruiters who pay the ticket" in version.yaml_text
        version = profile_submit(actor=self.analyst, version=version)
        with pytest.raises((NotPermittedError, TransitionRefusedError)):
            profile_approve(actor=self.analyst, version=version)
        with pytest.raises(TransitionRefusedError):
            profile_activate(actor=self.supervisor, version=version)
        version = profile_approve(actor=self.supervisor, version=version)
        assert profile_activate(actor=self.supervisor, version=version).status == "active"

    def test_a_rationale_in_one_language_only_is_refused(self) -> None:
        self.login(self.analyst)
        _status, text = self.mine()
        prefix, token = self.tokens(text)[0]
        response = self.client.post(
            reverse("outcomes:mine_draft"),
            {f"{prefix}-token": token, f"{prefix}-rationale_en": "Only English."},
        )
        assert response.status_code == 422
        assert "both languages" in response.content.decode()
        assert not ProfileVersion.objects.filter(profile__profile_id__startswith="mined-").exists()

    def test_a_candidate_mined_by_someone_else_is_refused(self) -> None:
        self.login(self.analyst)
        _status, text = self.mine()
        prefix, token = self.tokens(text)[0]
        self.login(self.supervisor)
        response = self.client.post(reverse("outcomes:mine_draft"), {f"{prefix}-token": token})
        assert response.status_code == 422
        assert "run the mining again" in response.content.decode()


class TestMiningOtherSources(MiningCase):
    def test_ctdc_cases_give_destinations_the_dropped_ones_and_the_attribution(self) -> None:
        rows = "2018,Female,18--20,VN,,1.0,MY\n" * 15 + "2018,Male,30--38,CN,1.0,,CN\n" * 5
        upload = SimpleUploadedFile("ctdc.csv", (CTDC_HEADER + rows).encode(), "text/csv")
        self.login(self.analyst)
        status, text = self.mine(
            source="ctdc", cases_file=upload, narrow_by_protected="on",
            since=f"{TODAY.year - 9}-01-01",
        )  # fmt: skip
        assert status == 200, text
        assert "Destination = " in text
        assert "Dropped by the rights guard" in text
        assert "whatever their circumstances" in text
        assert "Source: Counter-Trafficking Data Collaborative (CTDC)" in text
        assert "at least 11 cases" in text

    def test_htcds_records_with_a_bad_row_are_named_inline(self) -> None:
        body = (
            "vic_TraffickingStatus,prs_Gender,prs_Citizenship,vic_LocationOfExploitation\n"
            "ActualVictimOfTrafficking,Feminine,VN,MY\n"
            "ActualVictimOfTrafficking,Feminine,VN,Malaysia\n"
        )
        upload = SimpleUploadedFile("cases.csv", body.encode(), "text/csv")
        self.login(self.analyst)
        status, text = self.mine(source="htcds", cases_file=upload)
        assert status == 422
        assert "cases.csv row 2" in text
        assert "vic_LocationOfExploitation" in text
        assert str(Path(settings.DATA_DIR)) not in text
        assert not any((Path(settings.DATA_DIR) / "runs").glob("*/*"))

    def test_a_cases_file_is_required_for_ctdc(self) -> None:
        self.login(self.analyst)
        status, text = self.mine(source="ctdc")
        assert status == 422
        assert "Choose the file of cases." in text

    def test_a_population_file_can_be_the_traffic(self) -> None:
        lines = ["record_id,event_kind,port,event_date,destination,ticket_paid_by"]
        lines += [f"p{i},exit,PEK,{TODAY.isoformat()},TH,self" for i in range(200)]
        upload = SimpleUploadedFile("traffic.csv", "\n".join(lines).encode(), "text/csv")
        self.login(self.analyst)
        status, text = self.mine(baseline="file", population_file=upload)
        assert status == 200, text
        assert "Ticket paid by = recruitment agency" in text
        assert "0 / 200" in text
