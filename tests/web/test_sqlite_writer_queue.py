"""The SQLite backend's writer queue (issue 14: writers slept in SQLite's busy handler after
the lock was free): one write transaction at a time per process, first come first served,
handed on at commit, rollback or close; nested atomic blocks do not queue again."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import TransactionTestCase

from palermo.web.audit.chain import audit_verify
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.queued_sqlite3.base import WriterQueue


class TestWriterQueue:
    def test_the_turn_passes_to_waiters_in_order_of_arrival(self) -> None:
        queue = WriterQueue()
        assert queue.acquire(1)
        order: list[int] = []

        def wait(n: int) -> None:
            assert queue.acquire(5)
            order.append(n)
            queue.release()

        waiters = []
        for n in range(4):
            waiters.append(threading.Thread(target=wait, args=(n,)))
            waiters[-1].start()
            time.sleep(0.05)  # arrive one after the other
        assert order == []
        queue.release()
        for waiter in waiters:
            waiter.join(timeout=10)
        assert order == [0, 1, 2, 3]
        assert not queue.held

    def test_a_waiter_gives_up_after_its_timeout_and_leaves_the_line(self) -> None:
        queue = WriterQueue()
        assert queue.acquire(1)
        started = time.perf_counter()
        assert not queue.acquire(0.1)
        assert time.perf_counter() - started < 2
        queue.release()
        assert not queue.held  # the one who gave up is not handed the turn
        assert queue.acquire(0)


def _queue_held() -> bool:
    turn = connection._queue_turn  # type: ignore[attr-defined]
    return turn is not None and bool(turn.held)


@pytest.mark.django_db(transaction=True)
class TestBackendQueue:
    @pytest.fixture(autouse=True)
    def _sqlite_only(self) -> None:
        if connection.vendor != "sqlite":
            pytest.skip("the writer queue is SQLite's")

    def test_a_transaction_holds_the_turn_until_commit_and_nested_blocks_keep_it(self) -> None:
        assert not _queue_held()
        with transaction.atomic():
            assert _queue_held()
            turn = connection._queue_turn  # type: ignore[attr-defined]
            with transaction.atomic():  # a savepoint: no second turn, no deadlock
                assert connection._queue_turn is turn  # type: ignore[attr-defined]
            with transaction.atomic(savepoint=False):
                assert connection._queue_turn is turn  # type: ignore[attr-defined]
            assert _queue_held()
        assert connection._queue_turn is None  # type: ignore[attr-defined]
        assert not turn.held

    def test_an_exception_rolls_back_and_hands_the_turn_on(self) -> None:
        turns = []

        def fail() -> None:
            with transaction.atomic():
                turns.append(connection._queue_turn)  # type: ignore[attr-defined]
                try:
                    with transaction.atomic():
                        raise KeyError  # the inner block rolls back to its savepoint only
                except KeyError:
                    pass
                assert turns[0].held
                raise RuntimeError("the change fails")

        with pytest.raises(RuntimeError, match="the change fails"):
            fail()
        turn = turns[0]
        assert connection._queue_turn is None  # type: ignore[attr-defined]
        assert not turn.held

    def test_closing_the_connection_in_a_transaction_hands_the_turn_on(self) -> None:
        with transaction.atomic():
            turn = connection._queue_turn  # type: ignore[attr-defined]
            connection.close()  # a broken connection is closed in the middle of a request
            assert not turn.held
        assert connection._queue_turn is None  # type: ignore[attr-defined]
        with transaction.atomic():  # the next transaction queues normally
            assert _queue_held()

    def test_a_second_thread_writes_only_after_the_first_commits(self) -> None:
        events: list[str] = []
        inside = threading.Event()

        def second() -> None:
            try:
                inside.wait(5)
                with transaction.atomic():
                    events.append("second in")
            finally:
                connections.close_all()

        worker = threading.Thread(target=second)
        worker.start()
        with transaction.atomic():
            inside.set()
            time.sleep(0.3)  # the second thread is waiting in the queue now
            events.append("first commits")
        worker.join(timeout=10)
        assert events == ["first commits", "second in"]


class TestQueuedAppendsKeepTheChain(TransactionTestCase):
    def test_threads_appending_through_the_queue_keep_one_chain(self) -> None:
        threads, per_thread = 6, 10
        failures: list[BaseException] = []
        start = threading.Barrier(threads)

        def append(n: int) -> None:
            try:
                start.wait()
                for i in range(per_thread):
                    with transaction.atomic():
                        audit_record(
                            actor=None, action=AuditAction.READ, object_type="t", object_id=f"{n}"
                        )
                        if i % 3 == 0:
                            with transaction.atomic():  # nested, as services do
                                audit_record(actor=None, action=AuditAction.READ, object_type="t.n")
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)
            finally:
                connections.close_all()

        workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert failures == []
        report = audit_verify()
        assert report.ok, report.reason
        assert report.checked == threads * (per_thread + 4)
