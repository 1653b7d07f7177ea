"""``palermo keys rotate``: re-encrypt every encrypted column with the newest key.

Each table is rewritten in one transaction (all of it or none of it); rows already on the
newest key are skipped, so an interrupted rotation is finished by running it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from palermo.web.lib.crypto import keyring
from palermo.web.lib.fields import EncryptedTextField


def encrypted_models() -> list[tuple[Any, list[str]]]:
    found: list[tuple[Any, list[str]]] = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        names = [f.attname for f in fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def _stale_pks(model: Any, names: list[str], batch_size: int) -> list[Any]:
    """Primary keys of rows with an encrypted column not yet on the newest key.

    Reads the raw column values (the ORM would decrypt them on load)."""
    ring = keyring()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    sql = f"SELECT {quote(model._meta.pk.column)}, {columns} FROM {quote(model._meta.db_table)}"  # noqa: S608  (identifiers from the model, quoted)
    stale: list[Any] = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch_size):
            stale.extend(
                row[0]
                for row in rows
                if any(value is not None and not ring.is_current(value) for value in row[1:])
            )
    return stale


def keys_rotate(
    *, batch_size: int = 500, on_table: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Re-encrypt with the newest key; returns the rows rewritten per ``app_label.Model``.

    ``on_table(label, rows)`` runs inside each table's transaction once its rows are
    rewritten (the caller audits there: a table's re-encryption and its audit entry commit or
    roll back together; ``lib`` imports no app, so the audit is the caller's)."""
    report: dict[str, int] = {}
    for model, names in encrypted_models():
        changed = 0
        with transaction.atomic():
            stale = _stale_pks(model, names, batch_size)
            for start in range(0, len(stale), batch_size):
                chunk = stale[start : start + batch_size]
                # Loading decrypts with whichever key wrote the value; update() encrypts with
                # the newest.
                for obj in model._base_manager.filter(pk__in=chunk).only("pk", *names):
                    model._base_manager.filter(pk=obj.pk).update(
                        **{name: getattr(obj, name) for name in names}
                    )
                    changed += 1
            label = f"{model._meta.app_label}.{model.__name__}"
            if on_table is not None:
                on_table(label, changed)
        report[label] = changed
    return report


def stale_count(model: Any, names: list[str]) -> int:
    return len(_stale_pks(model, names, 1000))
