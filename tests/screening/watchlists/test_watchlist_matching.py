from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from watchlist_helpers import TODAY, make_info

from palermo.records.hashing import document_hash
from palermo.screening.watchlists import (
    Entry,
    EntryKind,
    Watchlist,
    WatchlistIndex,
    read_watchlist,
    save_watchlist,
)


def one_person_index(threshold: int = 85, **fields: Any) -> WatchlistIndex:
    entry = Entry(
        "P1",
        EntryKind.PERSON,
        fields.pop("names", ("张伟",)),
        date_of_birth=fields.pop("date_of_birth", dt.date(1990, 3, 7)),
        nationality=fields.pop("nationality", "CN"),
        **fields,
    )
    return WatchlistIndex([Watchlist(make_info(threshold=threshold), (entry,))])


def traveller(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "record_id": "R1",
        "surname": "ZHANG",
        "given_names": "WEI",
        "date_of_birth": dt.date(1990, 3, 7),
        "nationality": "CN",
    }
    base.update(fields)
    return base


def test_a_match_has_a_score_and_reasons_in_english_and_chinese() -> None:
    [match] = one_person_index().match_record(traveller())
    assert match.score == 100
    assert match.list_id == "test"
    assert match.entry_id == "P1"
    assert "Hanyu Pinyin" in match.reason_en
    assert "same date of birth" in match.reason_en
    assert "拼音" in match.reason_zh
    assert "出生日期相同" in match.reason_zh
    assert len(match.reasons_en) == len(match.reasons_zh)


def test_a_name_in_characters_on_the_record_matches_a_listed_pinyin_name() -> None:
    index = one_person_index(names=("ZHANG Wei",))
    [match] = index.match_record(traveller(surname=None, given_names=None, name_native="张伟"))
    assert match.score == 100


def test_a_cantonese_spelling_on_the_passport_matches_the_listed_characters() -> None:
    [match] = one_person_index().match_record(traveller(surname="CHEUNG"))
    assert match.score == 100
    assert "cheung" in match.reason_en
    assert "romanisation" in match.reason_en


def test_day_and_month_swapped_or_one_year_apart_score_lower_than_the_same_date() -> None:
    index = one_person_index()
    same = index.match_record(traveller())[0].score
    swapped = index.match_record(traveller(date_of_birth=dt.date(1990, 7, 3)))[0]
    year = index.match_record(traveller(date_of_birth=dt.date(1991, 3, 7)))[0]
    assert same > swapped.score > year.score >= 85
    assert "swapped" in swapped.reason_en
    assert "颠倒" in swapped.reason_zh
    assert "one year apart" in year.reason_en


def test_dates_of_birth_further_apart_never_match_on_the_name() -> None:
    index = one_person_index()
    assert index.match_record(traveller(date_of_birth=dt.date(1992, 3, 7))) == []
    assert index.match_record(traveller(date_of_birth=dt.date(1990, 3, 9))) == []


def test_a_traveller_without_a_date_of_birth_is_matched_on_the_name_with_less_weight() -> None:
    [match] = one_person_index().match_record(traveller(date_of_birth=None))
    assert 85 <= match.score < 100
    assert "no date of birth" in match.reason_en


def test_a_different_nationality_costs_points_and_is_said() -> None:
    [match] = one_person_index().match_record(traveller(nationality="VN"))
    assert match.score == 95
    assert "nationality differs (VN and CN)" in match.reason_en


def test_below_the_list_threshold_there_is_no_hit() -> None:
    record = traveller(given_names="WEN", date_of_birth=dt.date(1991, 3, 7))
    low = one_person_index(threshold=60).match_record(record)
    assert low
    assert low[0].score < 85
    assert one_person_index(threshold=85).match_record(record) == []


def test_the_document_number_matches_exactly_through_its_hash() -> None:
    index = one_person_index(names=("Someone Else",), document_hash=document_hash("E1234567"))
    [match] = index.match_record(
        traveller(document_number_hash=document_hash("e 1234567"), date_of_birth=None)
    )
    assert match.score == 100
    assert "same document number" in match.reason_en


def test_a_phone_number_matches_with_or_without_its_country_code(list_yaml: Path) -> None:
    index = WatchlistIndex([read_watchlist(list_yaml, today=TODAY)])
    full = index.match_record({"contact_phone": "+855 12 345 678"})
    local = index.match_record({"contact_phone": "012 345 678"})
    assert [(m.entry_id, m.score) for m in full] == [("C1", 100)]
    assert [(m.entry_id, m.score) for m in local] == [("C1", 95)]


def test_an_e_mail_address_matches_whatever_its_case_or_tag(list_yaml: Path) -> None:
    index = WatchlistIndex([read_watchlist(list_yaml, today=TODAY)])
    [match] = index.match_record({"contact_email": "Jobs.Abroad+visa@EXAMPLE.com"})
    assert match.entry_id == "C1"
    assert match.score == 100


def test_a_sponsor_matches_a_listed_organisation_by_name_or_registration(list_yaml: Path) -> None:
    index = WatchlistIndex([read_watchlist(list_yaml, today=TODAY)])
    by_name = index.match_record({"sponsor_name": "GOLDEN STAR RECRUITMENT AGENCY"})
    by_chinese = index.match_record({"sponsor_name": "金星劳务"})
    by_number = index.match_record({"sponsor_name": "Other", "sponsor_registration": "my123456x"})
    assert [m.entry_id for m in by_name] == ["O1"]
    assert [m.entry_id for m in by_chinese] == ["O1"]
    assert [(m.entry_id, m.score) for m in by_number] == [("O1", 100)]
    assert "registration" in by_number[0].reason_en


def test_an_unrelated_traveller_gets_no_match(list_yaml: Path) -> None:
    index = WatchlistIndex([read_watchlist(list_yaml, today=TODAY)])
    record = traveller(surname="NGUYEN", given_names="Van Minh", date_of_birth=dt.date(1990, 3, 7))
    assert index.match_record(record) == []


def test_expired_lists_are_not_used_for_matching(list_yaml: Path, tmp_path: Path) -> None:
    store = tmp_path / "lists"
    save_watchlist(read_watchlist(list_yaml, today=TODAY), store)
    assert len(WatchlistIndex.from_directory(store, today=dt.date(2027, 12, 31))) == 4
    assert len(WatchlistIndex.from_directory(store, today=dt.date(2028, 1, 1))) == 0


def test_matches_come_best_first_across_lists() -> None:
    strong = Entry("A", EntryKind.PERSON, ("ZHANG Wei",), date_of_birth=dt.date(1990, 3, 7))
    weaker = Entry("B", EntryKind.PERSON, ("ZHANG Wei",), date_of_birth=dt.date(1991, 3, 7))
    index = WatchlistIndex(
        [
            Watchlist(make_info("second"), (weaker,)),
            Watchlist(make_info("first"), (strong,)),
        ]
    )
    found = index.match_record(traveller())
    assert [(m.list_id, m.entry_id) for m in found] == [("first", "A"), ("second", "B")]
    assert found[0].score > found[1].score
