"""Tasks cut short by a dead worker: resumed, or failed with the reason.

A task row stays ``RUNNING`` when its worker dies (kill -9, out of memory, power): nothing in
django-tasks' database backend notices. ``recover()`` finds such rows - running, and the last
worker that claimed them has not beaten for ``TASK_WORKER_STALE_SECONDS`` (or is a process of
this machine that no longer exists) - and puts each back to ``READY`` while it has runs left
(``TASK_MAX_ATTEMPTS``, counting the runs in the row's ``worker_ids``), else marks it failed
with ``WorkerLostError``. Both are one conditional update, so when two workers recover at once
each task is handled once.

A task kind that keeps state of its own (a batch job's status, its files) registers a handler
with ``@on_worker_lost(task)``; it is called in the same transaction, told whether the task
is resumed or failed and why. Tasks themselves are written to be run again: each writes its
result in one transaction (see ``palermo.web.screening.tasks``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from palermo.web.jobs.models import WorkerBeat

log = logging.getLogger(__name__)

#: called as ``handler(args, kwargs, resumed=..., reason=...)`` inside recovery's transaction
LostHandler = Callable[..., None]
_handlers: dict[str, LostHandler] = {}


class WorkerLostError(Exception):
    """The worker running this task stopped before it finished (killed or crashed)."""


def on_worker_lost(task: Any) -> Callable[[LostHandler], LostHandler]:
    """Register what to do to a task kind's own state when its worker is lost."""

    def register(handler: LostHandler) -> LostHandler:
        _handlers[task.module_path] = handler
        return handler

    return register


_housekeeping: list[Callable[[], object]] = []


def on_housekeeping(clean_up: Callable[[], object]) -> Callable[[], object]:
    """Register a clean-up every worker runs at start and periodically (e.g. orphan files)."""
    _housekeeping.append(clean_up)
    return clean_up


def housekeep() -> None:
    for clean_up in _housekeeping:
        try:
            clean_up()
        except Exception:  # one app's clean-up failing must not stop the worker
            log.exception("clean-up %s failed", getattr(clean_up, "__name__", clean_up))


def _handler(task_path: str) -> LostHandler | None:
    try:  # importing the task's module registers its handler
        __import__(task_path.rsplit(".", 1)[0])
    except ImportError:
        return None
    return _handlers.get(task_path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_workers(now: dt.datetime) -> set[str]:
    """Workers that beat recently (and, on this machine, whose process still exists)."""
    stale = dt.timedelta(seconds=int(getattr(settings, "TASK_WORKER_STALE_SECONDS", 30)))
    host = socket.gethostname()[:255]
    live: set[str] = set()
    for worker_id, beat_host, pid in WorkerBeat.objects.filter(
        seen_at__gte=now - stale
    ).values_list("worker_id", "host", "pid"):
        if beat_host == host and not _pid_alive(pid):
            continue  # killed a moment ago: no need to wait for its beat to go stale
        live.add(worker_id)
    return live


@dataclass
class Recovered:
    resumed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def max_attempts() -> int:
    return int(getattr(settings, "TASK_MAX_ATTEMPTS", 2))


def recover(*, now: dt.datetime | None = None, alive: set[str] | None = None) -> Recovered:
    """Resume or fail the tasks whose worker is gone; sweep long-dead workers' beats."""
    now = now or timezone.now()
    live = live_workers(now) if alive is None else alive
    done = Recovered()
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "task_path", "args_kwargs"
    ):
        last = row.worker_ids[-1] if row.worker_ids else ""
        if last in live:
            continue
        runs = len(row.worker_ids)
        resumed = runs < max_attempts()
        reason = (
            f"the worker {last or '?'} stopped while running this task (run {runs} of "
            f"{max_attempts()})"
        )
        with transaction.atomic():
            still = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING)
            if resumed:
                changed = still.update(status=TaskResultStatus.READY, started_at=None)
            else:
                changed = still.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=f"{__name__}.{WorkerLostError.__qualname__}",
                    traceback=f"{WorkerLostError.__qualname__}: {reason}\n",
                )
            if not changed:
                continue  # another worker recovered it first
            handler = _handler(row.task_path)
            if handler is not None:
                handler(
                    row.args_kwargs.get("args", []),
                    row.args_kwargs.get("kwargs", {}),
                    resumed=resumed,
                    reason=reason,
                )
        (done.resumed if resumed else done.failed).append(str(row.pk))
        log.warning("task %s %s: %s", row.pk, "resumed" if resumed else "failed", reason)
    stale = dt.timedelta(seconds=10 * int(getattr(settings, "TASK_WORKER_STALE_SECONDS", 30)))
    WorkerBeat.objects.filter(seen_at__lt=now - stale).delete()
    return done
