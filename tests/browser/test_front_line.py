"""The front line in a real browser, with mistakes, in English and Chinese, at 1280 and 375 px:
refused values show their messages beside their fields (htmx swaps the 422 answer), the
machine-readable zone fills the form, and one traveller's hits are disposed of together.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from test_main_path import log_in
from worlds import border_post, desk_profiles, person

ZONE = "P<MMRAUNG<<THIDA<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nMA12345672MMR9503157F3101012<<<<<<<<<<<<<<00"
SIZES = {"wide": {"width": 1280, "height": 900}, "narrow": {"width": 375, "height": 800}}


RECRUITERS = """\
list:
  id: recruiters
  title: Recruiters under investigation
  owner: Anti-trafficking office
  purpose: identify recruiters and the people travelling with them
  legal_basis: Anti-Trafficking Act s. 12 (test)
  expires: {expires}
  threshold: 85
entries:
  - id: P1
    kind: person
    names: ["张伟", "ZHANG Wei"]
    date_of_birth: 1990-03-07
    nationality: CN
"""


def _watchlist() -> None:
    from palermo.web.accounts.models import User
    from palermo.web.jobs.worker import run_ready_tasks
    from palermo.web.watchlists.services import (
        watchlist_activate,
        watchlist_approve,
        watchlist_upload,
    )

    expires = dt.date.today() + dt.timedelta(days=365)  # noqa: DTZ011
    version = watchlist_upload(
        actor=User.objects.get(username="analyst"),
        file_name="recruiters.yaml",
        content=RECRUITERS.format(expires=expires.isoformat()).encode(),
    )
    supervisor = User.objects.get(username="supervisor")
    watchlist_approve(actor=supervisor, version=version)
    run_ready_tasks()  # the index build approval queued
    version.refresh_from_db()
    watchlist_activate(actor=supervisor, version=version)


def _world(*profiles: str) -> None:
    from palermo.web.lib.roles import Role

    post = border_post()
    person("officer", post, Role.FIRST_LINE_OFFICER)
    desk_profiles(post, *profiles)


def _chinese(page: Any, base: str) -> None:
    page.select_option("#language", "zh-hans")
    page.click("header form.lang button")
    page.wait_for_selector("html[lang=zh-hans]", state="attached")


def _nothing_off_screen(page: Any) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > document.documentElement.clientWidth + 1).map(e => e.tagName + '#' + e.id + '.'"
        " + e.className).slice(0, 5)"
    )
    assert scroll <= width + 1, f"the page is {scroll} px wide in a {width} px window: {wide}"
    box = page.locator("header form.who button").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= width + 1, "Log out is off-screen"


@pytest.mark.parametrize("size", ["wide", "narrow"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.django_db(transaction=True)
def test_an_officer_who_types_words_for_numbers_sees_each_message_beside_its_field(
    live_server: Any, browser_page: Any, artifacts: Path, lang: str, size: str
) -> None:
    _world("documents-held-and-companion-answers.yaml")
    page, base = browser_page, live_server.url
    page.set_viewport_size(SIZES[size])
    log_in(page, base, "officer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/screening/desk/")
    page.select_option("#id_event_kind", "exit")
    page.fill("#id_port", "PEK")
    page.fill("#id_event_date", dt.date.today().isoformat())  # noqa: DTZ011
    page.fill("#id_nationality", "Myanma")  # a name cut short
    page.fill("#id_group_size", "two")
    page.fill("#id_declared_cash", "$50")
    page.fill("#id_document_issue_date", "2027-01-05")
    page.fill("#id_document_expiry_date", "2020-01-05")
    page.click("form.desk button.primary")
    summary = page.wait_for_selector(".error-summary")
    assert summary is not None
    for name in ("nationality", "group_size", "declared_cash"):
        assert page.locator(f"#id_{name}-error").is_visible(), name
    expect(page.locator(".error-summary").first).to_be_focused()  # focus moves after the swap
    assert page.input_value("#id_group_size") == "two"  # what was typed stays
    expected = "必须是整数。" if lang == "zh" else "Must be a whole number."
    assert page.inner_text("#id_group_size-error") == expected
    page.screenshot(path=str(artifacts / f"desk-errors-{lang}-{size}.png"), full_page=True)
    _nothing_off_screen(page)
    # the summary's link takes the officer to the field
    page.click(".error-summary a[href='#id_group_size']")
    expect(page.locator("#id_group_size")).to_be_focused()
    # corrected, the traveller is screened and the hits appear
    page.fill("#id_nationality", "缅甸" if lang == "zh" else "Myanmar")
    page.fill("#id_group_size", "2")
    page.fill("#id_declared_cash", "50")
    page.fill("#id_document_issue_date", "2020-01-05")
    page.fill("#id_document_expiry_date", "2030-01-05")
    page.check("#id_obs_document_held_by_other")
    page.check("#id_obs_companion_answers")
    page.click("form.desk button.primary")
    page.wait_for_selector("article.hit")
    assert page.locator(".error-summary").count() == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.django_db(transaction=True)
def test_a_scanned_machine_readable_zone_fills_the_desk_and_a_bad_digit_is_named(
    live_server: Any, browser_page: Any, artifacts: Path, lang: str
) -> None:
    _world("documents-held-and-companion-answers.yaml")
    page, base = browser_page, live_server.url
    log_in(page, base, "officer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/screening/desk/")
    page.fill("#id_port", "PEK")
    # a keyboard-wedge scanner types each line and Enter; the last Enter reads the zone
    broken = ZONE.replace("MA12345672", "MA12345670")
    page.click("#id_mrz")
    for line in broken.split("\n"):
        page.keyboard.type(line)
        page.keyboard.press("Enter")
    page.wait_for_selector("#id_mrz-error")
    text = page.inner_text("#id_mrz-error")
    assert ("计算结果为2" if lang == "zh" else "check digit is 0, computed 2") in text
    page.screenshot(path=str(artifacts / f"desk-mrz-error-{lang}.png"), full_page=True)
    page.fill("#id_mrz", "")
    page.click("#id_mrz")
    for line in ZONE.split("\n"):
        page.keyboard.type(line)
        page.keyboard.press("Enter")
    expect(page.locator("#id_surname")).to_have_value("AUNG")
    assert page.input_value("#id_given_names") == "THIDA"
    assert page.input_value("#id_nationality") == "MM"
    assert page.input_value("#id_document_number") == "MA1234567"
    assert page.input_value("#id_date_of_birth") == "1995-03-15"
    assert page.input_value("#id_port") == "PEK"  # typed before the scan, kept
    assert page.locator("#id_mrz-error").count() == 0
    page.screenshot(path=str(artifacts / f"desk-mrz-filled-{lang}.png"), full_page=True)


@pytest.mark.parametrize(("lang", "size"), [("en", "wide"), ("zh", "narrow")])
@pytest.mark.django_db(transaction=True)
def test_an_officer_disposes_of_a_travellers_hits_together_and_refers_the_match_to_investigators(
    live_server: Any, browser_page: Any, artifacts: Path, lang: str, size: str
) -> None:
    _world("documents-held-and-companion-answers.yaml", "companion-answers-fearful.yaml")
    _watchlist()
    page, base = browser_page, live_server.url
    page.set_viewport_size(SIZES[size])
    log_in(page, base, "officer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/screening/desk/")
    page.select_option("#id_event_kind", "exit")
    page.fill("#id_port", "PEK")
    page.fill("#id_event_date", dt.date.today().isoformat())  # noqa: DTZ011
    page.fill("#id_surname", "ZHANG")
    page.fill("#id_given_names", "WEI")
    page.fill("#id_date_of_birth", "1990-03-07")
    page.fill("#id_nationality", "中国" if lang == "zh" else "China")
    for name in ("document_held_by_other", "companion_answers", "fearful"):
        page.check(f"#id_obs_{name}")
    page.click("form.desk button.primary")
    page.wait_for_selector("section.card.group")
    assert page.locator("article.hit").count() == 3
    assert page.locator("article.hit input:checked").count() == 0  # nothing pre-ticked
    page.screenshot(path=str(artifacts / f"hits-grouped-{lang}-{size}.png"), full_page=True)
    group = page.locator("section.card.group")
    # a mistake first: a referral without an observation is refused in place
    group.locator("input[value=referred]").check()
    group.locator("textarea").fill("Companion answered every question for him.")
    group.locator("button[type=submit]").click()
    expect(page.locator("section.card.group .error-summary")).to_be_focused()
    group.screenshot(path=str(artifacts / f"hits-grouped-error-{lang}-{size}.png"))
    # then right: the two profile hits together, the watchlist match left out
    group = page.locator("section.card.group")
    group.locator("input[value='BRD-02']").check()
    watchlist = page.locator("article.hit.watchlist")
    watchlist_id = watchlist.get_attribute("id").removeprefix("hit-")
    group.locator(f"input[name$=exceptions][value='{watchlist_id}']").check()
    group.locator("button[type=submit]").click()
    expect(page.locator("article.hit.pending")).to_have_count(1)
    assert page.locator("section.card.group").count() == 0
    watchlist = page.locator("article.hit.watchlist")
    watchlist.locator("input[value=investigator]").check()
    watchlist.locator("textarea").fill("Listed recruiter: name and date of birth match.")
    watchlist.locator("form.disposition button[type=submit]").click()
    expect(page.locator("article.hit.pending")).to_have_count(0)
    expected = "已转介调查人员" if lang == "zh" else "Referred to an investigator"
    assert expected in page.locator("article.hit.watchlist").inner_text()
    _nothing_off_screen(page)
    page.locator("article.hit.watchlist").screenshot(
        path=str(artifacts / f"hits-disposed-{lang}-{size}.png")
    )


@pytest.mark.parametrize(("lang", "size"), [("en", "wide"), ("zh", "narrow")])
@pytest.mark.django_db(transaction=True)
def test_a_first_line_screen_from_a_hit_refers_the_traveller_and_the_interview_asks_consent_first(
    live_server: Any, browser_page: Any, artifacts: Path, lang: str, size: str
) -> None:
    from palermo.web.accounts.models import Agency
    from palermo.web.lib.roles import Role

    _world("documents-held-and-companion-answers.yaml")
    # interviewers confirm each log-in with their authenticator (log_in types its code)
    post = Agency.objects.get(code="north")
    person("interviewer", post, Role.SECOND_LINE_INTERVIEWER, second_factor=True)
    page, base = browser_page, live_server.url
    page.set_viewport_size(SIZES[size])
    log_in(page, base, "officer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/screening/desk/")
    page.select_option("#id_event_kind", "exit")
    page.fill("#id_port", "PEK")
    page.fill("#id_event_date", dt.date.today().isoformat())  # noqa: DTZ011
    page.check("#id_obs_document_held_by_other")
    page.check("#id_obs_companion_answers")
    page.click("form.desk button.primary")
    page.wait_for_selector("article.hit")
    # the first-line screen starts from the traveller's hit
    page.locator("article.hit form.inline button").click()
    page.wait_for_url("**/screens/*/step/0/")
    page.check("input[name=obs_document_held_by_other][value=yes]")
    page.check("input[name=obs_companion_answers][value=yes]")
    page.wait_for_load_state("networkidle")
    page.click("button[value=next]")
    page.wait_for_url("**/result/")
    refer = page.locator("form[action$='/refer/'] button")
    page.screenshot(path=str(artifacts / f"screen-result-{lang}-{size}.png"), full_page=True)
    refer.click()
    page.wait_for_selector(".ok[role=status]")
    _nothing_off_screen(page)
    page.click("header form.who button")
    # the interviewer takes the referral up; consent comes before any question
    log_in(page, base, "interviewer")
    if lang == "zh":
        _chinese(page, base)
    page.goto(f"{base}/interviews/")
    page.locator("table form.inline button").first.click()
    page.wait_for_url("**/step/0/")
    page.click("button[value=next]")
    page.wait_for_selector("main .errors")
    text = page.inner_text("main")
    assert (
        "如果当事人不同意，请就此停止。" if lang == "zh" else "If the person does not agree"
    ) in text
    page.goto(page.url.replace("/step/0/", "/step/2/"))
    assert page.url.endswith("/step/0/")  # no question before consent
    page.screenshot(
        path=str(artifacts / f"interview-consent-first-{lang}-{size}.png"), full_page=True
    )
    _nothing_off_screen(page)
