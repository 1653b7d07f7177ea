"""Each watchlist version's matching index, built once in the background and kept sealed.

Preparing a million listed names for matching takes about half a minute; loading the prepared
index takes well under a second (``benchmarks/bench_watchlist.py``). So the index is built
once per version, by the ``watchlist_index_build`` task (``tasks.py``) that approval enqueues,
and written to ``DATA_DIR/watchlist-index/`` sealed like an uploaded manifest
(``palermo.web.lib.sealed``: AES-256-GCM from the field key ring, 0600 in a 0700 folder) - it
holds listed people's names. The version row then names its file (``index_file``); a version
is activated only once it has one, and every server process (``profiles.registry``) loads
the files of the active versions, each once, when the active set's stamp changes. No request
builds an index; a file that is missing or does not open (deleted, or sealed with a key since
removed from the ring) is built in the process that needed it, logged as an error, and
queued to be written again.

Files of retired versions, and half-written ones, are removed by the worker's housekeeping
(``index_files_sweep``), which also queues a build for any approved or active version
without its file (a build whose worker was lost).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from palermo.lib.files import private_dir
from palermo.screening.watchlists.listindex import IndexFormatError, ListIndex
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.crypto import keyring
from palermo.web.lib.queue import enqueue
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.sealed import SealedFileError, seal_file, unseal_bytes
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.store import info_of, refresh_stamp, watchlist_of

log = logging.getLogger(__name__)

TASK_NAME = "watchlist_index_build"
SUFFIX = ".index.sealed"
#: a file no version names is removed once this old (a build records its file just after
#: writing it)
ORPHAN_SECONDS = 600
#: versions whose index is needed: approved (about to be activated) or active
INDEXED = (ReviewStatus.APPROVED.value, ReviewStatus.ACTIVE.value)

_cache_lock = threading.Lock()
#: file name -> loaded index, for the files of the active versions (this process)
_loaded: dict[str, ListIndex] = {}


def index_dir() -> Path:
    """Where the sealed indexes are kept (0700; files 0600)."""
    return private_dir(Path(settings.DATA_DIR) / "watchlist-index")


def file_name(version: WatchlistVersion) -> str:
    """One name per version and content: a re-uploaded list never reuses a file."""
    return f"{version.list_id}.v{version.version}.{version.digest[:16]}{SUFFIX}"


def index_build_enqueue(version: WatchlistVersion) -> None:
    """Queue the build of ``version``'s index (in the caller's transaction)."""
    enqueue(TASK_NAME, version_id=version.pk)


def watchlist_index_build(*, version_id: int) -> str:
    """Build, seal and record the index of one version (the task). Run twice, it builds once:
    a version that already has its file, or no longer needs one, is left alone."""
    version = WatchlistVersion.objects.filter(pk=version_id).first()
    if version is None or version.status not in INDEXED:
        return "not needed"
    name = file_name(version)
    if version.index_file == name and (index_dir() / name).exists():
        return "already built"
    part = ListIndex.build(watchlist_of(version))
    seal_file(index_dir() / name, part.to_bytes(), keyring())
    with transaction.atomic():
        locked = WatchlistVersion.objects.select_for_update().get(pk=version_id)
        if locked.status not in INDEXED or locked.digest != version.digest:
            (index_dir() / name).unlink(missing_ok=True)
            return "not needed"
        locked.index_file = name
        locked.index_built_at = timezone.now()
        locked.save(update_fields=["index_file", "index_built_at"])
        audit_record(
            actor=None,
            actor_label="watchlist index task",
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["index_file"],
            purpose="watchlist index built",
            detail={"list": locked.list_id, "version": locked.version, "entries": len(part)},
        )
        if locked.status == ReviewStatus.ACTIVE.value:
            refresh_stamp()  # processes matching without it (a lost file) load it now
    return "built"


def _read(name: str) -> ListIndex:
    return ListIndex.from_bytes(unseal_bytes(index_dir() / name, keyring()))


def index_for(version: WatchlistVersion) -> ListIndex:
    """The index of an active version, from its file (each file read once per process), with
    the version's current description (threshold, expiry: changed without a rebuild)."""
    name = version.index_file
    with _cache_lock:
        part = _loaded.get(name) if name else None
        if part is None:
            try:
                if not name:
                    raise FileNotFoundError("no index file recorded")
                part = _read(name)
            except (OSError, SealedFileError, IndexFormatError) as exc:
                log.error(
                    "watchlist %s v%s: index file %r unusable (%s); built in this process",
                    version.list_id,
                    version.version,
                    name,
                    exc,
                )
                part = ListIndex.build(watchlist_of(version))
                _requeue(version)
            else:
                _loaded[name] = part
    info = info_of(version)
    return part if part.info == info else part.with_info(info)


def _requeue(version: WatchlistVersion) -> None:
    try:
        with transaction.atomic():
            WatchlistVersion.objects.filter(pk=version.pk).update(index_file="")
            index_build_enqueue(version)
    except Exception:  # a read-only moment of the database must not fail the screening
        log.exception("watchlist %s: the index build could not be queued", version.list_id)


def forget_unused(keep: set[str]) -> None:
    """Drop this process's loaded indexes other than ``keep`` (retired versions)."""
    with _cache_lock:
        for name in set(_loaded) - keep:
            del _loaded[name]


def _pending_builds() -> set[int]:
    pending: set[int] = set()
    for kwargs in DBTaskResult.objects.filter(
        task_path__endswith=f".{TASK_NAME}",
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True):
        version_id = (kwargs or {}).get("kwargs", {}).get("version_id")
        if isinstance(version_id, int):
            pending.add(version_id)
    return pending


def index_files_sweep() -> dict[str, int]:
    """Remove index files no approved or active version names (retired versions, builds cut
    short), and queue a build for an approved or active version without its file."""
    wanted: set[str] = set()
    missing: list[WatchlistVersion] = []
    folder = index_dir()
    for version in WatchlistVersion.objects.filter(status__in=INDEXED).only(
        "pk", "list_id", "version", "digest", "status", "index_file"
    ):
        if version.index_file and (folder / version.index_file).exists():
            wanted.add(version.index_file)
        else:
            missing.append(version)
    removed = 0
    cutoff = time.time() - ORPHAN_SECONDS
    for path in folder.iterdir():
        if path.name not in wanted and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    queued = 0
    pending = _pending_builds() if missing else set()
    for version in missing:
        if version.pk not in pending:
            with transaction.atomic():
                index_build_enqueue(version)
            queued += 1
    return {"removed": removed, "queued": queued}
