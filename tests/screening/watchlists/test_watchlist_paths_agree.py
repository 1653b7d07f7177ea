"""The batch path (one DuckDB join over a table) and the real-time path (one record at a time)
must give the same matches, with the same scores and reasons."""

from __future__ import annotations

import datetime as dt
import random
from functools import cache
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from watchlist_helpers import make_info

from palermo.screening.watchlists import Entry, EntryKind, Watchlist, WatchlistIndex
from palermo.screening.watchlists.synthetic import (
    TRANSFORMS,
    Person,
    synthetic_watchlist,
    transformed_record,
)

COLUMNS: dict[str, pa.DataType] = {
    "record_id": pa.string(),
    "surname": pa.string(),
    "given_names": pa.string(),
    "name_native": pa.string(),
    "date_of_birth": pa.date32(),
    "nationality": pa.string(),
    "document_number_hash": pa.string(),
    "sponsor_name": pa.string(),
    "sponsor_registration": pa.string(),
    "contact_phone": pa.string(),
    "contact_email": pa.string(),
}
DATES = st.dates(dt.date(1949, 1, 1), dt.date(2013, 12, 31))
PHONES = ["+855 12 345 678", "012345678", "999"]
HASHES = ("a" * 32, "b" * 32, "c" * 32)


@cache
def fixture() -> tuple[WatchlistIndex, tuple[Person, ...]]:
    people_list, people = synthetic_watchlist(300, seed=5, list_id="people")
    # some listed without a date of birth, one with a document
    entries = list(people_list.entries)
    for i in range(0, 300, 7):
        e = entries[i]
        entries[i] = Entry(e.entry_id, e.kind, e.names, None, e.nationality)
    entries[1] = Entry("DOC", EntryKind.PERSON, ("Maria Santos",), document_hash=HASHES[0])
    others = (
        Entry(
            "O1", EntryKind.ORGANISATION, ("Golden Star Manpower",), registration_numbers=("R1",)
        ),
        Entry("O2", EntryKind.ORGANISATION, ("金星劳务有限公司",)),
        Entry("C1", EntryKind.CONTACT, phones=("85512345678",), emails=("jobs@example.com",)),
    )
    index = WatchlistIndex(
        [
            Watchlist(people_list.info, tuple(entries)),
            Watchlist(make_info("orgs", threshold=70), others),
        ]
    )
    return index, tuple(people)


@st.composite
def traveller(draw: st.DrawFn) -> dict[str, Any]:
    _index, people = fixture()
    if draw(st.booleans()):
        person = people[draw(st.integers(0, len(people) - 1))]
        rng = random.Random(draw(st.integers(0, 10_000)))
        record = transformed_record(
            person, draw(st.sampled_from(TRANSFORMS)), rng=rng, record_id="x"
        )
        if draw(st.booleans()):
            record["date_of_birth"] = draw(
                st.none() | st.dates(dt.date(1949, 1, 1), dt.date(2013, 12, 31))
            )
    else:
        tokens = st.sampled_from(
            ["Zhang", "Wei", "Wong", "Li", "Santos", "Maria", "Nguyen", "Thi", "Chan", "X", "Lee"]
        )
        record = {
            "record_id": "x",
            "surname": draw(st.none() | tokens),
            "given_names": draw(st.none() | st.lists(tokens, max_size=3).map(" ".join)),
            "name_native": draw(st.none() | st.sampled_from(["张伟", "王芳", "陈美玲", "李"])),
            "date_of_birth": draw(st.none() | DATES),
            "nationality": draw(st.none() | st.sampled_from(["CN", "PH", "VN"])),
        }
    record["document_number_hash"] = draw(st.none() | st.sampled_from(HASHES))
    record["sponsor_name"] = draw(
        st.none() | st.sampled_from(["GOLDEN STAR AGENCY", "Golden Stars", "金星劳务", "Blue Sky"])
    )
    record["sponsor_registration"] = draw(st.none() | st.sampled_from(["r-1", "R2"]))
    record["contact_phone"] = draw(st.none() | st.sampled_from(PHONES))
    record["contact_email"] = draw(st.none() | st.sampled_from(["JOBS@example.com", "x@y.org"]))
    return record


def as_rows(matches: Any) -> list[tuple[Any, ...]]:
    return [(m.list_id, m.entry_id, m.score, m.reason_en, m.reason_zh) for m in matches]


@settings(max_examples=100, deadline=None)
@given(st.lists(traveller(), min_size=1, max_size=12))
def test_batch_and_real_time_paths_give_the_same_matches(records: list[dict[str, Any]]) -> None:
    index, _ = fixture()
    for i, record in enumerate(records):
        record["record_id"] = f"R{i}"
    table = pa.table({c: pa.array([r.get(c) for r in records], t) for c, t in COLUMNS.items()})
    batch = index.match_table(table).to_pylist()
    for i, record in enumerate(records):
        real_time = as_rows(index.match_record(record))
        from_batch = [
            (m["list_id"], m["entry_id"], m["score"], m["reason_en"], m["reason_zh"])
            for m in batch
            if m["row"] == i
        ]
        assert from_batch == real_time
        assert all(m["record_id"] == f"R{i}" for m in batch if m["row"] == i)


def test_the_batch_path_finds_listed_people_in_a_manifest() -> None:
    index, people = fixture()
    rng = random.Random(3)
    records = [
        transformed_record(people[i], "exact", rng=rng, record_id=f"R{i}") for i in range(20, 40)
    ]
    table = pa.table({c: pa.array([r.get(c) for r in records], t) for c, t in COLUMNS.items()})
    found = index.match_table(table)
    assert set(found.column("row").to_pylist()) == set(range(20))


def test_scoring_in_two_processes_gives_the_same_matches_as_in_one() -> None:
    index, people = fixture()
    rng = random.Random(9)
    records = [
        transformed_record(p, TRANSFORMS[i % len(TRANSFORMS)], rng=rng, record_id=f"R{i}")
        for i, p in enumerate(people[:150])
    ]
    table = pa.table({c: pa.array([r.get(c) for r in records], t) for c, t in COLUMNS.items()})
    one = index.match_table(table, workers=1)
    two = index.match_table(table, workers=2)
    assert one.num_rows > 100
    assert two.equals(one)
