"""Referrals in a real browser (issue 10): a case worker finds a shelter by service and area
and refers the case, then refers it to the police; the shelter accepts from its
notification; the police, in Chinese, decline with a reason; the sender is told both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_main_path import log_in, settle
from worlds import POLICE, border_post, consents, person, referral_partner, shelter_with_agreement


def _world() -> int:
    """Agencies A (border post), B (shelter), C (police) with a case worker, a shelter case
    worker and an investigator (authenticators enrolled); agreements A-B and A-C; both
    directory entries; a case at A with the person's consents for B and C. The case's id."""
    from palermo.web.cases.services import case_open
    from palermo.web.lib.roles import Role

    border = border_post()
    admin = person("directory-admin", border, Role.ADMINISTRATOR, password=False)
    shelter = shelter_with_agreement(border, admin)
    police = referral_partner(border, admin, POLICE)
    person("caseworker", border, Role.CASE_WORKER, second_factor=True)
    person("shelterworker", shelter, Role.CASE_WORKER, second_factor=True)
    person("investigator", police, Role.INVESTIGATOR, second_factor=True)
    worker = person("opener", border, Role.SECOND_LINE_INTERVIEWER, password=False)
    case = case_open(actor=worker, full_name="Li Wei", outcome="presumed", contact="+86 138")
    consents(worker, case, ("assistance", None), ("sharing", shelter), ("sharing", police))
    return int(case.pk)


def _refer(page: Any, base: str, case_id: int, service: str, provider: str, kind: str) -> None:
    page.goto(f"{base}/cases/{case_id}/")
    page.click("a:has-text('Refer to a service')")
    page.select_option("#id_service", service)
    page.fill("#id_area", "Kunming")
    page.click("form.filters button")
    settle(page)
    page.locator("tr", has_text=provider).locator("text=Choose").click()
    settle(page)
    page.select_option("#send_referral_type", kind)
    page.click("button:has-text('Send the referral')")
    page.wait_for_selector("text=the receiving agency has been told")


@pytest.mark.django_db(transaction=True)
def test_a_case_is_referred_to_a_shelter_that_accepts_and_to_the_police_who_decline(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from palermo.web.referrals.models import Referral

    page, base = browser_page, live_server.url
    case_id = _world()

    # 1. the border post's case worker refers the case twice
    log_in(page, base, "caseworker")
    _refer(page, base, case_id, "shelter", "Harbour shelter", "contact")
    page.screenshot(path=str(artifacts / "referral-1-sent.png"), full_page=True)
    _refer(page, base, case_id, "police_prosecution", "Eastport police", "investigation")
    assert Referral.objects.filter(state="sent").count() == 2
    page.click("header form.who button")

    # 2. the shelter sees the notification, opens the referral, reads the name, accepts
    log_in(page, base, "shelterworker")
    assert "1 unread" in page.inner_text("#notifications-link")
    page.click("#notifications-link")
    page.click("text=Open")
    assert "Li Wei" in page.inner_text("main")
    page.check("input[name=confirm] >> nth=0")
    page.click("button:has-text('Accept')")
    page.wait_for_selector("text=Referral accepted")
    page.screenshot(path=str(artifacts / "referral-2-accepted.png"), full_page=True)
    page.click("header form.who button")

    # 3. the police, in Chinese, decline with a reason
    log_in(page, base, "investigator")
    page.select_option("#language", "zh-hans")
    page.click("header form.lang button")
    page.wait_for_selector("html[lang=zh-hans]", state="attached")
    page.click("#notifications-link")
    page.click("text=打开")
    page.click("text=拒绝…")
    page.fill("#decline-reason", "不在本辖区")
    page.locator("form[action$='/decline/'] input[name=confirm]").check()
    page.click("form[action$='/decline/'] button")
    page.wait_for_selector("text=转介已拒绝")
    assert "不在本辖区" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "referral-3-declined-zh.png"), full_page=True)
    page.select_option("#language", "en")
    page.click("header form.lang button")
    page.click("header form.who button")

    # 4. the sender is told both answers
    log_in(page, base, "caseworker")
    page.click("#notifications-link")
    text = page.inner_text("main")
    assert "Harbour shelter accepted referral" in text
    assert "Eastport police declined referral" in text
    assert "不在本辖区" in text
    states = dict(Referral.objects.values_list("recipient__code", "state"))
    assert states == {"harbour": "accepted", "eastport": "declined"}
