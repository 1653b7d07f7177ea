"""On PostgreSQL, refuse UPDATE and DELETE of audit entries in the database itself, so that
the append-only rule holds even for code that bypasses the model. (On SQLite the model
refuses.) TRUNCATE is left to the test runner's flush between transactional tests; a
truncated log is still caught by `palermo audit verify`, which compares with the chain head.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION palermo_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditentry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION palermo_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS palermo_audit_append_only();
"""


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
