"""A case worker's day on one case in Chromium, on a phone (375 px) and at the desk (1280 px),
in English and Chinese: the note written when the case was opened is the first dated note,
an empty note is refused beside its box, a note, a task and a service are added, and there is
no notes box that could overwrite what was written. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_main_path import log_in, settle
from worlds import agency, person


def _world() -> int:
    from palermo.web.cases.services import case_open
    from palermo.web.lib.roles import AgencyKind, Role

    shelter = agency("Harbour shelter", AgencyKind.NGO, "harbour")
    worker = person("worker", shelter, Role.CASE_WORKER, second_factor=True)
    case = case_open(
        actor=worker, full_name="Li Wei", outcome="possible", note="Came to the shelter alone."
    )
    return int(case.pk)


def _switch(page: Any, language: str) -> None:
    page.select_option("#language", language)
    page.click("form.lang button[type=submit]")
    settle(page)


def _in_view(page: Any, selector: str, width: int) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0, selector
    assert box["x"] + box["width"] <= width + 1, selector


@pytest.mark.django_db(transaction=True)
def test_a_case_worker_keeps_dated_notes_tasks_and_services_on_a_phone_in_both_languages(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    page = browser_page
    base = live_server.url
    pk = _world()
    log_in(page, base, "worker")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/cases/{pk}/")
    notes = page.locator("section[aria-labelledby=notes-h] ol.notes")
    assert "Came to the shelter alone." in notes.inner_text()
    assert "Written when the case was opened" in notes.inner_text()
    # the person's form has no notes box any more: a note is added, never overwritten
    assert page.locator("textarea[name=notes]").count() == 0
    page.fill("#id_text", "   ")  # blanks pass the browser's check, not the server's
    page.click("section[aria-labelledby=notes-h] button[type=submit]")
    settle(page)
    assert page.locator("#id_text").is_visible()
    assert page.locator(".error-summary, .errorlist").first.is_visible()
    page.fill("#id_text", "Called her sister in Yangon.")
    page.click("section[aria-labelledby=notes-h] button[type=submit]")
    settle(page)
    texts = page.locator("section[aria-labelledby=notes-h] ol.notes > li").all_inner_texts()
    assert [t.split("\n")[-1].strip() for t in texts] == [
        "Came to the shelter alone.",
        "Called her sister in Yangon.",
    ]
    assert all("worker" in t for t in texts)
    _in_view(page, "section[aria-labelledby=notes-h] ol.notes > li", 375)
    _in_view(page, "#id_text", 375)
    page.screenshot(path=str(artifacts / "case-notes-en-375.png"), full_page=True)

    from django.utils import timezone

    today = timezone.localdate()
    page.click("section[aria-labelledby=tasks-h] summary")
    due = (today + dt.timedelta(days=3)).isoformat()
    page.fill("#id_title", "Take her to the clinic")
    page.fill("#id_due_on", due)
    page.click("section[aria-labelledby=tasks-h] form button[type=submit]")
    settle(page)
    assert "Take her to the clinic" in page.locator("section[aria-labelledby=tasks-h]").inner_text()

    _switch(page, "zh-hans")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("section[aria-labelledby=services-h] summary")
    page.select_option("#id_service", "medical")
    page.fill("#id_provided_on", today.isoformat())
    page.fill("#id_provider", "Harbour clinic")
    page.click("section[aria-labelledby=services-h] form button[type=submit]")
    settle(page)
    services = page.locator("section[aria-labelledby=services-h]").inner_text()
    assert "Harbour clinic" in services
    assert "medical" not in services  # the service in words, not its code
    page.fill("#id_text", "已陪同她就医。")
    page.click("section[aria-labelledby=notes-h] button[type=submit]")
    settle(page)
    assert "已陪同她就医。" in notes.inner_text()
    assert "开立个案时撰写" in notes.inner_text()
    page.screenshot(path=str(artifacts / "case-work-zh-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    _in_view(page, "section[aria-labelledby=notes-h] ol.notes > li", 375)
    _in_view(page, "header", 375)
    page.screenshot(path=str(artifacts / "case-work-zh-375.png"), full_page=True)
