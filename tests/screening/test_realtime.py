"""Real-time screening: one traveller at a time, shared between threads, profiles swapped live."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.profile_set import ProfileSet
from palermo.screening import Screener

RECORD = {
    "record_id": "r1",
    "event_kind": "exit",
    "port": "PEK",
    "event_date": dt.date(2026, 5, 20),
    "obs_document_held_by_other": True,
    "obs_companion_answers": True,
    "ticket_paid_by": "employer",
}


def on(day: dt.date) -> Screener:
    return Screener(load_profile_set(EXAMPLES_DIR), today=lambda: day)


def test_a_traveller_gets_each_hit_with_its_reasons_in_both_languages() -> None:
    hits = on(dt.date(2026, 6, 1)).screen(RECORD)
    assert [h.rule_id for h in hits] == [
        "documents-held-and-companion-answers",
        "documents-held-third-party-paid",
    ]
    assert hits[1].matched_en[1] == (
        "Ticket paid by is one of employer, recruitment agency, unknown third party"
    )
    assert hits[1].matched_zh[1] == "机票付款方属于雇主、招聘中介、不明第三方之一"


def test_a_traveller_without_signals_gets_no_hit() -> None:
    assert on(dt.date(2026, 6, 1)).screen({"record_id": "r2", "event_kind": "exit"}) == []


def test_profiles_past_their_review_date_stop_firing_and_are_reported() -> None:
    screener = on(dt.date(2028, 1, 1))
    assert screener.screen(RECORD) == []
    assert len(screener.not_in_force()) == len(screener.profile_set)


def test_derived_fields_are_computed_from_the_record() -> None:
    minor = {**RECORD, "obs_suspect_document": True, "date_of_birth": dt.date(2012, 1, 1)}
    adult = {**minor, "date_of_birth": dt.date(1990, 1, 1)}
    screener = on(dt.date(2026, 6, 1))
    assert "minor-with-suspect-document" in [h.rule_id for h in screener.screen(minor)]
    assert "minor-with-suspect-document" not in [h.rule_id for h in screener.screen(adult)]


def only(profile_set: ProfileSet, profile_id: str) -> ProfileSet:
    kept = [p for p in profile_set.profiles if p.id == profile_id]
    return ProfileSet.of(kept, profile_set.lists.values())


def test_replace_swaps_the_profile_set_while_threads_keep_screening() -> None:
    full = load_profile_set(EXAMPLES_DIR)
    first = only(full, "documents-held-and-companion-answers")
    second = only(full, "documents-held-third-party-paid")
    screener = Screener(first, today=lambda: dt.date(2026, 6, 1))
    expected = {
        first.version: ["documents-held-and-companion-answers"],
        second.version: ["documents-held-third-party-paid"],
    }
    seen: list[tuple[str, list[str]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        try:
            while not stop.is_set():
                (hit,) = screener.screen(RECORD)
                seen.append((hit.set_version, [hit.rule_id]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for n in range(20):
        screener.replace(second if n % 2 == 0 else first)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert seen
    assert all(rules == expected[version] for version, rules in seen)
    assert screener.profile_set is first


def test_the_set_version_and_profile_version_travel_with_each_hit() -> None:
    full = load_profile_set(EXAMPLES_DIR)
    bumped = ProfileSet.of(
        [dataclasses.replace(p, version=p.version + 1) for p in full.profiles],
        full.lists.values(),
    )
    screener = Screener(bumped, today=lambda: dt.date(2026, 6, 1))
    (hit, _) = screener.screen(RECORD)
    assert hit.rule_version == "2"
    assert hit.set_version == bumped.version != full.version
