"""The dashboards, the action plan and the case export page in a real browser (issue 13): a
supervisor sees every chart drawn (an SVG with its table beside it) in English and in Chinese,
at 1280 and at 375 px with nothing off-screen, and downloads a chart's CSV. Screenshots go to
test-artifacts/dashboards-*.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_front_line import _chinese, _nothing_off_screen
from test_main_path import log_in
from worlds import border_post, person


def _world() -> None:
    from django.utils import timezone

    from palermo.web.lib.roles import Role
    from palermo.web.screening.models import PENDING, Disposition, Hit, Traveller

    agency = border_post()
    officer = person("officer", agency, Role.FIRST_LINE_OFFICER, password=False)
    person("supervisor", agency, Role.SUPERVISOR, second_factor=True)
    now = timezone.now()
    specs = [
        ("Pudong", "Recruited abroad", "referred"),
        ("Pudong", "Documents held", PENDING),
        ("Hongqiao", "Documents held", "no_action"),
        ("Pudong", "Recruited abroad", PENDING),
    ]
    for n, (port, title, status) in enumerate(specs * 3):
        at = now - dt.timedelta(days=n * 5, hours=3)
        traveller = Traveller.objects.create(
            agency=agency, screened_by=officer, screened_at=at, record_id=f"r{n}", port=port,
            record="{}", set_version="v1",
        )  # fmt: skip
        hit = Hit.objects.create(
            traveller=traveller, agency=agency, rule_id=title.lower().replace(" ", "-"),
            rule_version="1", weight=1.0, title_en=title, title_zh=f"{title}（中文）",
            set_version="v1", status=status, port=port, created_at=at,
        )  # fmt: skip
        if status != PENDING:
            Disposition.objects.create(hit=hit, kind=status, reason="seen", decided_by=officer,
                                       decided_at=at + dt.timedelta(hours=n + 1))  # fmt: skip


def _charts_drawn(page: Any) -> int:
    """Every chart on the page has its picture and its table; the number of charts."""
    charts = page.locator("figure:has(svg)")
    count: int = charts.count()
    assert count > 0
    assert page.locator("table").count() >= count
    return count


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.django_db(transaction=True)
def test_a_supervisor_reads_the_dashboards_and_the_plan_with_charts_in_both_languages(
    live_server: Any, browser_page: Any, artifacts: Path, lang: str
) -> None:
    _world()
    page, base = browser_page, live_server.url
    log_in(page, base, "supervisor")
    if lang == "zh":
        _chinese(page, base)
    for name, path in (("dashboards", "/reports/"), ("plan", "/reports/plan/"),
                       ("cases-export", "/reports/cases-export/")):  # fmt: skip
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            _nothing_off_screen(page)
            if name != "cases-export":
                _charts_drawn(page)
            page.screenshot(path=str(artifacts / f"{name}-{lang}-{width}.png"), full_page=True)
        heading = page.locator("h1").inner_text()
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in heading), heading
        else:
            assert heading.isascii(), heading
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/reports/")
    assert _charts_drawn(page) >= 5  # the hits; charts of cases and referrals: none here
    words = page.locator("main").inner_text()
    assert "Pudong" in words
    assert ("Hits by port" in words) == (lang == "en")
    with page.expect_download() as download:
        page.locator("a[href*='export=hits-by-port']").first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Pudong" in text
