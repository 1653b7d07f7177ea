"""The database refuses to change or remove audit entries on SQLite too (BEFORE UPDATE and
BEFORE DELETE triggers that raise), and refuses TRUNCATE on PostgreSQL (row triggers from
0002 do not fire for it). The statements live in ``palermo.web.audit.triggers``.

A later migration that rebuilds the audit table on SQLite (SQLite's way of altering a column)
drops these triggers with the old table: it must create them again
(``tests/web/test_audit_log.py`` checks that they exist after all migrations).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from palermo.web.audit.triggers import create_statements, drop_statements


def forward(apps: Any, schema_editor: Any) -> None:
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def backward(apps: Any, schema_editor: Any) -> None:
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_entry_keys")]
    operations = [migrations.RunPython(forward, backward)]
