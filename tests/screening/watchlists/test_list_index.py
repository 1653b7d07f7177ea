"""A list's index written as bytes and read back matches exactly as the index it was built as."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache
from unittest import mock

import pytest

from palermo.screening.watchlists import Watchlist, WatchlistIndex
from palermo.screening.watchlists import listindex as listindex_module
from palermo.screening.watchlists.listindex import IndexFormatError, ListIndex
from palermo.screening.watchlists.synthetic import (
    TRANSFORMS,
    synthetic_watchlist,
    transformed_record,
    travellers,
)


@cache
def sample() -> tuple[Watchlist, list[dict[str, object]]]:
    watchlist, people = synthetic_watchlist(2_000, seed=7)
    rng = random.Random(8)
    records = [
        transformed_record(people[i], TRANSFORMS[i % len(TRANSFORMS)], rng=rng, record_id=f"L{i}")
        for i in range(0, 2_000, 10)
    ]
    records.extend(travellers(200, seed=9))
    return watchlist, records


def matches(index: WatchlistIndex, records: list[dict[str, object]]) -> list[object]:
    return [index.match_record(r) for r in records]


def test_an_index_read_back_from_its_bytes_gives_the_same_matches_and_version() -> None:
    watchlist, records = sample()
    built = WatchlistIndex([watchlist])
    loaded = WatchlistIndex.from_parts([ListIndex.from_bytes(built.parts[0].to_bytes())])
    assert loaded.version == built.version
    assert len(loaded) == len(built) == 2_000
    found = matches(built, records)
    assert sum(bool(m) for m in found) >= 190  # the listed travellers are found
    assert matches(loaded, records) == found


def test_keys_that_share_a_hash_still_find_only_their_own_entries() -> None:
    watchlist, records = sample()
    expected = matches(WatchlistIndex([watchlist]), records)
    # every key with one of four hashes: each lookup must tell the keys apart by their text
    with mock.patch.object(listindex_module, "key_hash", lambda key: len(key) % 4):
        colliding = WatchlistIndex([watchlist])
        assert matches(colliding, records) == expected


def test_a_new_threshold_is_applied_to_a_loaded_index_without_rebuilding_it() -> None:
    watchlist, records = sample()
    part = ListIndex.from_bytes(ListIndex.build(watchlist).to_bytes())
    strict = WatchlistIndex.from_parts([part]).with_info(replace(part.info, threshold=100))
    lenient = WatchlistIndex.from_parts([part]).with_info(replace(part.info, threshold=60))
    strict_hits = sum(bool(m) for m in matches(strict, records))
    lenient_hits = sum(bool(m) for m in matches(lenient, records))
    assert strict_hits < lenient_hits
    assert strict.version != lenient.version


def test_bytes_that_are_not_an_index_or_are_cut_short_are_refused() -> None:
    watchlist, _records = sample()
    data = ListIndex.build(watchlist).to_bytes()
    with pytest.raises(IndexFormatError, match="not a watchlist index"):
        ListIndex.from_bytes(b"PAR1" + data[4:])
    with pytest.raises(IndexFormatError):
        ListIndex.from_bytes(data[: len(data) // 2])
