"""Watchlists: lists with an owner, purpose, legal basis and expiry; people, organisations and
contact points on them; matching of traveller records, exact on identifiers and fuzzy on names
across scripts, with a score and a reason in English and Chinese for every match."""

from __future__ import annotations

from palermo.screening.watchlists.index import MATCH_SCHEMA, WatchlistIndex
from palermo.screening.watchlists.loading import (
    load_directory,
    load_stored,
    read_watchlist,
    save_watchlist,
)
from palermo.screening.watchlists.matching import Traveller, score_pair, traveller_from_record
from palermo.screening.watchlists.model import (
    DEFAULT_THRESHOLD,
    Entry,
    EntryKind,
    ListInfo,
    Watchlist,
    WatchlistMatch,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MATCH_SCHEMA",
    "Entry",
    "EntryKind",
    "ListInfo",
    "Traveller",
    "Watchlist",
    "WatchlistIndex",
    "WatchlistMatch",
    "load_directory",
    "load_stored",
    "read_watchlist",
    "save_watchlist",
    "score_pair",
    "traveller_from_record",
]
