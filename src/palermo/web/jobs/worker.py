"""The background worker: django-tasks' database worker with heartbeats, crash recovery and
scheduled tasks.

Every background job of Palermo is a django-tasks ``Task`` (batch screening, watchlist index
builds, the daily retention run); enqueuing one writes a row through the database backend
(``django_tasks_db``) in the same transaction as the work it stands for, so a job is never
queued for work that was rolled back, nor lost when the process stops after the commit.

Why django-tasks: it is the backport of Django 6's own ``django.tasks`` (the same ``@task``,
``enqueue`` and results API), so moving to Django 6 changes imports, not code; and its
database backend keeps the queue in Palermo's own database, with no broker to run on a laptop
and ``SKIP LOCKED`` claiming for several workers on PostgreSQL.

Who runs them:

- ``palermo serve`` starts one worker thread in each server process (embedded: SQLite, one
  machine, nothing else to start); ``--no-worker`` leaves the work to separate workers;
- ``palermo web worker --processes N`` runs N worker processes (a national deployment on
  PostgreSQL, where each claims tasks with ``SELECT ... FOR UPDATE SKIP LOCKED``);
- tests and ``palermo demo`` call ``run_ready_tasks()``, which runs what is ready in the
  calling thread.

A worker writes its ``WorkerBeat`` every few seconds from a side thread, so it beats while a
long task runs. At start and then every ``TASK_WORKER_STALE_SECONDS`` it calls
``recovery.recover()``: tasks still marked running by a worker that stopped beating (killed,
out of memory, the machine restarted) are resumed, or failed with the reason once they have
used ``TASK_MAX_ATTEMPTS`` runs; and it plans the scheduled tasks (``schedule.py``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from palermo.web.jobs.models import WorkerBeat

log = logging.getLogger(__name__)

BEAT_SECONDS = 5.0


def new_worker_id(kind: str) -> str:
    return f"{kind}-{socket.gethostname()[:24]}-{os.getpid()}-{get_random_string(8)}"


def beat(worker_id: str) -> None:
    now = timezone.now()
    updated = WorkerBeat.objects.filter(pk=worker_id).update(seen_at=now)
    if not updated:
        WorkerBeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            seen_at=now,
        )


class PalermoWorker(Worker):
    """django-tasks-db's worker over every queue of the default backend, with a heartbeat
    thread that also recovers other workers' lost tasks and plans scheduled ones."""

    def __init__(
        self,
        *,
        worker_id: str | None = None,
        interval: float = 1.0,
        batch: bool = False,
        max_tasks: int | None = None,
    ) -> None:
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id or new_worker_id("worker"),
            excluded_queue_names=[],
        )
        self._stop = threading.Event()
        self._beats: threading.Thread | None = None

    def housekeeping(self) -> None:
        """Recover lost tasks, plan the scheduled ones, and run the apps' clean-ups
        (at start, then periodically)."""
        from palermo.web.jobs.recovery import housekeep, recover
        from palermo.web.jobs.schedule import plan_scheduled

        recover()
        plan_scheduled()
        housekeep()

    def _beat_loop(self) -> None:
        every = float(getattr(settings, "TASK_WORKER_STALE_SECONDS", 30))
        since_housekeeping = 0.0
        while not self._stop.wait(BEAT_SECONDS):
            try:
                beat(self.worker_id)
                since_housekeeping += BEAT_SECONDS
                if since_housekeeping >= every:
                    since_housekeeping = 0.0
                    self.housekeeping()
            except DatabaseError:  # the database restarting: try again at the next beat
                log.warning("worker %s could not beat", self.worker_id, exc_info=True)
                connections.close_all()
        connections.close_all()

    def start_beating(self) -> None:
        beat(self.worker_id)
        self.housekeeping()
        self._beats = threading.Thread(
            target=self._beat_loop, name=f"beat-{self.worker_id}", daemon=True
        )
        self._beats.start()

    def _release_own(self) -> None:
        from palermo.web.jobs.recovery import live_workers, recover

        try:
            recover(alive=live_workers(timezone.now()) - {self.worker_id})
        except DatabaseError:
            connections.close_all()  # still away: the next round tries again

    def stop(self) -> None:
        """Finish the task in hand, then return from ``run``."""
        self.running = False
        self._stop.set()

    def run(self) -> None:
        self.start_beating()
        try:
            while True:
                try:
                    super().run()
                    return
                except (OperationalError, InterfaceError):
                    if not self.running:
                        return
                    # the database went away (restarted): wait, then give back what this
                    # worker had claimed, as recovery would for a dead worker, and go on
                    log.warning("worker %s lost the database", self.worker_id, exc_info=True)
                    connections.close_all()
                    time.sleep(max(1.0, self.interval))
                    self._release_own()
        finally:
            self._stop.set()
            # if the database is away, the row goes stale and the next recovery sweeps it
            with contextlib.suppress(DatabaseError):
                WorkerBeat.objects.filter(pk=self.worker_id).delete()
            connections.close_all()


def claim_next(worker_id: str) -> DBTaskResult[Any, Any] | None:
    """Take the next ready task for ``worker_id`` (once, even with several workers)."""
    tasks = DBTaskResult.objects.all()
    ready = tasks.ready().filter(backend_name="default")
    with exclusive_transaction(ready.db):
        task_result = ready.get_locked()
        if task_result is not None:
            task_result.claim(worker_id)
    return task_result


def run_ready_tasks(*, limit: int = 1000, worker_id: str = "inline") -> int:
    """Run the ready tasks in this thread (tests, ``palermo demo``); how many ran."""
    worker = PalermoWorker(worker_id=new_worker_id(worker_id), batch=True)
    beat(worker.worker_id)  # so that no recovery takes its tasks for a dead worker's
    done = 0
    try:
        while done < limit:
            task_result = claim_next(worker.worker_id)
            if task_result is None:
                break
            worker.run_task(task_result)
            done += 1
    finally:
        WorkerBeat.objects.filter(pk=worker.worker_id).delete()
    return done


class EmbeddedWorker:
    """One worker thread inside a server process (``palermo serve``)."""

    def __init__(self, *, interval: float = 1.0) -> None:
        self.worker = PalermoWorker(worker_id=new_worker_id("serve"), interval=interval)
        self.thread = threading.Thread(
            target=self._run, name=f"tasks-{self.worker.worker_id}", daemon=True
        )

    def _run(self) -> None:
        try:
            self.worker.run()
        except Exception:  # a worker that cannot start must not take the server down
            log.exception("the embedded task worker stopped")

    def start(self) -> EmbeddedWorker:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self.worker.stop()
        self.thread.join(timeout)


def run_worker(*, interval: float = 1.0, **options: Any) -> None:
    """Run one worker in this process until SIGINT/SIGTERM (``palermo web worker``)."""
    worker = PalermoWorker(worker_id=new_worker_id("worker"), interval=interval, **options)
    worker.configure_signals()
    worker.run()
