"""Planner statistics after a bulk load (PostgreSQL).

PostgreSQL plans each query from statistics of its tables that autovacuum refreshes
(``ANALYZE``) only some time after a table changed - by default once a tenth of its rows
changed, and on its own schedule. A query that runs right after many rows were loaded into a
table is planned with the old figures: the case search over 100,000 freshly loaded cases took
3.6 s before ``ANALYZE`` and 112 ms after (README, front line speed). So a service that loads
at least ``BULK_ROWS`` rows analyses the tables it filled once its transaction has committed
(``ANALYZE`` reads a sample of each table: well under a second at these sizes). On SQLite
nothing is done: its query planner has no statistics unless ``ANALYZE`` was run once, and
Palermo's SQLite indexes and queries are chosen not to need them.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections, models, transaction

log = logging.getLogger(__name__)

BULK_ROWS = 10_000
"""A load of at least this many rows is followed by ``ANALYZE`` of its tables."""


def analyze_after_bulk_load(*tables: type[models.Model], rows: int, using: str = "default") -> None:
    """``ANALYZE`` the tables of ``tables`` (models) after the current transaction commits (at
    once outside one), on PostgreSQL, when ``rows`` reached ``BULK_ROWS``. Statistics are a
    help to the planner, not data: a failure is logged, never raised."""
    connection = connections[using]
    if rows < BULK_ROWS or connection.vendor != "postgresql" or not tables:
        return
    names = ", ".join(connection.ops.quote_name(t._meta.db_table) for t in tables)

    def analyze() -> None:
        try:
            with connections[using].cursor() as cursor:
                cursor.execute(f"ANALYZE {names}")
        except DatabaseError:
            log.warning("ANALYZE %s after a bulk load failed", names, exc_info=True)

    transaction.on_commit(analyze, using=using)
