"""The national referral mechanism in Chromium, in English and Chinese: a case worker submits a
case to the anti-trafficking office from the case page; the office's decision maker finds it on
the decisions-due page, records the first-stage decision (the recovery and reflection period
starts) in Chinese and the conclusive decision in English. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_main_path import log_in, settle
from worlds import anti_trafficking_office, border_post, consents, person


def _world() -> tuple[int, str]:
    from palermo.web.cases.services import case_open
    from palermo.web.lib.roles import Role

    post = border_post()
    office = anti_trafficking_office()
    worker = person("worker", post, Role.CASE_WORKER, second_factor=True)
    person("decider", office, Role.INVESTIGATOR, second_factor=True)
    case = case_open(actor=worker, full_name="Li Wei", outcome="presumed")
    consents(worker, case, ("sharing", office))
    return case.pk, case.reference


def _switch(page: Any, language: str) -> None:
    page.select_option("#language", language)
    page.click("form.lang button[type=submit]")
    settle(page)


def _decide(page: Any, reasons: str, button: str) -> None:
    page.check("input[name=positive][value=yes]")
    page.fill("#id_reasons", reasons)
    page.check("#id_confirm")
    page.click(f"main button:text-is('{button}')")
    settle(page)


@pytest.mark.django_db(transaction=True)
def test_a_case_goes_through_both_identification_decisions_in_english_and_chinese(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    page, base = browser_page, live_server.url
    case_pk, reference = _world()
    log_in(page, base, "worker")
    page.goto(f"{base}/cases/{case_pk}/")
    page.click("summary:text-is('Submit for an identification decision')")
    page.select_option("#id_competent_authority", label="Anti-trafficking office")
    page.fill("#id_summary", "Passport held by the employer; a debt; coached answers.")
    page.click("main button:text-is('Submit')")
    page.wait_for_url(f"{base}/identification/*/")
    assert "First-stage decision due" in page.content()
    page.screenshot(path=str(artifacts / "nrm-submitted-en.png"), full_page=True)
    page.click("form.who button[type=submit]")

    log_in(page, base, "decider")
    _switch(page, "zh-hans")
    page.goto(f"{base}/identification/")
    assert "待作的身份认定决定" in page.content()
    page.click(f"main a:text-is('{reference}')")
    settle(page)
    assert "记录第一阶段决定（合理理由）" in page.content()
    _decide(page, "陈述一致；证件被扣；债务。", "记录决定")
    assert "恢复与考虑期" in page.content()
    assert "记录最终决定" in page.content()
    page.screenshot(path=str(artifacts / "nrm-recovery-zh.png"), full_page=True)

    _switch(page, "en")
    _decide(
        page,
        "Identified on the evidence of the interview and the documents.",
        "Record the decision",
    )
    assert "Identified as a victim (conclusive)" in page.content()
    page.screenshot(path=str(artifacts / "nrm-concluded-en.png"), full_page=True)
