"""``audit_record``: the one way to write the audit log (hash-chained, each entry signed with
the audit key, checkpoints of the head written outside the database; append-only)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery
from django.http import HttpRequest
from django.utils import timezone

from palermo.web.audit.checkpoints import checkpoint_after_commit
from palermo.web.audit.keys import audit_keyring
from palermo.web.audit.models import AuditEntry, AuditHead
from palermo.web.lib.security import client_address

GENESIS_HASH = "0" * 64
_HEAD_ID = 1


def canonical_content(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    agency_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    fields: list[str],
    purpose: str,
    ip: str | None,
    detail: Mapping[str, Any],
) -> str:
    """The exact text an entry's hash covers (keys sorted, UTC time to the microsecond)."""
    return json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": actor_id,
            "actor": actor_label,
            "agency_id": agency_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "fields": list(fields),
            "purpose": purpose,
            "ip": ip,
            "detail": dict(detail),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + content).encode("utf-8")).hexdigest()


def entry_mac_message(entry_hash: str) -> str:
    """What an entry's keyed signature covers: its hash, which covers its content and the
    previous entry's hash."""
    return f"entry:{entry_hash}"


def entry_content(entry: AuditEntry) -> str:
    return canonical_content(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        agency_id=entry.agency_id_at_time,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        fields=list(entry.fields),
        purpose=entry.purpose,
        ip=entry.ip,
        detail=entry.detail,
    )


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; behind ``PALERMO_TRUSTED_PROXIES``, the forwarded one."""
    return None if request is None else client_address(request)


def _advance_head() -> tuple[int, str]:
    """Take the next sequence number and the newest hash, holding the write lock.

    One statement both locks and reads: ``UPDATE ... RETURNING`` takes the head row's lock on
    PostgreSQL (a concurrent append waits until this transaction ends, then sees its hash) and
    the database write lock on SQLite, whatever the transaction mode. So concurrent appends
    queue up instead of forking the chain. Must run inside a transaction.
    """
    table = connection.ops.quote_name(AuditHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET seq = seq + 1 WHERE id = %s RETURNING seq, last_hash",  # noqa: S608
            [_HEAD_ID],
        )
        row = cursor.fetchone()
    if row is None:  # the first entry ever: create the head, then take it the same way
        AuditHead.objects.get_or_create(pk=_HEAD_ID, defaults={"seq": 0, "last_hash": GENESIS_HASH})
        return _advance_head()
    return int(row[0]), str(row[1])


def _insert_moving_head(entry: AuditEntry) -> None:
    """PostgreSQL: insert the entry and move the head's hash to it in one statement.

    Every other audited write waits for the head row from ``_advance_head`` until this
    transaction commits, so each round trip in between is paid by all of them in turn (issue
    14: sessions queued on the head under the API's load). One ``WITH ... INSERT`` ``UPDATE``
    instead of two statements; the same rows, the same append-only table.
    """
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    query = InsertQuery(AuditEntry)
    query.insert_values(fields, [entry])
    [(insert_sql, insert_params)] = query.get_compiler(connection=connection).as_sql()
    pk = connection.ops.quote_name(AuditEntry._meta.pk.column)
    head = connection.ops.quote_name(AuditHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH added AS ({insert_sql} RETURNING {pk}) "  # noqa: S608
            f"UPDATE {head} SET last_hash = %s FROM added WHERE {head}.id = %s "
            f"RETURNING added.{pk}",
            [*insert_params, entry.hash, _HEAD_ID],
        )
        row = cursor.fetchone()
    if row is None:  # the head was created in this transaction by _advance_head: never absent
        raise RuntimeError("the audit head row is missing")
    entry.pk = row[0]
    entry._state.adding = False
    entry._state.db = connection.alias


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    fields: Iterable[str] = (),
    purpose: str = "",
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one entry: who (``actor``, a user or ``None``), what (``action`` on ``obj``),
    which ``fields``, and why (``purpose``). Runs inside the caller's transaction, so a
    change that rolls back takes its audit entry with it.

    Never put personal data in ``detail``: name the fields, not their values.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    label = actor_label or (actor.get_username() if is_user else "anonymous")
    # No savepoint: inside the caller's transaction an error here rolls the whole change back
    # anyway; on its own this is one short transaction.
    with transaction.atomic(savepoint=False):
        seq, prev_hash = _advance_head()
        entry = AuditEntry(
            seq=seq,
            at=timezone.now(),
            actor=actor if is_user else None,
            actor_label=label,
            agency_id_at_time=getattr(actor, "agency_id", None) if is_user else None,
            action=str(action),
            object_type=object_type,
            object_id=object_id,
            fields=sorted(set(fields)),
            purpose=purpose,
            ip=client_ip(request),
            detail=dict(detail or {}),
            prev_hash=prev_hash,
        )
        entry.hash = chain_hash(entry.prev_hash, entry_content(entry))
        entry.key_id, entry.mac = audit_keyring().sign(entry_mac_message(entry.hash))
        if connection.vendor == "postgresql":
            _insert_moving_head(entry)
        else:
            entry.save(force_insert=True)
            AuditHead.objects.filter(pk=_HEAD_ID).update(last_hash=entry.hash)
        if seq % settings.AUDIT_CHECKPOINT_EVERY == 0:
            transaction.on_commit(partial(checkpoint_after_commit, seq, entry.hash))
    return entry
