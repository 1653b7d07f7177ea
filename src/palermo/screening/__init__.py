"""Screening: travellers against risk profiles (and watchlists), in batch or one at a time.

Batch: ``screen_table(table, profile_set, engine="duckdb")`` -> Arrow table of hits.
Real time: ``Screener(profile_set).screen(record)`` -> list of ``Hit``.
"""

from __future__ import annotations

from palermo.screening.batch import ENGINES, Engine, local_spark_session, screen_table
from palermo.screening.hits import HIT_SCHEMA, Hit, hits_from_table, hits_to_table
from palermo.screening.realtime import Screener

__all__ = [
    "ENGINES",
    "HIT_SCHEMA",
    "Engine",
    "Hit",
    "Screener",
    "hits_from_table",
    "hits_to_table",
    "local_spark_session",
    "screen_table",
]
