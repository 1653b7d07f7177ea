"""At approval, numbers beside the logic: the version backtested on the reference population."""

from __future__ import annotations

from django.urls import reverse
from flow_fixtures import example_text

from palermo.analytics import backtest, reference_population
from palermo.profiles import profile_set_from_texts
from palermo.web.lib.roles import Role
from palermo.web.profiles.figures import percent
from palermo.web.profiles.models import ProfileVersion
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
