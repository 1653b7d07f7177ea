"""The main path in a real browser: a first-line officer screens a traveller and records a
disposition; a second-line interviewer runs the interview and opens a case; the interface
switches to Chinese. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from worlds import PASSWORD, border_post, desk_profiles, person

ANSWERS = Path(__file__).resolve().parents[2] / "examples" / "answers"


def _world() -> None:
    from palermo.web.lib.roles import Role

    post = border_post()
    person("officer", post, Role.FIRST_LINE_OFFICER)
    # interviewers confirm each log-in with their authenticator's code
    person("interviewer", post, Role.SECOND_LINE_INTERVIEWER, second_factor=True)
    desk_profiles(post)


def log_in(page: Any, base: str, username: str) -> None:
    """The log-in page, then the second factor's code for the users who have an authenticator
    (computed as their app would)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    device = TOTPDevice.objects.filter(user__username=username).first()
    if device is not None:
        # a code is accepted once (django-otp refuses a time step already used): a second
        # log-in of the same user within 30 seconds waits for the next code, as a person would
        while (int(time.time()) - device.t0) // device.step <= device.last_t:
            time.sleep(0.5)
        page.wait_for_url(f"{base}/accounts/second-factor/*")
        page.fill("#id_code", str(totp(device.bin_key, digits=device.digits)).zfill(6))
        page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def answer_steps(page: Any, consent: dict[str, bool], answers: dict[str, Any]) -> None:
    """Tick the consent, then every step's answers (twice: follow-up questions appear after
    their parent is answered), to the result."""
    for key, given in consent.items():
        if given:
            page.check(f"input[name=consent_{key}]")
            settle(page)
    here = page.url
    page.click("button[value=next]")
    page.wait_for_url(lambda url: url != here)
    while "/result/" not in page.url:
        settle(page)
        for _round in range(2):
            for qid, value in answers.items():
                for v in value if isinstance(value, list) else [value]:
                    option = "yes" if v is True else "no" if v is False else v
                    box = page.locator(f"input[name={qid}][value='{option}']")
                    if box.count() and not box.is_checked():
                        box.check()
                        settle(page)
        here = page.url
        page.click("button[value=next]")
        page.wait_for_url(lambda url, here=here: url != here)  # htmx redirects to the next step


@pytest.mark.django_db(transaction=True)
def test_officer_screens_interviewer_opens_a_case_and_the_interface_turns_chinese(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    _world()
    page, base = browser_page, live_server.url
    # the Content-Security-Policy is on: anything it blocks shows up in the console
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    # 1. first line: screen a traveller, see the hit and its reasons, refer with a reason
    log_in(page, base, "officer")
    page.goto(f"{base}/screening/desk/")
    page.select_option("#id_event_kind", "exit")
    page.fill("#id_port", "PEK")
    page.fill("#id_event_date", dt.date.today().isoformat())  # noqa: DTZ011
    page.fill("#id_surname", "WANG")
    page.check("#id_obs_document_held_by_other")
    page.check("#id_obs_companion_answers")
    page.click("button.primary")
    page.wait_for_selector("article.hit")
    assert "Documents held by a companion who also answers" in page.inner_text("#result")
    page.screenshot(path=str(artifacts / "1-desk-hit.png"), full_page=True)
    hit = page.locator("article.hit").first
    hit.locator("input[value=referred]").check()
    hit.locator("input[value='BRD-01']").check()
    hit.locator("textarea").fill("Companion held the passport and answered every question.")
    hit.locator("form.disposition button[type=submit]").click()
    page.wait_for_selector("text=Referred to a second-line interview")
    page.screenshot(path=str(artifacts / "2-desk-disposition.png"), full_page=True)
    page.click("header form.who button")

    # 2. second line: take up the referral, answer step by step, assess, open a case
    log_in(page, base, "interviewer")
    page.goto(f"{base}/interviews/")
    page.click("text=Start the interview")
    doc = json.loads((ANSWERS / "adult-labour-presumed.json").read_text(encoding="utf-8"))
    answer_steps(page, doc["consent"], doc["answers"])
    assert "presumed victim" in page.inner_text("main")
    assert "Not yet assessed" not in page.inner_text("main")  # the last step's submit stored it
    # the outcome and "Open the case" come first; the detail is folded below them
    case_form = page.locator("text=Open the case").bounding_box()
    detail = page.locator("details.assessment-detail").bounding_box()
    assert case_form is not None
    assert detail is not None
    assert case_form["y"] < detail["y"]
    page.click("details.assessment-detail > summary")
    for code in ("DR", "CR", "VR", "EX", "CD", "VD"):
        assert page.locator(f"table#dim-ADL-{code}").count() == 1
    exploitation = page.locator("table#dim-ADL-EX")
    assert exploitation.locator("tbody tr").count() >= 1
    assert "positive" in exploitation.locator("caption").inner_text()
    assert "(unverified)" in page.inner_text("main")
    result_url = page.url
    page.screenshot(path=str(artifacts / "3-interview-assessment.png"), full_page=True)
    page.fill("#id_full_name", "Li Wei")
    page.fill("#id_document_number", "E12345678")
    page.click("text=Open the case")
    page.wait_for_selector("text=opened")
    page.screenshot(path=str(artifacts / "4-case-opened.png"), full_page=True)
    page.emulate_media(media="print")  # the case file on paper: no menu, no forms
    assert not page.locator("header.top").is_visible()
    assert page.locator("h1").is_visible()
    page.screenshot(path=str(artifacts / "4b-case-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # 3. the interface in Chinese
    page.select_option("#language", "zh-hans")
    page.click("header form.lang button")
    page.wait_for_selector("html[lang=zh-hans]", state="attached")
    page.goto(f"{base}/interviews/")
    assert "面谈" in page.inner_text("main")
    assert "presumed_victim" not in page.inner_text("main")  # outcome codes are labels
    page.screenshot(path=str(artifacts / "5-chinese.png"), full_page=True)
    page.goto(result_url)
    page.click("details.assessment-detail > summary")
    assert "推定受害人" in page.inner_text("main")
    assert "（未经核实）" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "6-chinese-assessment.png"), full_page=True)
    assert refused == [], refused  # nothing was blocked by the policy
