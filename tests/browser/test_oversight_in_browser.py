"""The roles that watch over the others, in Chromium, in Chinese on a phone (375 px) and in
English at the desk (1280 px): an administrator deactivates an account only after ticking the
confirmation that says what happens, and reactivates it; an auditor finds every entry about a
case by its reference and has the chain checked. The page never scrolls sideways (a wide
table scrolls within itself). Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_main_path import log_in, settle
from worlds import border_post, person


def _world() -> str:
    from palermo.web.cases.services import case_open
    from palermo.web.lib.roles import Role

    post = border_post()
    person("admin", post, Role.ADMINISTRATOR, second_factor=True)
    person("auditor", post, Role.AUDITOR, second_factor=True)
    person("leaving", post, Role.FIRST_LINE_OFFICER)
    worker = person("worker", post, Role.CASE_WORKER, password=False)
    case = case_open(actor=worker, full_name="Li Wei", outcome="possible", note="Met at gate 4.")
    return case.reference


def _switch(page: Any, language: str) -> None:
    page.select_option("#language", language)
    page.click("form.lang button[type=submit]")
    settle(page)


def _no_sideways_scroll(page: Any, width: int) -> None:
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll <= width + 1, f"the page is {scroll} px wide at {width} px"


def _active(username: str) -> bool:
    from palermo.web.accounts.models import User

    return bool(User.objects.get(username=username).is_active)


@pytest.mark.django_db(transaction=True)
def test_an_administrator_and_an_auditor_do_their_work_on_a_phone_in_chinese_and_at_a_desk(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    page = browser_page
    base = live_server.url
    reference = _world()

    log_in(page, base, "admin")
    page.set_viewport_size({"width": 375, "height": 812})
    _switch(page, "zh-hans")
    page.goto(f"{base}/administration/")
    row = page.locator("tr", has_text="leaving")
    row.locator("details.confirm summary").click()
    warning = row.locator("details.confirm .notice.warn")
    assert warning.is_visible()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in warning.inner_text())
    _no_sideways_scroll(page, 375)
    page.screenshot(path=str(artifacts / "admin-deactivate-zh-375.png"), full_page=True)
    row.locator("details.confirm input[name=confirm]").check()
    row.locator("details.confirm button[type=submit]").click()
    settle(page)
    assert not _active("leaving")
    page.locator("tr", has_text="leaving").locator("form[action$='/reactivate/'] button").click()
    settle(page)
    assert _active("leaving")
    page.context.clear_cookies()

    log_in(page, base, "auditor")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/audit/")
    page.fill("#id_case_reference", reference)
    page.click("main form.filters button[type=submit]")
    settle(page)
    results = page.locator("#results").inner_text()
    assert "Case note" in results  # the opening note, written with the case, is about it
    assert "cases.casenote" not in results  # object types in words
    page.click("#chain a.button")
    page.wait_for_selector("#chain .notice.ok, #chain .errors", timeout=20_000)
    chain = page.locator("#chain").inner_text()
    assert page.locator("#chain .notice.ok").is_visible(), chain
    page.screenshot(path=str(artifacts / "audit-case-en-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    _no_sideways_scroll(page, 375)
    page.screenshot(path=str(artifacts / "audit-case-en-375.png"), full_page=True)
    _switch(page, "zh-hans")
    _no_sideways_scroll(page, 375)
    results = page.locator("#results").inner_text()
    # why each entry was written, in the page's language: the chain check just asked for
    assert "已核验审计日志哈希链" in results
    assert "audit chain verified" not in results  # not the stored English
    page.screenshot(path=str(artifacts / "audit-case-zh-375.png"), full_page=True)
