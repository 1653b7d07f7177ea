"""The protection chain walked end to end in Chromium (issue 10), in two tests on one world:

1. an adult: the officer's hit at the desk → the second-line interview → the case (the case
   worker, in Chinese, records consent and the type of exploitation and sees the means of
   control the interview found) → a referral to the shelter, which accepts → the case submitted
   to the anti-trafficking office, whose decision maker records the first-stage decision in
   Chinese on a 375-pixel phone screen and the conclusive decision in English;
2. a child whose age is in doubt at the desk: the child interview only, in Chinese on a phone →
   the case opened with the child-protection referral sent at once → a guardian appointed; then
   a consul takes a national abroad from assistance to the return and the hand-over, and the
   case's timeline reads in Chinese.

Screenshots go to test-artifacts/. The world is built by the ``chain_world`` fixture from the
pieces in worlds.py; the page helpers are those of test_main_path (log-in with the second
factor, waiting for htmx) and test_protection_chain (the consul's return)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from test_main_path import answer_steps, log_in, settle
from test_protection_chain import consul_returns_the_national
from worlds import (
    anti_trafficking_office,
    border_post,
    child_interviewer,
    child_protection_centre,
    consent_keys,
    consular_case,
    consulate_abroad,
    desk_profiles,
    person,
    shelter_with_agreement,
)

ANSWERS = Path(__file__).resolve().parents[2] / "examples" / "answers"
PHONE = {"width": 375, "height": 812}


def _build_world() -> dict[str, int]:
    """Northgate border post (officer, interviewer with the child-interview qualification, case
    worker), the Harbour shelter and the Kunming child-protection centre (in the directory, with
    agreements), the anti-trafficking office, a consulate abroad with the home province's
    federation; the desk's profile active; a consular case with the person's consents."""
    from palermo.web.lib.roles import Role

    post = border_post()
    admin = person("admin", post, Role.ADMINISTRATOR, password=False)
    shelter = shelter_with_agreement(post, admin)
    child_protection_centre(post, admin)
    office = anti_trafficking_office()
    person("officer", post, Role.FIRST_LINE_OFFICER)
    child_interviewer(post, admin)
    person("caseworker", post, Role.CASE_WORKER, second_factor=True)
    person("shelterworker", shelter, Role.CASE_WORKER, second_factor=True)
    person("decider", office, Role.INVESTIGATOR, second_factor=True)
    consul, home = consulate_abroad()
    desk_profiles(post)
    return {"consular_case": consular_case(consul, home), "office": office.pk}


@pytest.fixture
def chain_world(transactional_db: None) -> dict[str, int]:
    """The agencies, people, directory, agreements and profile both walks start from."""
    return _build_world()


def _switch(page: Any, language: str) -> None:
    page.select_option("#language", language)
    page.click("header form.lang button[type=submit]")
    page.wait_for_selector(f"html[lang={language}]", state="attached")
    settle(page)


def _log_out(page: Any) -> None:
    page.click("header form.who button[type=submit]")
    settle(page)


def _desk_hit(page: Any, base: str, surname: str, *, age_in_doubt: bool) -> None:
    """The officer screens a traveller whose passport a companion holds and who answers for
    them; the hit is referred to a second-line interview with the observation and a reason."""
    log_in(page, base, "officer")
    page.goto(f"{base}/screening/desk/")
    page.select_option("#id_event_kind", "exit")
    page.fill("#id_port", "PEK")
    page.fill("#id_event_date", dt.date.today().isoformat())  # noqa: DTZ011
    page.fill("#id_surname", surname)
    page.check("#id_obs_document_held_by_other")
    page.check("#id_obs_companion_answers")
    page.click("button.primary")
    page.wait_for_selector("article.hit")
    hit = page.locator("article.hit").first
    hit.locator("input[value=referred]").check()
    hit.locator("input[value='BRD-01']").check()
    if age_in_doubt:
        hit.locator("input[name$=age_in_doubt]").check()
    hit.locator("textarea").first.fill("Companion held the passport and answered for them.")
    hit.locator("form.disposition button[type=submit]").click()
    page.wait_for_selector("text=Referred to a second-line interview")
    _log_out(page)


def _consent_on_case_page(page: Any, purpose: str, recipient: str | None) -> None:
    """The case page's consent form (in Chinese): purpose, agency, the checklist explained."""
    form = page.locator("form[action$='/consents/']")
    page.click("summary:text-is('记录同意')")
    form.locator("select[name=purpose]").select_option(purpose)
    if recipient is not None:
        form.locator("select[name=recipient]").select_option(label=recipient)
    for key in consent_keys():
        form.locator(f"input[name={key}]").check()
    form.locator("button[type=submit]").click()
    settle(page)


