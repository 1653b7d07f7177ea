"""What each profile yields and whom it selects (issue 11): hits followed to their second-line
interview, assessment and conclusive identification; yields per 100,000 screened; the control
sample's estimate of what the profiles miss; selection rates by group with disparity flags."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from flow_fixtures import TODAY, activate_example

from palermo.analytics.backtest import wilson
from palermo.web.interviews.models import Interview
from palermo.web.lib.roles import Role
from palermo.web.nrm.models import Decision, Identification
from palermo.web.outcomes import selectors
from palermo.web.outcomes.selectors import Period
from palermo.web.screening.models import Hit
from palermo.web.screening.services import desk_screen, hit_dispose
from palermo.web.testsupport import BaseTestCase

PERIOD = Period(TODAY.replace(day=1) if TODAY.day > 1 else TODAY, TODAY)
_ids = itertools.count()


def record(*, flagged: bool, nationality: str = "TH", sex: str = "F") -> dict[str, Any]:
    return {
        "record_id": f"t-{next(_ids)}",
        "event_kind": "exit",
        "port": "PEK",
        "event_date": TODAY,
        "nationality": nationality,
        "sex": sex,
        "date_of_birth": TODAY.replace(year=TODAY.year - 30),
        "obs_document_held_by_other": flagged,
        "obs_companion_answers": flagged,
    }


class OutcomeCase(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.period = Period(TODAY - timezone.timedelta(days=30), TODAY)

    def screen(self, n: int, **kwargs: Any) -> list[Hit]:
        hits = []
        for _ in range(n):
            traveller, _engine = desk_screen(actor=self.officer, record=record(**kwargs))
            if traveller is not None:
                hits.extend(traveller.hits.all())
        return hits

    def interview(self, hit: Hit, outcome: str, *, identified: bool = False) -> None:
        case = self.open_case() if identified else None
        now = timezone.now()
        Interview.objects.create(
            reference=f"I-{hit.pk}",
            agency=self.agency_a,
            kind="second_line",
            instrument_id="adult",
            instrument_version="1",
            hit=hit,
            started_by=self.supervisor,
            started_at=now,
            updated_at=now,
            status="completed",
            outcome=outcome,
            case=case,
        )
        if case is not None:
            identification = Identification.objects.create(
                case=case, referring_agency=self.agency_a, competent_authority=self.agency_b,
                summary="grounds", referred_by=self.supervisor, referred_at=now,
                state="concluded_positive", updated_at=now,
            )  # fmt: skip
            Decision.objects.create(
                identification=identification, stage="conclusive", positive=True,
                reasons="identified", decided_by=self.outsider, decided_at=now,
            )  # fmt: skip

    def dispose(self, hit: Hit, kind: str, minutes: int | None = None) -> None:
        observed = ["BRD-01"] if kind == "referred" else []
        hit_dispose(
            actor=self.officer,
            hit=hit,
            kind=kind,
            reason="Seen at the first line.",
            observed=observed,
            minutes=minutes,
        )


class TestOutcomesPerProfile(OutcomeCase):
    def test_hits_are_followed_to_the_interview_the_assessment_and_the_identification(
        self,
    ) -> None:
        hits = self.screen(4, flagged=True)
        self.screen(6, flagged=False)
        self.dispose(hits[0], "referred", minutes=10)
        self.dispose(hits[1], "referred", minutes=20)
        self.dispose(hits[2], "no_action")
        self.interview(hits[0], "presumed_victim", identified=True)
        self.interview(hits[1], "indicators_insufficient")
        (o,) = selectors.rule_outcomes(user=self.analyst, period=self.period)
        assert (o.rule_id, o.hits, o.travellers) == ("documents-held-and-companion-answers", 4, 4)
        assert (o.second_line.flagged, o.second_line.travellers) == (2, 4)
        assert (o.victims.flagged, o.identified.flagged) == (1, 1)
        assert (o.yield_.flagged, o.yield_.travellers) == (1, 10)
        assert o.minutes_per_hit == 15
        assert o.victims.low < 0.25 < o.victims.high

    @override_settings(PROFILE_YIELD_FLOOR_PER_100000=50_000)
    def test_a_profile_whose_yield_cannot_reach_the_floor_is_flagged_for_review(self) -> None:
        self.screen(3, flagged=True)
        self.screen(200, flagged=False)
        (o,) = selectors.rule_outcomes(user=self.analyst, period=self.period)
        assert o.low_yield
        self.login(self.analyst)
        page = self.client.get(reverse("outcomes:index")).content.decode()
        assert "even the upper bound of its yield is below the floor of 50000" in page

    def test_another_agency_sees_none_of_these_hits(self) -> None:
        self.screen(2, flagged=True)
        stranger = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)
        assert selectors.rule_outcomes(user=stranger, period=self.period) == []

    def test_the_national_body_sees_every_agency(self) -> None:
        self.screen(2, flagged=True)
        national = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)
        with override_settings(NATIONAL_AGENCY=self.agency_b.code):
            (o,) = selectors.rule_outcomes(user=national, period=self.period)
        assert o.hits == 2

    def test_a_first_line_officer_cannot_open_the_outcomes(self) -> None:
        self.login(self.officer)
        assert self.client.get(reverse("outcomes:index")).status_code == 403


class TestControlSampleEstimate(OutcomeCase):
    @override_settings(CONTROL_SAMPLE_PER_100000=100_000)
    def test_the_control_sample_estimates_the_share_of_victims_the_profiles_find(self) -> None:
        flagged = self.screen(2, flagged=True)
        controls = self.screen(4, flagged=False)
        assert {h.source for h in controls} == {"control"}
        self.interview(flagged[0], "presumed_victim")
        self.interview(controls[0], "possible_victim")
        estimate = selectors.control_estimate(user=self.analyst, period=self.period)
        assert (estimate.screened, estimate.flagged_travellers, estimate.sample) == (6, 2, 4)
        assert (estimate.sample_victims.flagged, estimate.found_by_profiles) == (1, 1)
        assert estimate.recall is not None
        share, low, high = estimate.recall
        # one found by the profiles; a quarter of the four unflagged travellers missed
        assert share == 1 / (1 + 0.25 * 4)
        assert low <= share <= high


class TestDisparity(OutcomeCase):
    def test_a_group_selected_out_of_proportion_to_the_victims_found_is_flagged(self) -> None:
        self.screen(20, flagged=True, nationality="TH")
        self.screen(20, flagged=False, nationality="TH")
        self.screen(2, flagged=True, nationality="VN")
        self.screen(38, flagged=False, nationality="VN")
        found = selectors.disparity(user=self.analyst, period=self.period)
        by_group = {(g.attribute, g.group): g for g in found.groups}
        thai = by_group[("nationality", "TH")]
        assert (thai.screened, thai.selected.flagged) == (40, 20)
        assert thai.ratio == 10.0
        assert thai.flagged
        assert by_group[("nationality", "VN")].flagged
        assert not by_group[("sex", "F")].flagged  # everyone is F: no one else to compare

    def test_a_difference_matched_by_the_victims_found_is_not_flagged(self) -> None:
        thai = self.screen(20, flagged=True, nationality="TH")
        self.screen(20, flagged=False, nationality="TH")
        vietnamese = self.screen(2, flagged=True, nationality="VN")
        self.screen(38, flagged=False, nationality="VN")
        for hit in thai[:10]:
            self.interview(hit, "possible_victim")
        self.interview(vietnamese[0], "possible_victim")
        found = selectors.disparity(user=self.analyst, period=self.period)
        thai_rate = next(g for g in found.groups if g.group == "TH")
        assert thai_rate.yield_ratio == 10.0
        assert not thai_rate.flagged

    def test_with_too_few_control_travellers_the_flag_says_it_compared_the_victims_found(
        self,
    ) -> None:
        self.screen(20, flagged=True, nationality="TH")
        self.screen(20, flagged=False, nationality="TH")
        self.screen(2, flagged=True, nationality="VN")
        self.screen(38, flagged=False, nationality="VN")
        found = selectors.disparity(user=self.analyst, period=self.period)
        thai = next(g for g in found.groups if g.group == "TH")
        assert thai.control_victims.travellers == 0
        assert thai.base_rate is None
        assert thai.flagged
        assert thai in found.short_of_control
        self.login(self.analyst)
        page = self.client.get(reverse("outcomes:index")).content.decode()
        assert "fewer than 20 control travellers" in page
        assert "the victims found (too few control travellers)" in page

    def test_the_profile_page_shows_its_trend_and_its_groups_in_both_languages(self) -> None:
        self.screen(3, flagged=True, nationality="TH")
        self.screen(3, flagged=False, nationality="VN")
        self.login(self.analyst)
        url = reverse("outcomes:rule", kwargs={"rule_id": "documents-held-and-companion-answers"})
        page = self.client.get(url).content.decode()
        assert "Hits and victims found, by month" in page
        assert "<svg" in page
        assert "Whom it selects" in page
        self.client.cookies["django_language"] = "zh-hans"
        page_zh = self.client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "命中与发现的受害人，按月份" in page_zh

    def test_a_month_written_wrongly_is_refused_beside_the_field(self) -> None:
        self.login(self.analyst)
        response = self.client.get(reverse("outcomes:index"), {"month": "2026-13"})
        assert response.status_code == 422
        assert "Write the month as YYYY-MM" in response.content.decode()

    def test_the_monthly_report_covers_exactly_that_month(self) -> None:
        self.login(self.analyst)
        response = self.client.get(reverse("outcomes:index"), {"month": "2026-02"})
        assert response.status_code == 200
        assert "28 Feb 2026" in response.content.decode()


@override_settings(CONTROL_SAMPLE_PER_100000=100_000)
class TestDisparityAgainstTheControlSample(OutcomeCase):
    """Every traveller without a hit is drawn for the control sample, so each group's base rate
    is known by construction: the victims among its flagged travellers plus those among its
    control travellers, over its travellers screened. Thais are selected ten times as often as
    Vietnamese in both worlds (20 of 40 against 2 of 40)."""

    def world(self, *, thai_found: int, vietnamese_found: int, vietnamese_missed: int) -> None:
        thai = self.screen(20, flagged=True, nationality="TH")
        self.screen(20, flagged=False, nationality="TH")
        vietnamese = self.screen(2, flagged=True, nationality="VN")
        missed = self.screen(38, flagged=False, nationality="VN")
        assert {h.source for h in missed} == {"control"}
        for hit in thai[:thai_found]:
            self.interview(hit, "possible_victim")
        for hit in vietnamese[:vietnamese_found]:
            self.interview(hit, "presumed_victim")
        for hit in missed[:vietnamese_missed]:
            self.dispose(hit, "referred")
            self.interview(hit, "possible_victim")

    def groups(self, rule_id: str | None = None) -> dict[str, selectors.GroupRate]:
        found = selectors.disparity(user=self.analyst, period=self.period, rule_id=rule_id)
        return {g.group: g for g in found.groups if g.attribute == "nationality"}

    def test_equal_base_rates_flag_a_group_the_victims_found_would_have_excused(self) -> None:
        # 10 of 40 Thais and 10 of 40 Vietnamese are victims; the profile finds the Thai ones
        # because it looks at Thais, and misses nine Vietnamese the control sample finds
        self.world(thai_found=10, vietnamese_found=1, vietnamese_missed=9)
        thai, vietnamese = self.groups()["TH"], self.groups()["VN"]
        assert thai.ratio == 10.0
        assert thai.yield_ratio == 10.0  # what the old flag compared: it matched, no flag
        assert thai.base_rate is not None
        assert thai.base_rate.share == 10 / 40
        assert vietnamese.base_rate is not None
        assert vietnamese.base_rate.share == pytest.approx(10 / 40)
        assert thai.base_ratio == pytest.approx(1.0)
        assert thai.on_control
        assert thai.flagged
        assert vietnamese.flagged  # selected a tenth as often, victims as often
        assert (vietnamese.control_victims.flagged, vietnamese.control_victims.travellers) == (
            9,
            38,
        )
        assert (vietnamese.control_victims.low, vietnamese.control_victims.high) == wilson(9, 38)
        assert vietnamese.control_referred.flagged == 9
        # the control sample's interval carried through: one found among the flagged, the
        # sample's share of the 38 without a hit
        low, high = wilson(9, 38)
        assert vietnamese.base_rate.low == (1 + low * 38) / 40
        assert vietnamese.base_rate.high == (1 + high * 38) / 40

    def test_a_selection_matched_by_the_base_rate_is_not_flagged(self) -> None:
        # 10 of 40 Thais are victims (all flagged), 1 of 40 Vietnamese (missed, in the sample)
        self.world(thai_found=10, vietnamese_found=0, vietnamese_missed=1)
        thai = self.groups()["TH"]
        assert thai.base_rate is not None
        assert thai.base_rate.share == 10 / 40
        assert thai.base_ratio == pytest.approx(10.0)
        assert not thai.flagged

    def test_one_profiles_flag_uses_the_groups_base_rates_too(self) -> None:
        self.world(thai_found=10, vietnamese_found=1, vietnamese_missed=9)
        thai = self.groups("documents-held-and-companion-answers")["TH"]
        assert thai.ratio == 10.0
        assert thai.base_ratio == pytest.approx(1.0)
        assert thai.flagged

    def test_the_pages_chart_each_groups_control_yield_in_both_languages(self) -> None:
        self.world(thai_found=10, vietnamese_found=1, vietnamese_missed=9)
        self.login(self.analyst)
        page = self.client.get(reverse("outcomes:index")).content.decode()
        assert 'id="chart-set-control-nationality"' in page
        assert "the control sample's base rates" in page
        assert "9 / 38" in page
        url = reverse("outcomes:rule", kwargs={"rule_id": "documents-held-and-companion-answers"})
        month = TODAY.strftime("%Y-%m")
        report = self.client.get(url, {"month": month}).content.decode()
        assert 'id="chart-rule-control-nationality"' in report
        assert "Victims per 100 control travellers by nationality" in report
        assert "flagged (control sample)" in report
        self.client.cookies["django_language"] = "zh-hans"
        report_zh = self.client.get(url, {"month": month}).content.decode()
        assert "按国籍，每 100 名对照旅客中的受害人" in report_zh
        assert "受筛查人数" in report_zh  # a count of travellers, not the time of screening
        assert "Victims per 100 control travellers" not in report_zh
