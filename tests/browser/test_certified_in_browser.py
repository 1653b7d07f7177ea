"""From training to a qualification in a real browser (issue 12), in English and Chinese: a
trainee with a training account takes the test before the course, practises a scenario on the
real pages in the sandbox, takes the test after it, receives the certificate (issued to the
live account their training account is linked to) and its code verifies on the public page;
an administrator, on a phone (375 px), is refused the second-line interviewer's role and the
child-interview qualification for a colleague without a certificate, and grants the
qualification to the certified one. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_front_line import SIZES, _chinese, _nothing_off_screen
from test_main_path import log_in, settle
from test_practice_in_browser import (
    SCENARIO,
    TRAINEE,
    _interview,
    _open_case_and_refer,
    _screen_and_refer,
)
from test_practice_in_browser import _world as practice_world
from worlds import person

from palermo.training.questions import questions_for

MODULES = ("indicators", "interviewing", "children")


def _world() -> dict[str, Any]:
    """The practice world, the trainee's live account (linked to the training account by the
    command line), a live colleague without a certificate, an administrator, and a course of
    the trainer's with the children module, the scenario, a cohort and the enrolment."""
    import datetime as dt

    from palermo.web.academy.services import cohort_create, course_create, enrolment_create
    from palermo.web.accounts.models import Agency, User
    from palermo.web.administration.services import training_account_link
    from palermo.web.lib.actors import command_line_actor
    from palermo.web.lib.roles import Role

    practice_world()
    live = Agency.objects.get(code="north")
    mei = person("mei", live, Role.CONSULAR_OFFICER, password=False)
    mei.first_name, mei.last_name = "Mei", "Lin"
    mei.save(update_fields=["first_name", "last_name"])
    kai = person("kai", live, Role.CONSULAR_OFFICER, password=False)
    person("admin", live, Role.ADMINISTRATOR, second_factor=True)
    trainee = User.objects.get(username=TRAINEE)
    training_account_link(
        actor=command_line_actor("palermo web link-training-account"), training=trainee, live=mei
    )
    trainer = User.objects.get(username="trainer")
    course = course_create(
        actor=trainer,
        values={
            "title": "Interviewing children and adults",
            "title_zh": "面谈儿童与成人",
            "modules": list(MODULES),
            "scenarios": [SCENARIO],
        },
    )
    cohort = cohort_create(
        actor=trainer, course=course, name="May intake", starts_on=dt.date(2026, 5, 4)
    )
    enrolment_create(actor=trainer, cohort=cohort, username=TRAINEE)
    return {"mei": mei, "kai": kai}


def _take_test(page: Any, base: str, kind: str, *, right: bool) -> None:
    page.goto(f"{base}/academy/")
    page.click(f"main table a[href*='kind={kind}']")
    for q in questions_for(MODULES):
        choice = q.answer if right else next(o.id for o in q.options if o.id != q.answer)
        page.check(f"input[name='{q.id}'][value='{choice}']")
    page.click("main form button[type=submit]")
    settle(page)


def _practise(page: Any, base: str, lang: str) -> float:
    """Start the course's scenario, work it on the real pages, finish; the score."""
    from palermo.training.curated import curated_scenario
    from palermo.web.academy.models import ExerciseResult

    scenario = curated_scenario(SCENARIO)
    page.goto(f"{base}/academy/practice/")
    page.click("form[action$='/practice/start/'] button")
    page.wait_for_url(f"{base}/academy/practice/exercise/*")
    assert scenario.narrative.get(lang)[:20] in page.inner_text("main")
    briefing = page.url
    _screen_and_refer(page, scenario)
    _interview(page, base, scenario, leave_out="")
    _open_case_and_refer(page, base)
    page.goto(briefing)
    page.check("#finish input[name=private]")
    page.check("#finish input[name=interpreter][value=professional]")
    page.click("#finish button[type=submit]")
    page.wait_for_url(f"{base}/academy/practice/result/*")
    return ExerciseResult.objects.get().total


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.django_db(transaction=True)
def test_a_trainee_earns_a_certificate_in_the_sandbox_and_only_then_is_qualified(
    live_server: Any, browser_page: Any, artifacts: Path, lang: str
) -> None:
    from palermo.web.accounts.models import Qualification
    from palermo.web.administration.models import Confirmation
    from palermo.web.certificates.codes import certificate_code
    from palermo.web.certificates.models import Certificate

    people = _world()
    page, base = browser_page, live_server.url

    log_in(page, base, TRAINEE)
    if lang == "zh":
        _chinese(page, base)
    _take_test(page, base, "pre", right=False)
    score = _practise(page, base, lang)
    assert score >= 70, f"the exercise scored {score}: below the certificate's mark"
    _take_test(page, base, "post", right=True)
    page.goto(f"{base}/academy/")
    page.click("form[action$='/certificates/issue/'] button")
    settle(page)
    certificate = Certificate.objects.get()
    assert certificate.holder == people["mei"]  # the person's live account
    assert certificate.earned_by.username == TRAINEE
    code = certificate_code(certificate)
    assert code in page.inner_text("body")  # the message says the code
    page.screenshot(path=str(artifacts / f"certified-1-issued-{lang}.png"), full_page=True)

    page.context.clear_cookies()
    page.goto(f"{base}/certificates/verify/")
    if lang == "zh":
        _chinese(page, base)
    page.fill("#id_code", code.lower())
    page.click("main form button[type=submit]")
    answer = page.inner_text("#verification")
    assert ("有效。" if lang == "zh" else "Valid.") in answer
    assert "Mei Lin" in answer
    page.screenshot(path=str(artifacts / f"certified-2-verified-{lang}.png"), full_page=True)

    # the administrator, on a phone
    page.set_viewport_size(SIZES["narrow"])
    log_in(page, base, "admin")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/administration/users/{people['kai'].pk}/")
    page.select_option("#role", "second_line_interviewer")
    page.click("form[action$='/role/'] button[type=submit]")
    settle(page)
    refusal = page.inner_text("body")
    assert ("没有包含面谈模块" if lang == "zh" else "no valid training certificate") in refusal
    people["kai"].refresh_from_db()
    assert people["kai"].role == "consular_officer"
    assert not Confirmation.objects.filter(account=people["kai"]).exists()
    page.fill("#qual-note", "VEGA Children")
    page.click("form[action$='/qualification/'] button[type=submit]")
    settle(page)
    refusal = page.inner_text("body")
    assert ("没有包含儿童模块" if lang == "zh" else "no valid training certificate") in refusal
    assert not Qualification.objects.filter(user=people["kai"]).exists()
    _nothing_off_screen(page)
    page.screenshot(path=str(artifacts / f"certified-3-refused-{lang}.png"), full_page=True)

    page.goto(f"{base}/administration/users/{people['mei'].pk}/")
    text = page.inner_text("main")
    assert certificate.course_title_in("zh" if lang == "zh" else "en") in text
    assert page.locator("#qual-override").count() == 0  # certified: no reason asked
    page.fill("#qual-note", code)
    page.click("form[action$='/qualification/'] button[type=submit]")
    settle(page)
    assert Qualification.objects.filter(user=people["mei"], revoked_at__isnull=True).exists()
    assert ("可面谈儿童" if lang == "zh" else "Interviews children") in page.inner_text("main")
    _nothing_off_screen(page)
    page.screenshot(path=str(artifacts / f"certified-4-granted-{lang}.png"), full_page=True)
