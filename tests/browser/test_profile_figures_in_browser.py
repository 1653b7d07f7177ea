"""The approver reads the backtest figures beside the logic, at desk and phone widths, in
English and Chinese. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_main_path import log_in
from worlds import border_post, person, profile_version


def _submitted_version() -> int:
    from palermo.web.lib.roles import Role

    post = border_post()
    analyst = person("analyst", post, Role.RISK_ANALYST, password=False)
    supervisor = person("supervisor", post, Role.SUPERVISOR, second_factor=True)
    version = profile_version(
        "visa-inconsistent-with-job.yaml", analyst=analyst, supervisor=supervisor, until="submitted"
    )
    return int(version.pk)


@pytest.mark.django_db(transaction=True)
def test_the_approver_reads_the_figures_at_both_widths_in_both_languages(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    pk = _submitted_version()
    page, base = browser_page, live_server.url
    log_in(page, base, "supervisor")  # supervisors confirm each log-in with their authenticator
    page.goto(f"{base}/profiles/{pk}/")
    section = page.locator("section[aria-labelledby=figures-title]")
    assert "Projected hits per day" in section.inner_text()
    assert section.locator("tbody tr").count() >= 3
    page.screenshot(path=str(artifacts / "profile-figures-1280-en.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    box = page.locator("section[aria-labelledby=figures-title] dl").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 375  # the figures fit; the table scrolls by itself
    page.screenshot(path=str(artifacts / "profile-figures-375-en.png"), full_page=True)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page.reload()
    assert "预计每日命中数" in page.locator("section[aria-labelledby=figures-title]").inner_text()
    page.screenshot(path=str(artifacts / "profile-figures-375-zh.png"), full_page=True)