@pytest.mark.django_db(transaction=True)
def test_an_adult_goes_from_the_desk_hit_to_a_shelter_and_both_identification_decisions(
    chain_world: dict[str, int], live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from palermo.web.cases.models import Case
    from palermo.web.nrm.models import Identification
    from palermo.web.referrals.models import Referral

    page, base = browser_page, live_server.url
    _desk_hit(page, base, "WANG", age_in_doubt=False)

    # the second line takes up the referral and opens the case from the assessment
    log_in(page, base, "interviewer")
    page.goto(f"{base}/interviews/")
    page.click("text=Start the interview")
    doc = json.loads((ANSWERS / "adult-labour-presumed.json").read_text(encoding="utf-8"))
    answer_steps(page, doc["consent"], doc["answers"])
    assert "presumed victim" in page.inner_text("main")
    page.fill("#id_full_name", "Wang Gang")
    page.click("text=Open the case")
    page.wait_for_selector("text=opened")
    case = Case.objects.exclude(pk=chain_world["consular_case"]).get()
    _log_out(page)

    # the case worker, in Chinese: consents, the type of exploitation, the means of control
    log_in(page, base, "caseworker")
    _switch(page, "zh-hans")
    page.goto(f"{base}/cases/{case.pk}/")
    _consent_on_case_page(page, "assistance", None)
    _consent_on_case_page(page, "sharing", "Harbour shelter")
    _consent_on_case_page(page, "sharing", "Anti-trafficking office")
    page.click("summary:text-is('记录剥削类型')")
    page.locator("form[action$='/exploitation/'] input[value=ForcedLabour]").check()
    page.click("form[action$='/exploitation/'] button[type=submit]")
    settle(page)
    assert page.inner_text("#exploitation-types") == "强迫劳动"
    control = page.inner_text("#methods-of-control")
    assert "扣留证件" in control
    assert "债务奴役" in control
    page.screenshot(path=str(artifacts / "chain-1-case-zh.png"), full_page=True)

    # the referral to the shelter, in English, routed by the directory
    _switch(page, "en")
    page.click("a:has-text('Refer to a service')")
    page.select_option("#id_service", "shelter")
    page.fill("#id_area", "Kunming")
    page.click("form.filters button")
    settle(page)
    page.locator("tr", has_text="Harbour shelter").locator("text=Choose").click()
    settle(page)
    page.click("button:has-text('Send the referral')")
    page.wait_for_selector("text=the receiving agency has been told")
    _log_out(page)

    log_in(page, base, "shelterworker")
    page.click("#notifications-link")
    page.click("text=Open")
    assert "Wang Gang" in page.inner_text("main")
    page.check("input[name=confirm] >> nth=0")
    page.click("button:has-text('Accept')")
    page.wait_for_selector("text=Referral accepted")
    page.screenshot(path=str(artifacts / "chain-2-shelter-accepted.png"), full_page=True)
    _log_out(page)
    assert Referral.objects.get().state == "accepted"

    # the case submitted to the anti-trafficking office for an identification decision
    log_in(page, base, "caseworker")
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("summary:text-is('Submit for an identification decision')")
    page.select_option("#id_competent_authority", label="Anti-trafficking office")
    page.fill("#id_summary", "Passport held by the employer; a debt worked off; threats.")
    page.click("main button:text-is('Submit')")
    page.wait_for_url(f"{base}/identification/*/")
    _log_out(page)

    # the decision maker on a phone, in Chinese, then in English
    page.set_viewport_size(PHONE)
    log_in(page, base, "decider")
    _switch(page, "zh-hans")
    page.goto(f"{base}/identification/")
    page.click(f"main a:text-is('{case.reference}')")
    settle(page)
    assert "Passport held by the employer" in page.content()  # the grounds, for the decider
    page.check("input[name=positive][value=yes]")
    page.fill("#id_reasons", "陈述一致；证件被扣；债务。")
    page.check("#id_confirm")
    page.click("main button:text-is('记录决定')")
    settle(page)
    assert "恢复与考虑期" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.screenshot(path=str(artifacts / "chain-3-first-stage-zh-375.png"), full_page=True)
    _switch(page, "en")
    page.check("input[name=positive][value=yes]")
    page.fill("#id_reasons", "Identified on the interview and the documents.")
    page.check("#id_confirm")
    page.click("main button:text-is('Record the decision')")
    settle(page)
    assert "Identified as a victim (conclusive)" in page.content()
    assert Identification.objects.get().state == "concluded_positive"


@pytest.mark.django_db(transaction=True)
def test_a_child_whose_age_is_in_doubt_gets_the_child_path_and_a_consul_returns_a_national(
    chain_world: dict[str, int], live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from palermo.web.cases.models import Case
    from palermo.web.referrals.models import Referral

    page, base = browser_page, live_server.url
    _desk_hit(page, base, "NGUYEN", age_in_doubt=True)

    # the second line, on a phone in Chinese: only the child interview is offered
    page.set_viewport_size(PHONE)
    log_in(page, base, "interviewer")
    _switch(page, "zh-hans")
    page.goto(f"{base}/interviews/")
    assert "柜台记录年龄存疑：按儿童对待。" in page.inner_text("main")
    offered = page.locator("main form select[name=instrument]").last
    assert offered.locator("option").all_inner_texts() == ["儿童（未满 18 岁）"]
    page.click("main button:text-is('开始面谈')")
    page.wait_for_url(f"{base}/interviews/*/step/**")
    answer_steps(page, {"consented": True}, {"travel_with": "alone"})
    page.fill("#id_child-full_name", "阮氏兰")
    page.fill("#id_child-area", "Kunming")
    page.select_option("#id_child-language", "vi")
    for key in consent_keys():
        page.check(f"#id_child-consent_{key}")
    page.click("main form[action$='/case/'] button[type=submit]")
    settle(page)
    assert "已在开立个案时自动发送。" in page.content()
    assert "昆明儿童保护中心" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.screenshot(path=str(artifacts / "chain-4-child-referred-zh-375.png"), full_page=True)
    child_case = Case.objects.get(outcome="child_at_risk")
    referral = Referral.objects.get(case=child_case)
    assert (referral.service, referral.recipient.code) == ("child_protection", "kmcp")

    # a guardian appointed by the court, recorded on the case page
    page.goto(f"{base}/cases/{child_case.pk}/")
    page.click("summary:text-is('记录已指定的监护人或代理人')")
    guardian = page.locator("form[action$='/guardian/']")
    guardian.locator("select[name=kind]").select_option("guardian")
    guardian.locator("input[name=name]").fill("陈律师")
    guardian.locator("input[name=organisation]").fill("昆明法律援助中心")
    guardian.locator("input[name=appointed_by]").fill("昆明市中级人民法院")
    guardian.locator("input[name=appointed_on]").fill(dt.date.today().isoformat())  # noqa: DTZ011
    guardian.locator("button[type=submit]").click()
    settle(page)
    assert "陈律师" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "chain-5-guardian-zh-375.png"), full_page=True)
    _log_out(page)

    # a consul abroad: assistance, return risk, the voluntary return plan to the hand-over
    page.set_viewport_size({"width": 1280, "height": 900})
    pk = chain_world["consular_case"]
    log_in(page, base, "consul")
    _switch(page, "en")
    page.goto(f"{base}/consular/{pk}/")
    settle(page)
    consul_returns_the_national(page, pk)
    assert "The return is complete" in page.content()
    page.screenshot(path=str(artifacts / "chain-6-consular-handed-over-en.png"), full_page=True)
    _switch(page, "zh-hans")
    page.goto(f"{base}/cases/{pk}/")
    settle(page)
    timeline = page.inner_text("ol.timeline")
    assert "已启动自愿返回计划" in timeline
    page.screenshot(path=str(artifacts / "chain-7-consular-timeline-zh.png"), full_page=True)
    hand_over = Referral.objects.get(case_id=pk)
    assert hand_over.recipient.code == "fujian"
