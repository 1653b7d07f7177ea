"""An interviewer ticks indicators faster than the server answers (a slow connection): every
box ticked stays ticked on the page and is saved, none is undone by an older re-draw."""

from __future__ import annotations

from typing import Any

import pytest
from test_main_path import log_in
from worlds import border_post, person

PRESSURE = ("violence", "taken_or_sold", "documents_taken", "debt", "kept_apart", "threat_report")
SITUATION = ("family_hardship", "no_status", "money_need")


def _interview_with_consent() -> int:
    from palermo.web.interviews.services import interview_save, interview_start
    from palermo.web.interviews.steps import instrument
    from palermo.web.lib.roles import Role

    interviewer = person(
        "interviewer", border_post(), Role.SECOND_LINE_INTERVIEWER, second_factor=True
    )
    interview = interview_start(actor=interviewer, instrument_id="second-line-adult")
    consent = {c.id: True for c in instrument("second-line-adult").consent}
    interview_save(actor=interviewer, interview=interview, consent=consent, answers={})
    return int(interview.pk)


def _saved(pk: int) -> dict[str, Any]:
    from palermo.web.interviews.models import Interview
    from palermo.web.interviews.steps import stored

    answers: dict[str, Any] = stored(Interview.objects.get(pk=pk).answers)["answers"]
    return answers


@pytest.mark.django_db(transaction=True)
def test_boxes_ticked_in_quick_succession_all_stay_ticked_and_are_saved(
    live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    base = live_server.url
    pk = _interview_with_consent()
    log_in(page, base, "interviewer")
    step = f"{base}/interviews/{pk}/step/1/"
    page.goto(step)
    # a slow connection: each re-draw is still on its way while the next box is ticked
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 300, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    for option in PRESSURE:
        page.locator(f"input[name=rec_pressure][value={option}]").click()
    for option in SITUATION:
        page.locator(f"input[name=rec_situation][value={option}]").click()
    page.wait_for_load_state("networkidle")

    for option in PRESSURE:
        assert page.locator(f"input[name=rec_pressure][value={option}]").is_checked(), option
    for option in SITUATION:
        assert page.locator(f"input[name=rec_situation][value={option}]").is_checked(), option
    assert sorted(_saved(pk)["rec_pressure"]) == sorted(PRESSURE)
    assert sorted(_saved(pk)["rec_situation"]) == sorted(SITUATION)

    page.click("button[value=next]")
    page.wait_for_url(f"{base}/interviews/{pk}/step/2/")
    assert sorted(_saved(pk)["rec_pressure"]) == sorted(PRESSURE)
    assert sorted(_saved(pk)["rec_situation"]) == sorted(SITUATION)
    page.goto(step)
    for option in PRESSURE:
        assert page.locator(f"input[name=rec_pressure][value={option}]").is_checked(), option
