"""The parts of an audit entry as people read them: the audit export's columns (the CSV's
header; the export's entry names these keys as its fields, which the audit page shows in
words), and the columns other exports name in their entries."""

from __future__ import annotations

from collections.abc import Iterable

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

# The columns an export writes, by the object type its audit entry is about: the audit page
# names them as the export's header does. An exporter registers its own when its module is
# imported (``export_columns_register``): the audit log imports no exporter, which all write to
# it.
EXPORT_COLUMNS: dict[str, dict[str, Promise]] = {"audit.auditentry": AUDIT_COLUMN_LABELS}


def export_columns_register(object_type: str, columns: Iterable[tuple[str, Promise]]) -> None:
    EXPORT_COLUMNS.setdefault(object_type, {}).update(columns)
