"""What cannot be undone asks first, seen in Chromium: the case page's closing box and the
profile's activation box in English and Chinese at 1280 and 375 px (nothing off-screen); the
log-in page focuses the user name; a missing page is in the page's language. Screenshots go
to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_main_path import log_in, settle
from worlds import border_post, person, profile_version


def _world() -> tuple[int, int]:
    from palermo.web.cases.services import case_open
    from palermo.web.lib.roles import Role

    post = border_post()
    worker = person("worker", post, Role.CASE_WORKER, second_factor=True)
    supervisor = person("supervisor", post, Role.SUPERVISOR, second_factor=True)
    analyst = person("analyst", post, Role.RISK_ANALYST, password=False)
    version = profile_version(
        "visible-injuries.yaml", analyst=analyst, supervisor=supervisor, until="approved"
    )
    case = case_open(actor=worker, full_name="Li Wei", outcome="possible")
    return case.pk, version.pk


def _in_view(page: Any, selector: str, width: int) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width + 1


def _switch(page: Any, language: str) -> None:
    page.select_option("#language", language)
    page.click("form.lang button[type=submit]")
    settle(page)


@pytest.mark.django_db(transaction=True)
def test_confirmations_are_shown_in_both_languages_at_desk_and_phone_widths(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    page, base = browser_page, live_server.url
    case_pk, version_pk = _world()
    page.goto(f"{base}/accounts/login/")
    assert page.evaluate("document.activeElement && document.activeElement.name") == "username"
    log_in(page, base, "worker")
    for language, words in (("en", "I confirm: close this case"), ("zh-hans", "我确认：结案")):
        _switch(page, language)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/cases/{case_pk}/")
            settle(page)
            assert words in page.content()
            _in_view(page, "#id_confirm_close", width)
            page.screenshot(
                path=str(artifacts / f"confirm-close-{language}-{width}.png"), full_page=True
            )
        page.goto(f"{base}/no-such-page/")
        assert ("未找到页面" if language == "zh-hans" else "Page not found") in page.content()
        page.screenshot(path=str(artifacts / f"not-found-{language}-375.png"), full_page=True)
    page.click("form.who button[type=submit]")
    log_in(page, base, "supervisor")
    for language, words in (
        ("en", "I confirm: activate this version"),
        ("zh-hans", "我确认：启用此版本"),
    ):
        _switch(page, language)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/profiles/{version_pk}/")
            settle(page)
            assert words in page.content()
            page.screenshot(
                path=str(artifacts / f"confirm-activate-{language}-{width}.png"), full_page=True
            )
        page.click("main button:text-is('Activate'), main button:text-is('启用')")
        settle(page)
        assert page.locator("input[name=confirm]:invalid").count() >= 1
