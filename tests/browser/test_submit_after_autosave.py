"""An interviewer changes an answer and presses "Save and continue" at once, while the
autosave of the change before is still being served: what was submitted stays saved. The
slow autosave is made slow on the server (the live server runs in this process), so it
reaches the database after the submit, as it does under load."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from test_main_path import log_in
from test_quick_ticks import _interview_with_consent, _saved


@pytest.mark.django_db(transaction=True)
def test_a_submit_right_after_an_autosave_is_not_undone_by_that_autosave(
    live_server: Any, browser_page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from palermo.web.interviews import services

    pk = _interview_with_consent()  # before the patch: its own save is not the slow one
    original = services.interview_save
    late = threading.Event()
    outcomes: list[str] = []

    def slow_first_autosave(**kwargs: Any) -> Any:
        first = not kwargs.get("submit") and not late.is_set()
        if first:
            late.set()
            time.sleep(1.5)  # the submit is served meanwhile
        try:
            return original(**kwargs)
        except Exception as exc:
            if first:
                outcomes.append(type(exc).__name__)
            raise

    monkeypatch.setattr(services, "interview_save", slow_first_autosave)
    page = browser_page
    base = live_server.url
    log_in(page, base, "interviewer")
    page.goto(f"{base}/interviews/{pk}/step/1/")
    pressure = page.locator("input[name=rec_pressure][value=violence]")
    pressure.click()  # autosave 1 (slow on the server): "violence" ticked
    pressure.click()  # autosave 2 (queued): unticked again
    page.click("button[value=next]")  # submitted without "violence"
    page.wait_for_url(f"{base}/interviews/{pk}/step/2/")
    deadline = time.monotonic() + 5
    while not outcomes and time.monotonic() < deadline:
        time.sleep(0.1)
    assert outcomes == ["EditConflictError"]  # the late autosave was refused
    assert "violence" not in _saved(pk).get("rec_pressure", [])
