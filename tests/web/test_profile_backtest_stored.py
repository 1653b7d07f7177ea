"""A draft backtested on the screenings stored in the last N days (issue 11 item 6): counted
exactly among the travellers kept for a hit, estimated among the others from the random
control sample, with what the estimate rests on, and no figure below the floor."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from flow_fixtures import FEARFUL_DRAFT, TODAY, activate_example
from typer.testing import CliRunner

from palermo.analytics.backtest import wilson
from palermo.cli.main import app
from palermo.web.accounts.services import api_token_create
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import profile_submit, profile_upload
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase

_ids = itertools.count()


def record(*, kept: bool, fearful: bool, sex: str = "F") -> dict[str, Any]:
    """A traveller the active profile flags (``kept``: documents held, companion answers)."""
    return {
        "record_id": f"b-{next(_ids)}",
        "event_kind": "exit",
        "port": "PEK",
        "event_date": TODAY,
        "nationality": "TH",
        "sex": sex,
        "date_of_birth": TODAY.replace(year=TODAY.year - 30),
        "obs_document_held_by_other": kept,
        "obs_companion_answers": kept,
        "obs_fearful": fearful,
    }


@override_settings(CONTROL_SAMPLE_PER_100000=100_000, BACKTEST_MIN_CONTROL=3)
class TestBacktestOnStoredScreenings(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        analyst = self.user_with_role(Role.RISK_ANALYST)
        self.version = profile_upload(actor=analyst, source_name="draft.yaml", text=FEARFUL_DRAFT)
        profile_submit(actor=analyst, version=self.version)
        # four kept for the active profile's hit (two fearful, both women), six without a hit
        # (three fearful); every traveller without a hit is drawn at this control rate
        for kept, fearful, sex in [(True, True, "F")] * 2 + [(True, False, "M")] * 2:
            desk_screen(actor=self.officer, record=record(kept=kept, fearful=fearful, sex=sex))
        for fearful, sex in [(True, "M")] * 3 + [(False, "F")] * 3:
            desk_screen(actor=self.officer, record=record(kept=False, fearful=fearful, sex=sex))
        self.login(self.supervisor)

    def page(self, days: int | str = 30, language: str = "en") -> tuple[int, str]:
        self.client.cookies["django_language"] = language
        response = self.client.get(
            reverse("outcomes:backtest", kwargs={"pk": self.version.pk}), {"days": days}
        )
        return response.status_code, response.content.decode()

    def test_the_approver_sees_the_share_it_would_flag_and_what_that_rests_on(self) -> None:
        status, text = self.page()
        assert status == 200
        assert "Backtest on stored screenings" in text
        assert 'Travellers screened (counted)</th><td class="num">10<' in text
        assert 'Stored: every traveller with a hit</th><td class="num">4<' in text
        assert 'Stored: travellers in the random control sample</th><td class="num">6<' in text
        # two of the four kept flagged exactly; three of six without a hit from the sample
        low, high = wilson(3, 6)
        expected = f"50.00% ({(2 + low * 6) * 10:.2f}–{(2 + high * 6) * 10:.2f})"
        assert expected in text
        assert 'also flagged by other active profiles</th><td class="num">2<' in text
        assert f"{5 / 30:.2f}" in text  # projected hits per day over the 30 days

    def test_selection_rates_by_group_are_charted_with_their_tables(self) -> None:
        _status, text = self.page()
        assert 'id="chart-backtest-sex"' in text
        assert "<svg" in text
        # women: two kept, both flagged; three without a hit, none fearful -> 2 of 5 = 40%
        assert '<td>F</td><td class="num">40.0</td>' in text
        assert "2 / 2" in text

    @override_settings(BACKTEST_MIN_CONTROL=50)
    def test_below_the_floor_it_says_too_few_stored_travellers_and_gives_no_rate(self) -> None:
        _status, text = self.page()
        assert "Too few stored travellers." in text
        assert "holds 6 travellers; an estimate needs at least 50" in text
        assert "50.00%" not in text
        assert "chart-backtest-sex" not in text

    def test_the_page_reads_in_chinese(self) -> None:
        status, text = self.page(language="zh-hans")
        assert status == 200
        assert "按已存筛查回测" in text
        assert "估计所依据的数据" in text
        assert "Travellers screened" not in text

    def test_a_period_longer_than_retention_keeps_is_refused_beside_the_field(self) -> None:
        status, text = self.page(days=10_000)
        assert status == 422
        assert "183" in text

    def test_another_agencys_screenings_are_not_counted(self) -> None:
        officer_b = self.user_with_role(Role.FIRST_LINE_OFFICER, agency=self.agency_b)
        desk_screen(actor=officer_b, record=record(kept=True, fearful=True))
        _status, text = self.page()
        assert 'Travellers screened (counted)</th><td class="num">10<' in text

    def test_the_profile_page_offers_the_backtest_on_stored_screenings(self) -> None:
        page = self.client.get(reverse("profiles:detail", kwargs={"pk": self.version.pk}))
        text = page.content.decode()
        assert reverse("outcomes:backtest", kwargs={"pk": self.version.pk}) in text
        assert ProfileVersion.objects.get(pk=self.version.pk).status == "submitted"

    def backtest_cli(self, *args: str) -> tuple[int, str]:
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        (folder / "draft.yaml").write_text(FEARFUL_DRAFT, encoding="utf-8")
        result = CliRunner().invoke(app, ["profiles", "backtest", str(folder), *args])
        return result.exit_code, result.output

    def test_the_command_line_gives_the_same_estimate_in_a_users_scope(self) -> None:
        status, output = self.backtest_cli(
            "--stored-days", "30", "--as", self.supervisor.username, "--json"
        )
        assert status == 0, output
        doc = json.loads(output)
        assert (doc["screened"], doc["stored_with_hit"], doc["control_sample"]) == (10, 4, 6)
        (profile,) = doc["profiles"]
        assert profile["flagged"]["share"] == 0.5
        assert (profile["flagged_with_hit"], profile["also_flagged_by_active"]) == (2, 2)
        assert "b-" not in output  # figures only: no stored record leaves

    def test_the_command_line_refuses_a_role_that_may_not_read_outcomes(self) -> None:
        status, output = self.backtest_cli("--stored-days", "30", "--as", self.officer.username)
        assert status == 2
        assert "may not read what profiles yield" in output

    def test_the_command_line_wants_exactly_one_population(self) -> None:
        status, output = self.backtest_cli("--stored-days", "30")
        assert status == 2
        assert "--stored-days needs --as USER" in output
        status, output = self.backtest_cli()
        assert status == 2
        assert "give exactly one population" in output


@override_settings(CONTROL_SAMPLE_PER_100000=100_000, BACKTEST_MIN_CONTROL=2)
class TestBacktestOnBatchAndApiScreenings(BaseTestCase):
    """Travellers screened in a batch and through the API are stored and counted alike."""

    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        analyst = self.user_with_role(Role.RISK_ANALYST)
        self.version = profile_upload(actor=analyst, source_name="draft.yaml", text=FEARFUL_DRAFT)
        day = TODAY.isoformat()
        manifest = (
            "record_id,event_kind,port,event_date,obs_document_held_by_other,"
            "obs_companion_answers,obs_fearful\n"
            f"m1,exit,PEK,{day},true,true,true\n"
            f"m2,exit,PEK,{day},true,true,false\n"
            f"m3,exit,CAN,{day},false,false,true\n"
            f"m4,exit,CAN,{day},false,false,false\n"
        )
        self.login(analyst)
        self.client.post(
            reverse("screening:batches"),
            {"manifest": SimpleUploadedFile("m.csv", manifest.encode("utf-8"))},
        )
        assert run_ready_tasks() == 1
        _record, token = api_token_create(
            name="desk system", agency=self.agency_a, role=Role.FIRST_LINE_OFFICER, created_by=None
        )
        body = {**record(kept=False, fearful=True), "event_date": day}
        body["date_of_birth"] = body["date_of_birth"].isoformat()
        answer = self.client.post(
            "/api/screenings", body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )  # fmt: skip
        assert answer.status_code == 200, answer.content
        self.login(self.supervisor)

    def test_the_estimate_counts_the_batch_and_the_api_screenings(self) -> None:
        response = self.client.get(
            reverse("outcomes:backtest", kwargs={"pk": self.version.pk}), {"days": 7}
        )
        text = response.content.decode()
        assert 'Travellers screened (counted)</th><td class="num">5<' in text
        assert 'Stored: every traveller with a hit</th><td class="num">2<' in text
        assert 'Stored: travellers in the random control sample</th><td class="num">3<' in text
        # one of the two kept is fearful; two of the three without a hit (batch m3, the API's)
        low, high = wilson(2, 3)
        assert f"60.00% ({(1 + low * 3) * 20:.2f}–{(1 + high * 3) * 20:.2f})" in text
