"""Between the domain's ``Watchlist`` and the stored ``WatchlistVersion``: the entries as
canonical JSON (encrypted in the row), the active unexpired lists, and the active set's stamp.

``registry.current_watchlists()`` reads the stamp on every call and, only when it (or the day)
changed, puts the ``WatchlistIndex`` together from the active versions' index files
(``index_files.index_for``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from palermo.screening.watchlists import Entry, EntryKind, ListInfo, Watchlist
from palermo.web.lib.review import ReviewStatus
from palermo.web.watchlists.models import WatchlistSetStamp, WatchlistVersion

STAMP_ROW = 1
EMPTY_STAMP = "empty"


def entries_json(entries: Iterable[Entry]) -> str:
    """The entries as one JSON array (keys sorted, dates ISO): what the encrypted column holds."""
    rows: list[dict[str, Any]] = []
    for e in entries:
        rows.append(
            {
                "entry_id": e.entry_id,
                "kind": e.kind.value,
                "names": list(e.names),
                "date_of_birth": e.date_of_birth.isoformat() if e.date_of_birth else None,
                "nationality": e.nationality,
                "document_hash": e.document_hash,
                "registration_numbers": list(e.registration_numbers),
                "phones": list(e.phones),
                "emails": list(e.emails),
                "note": e.note,
            }
        )
    return json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entries_from_json(text: str) -> tuple[Entry, ...]:
    return tuple(
        Entry(
            entry_id=row["entry_id"],
            kind=EntryKind(row["kind"]),
            names=tuple(row["names"]),
            date_of_birth=dt.date.fromisoformat(row["date_of_birth"])
            if row["date_of_birth"]
            else None,
            nationality=row["nationality"],
            document_hash=row["document_hash"],
            registration_numbers=tuple(row["registration_numbers"]),
            phones=tuple(row["phones"]),
            emails=tuple(row["emails"]),
            note=row["note"],
        )
        for row in json.loads(text)
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def info_of(row: WatchlistVersion) -> ListInfo:
    return ListInfo(
        list_id=row.list_id,
        title=row.title,
        owner=row.owner,
        purpose=row.purpose,
        legal_basis=row.legal_basis,
        expires=row.expires,
        threshold=row.threshold,
    )


def watchlist_of(row: WatchlistVersion) -> Watchlist:
    return Watchlist(info_of(row), entries_from_json(row.entries))


def active_rows(on: dt.date) -> list[WatchlistVersion]:
    """The active versions still within their expiry date (a list is used up to and including
    its expiry day; after it, its legal basis for matching has lapsed)."""
    return list(
        WatchlistVersion.objects.filter(status=ReviewStatus.ACTIVE.value, expires__gte=on).order_by(
            "list_id"
        )
    )


def compute_stamp() -> str:
    """A stamp of the active versions (id, version, threshold, expiry, content digest, index
    file)."""
    parts = [
        f"{r.list_id}:{r.version}:{r.threshold}:{r.expires.isoformat()}:{r.digest}:{r.index_file}"
        for r in WatchlistVersion.objects.filter(status=ReviewStatus.ACTIVE.value)
        .only("list_id", "version", "threshold", "expires", "digest", "index_file")
        .order_by("list_id")
    ]
    if not parts:
        return EMPTY_STAMP
    return hashlib.sha256(",".join(parts).encode()).hexdigest()[:32]


def refresh_stamp() -> str:
    """Record the active lists' stamp (inside the caller's transaction)."""
    stamp = compute_stamp()
    WatchlistSetStamp.objects.update_or_create(
        pk=STAMP_ROW, defaults={"stamp": stamp, "changed_at": timezone.now()}
    )
    return stamp


def stored_stamp() -> str:
    stamp = WatchlistSetStamp.objects.filter(pk=STAMP_ROW).values_list("stamp", flat=True).first()
    return stamp or EMPTY_STAMP
