"""The approver reads the backtest figures beside the logic, at desk and phone widths, in
English and Chinese. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_main_path import PASSWORD, log_in

from palermo.profiles import EXAMPLES_DIR


def _submitted_version() -> int:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from palermo.web.accounts.models import Agency
    from palermo.web.lib.roles import AgencyKind, Role
    from palermo.web.profiles.services import profile_submit, profile_upload
    from palermo.web.testsupport import make_user

    agency = Agency.objects.create(name="Northgate", kind=AgencyKind.BORDER_POST, code="north")
    analyst = make_user("analyst", agency=agency, role=Role.RISK_ANALYST)
    supervisor = make_user("supervisor", agency=agency, role=Role.SUPERVISOR, password=PASSWORD)
    TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    name = "visa-inconsistent-with-job.yaml"
    version = profile_upload(
        actor=analyst, source_name=name, text=(EXAMPLES_DIR / name).read_text(encoding="utf-8")
    )
    profile_submit(actor=analyst, version=version)
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
