"""At approval, numbers beside the logic: the version backtested on recent screened traffic
when there is enough of it, else on the synthetic reference population - and the page says
which, how many travellers and which dates."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.test import override_settings
from django.urls import reverse
from django.utils.formats import date_format
from flow_fixtures import FEARFUL_DRAFT, TODAY, activate_example, example_text

from palermo.analytics import backtest, reference_population, wilson
from palermo.profiles import profile_set_from_texts
from palermo.web.lib.roles import Role
from palermo.web.profiles.figures import percent
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import profile_submit, profile_upload
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase


class TestFiguresBeforeApproval(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.user_with_role(Role.RISK_ANALYST))
        text = example_text("visa-inconsistent-with-job")
        self.client.post(reverse("profiles:upload"), {"text": text, "save": "1"})
        self.version = ProfileVersion.objects.get()
        self.client.post(reverse("profiles:submit", kwargs={"pk": self.version.pk}))
        self.expected = backtest(
            profile_set_from_texts({"p.yaml": text}), reference_population()
        ).profiles[0]
        self.login(self.supervisor)

    def test_the_approver_sees_share_hits_per_day_and_rates_by_group_before_signing(
        self,
    ) -> None:
        page = self.client.get(reverse("profiles:detail", kwargs={"pk": self.version.pk}))
        text = page.content.decode()
        assert "What this version would flag" in text
        assert "synthetic reference population of 5000 travellers" in text
        assert percent(self.expected.flagged) in text
        assert f"{self.expected.hits_per_day:.2f}" in text
        assert "Selection rate by protected group (95% interval)" in text
        for rate in self.expected.by_group["sex"]:
            assert f"<td>{rate.group}</td><td>{rate.travellers}</td>" in text
        assert "approve" in text  # the second signature is on the same page

    def test_the_figures_read_in_chinese(self) -> None:
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("profiles:detail", kwargs={"pk": self.version.pk}))
        text = page.content.decode()
        assert "此版本将标记哪些旅客" in text
        assert "按受保护群体的选中率（95% 区间）" in text
        assert "预计每日命中数" in text

    def test_without_recent_traffic_the_page_says_why_it_used_the_synthetic_population(
        self,
    ) -> None:
        text = self.client.get(
            reverse("profiles:detail", kwargs={"pk": self.version.pk})
        ).content.decode()
        assert 'data-basis="synthetic"' in text
        assert "0 travellers screened in the last 30 days; at least 1000 are needed" in text


_ids = itertools.count()


def traveller(*, kept: bool, fearful: bool) -> dict[str, Any]:
    """Kept: the active profile flags the traveller (documents held, companion answers)."""
    return {
        "record_id": f"f-{next(_ids)}",
        "event_kind": "exit",
        "port": "PEK",
        "event_date": TODAY,
        "nationality": "TH",
        "sex": "F",
        "date_of_birth": TODAY.replace(year=TODAY.year - 30),
        "obs_document_held_by_other": kept,
        "obs_companion_answers": kept,
        "obs_fearful": fearful,
    }


@override_settings(
    CONTROL_SAMPLE_PER_100000=100_000,
    BACKTEST_MIN_CONTROL=3,
    APPROVAL_MIN_SCREENED=10,
    APPROVAL_TRAFFIC_DAYS=7,
)
class TestFiguresFromRecentTraffic(BaseTestCase):
    """Ten travellers screened today: four kept for the active profile's hit (two fearful),
    six without a hit, all drawn for the control sample (three fearful). The draft flags the
    fearful: two of the four exactly, and half of the six by the sample's estimate."""

    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        analyst = self.user_with_role(Role.RISK_ANALYST)
        self.version = profile_upload(actor=analyst, source_name="d.yaml", text=FEARFUL_DRAFT)
        profile_submit(actor=analyst, version=self.version)
        for kept, fearful in [(True, True)] * 2 + [(True, False)] * 2:
            desk_screen(actor=self.officer, record=traveller(kept=kept, fearful=fearful))
        for fearful in [True] * 3 + [False] * 3:
            desk_screen(actor=self.officer, record=traveller(kept=False, fearful=fearful))
        self.login(self.supervisor)

    def page(self, language: str = "en") -> str:
        self.client.cookies["django_language"] = language
        url = reverse("profiles:detail", kwargs={"pk": self.version.pk})
        return self.client.get(url).content.decode()

    def test_the_approver_sees_figures_on_the_last_days_screenings_and_which_they_were(
        self,
    ) -> None:
        text = self.page()
        assert 'data-basis="traffic"' in text
        assert "synthetic reference population" not in text
        since = date_format(TODAY - dt.timedelta(days=6), "DATE_FORMAT")
        until = date_format(TODAY, "DATE_FORMAT")
        assert f"the 10 travellers screened in your scope from {since} to {until} (7 days)" in text
        assert "The 4 travellers kept for a hit are counted exactly" in text
        assert "from the 6 travellers of the random control sample" in text
        low, high = wilson(3, 6)
        assert f"50.00% ({(2 + low * 6) / 10:.2%}–{(2 + high * 6) / 10:.2%})" in text
        assert f"{5 / 7:.2f}" in text  # five travellers flagged over seven days
        assert "<dd>2 <span" in text  # both fearful kept travellers also flagged by the active

    @override_settings(BACKTEST_MIN_CONTROL=50)
    def test_a_control_sample_too_small_falls_back_on_the_synthetic_population(self) -> None:
        text = self.page()
        assert 'data-basis="synthetic"' in text
        assert "synthetic reference population of 5000 travellers" in text
        assert "control sample of the last 7 days holds 6 travellers; at least 50" in text

    @override_settings(APPROVAL_MIN_SCREENED=11)
    def test_too_few_travellers_screened_falls_back_on_the_synthetic_population(self) -> None:
        text = self.page()
        assert "10 travellers screened in the last 7 days; at least 11 are needed" in text

    def test_the_basis_reads_in_chinese(self) -> None:
        text = self.page("zh-hans")
        assert "根据近期的筛查流量估计" in text
        assert "Estimated on recent screened traffic" not in text

    def test_a_traveller_screened_since_the_last_reading_changes_the_figures(self) -> None:
        assert "the 10 travellers screened" in self.page()
        desk_screen(actor=self.officer, record=traveller(kept=False, fearful=True))
        text = self.page()
        assert "the 11 travellers screened" in text
        assert "from the 7 travellers of the random control sample" in text
