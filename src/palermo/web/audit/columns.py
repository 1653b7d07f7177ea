"""The parts of an audit entry as people read them: the audit export's columns (the CSV's
header; the export's entry names these keys as its fields, which the audit page shows in
words)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

AUDIT_COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("seq", _("Entry")),
    ("at", _("When (UTC)")),
    ("actor", _("Who")),
    ("agency_id", _("Agency id")),
    ("action", _("Action")),
    ("object_type", _("Object type")),
    ("object_id", _("Object id")),
    ("fields", _("Fields")),
    ("purpose", _("Purpose")),
    ("ip", _("Address")),
    ("detail", _("Detail")),
    ("hash", _("Hash")),
)
AUDIT_COLUMN_LABELS: dict[str, Promise] = dict(AUDIT_COLUMNS)
