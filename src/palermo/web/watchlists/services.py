"""Writes on watchlists: upload (validated by the domain loader), approve (a supervisor of the
same agency who did not upload it), activate, retire (two people when active), and change the
threshold. Approval queues the build of the version's matching index (``index_files.py``);
activation waits for it. The steps are the one workflow of every reviewed version
(``palermo.web.review.workflow``): each runs in one transaction, checks the actor's role and
agency and writes the audit log; every change to what is active refreshes the active lists'
stamp, which swaps the Screener's watchlists (``registry``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.screening.watchlists import EntryKind
from palermo.screening.watchlists.loading import local_today, read_watchlist_bytes
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import TransitionRefusedError
from palermo.web.lib.problems import checked_upload_name, file_too_large, problem
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import WATCHLIST_APPROVERS, WATCHLIST_ROLES, require_role
from palermo.web.review.workflow import ReviewWorkflow, require_status
from palermo.web.watchlists.index_files import index_build_enqueue
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.store import digest, entries_json, refresh_stamp

SUFFIXES = (".yaml", ".yml", ".csv", ".jsonl")
INFO_FIELDS = ("id", "title", "owner", "purpose", "legal_basis", "expires", "threshold")


_WORK_ON_WATCHLISTS = gettext_lazy("work on watchlists")


class _WatchlistWorkflow(ReviewWorkflow[WatchlistVersion]):
    """Analysts and supervisors upload (a version is submitted on upload); a supervisor of the
    holding agency approves, activates, retires. An expired list cannot be activated."""

    model = WatchlistVersion
    noun = "watchlist"
    detail_key = "list"
    where = gettext_lazy("watchlist")
    what = _WORK_ON_WATCHLISTS
    editors = WATCHLIST_ROLES
    approvers = WATCHLIST_APPROVERS
    held_elsewhere = gettext_lazy("another agency holds a list with this id; choose another id")
    submit_on_upload = True

    def approved(self, version: WatchlistVersion) -> None:
        index_build_enqueue(version)

    def check_activation(self, version: WatchlistVersion, day: dt.date) -> None:
        if not version.index_file:
            raise TransitionRefusedError(
                _(
                    "The matching index of this version is still being built (seconds for a "
                    "small list, about a minute for a million entries). Activate it once this "
                    "page says the index is ready."
                )
            )
        if version.expires < local_today():
            raise TransitionRefusedError(
                _(
                    "The list expired on %(date)s: its legal basis for matching has lapsed. "
                    "Upload a renewed list."
                )
                % {"date": version.expires.isoformat()}
            )

    def active_changed(self) -> None:
        refresh_stamp()


WATCHLISTS = _WatchlistWorkflow()
watchlist_approve = WATCHLISTS.approve
watchlist_activate = WATCHLISTS.activate
watchlist_retire = WATCHLISTS.retire


def _read_bounded(chunks: Iterable[bytes], name: str) -> bytes:
    """The upload's bytes in memory (never in plain text on disk), refused as soon as they pass
    the limit."""
    limit = int(settings.WATCHLIST_MAX_BYTES)
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise file_too_large(name, limit)
        parts.append(chunk)
    return b"".join(parts)


def watchlist_upload(
    *,
    actor: User,
    file_name: str,
    content: bytes | Iterable[bytes],
    info: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> WatchlistVersion:
    """Validate a watchlist file and keep it as a version waiting for a supervisor's approval.

    YAML carries its description under ``list:``; CSV and JSON Lines take it from ``info``
    (values given in ``info`` also override the YAML's). ``InputError`` lists every problem
    (file, row, field, value, rule) and nothing is stored.
    """
    require_role(actor, WATCHLIST_ROLES, what=_WORK_ON_WATCHLISTS)
    name, suffix = checked_upload_name(file_name, default="watchlist.yaml", suffixes=SUFFIXES)
    overrides = {k: v for k, v in (info or {}).items() if k in INFO_FIELDS and v not in (None, "")}
    data = _read_bounded([content] if isinstance(content, bytes) else content, name)
    watchlist = read_watchlist_bytes(
        data, name=name, suffix=suffix, info=overrides, today=local_today()
    )
    del data
    listed = watchlist.info
    counts = Counter(e.kind for e in watchlist.entries)
    text = entries_json(watchlist.entries)
    with transaction.atomic():
        return WATCHLISTS.create(
            actor=actor,
            request=request,
            name=name,
            fields={
                "list_id": listed.list_id,
                "title": listed.title[:300],
                "owner": listed.owner[:300],
                "purpose": listed.purpose[:1000],
                "legal_basis": listed.legal_basis[:1000],
                "expires": listed.expires,
                "threshold": listed.threshold,
                "entries": text,
                "digest": digest(text),
                "people": counts[EntryKind.PERSON],
                "organisations": counts[EntryKind.ORGANISATION],
                "contacts": counts[EntryKind.CONTACT],
            },
            audit_fields=["entries"],
            audit_detail={"entries": len(watchlist.entries)},
        )


def watchlist_threshold_set(
    *, actor: User, version: WatchlistVersion, threshold: Any, request: HttpRequest | None = None
) -> WatchlistVersion:
    """Change the score (0-100) a match must reach to become a hit; a supervisor of the holding
    agency, audited with the old and the new value. An active list uses it from the next
    screening on."""
    WATCHLISTS.require_reviewer(actor, version, WATCHLIST_APPROVERS)
    try:
        value = int(str(threshold).strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 100:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("watchlist"),
                    field="threshold",
                    value=str(threshold),
                    rule=gettext_lazy("must be a whole number from 0 to 100"),
                )
            ]
        )
    with transaction.atomic():
        version = WatchlistVersion.objects.select_for_update().get(pk=version.pk)
        require_status(version, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED, ReviewStatus.ACTIVE)
        before = version.threshold
        version.threshold = value
        version.save(update_fields=["threshold"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=version,
            fields=["threshold"],
            purpose="watchlist threshold changed",
            request=request,
            detail={
                "list": version.list_id,
                "version": version.version,
                "from": before,
                "to": value,
            },
        )
        if version.status == ReviewStatus.ACTIVE.value:
            refresh_stamp()
    return version
