"""Watchlist matches appear as hits (source 'watchlist') in both screening paths, the same."""

from __future__ import annotations

import datetime as dt
import random
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from watchlist_helpers import LIST_YAML, TODAY

from palermo.cli.main import app
from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.records import table_from_dicts, validate_table
from palermo.screening import Screener, hits_to_table, screen_table
from palermo.screening.watchlists import Watchlist, WatchlistIndex, read_watchlist, save_watchlist
from palermo.screening.watchlists.synthetic import synthetic_watchlist

BASE = {"port": "PEK", "event_date": "2026-05-20"}
PROFILE_SET = load_profile_set(EXAMPLES_DIR)


def suspects(tmp_path: Path) -> Watchlist:
    path = tmp_path / "suspects.yaml"
    path.write_text(LIST_YAML, encoding="utf-8")
    return read_watchlist(path, today=TODAY)


def test_the_screener_returns_watchlist_hits_after_the_profile_hits(tmp_path: Path) -> None:
    index = WatchlistIndex([suspects(tmp_path)])
    screener = Screener(PROFILE_SET, today=lambda: TODAY, watchlists=index)
    record = {
        "record_id": "r1",
        "event_kind": "exit",
        "obs_document_held_by_other": True,
        "obs_companion_answers": True,
        "surname": "CHEUNG",
        "given_names": "Wei",
        "date_of_birth": dt.date(1990, 3, 7),
    }
    hits = screener.screen(record)
    assert [h.source for h in hits] == ["profile", "watchlist"]
    listed = hits[1]
    assert listed.rule_id == "trafficking-suspects:P1"
    assert listed.weight == 100.0
    assert listed.set_version == index.version
    assert "romanisation" in listed.reasons("en")
    assert "拼音" in listed.reasons("zh")
    assert "Recruiters under investigation" in listed.title_en


def test_a_record_with_no_profile_hit_still_gets_its_watchlist_hit(tmp_path: Path) -> None:
    screener = Screener(
        PROFILE_SET, today=lambda: TODAY, watchlists=WatchlistIndex([suspects(tmp_path)])
    )
    hits = screener.screen({"record_id": "r2", "contact_email": "jobs.abroad@example.com"})
    assert [(h.source, h.rule_id) for h in hits] == [("watchlist", "trafficking-suspects:C1")]
    screener.replace_watchlists(None)
    assert screener.screen({"record_id": "r2", "contact_email": "jobs.abroad@example.com"}) == []


@cache
def people_index() -> tuple[WatchlistIndex, list[Any]]:
    watchlist, people = synthetic_watchlist(200, seed=17)
    return WatchlistIndex([watchlist]), people


@st.composite
def manifest(draw: st.DrawFn) -> list[dict[str, Any]]:
    _, people = people_index()
    rows = []
    for i in range(draw(st.integers(1, 8))):
        person = people[draw(st.integers(0, len(people) - 1))]
        listed = draw(st.booleans())
        rows.append(
            {
                **BASE,
                "record_id": f"r{i}",
                "event_kind": draw(st.sampled_from(["entry", "exit", "visa_application"])),
                "obs_document_held_by_other": draw(st.booleans()),
                "obs_companion_answers": draw(st.booleans()),
                "surname": person.surname if listed else "Other",
                "given_names": " ".join(person.given),
                "date_of_birth": person.date_of_birth.isoformat(),
            }
        )
    return rows


@settings(max_examples=40, deadline=None)
@given(manifest())
def test_batch_and_real_time_screening_give_the_same_hits_watchlists_included(
    rows: list[dict[str, Any]],
) -> None:
    index, _ = people_index()
    table = validate_table(table_from_dicts(rows))
    batch = screen_table(table, PROFILE_SET, on=TODAY, watchlists=index)
    screener = Screener(PROFILE_SET, today=lambda: TODAY, watchlists=index)
    real_time = [h for record in table.to_pylist() for h in screener.screen(record)]
    assert batch.equals(hits_to_table(real_time))


def test_palermo_screen_with_watchlists_writes_profile_and_watchlist_hits(tmp_path: Path) -> None:
    store = tmp_path / "lists"
    save_watchlist(suspects(tmp_path), store)
    rng = random.Random(1)
    rows = [
        {
            **BASE,
            "record_id": "r1",
            "event_kind": "exit",
            "surname": "ZHANG",
            "given_names": "WEI",
            "date_of_birth": "1990-03-07",
            "obs_document_held_by_other": True,
            "obs_companion_answers": True,
        },
        {
            **BASE,
            "record_id": "r2",
            "event_kind": "entry",
            "surname": "SMITH",
            "given_names": "JOHN",
            "date_of_birth": f"19{rng.randint(50, 99)}-01-01",
        },
    ]
    records = tmp_path / "records.parquet"
    pq.write_table(validate_table(table_from_dicts(rows)), records)
    out = tmp_path / "hits.parquet"
    result = CliRunner().invoke(
        app,
        [
            "screen",
            str(records),
            "--profiles",
            str(EXAMPLES_DIR),
            "--out",
            str(out),
            "--watchlists",
            str(store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "名单命中: 1" in result.output
    hits = pq.read_table(out).to_pylist()
    assert [(h["record_id"], h["source"]) for h in hits] == [("r1", "profile"), ("r1", "watchlist")]
