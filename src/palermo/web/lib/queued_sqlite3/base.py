"""Django's SQLite backend, with the process's writers taking turns in a queue.

SQLite lets one writer in at a time. Django starts each write transaction with
``BEGIN IMMEDIATE`` (settings: ``transaction_mode``), and a second writer waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, ... 100 ms between tries: a writer can
sleep on for up to 100 ms after the lock was freed (issue 14: the largest block in the profile
of the API under load). Here the writers of one process first queue for the database file in
order of arrival; when a transaction ends (commit, rollback or the connection closing) the
next one in line is woken at once.

Other processes (``palermo web worker``, the command line) are not in the queue: between
processes SQLite's busy handler still decides, as before. A writer that waits longer than the
connection's ``timeout`` goes ahead to ``BEGIN IMMEDIATE`` anyway, so the queue can delay but
never fail a transaction that SQLite alone would have let through. Nested ``atomic`` blocks
are savepoints inside the one transaction and do not queue again.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base


class WriterQueue:
    """A first-come, first-served lock handed directly to the next waiter on release."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False
        self.waited_seconds = 0.0  # total time writers waited here (measurement)
        self.turns = 0

    def acquire(self, timeout: float) -> bool:
        """Wait for the turn; ``False`` after ``timeout`` seconds without it."""
        with self._mutex:
            self.turns += 1
            if not self._held and not self._waiters:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        started = time.perf_counter()
        got = waiter.acquire(timeout=max(timeout, 0.0))
        with self._mutex:
            self.waited_seconds += time.perf_counter() - started
            if got:
                return True
            try:
                self._waiters.remove(waiter)
            except ValueError:  # handed the turn just as the wait ran out: it is ours
                return True
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # the turn passes on; still held
            else:
                self._held = False

    @property
    def held(self) -> bool:
        return self._held


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def writer_queue(name: str) -> WriterQueue:
    """The process's queue for the database file ``name``."""
    with _queues_lock:
        found = _queues.get(name)
        if found is None:
            found = _queues[name] = WriterQueue()
        return found


def _forget_queues() -> None:
    # a forked child has none of its parent's transactions (and must not wait for them)
    _queues.clear()


os.register_at_fork(after_in_child=_forget_queues)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue_turn: WriterQueue | None = None

    def _queue(self) -> WriterQueue | None:
        if self.is_in_memory_db():
            return None  # one connection's own database: nobody to queue with
        return writer_queue(str(Path(self.settings_dict["NAME"]).resolve()))

    def _start_transaction_under_autocommit(self) -> None:
        found = self._queue() if self._queue_turn is None else None
        if found is not None:
            timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
            if found.acquire(timeout):
                self._queue_turn = found
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in the stubs
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self) -> None:
        turn, self._queue_turn = self._queue_turn, None
        if turn is not None:
            turn.release()

    def _leave_queue_if_done(self) -> None:
        if self.connection is None or not self.connection.in_transaction:
            self._leave_queue()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._leave_queue_if_done()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._leave_queue_if_done()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._leave_queue()
