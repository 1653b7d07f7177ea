"""Writes on watchlists: upload (validated by the domain loader), approve (a supervisor of the
same agency who did not upload it), activate, retire, and change the threshold. Each runs in
one transaction, checks the actor and writes the audit log; every change to what is active
refreshes the active lists' stamp, which swaps the Screener's watchlists (``registry``)."""

from __future__ import annotations

import dataclasses
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.screening.watchlists import EntryKind, read_watchlist
from palermo.screening.watchlists.loading import local_today
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import checked_upload_name, problem
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import WATCHLIST_APPROVERS, WATCHLIST_ROLES, require_role
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.store import digest, entries_json, refresh_stamp

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SUFFIXES = (".yaml", ".yml", ".csv", ".jsonl")
INFO_FIELDS = ("id", "title", "owner", "purpose", "legal_basis", "expires", "threshold")


_WORK_ON_WATCHLISTS = gettext_lazy("work on watchlists")


def _require_own(actor: User, version: WatchlistVersion) -> None:
    if version.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that holds this list can do this."))


def _require_status(version: WatchlistVersion, *allowed: ReviewStatus) -> None:
    if version.status not in {s.value for s in allowed}:
        raise TransitionRefusedError(
            _("This step is not possible while the version is %(status)s.")
            % {"status": version.get_status_display()}
        )


def _renamed(found: Problem, path: Path, name: str) -> Problem:
    """A loader problem with the temporary file's path replaced by the name uploaded."""
    where_zh = found.where_zh.replace(str(path), name) if found.where_zh else None
    return dataclasses.replace(found, where=found.where.replace(str(path), name), where_zh=where_zh)


def watchlist_upload(
    *,
    actor: User,
    file_name: str,
    content: bytes,
    info: dict[str, Any] | None = None,
    request: Any = None,
) -> WatchlistVersion:
    """Validate a watchlist file and keep it as a version waiting for a supervisor's approval.

    YAML carries its description under ``list:``; CSV and JSON Lines take it from ``info``
    (values given in ``info`` also override the YAML's). ``InputError`` lists every problem
    (file, row, field, value, rule) and nothing is stored.
    """
    require_role(actor, WATCHLIST_ROLES, what=_WORK_ON_WATCHLISTS)
    name, suffix = checked_upload_name(file_name, default="watchlist.yaml", suffixes=SUFFIXES)
    if len(content) > MAX_UPLOAD_BYTES:
        raise InputError([problem(where=name, rule=gettext_lazy("the file is larger than 20 MB"))])
    overrides = {k: v for k, v in (info or {}).items() if k in INFO_FIELDS and v not in (None, "")}
    folder = Path(settings.DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            watchlist = read_watchlist(path, info=overrides, today=local_today())
        except InputError as exc:
            raise InputError(
                [_renamed(p, path, name) for p in exc.problems], total=exc.total
            ) from None
    listed = watchlist.info
    counts = Counter(e.kind for e in watchlist.entries)
    text = entries_json(watchlist.entries)
    with transaction.atomic():
        holders = set(
            WatchlistVersion.objects.filter(list_id=listed.list_id).values_list(
                "agency_id", flat=True
            )
        )
        if holders - {actor.agency_id}:
            raise InputError(
                [
                    problem(
                        where=name,
                        field="id",
                        value=listed.list_id,
                        rule=gettext_lazy(
                            "another agency holds a list with this id; choose another id"
                        ),
                    )
                ]
            )
        newest = (
            WatchlistVersion.objects.select_for_update()
            .filter(list_id=listed.list_id)
            .aggregate(v=Max("version"))["v"]
        )
        version = WatchlistVersion.objects.create(
            agency_id=actor.agency_id,
            list_id=listed.list_id,
            version=(newest or 0) + 1,
            source_name=name,
            title=listed.title[:300],
            owner=listed.owner[:300],
            purpose=listed.purpose[:1000],
            legal_basis=listed.legal_basis[:1000],
            expires=listed.expires,
            threshold=listed.threshold,
            entries=text,
            digest=digest(text),
            people=counts[EntryKind.PERSON],
            organisations=counts[EntryKind.ORGANISATION],
            contacts=counts[EntryKind.CONTACT],
            status=ReviewStatus.SUBMITTED.value,
            author=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=version,
            fields=["entries"],
            purpose="watchlist uploaded",
            request=request,
            detail={
                "list": version.list_id,
                "version": version.version,
                "entries": len(watchlist.entries),
            },
        )
    return version


def _step(
    version: WatchlistVersion, actor: User, request: Any, what: str, changes: dict[str, Any]
) -> None:
    for name, value in changes.items():
        setattr(version, name, value)
    version.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=version,
        fields=[name for name in changes if not name.endswith(("_at", "_by"))],
        purpose=what,
        request=request,
        detail={"list": version.list_id, "version": version.version},
    )


