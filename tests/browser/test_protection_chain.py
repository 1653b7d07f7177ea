"""The protection chain's remaining paths in Chromium (issue 10): a child's case opened from the
interview sends the child-protection referral at once to the service the directory routes to,
in Chinese on a 375-pixel phone screen, and the receiving service accepts it; a consul takes a
national from assistance to the return and the reintegration hand-over, in English, and the
case's timeline carries every consular step. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_main_path import log_in, settle
from worlds import (
    border_post,
    child_interviewer,
    child_protection_centre,
    consent_keys,
    consular_case,
    consulate_abroad,
    person,
)


def _child_world() -> int:
    """A border post whose interviewer (child-interview qualification) has assessed a child
    travelling alone; a child-protection centre in Kunming that works in Vietnamese, in the
    directory, with a data-sharing agreement. The interview's id."""
    from palermo.web.interviews.services import interview_assess, interview_save, interview_start
    from palermo.web.lib.roles import Role

    post = border_post()
    admin = person("admin", post, Role.ADMINISTRATOR, password=False)
    centre = child_protection_centre(post, admin)
    person("centre", centre, Role.CASE_WORKER, second_factor=True)
    interviewer = child_interviewer(post, admin)
    interview = interview_start(actor=interviewer, instrument_id="second-line-child")
    interview = interview_save(
        actor=interviewer,
        interview=interview,
        consent={"consented": True},
        answers={"travel_with": "alone"},
    )
    interview_assess(actor=interviewer, interview=interview, language="zh-hans")
    return int(interview.pk)


def _switch(page: Any, language: str) -> None:
    page.select_option("#language", language)
    page.click("form.lang button[type=submit]")
    settle(page)


@pytest.mark.django_db(transaction=True)
def test_a_childs_case_sends_the_child_protection_referral_on_a_phone_in_chinese(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 375, "height": 812})
    interview_pk = _child_world()
    log_in(page, base, "interviewer")
    _switch(page, "zh-hans")
    page.goto(f"{base}/interviews/{interview_pk}/result/")
    settle(page)
    page.fill("#id_child-full_name", "阮氏兰")
    page.fill("#id_child-area", "Kunming")
    page.select_option("#id_child-language", "vi")
    for key in consent_keys():
        page.check(f"#id_child-consent_{key}")
    page.screenshot(path=str(artifacts / "child-open-zh-375.png"), full_page=True)
    page.click(f"main form[action='/interviews/{interview_pk}/case/'] button[type=submit]")
    settle(page)
    text = page.content()
    assert "已在开立个案时自动发送。" in text
    assert "昆明儿童保护中心" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    page.screenshot(path=str(artifacts / "child-referred-zh-375.png"), full_page=True)
    page.click("form.who button[type=submit]")

    log_in(page, base, "centre")
    page.goto(f"{base}/referrals/")
    settle(page)
    page.click("main table a[href*='/referrals/']")
    settle(page)
    assert "儿童保护" in page.content()  # the browser keeps the language chosen
    page.check("form[action$='/accept/'] input[name=confirm]")
    page.click("main button:text-is('接受')")
    settle(page)
    assert "已接受" in page.content()
    page.screenshot(path=str(artifacts / "child-referral-accepted-zh-375.png"), full_page=True)


def _consular_world() -> int:
    """A consulate with a consul, a case opened for a national identified abroad with the
    person's consents for the home province's agency and an agreement with it."""
    return consular_case(*consulate_abroad())


def consul_returns_the_national(page: Any, pk: int) -> None:
    """On the consular case's page: a contact in the assistance log, a low return risk, the
    voluntary return plan started and taken through its five stages to the hand-over to the
    home province's federation."""
    assistance = f"form[action='/consular/{pk}/assistance/']"
    page.select_option(f"{assistance} [name=kind]", "contact")
    page.fill(f"{assistance} [name=on]", dt.datetime.now(tz=dt.UTC).date().isoformat())
    page.fill(f"{assistance} [name=note]", "Met at the police station with an interpreter.")
    page.click(f"{assistance} button[type=submit]")
    settle(page)
    risk = f"form[action='/consular/{pk}/risk/']"
    for field in ("safety", "family", "retrafficking"):
        page.check(f"{risk} [name={field}][value=low]")
    page.fill(f"{risk} [name=notes]", "Recruiter in custody; family not involved.")
    page.click(f"{risk} button[type=submit]")
    settle(page)
    page.click("main button:text-is('Start the voluntary return plan')")
    settle(page)
    start = dt.datetime.now() - dt.timedelta(days=3)  # noqa: DTZ005 (the browser's local time)
    for step in range(5):
        stage = f"form[action='/consular/{pk}/return/stage/']"
        page.fill(
            f"{stage} [name=at]", (start + dt.timedelta(hours=step)).strftime("%Y-%m-%dT%H:%M")
        )
        if page.locator(f"{stage} [name=receiving_agency]").count():
            page.select_option(
                f"{stage} [name=receiving_agency]", label="Fujian women's federation"
            )
        page.click(f"{stage} button[type=submit]")
        settle(page)


@pytest.mark.django_db(transaction=True)
def test_a_consul_takes_a_national_from_assistance_to_the_reintegration_hand_over(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    page, base = browser_page, live_server.url
    pk = _consular_world()
    log_in(page, base, "consul")
    detail = f"{base}/consular/{pk}/"
    page.goto(detail)
    settle(page)
    consul_returns_the_national(page, pk)
    text = page.content()
    assert "The return is complete" in text
    assert "referral R-" in text
    page.screenshot(path=str(artifacts / "consular-handed-over-en.png"), full_page=True)
    page.goto(f"{base}/cases/{pk}/")
    settle(page)
    timeline = page.inner_text("ol.timeline")
    assert "Consular assistance: consular case opened" in timeline
    assert "recorded in the assistance log" in timeline
    assert "return risk assessed: Low" in timeline
    assert (
        "Consular assistance: return: Handed over" in timeline or "handed over" in timeline.lower()
    )
    _switch(page, "zh-hans")
    assert "已启动自愿返回计划" in page.inner_text("ol.timeline")
    page.screenshot(path=str(artifacts / "consular-timeline-zh.png"), full_page=True)
