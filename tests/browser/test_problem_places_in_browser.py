"""A refused watchlist names each problem's row in the page's language: at 375 pixels, in
Chinese ('第 1 行') and in English ('row 1'). Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_main_path import PASSWORD, log_in

BROKEN_CSV = (
    "id,kind,surname,given_names,date_of_birth,nationality\n"
    "P1,person,SANTOS,Maria,1985-13-40,PH\n"
    "P2,alien,LOPEZ,Ana,1990-01-01,XX\n"
)


def _analyst() -> None:
    from palermo.web.accounts.models import Agency
    from palermo.web.lib.roles import AgencyKind, Role
    from palermo.web.testsupport import make_user

    agency = Agency.objects.create(name="Northgate", kind=AgencyKind.BORDER_POST, code="north")
    make_user("analyst", agency=agency, role=Role.RISK_ANALYST, password=PASSWORD)


def _upload(page: Any, base: str, path: Path) -> str:
    page.goto(f"{base}/watchlists/upload/")
    page.set_input_files("#id_file", str(path))
    page.fill("#id_id", "missing")
    page.fill("#id_owner", "Child protection office")
    page.fill("#id_purpose", "find children reported missing")
    page.fill("#id_legal_basis", "Child Protection Act s. 4")
    page.fill("#id_expires", (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=60)).isoformat())
    page.click("main form button[type=submit]")
    alert = page.locator("main .errors[role=alert]")
    alert.wait_for()
    box = alert.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 375  # the problems fit the phone's width
    return str(alert.inner_text())


@pytest.mark.django_db(transaction=True)
def test_a_refused_watchlist_names_its_rows_in_chinese_and_in_english_on_a_phone(
    live_server: Any, browser_page: Any, artifacts: Path, tmp_path: Path
) -> None:
    _analyst()
    path = tmp_path / "missing.csv"
    path.write_text(BROKEN_CSV, encoding="utf-8")
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, "analyst")
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    chinese = _upload(page, base, path)
    assert "missing.csv 第 1 行" in chinese
    assert "missing.csv 第 2 行" in chinese
    assert "row 1" not in chinese
    page.screenshot(path=str(artifacts / "problem-places-375-zh.png"), full_page=True)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    english = _upload(page, base, path)
    assert "missing.csv row 1" in english
    assert "第 1 行" not in english
    page.screenshot(path=str(artifacts / "problem-places-375-en.png"), full_page=True)
