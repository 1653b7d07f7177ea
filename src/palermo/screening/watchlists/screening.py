"""Watchlist matches as screening hits (``source="watchlist"``), for both screening paths.

``record_hits`` gives the hits of one record (the real-time ``Screener``); ``table_hits`` the
hits of a whole table (batch ``screen_table``); ``merge_hits`` puts them after the profile hits
of the same record, in input order, so the batch table lists exactly what the ``Screener``
returns record by record.

A hit's ``rule_id`` is ``<list id>:<entry id>``, its ``rule_version`` the version of the list's
content, its ``weight`` the match score (0-100), and its ``set_version`` the version of all lists
in force together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from palermo.screening.hits import HIT_SCHEMA, Hit, hits_to_table
from palermo.screening.watchlists.index import WatchlistIndex
from palermo.screening.watchlists.model import KIND_LABELS, WatchlistMatch

_ROW = "_watchlist_row"
_SOURCE = "_watchlist_source"
_SEQ = "_watchlist_seq"


def match_hit(index: WatchlistIndex, match: WatchlistMatch, record_id: str) -> Hit:
    info = index.infos[index.list_position[match.list_id]]
    kind_en, kind_zh = KIND_LABELS[match.kind]
    return Hit(
        record_id=record_id,
        source="watchlist",
        rule_id=f"{match.list_id}:{match.entry_id}",
        rule_version=index.list_version(match.list_id),
        weight=float(match.score),
        title_en=f"Watchlist '{info.title}': listed {kind_en} {match.entry_id}",
        title_zh=f"监控名单“{info.title}”：所列{kind_zh} {match.entry_id}",
        matched_en=(
            f"match score {match.score}/100 (list threshold {match.threshold})",
            *match.reasons_en,
        ),
        matched_zh=(f"匹配分数 {match.score}/100（名单阈值 {match.threshold}）", *match.reasons_zh),
        set_version=index.version,
    )


def record_hits(index: WatchlistIndex, record: Mapping[str, Any]) -> list[Hit]:
    """The watchlist hits of one record, best match first."""
    record_id = str(record.get("record_id") or "")
    return [match_hit(index, m, record_id) for m in index.match_record(record)]


def table_hits(index: WatchlistIndex, table: pa.Table) -> tuple[pa.Table, list[int]]:
    """The watchlist hits of a table (``HIT_SCHEMA``) and the input row of each hit."""
    hits: list[Hit] = []
    rows: list[int] = []
    has_id = "record_id" in table.column_names
    for row, found in sorted(index.matches_by_row(table).items()):
        record_id = table.column("record_id")[row].as_py() if has_id else None
        for m in found:
            hits.append(match_hit(index, m, str(record_id or "")))
            rows.append(row)
    return hits_to_table(hits), rows


def merge_hits(table: pa.Table, profile_hits: pa.Table, index: WatchlistIndex) -> pa.Table:
    """Profile hits and watchlist hits of ``table`` together: by record in input order, profile
    hits first (in their order), then watchlist hits (best first)."""
    listed, listed_rows = table_hits(index, table)
    if listed.num_rows == 0:
        return profile_hits
    if profile_hits.num_rows == 0:
        return listed
    # the input row of each profile hit, through its record id (first occurrence)
    profile_rows = pc.index_in(profile_hits.column("record_id"), table.column("record_id"))
    both = pa.concat_tables(
        [
            profile_hits.select(HIT_SCHEMA.names)
            .append_column(_ROW, pc.cast(profile_rows, pa.int64()))
            .append_column(_SOURCE, pa.array([0] * profile_hits.num_rows, pa.int8())),
            listed.append_column(_ROW, pa.array(listed_rows, pa.int64())).append_column(
                _SOURCE, pa.array([1] * listed.num_rows, pa.int8())
            ),
        ]
    )
    both = both.append_column(_SEQ, pa.array(range(both.num_rows), pa.int64()))
    ordered = both.sort_by([(_ROW, "ascending"), (_SOURCE, "ascending"), (_SEQ, "ascending")])
    return ordered.select(HIT_SCHEMA.names).cast(HIT_SCHEMA)