def _locked(version: WatchlistVersion) -> WatchlistVersion:
    return WatchlistVersion.objects.select_for_update().get(pk=version.pk)


def watchlist_approve(
    *, actor: User, version: WatchlistVersion, request: Any = None
) -> WatchlistVersion:
    """Approve an uploaded version: a supervisor of the holding agency, never its uploader."""
    require_role(actor, WATCHLIST_APPROVERS, what=_WORK_ON_WATCHLISTS)
    _require_own(actor, version)
    with transaction.atomic():
        version = _locked(version)
        _require_status(version, ReviewStatus.SUBMITTED)
        if version.author_id == actor.pk:
            raise NotPermittedError(
                _(
                    "A second person must approve: you uploaded this version, so you cannot "
                    "approve it."
                )
            )
        _step(
            version,
            actor,
            request,
            "watchlist approved",
            {
                "status": ReviewStatus.APPROVED.value,
                "approved_by": actor,
                "approved_at": timezone.now(),
            },
        )
    return version


def watchlist_activate(
    *, actor: User, version: WatchlistVersion, request: Any = None
) -> WatchlistVersion:
    """Match travellers against an approved version from now on; the list's previous active
    version is retired. An expired list cannot be activated."""
    require_role(actor, WATCHLIST_APPROVERS, what=_WORK_ON_WATCHLISTS)
    _require_own(actor, version)
    with transaction.atomic():
        version = _locked(version)
        _require_status(version, ReviewStatus.APPROVED)
        if version.expires < local_today():
            raise TransitionRefusedError(
                _(
                    "The list expired on %(date)s: its legal basis for matching has lapsed. "
                    "Upload a renewed list."
                )
                % {"date": version.expires.isoformat()}
            )
        now = timezone.now()
        for previous in WatchlistVersion.objects.select_for_update().filter(
            list_id=version.list_id, status=ReviewStatus.ACTIVE.value
        ):
            _step(
                previous,
                actor,
                request,
                "watchlist retired",
                {
                    "status": ReviewStatus.RETIRED.value,
                    "retired_by": actor,
                    "retired_at": now,
                    "retire_reason": _("Replaced by version %(v)d") % {"v": version.version},
                },
            )
        _step(
            version,
            actor,
            request,
            "watchlist activated",
            {"status": ReviewStatus.ACTIVE.value, "activated_by": actor, "activated_at": now},
        )
        refresh_stamp()
    return version


def watchlist_retire(
    *, actor: User, version: WatchlistVersion, reason: str, request: Any = None
) -> WatchlistVersion:
    """Stop matching against a version (or withdraw it before activation), with a reason."""
    require_role(actor, WATCHLIST_APPROVERS, what=_WORK_ON_WATCHLISTS)
    _require_own(actor, version)
    if not reason.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("watchlist"),
                    field="reason",
                    rule=gettext_lazy("a reason is required"),
                )
            ]
        )
    with transaction.atomic():
        version = _locked(version)
        _require_status(version, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED, ReviewStatus.ACTIVE)
        was_active = version.status == ReviewStatus.ACTIVE.value
        _step(
            version,
            actor,
            request,
            "watchlist retired",
            {
                "status": ReviewStatus.RETIRED.value,
                "retired_by": actor,
                "retired_at": timezone.now(),
                "retire_reason": reason.strip()[:500],
            },
        )
        if was_active:
            refresh_stamp()
    return version


def watchlist_threshold_set(
    *, actor: User, version: WatchlistVersion, threshold: Any, request: Any = None
) -> WatchlistVersion:
    """Change the score (0-100) a match must reach to become a hit; a supervisor of the holding
    agency, audited with the old and the new value. An active list uses it from the next
    screening on."""
    require_role(actor, WATCHLIST_APPROVERS, what=_WORK_ON_WATCHLISTS)
    _require_own(actor, version)
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
        version = _locked(version)
        _require_status(version, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED, ReviewStatus.ACTIVE)
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
