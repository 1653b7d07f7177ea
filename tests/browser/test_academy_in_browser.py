"""The training academy in a real browser, in English and Chinese: a trainer builds a course
from modules and a scenario, starts a cohort, enrols a trainee and records a day; the trainee
takes the test before the course and sees the reasons; the trainer's dashboard shows the
result. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_front_line import _chinese
from test_main_path import log_in
from worlds import border_post, person

from palermo.training.questions import questions_for

MODULES = ("children", "rights")


def _world() -> None:
    from palermo.web.lib.roles import Role

    post = border_post()
    person("trainer", post, Role.TRAINER)
    person("officer", post, Role.FIRST_LINE_OFFICER)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.django_db(transaction=True)
def test_a_trainer_runs_a_cohort_and_a_trainee_takes_the_test_before_the_course(
    live_server: Any, browser_page: Any, artifacts: Path, lang: str
) -> None:
    _world()
    page, base = browser_page, live_server.url
    log_in(page, base, "trainer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/academy/courses/new/")
    page.fill("#id_title", "Children at the border")
    page.fill("#id_title_zh", "边境上的儿童")
    for key in MODULES:
        page.check(f"input[name=modules][value={key}]")
    page.check("input[name=scenarios][value=child-labour-uncle]")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/academy/courses/*/")
    heading = "边境上的儿童" if lang == "zh" else "Children at the border"
    assert page.locator("h1").inner_text() == heading
    page.fill("#id_name", "March intake")
    page.click("form[action$='/cohorts/'] button[type=submit]")
    page.wait_for_url(f"{base}/academy/cohorts/*/")
    page.fill("#id_username", "officer")
    page.click("form[action$='/enrol/'] button[type=submit]")
    page.wait_for_url(f"{base}/academy/cohorts/*/")
    page.fill("#id_topic", "Children" if lang == "en" else "儿童")
    page.check("input[name=present]")
    page.click("form[action$='/sessions/'] button[type=submit]")
    page.wait_for_url(f"{base}/academy/cohorts/*/")
    cohort_url = page.url
    assert "1 / 1" in page.locator("main table").inner_text()
    page.screenshot(path=str(artifacts / f"academy-cohort-{lang}.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, base, "officer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/academy/")
    page.click("main table a >> nth=0")  # the test before the course
    questions = questions_for(MODULES)
    for q in questions[1:]:
        page.check(f"input[name='{q.id}'][value='{q.answer}']")
    wrong = next(o.id for o in questions[0].options if o.id != questions[0].answer)
    page.check(f"input[name='{questions[0].id}'][value='{wrong}']")
    page.click("main form button[type=submit]")
    result = page.locator("main").inner_text()
    right = len(questions) - 1
    if lang == "zh":
        assert f"{len(questions)} 题中答对 {right} 题" in result
        assert questions[0].explanation.zh in result
    else:
        assert f"{right} of {len(questions)} right" in result
        assert questions[0].explanation.en in result
    page.screenshot(path=str(artifacts / f"academy-test-{lang}.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, base, "trainer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(cohort_url + "dashboard/")
    assert page.locator("figure.chart").count() == 3
    percent = round(100 * right / len(questions), 1)
    assert f"{percent}%" in page.locator("main table").last.inner_text()
    page.screenshot(path=str(artifacts / f"academy-dashboard-{lang}.png"), full_page=True)
