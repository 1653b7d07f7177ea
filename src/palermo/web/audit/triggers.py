"""The database's own refusal to change or remove audit entries: BEFORE UPDATE / DELETE
triggers on SQLite and PostgreSQL (and BEFORE TRUNCATE on PostgreSQL), so the append-only
rule holds for code or a console that bypasses the model. Created by migrations
``0002_append_only_trigger`` (PostgreSQL rows) and ``0004_append_only_everywhere``.

``append_only_lifted`` takes them away for the duration of a block: only for a test runner's
flush between transactional tests (which empties every table). ``palermo audit verify`` still
catches anything removed while they were away.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

TABLE = "audit_auditentry"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditentry_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditentry_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (DELETE refused)'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
]
# the function palermo_audit_append_only() comes from migration 0002
POSTGRES_CREATE = [
    f"""CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION palermo_audit_append_only()""",
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON {TABLE}"]


def create_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])


def drop_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])


@contextmanager
def append_only_lifted(connection: Any) -> Iterator[None]:
    """Without the triggers for the block (test flush only; see the module docstring)."""
    vendor = connection.vendor
    lift = [f"ALTER TABLE {TABLE} DISABLE TRIGGER USER"] if vendor == "postgresql" else SQLITE_DROP
    restore = (
        [f"ALTER TABLE {TABLE} ENABLE TRIGGER USER"] if vendor == "postgresql" else SQLITE_CREATE
    )
    with connection.cursor() as cursor:
        for statement in lift:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in restore:
                cursor.execute(statement)


def lift_during_test_flush() -> None:
    """Make Django's flush (between transactional tests) run with the triggers lifted. For
    test runners only: ``tests/web/conftest.py`` and ``tests/browser/conftest.py`` call it."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "lifts_audit_triggers", False):
        return

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
        with append_only_lifted(self.connection):
            original(self, sql_list)

    execute_sql_flush.lifts_audit_triggers = True  # type: ignore[attr-defined]
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
