"""Log-in attempts per client address, counted before any password is hashed.

A flood of log-ins over random user names (about 14 a second from one address) used to cost an
Argon2 hash, a ``LoginFailure`` row and an audit entry each: the database's write lock and the
processor were shared with the screening API, whose p95 went from 10 to 472 ms. The per-name
lock (``LoginFailure``) cannot stop that, since every name is new. So each address gets
``LOGIN_ATTEMPTS_PER_ADDRESS`` attempts per minute, counted in a fixed one-minute window in
the database (below); beyond that the log-in page answers 429 at once.

The count is kept in the database every server process shares (``LoginAttemptCount``, one
row per address and minute), so ``palermo serve --workers N`` or several machines allow an
address the limit once, not N times (a per-process cache did). One statement counts: an
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (PostgreSQL, and SQLite since 3.35), atomic
in both, so two processes counting at the same moment never read the same number. That is one
small write per attempt, against the Argon2 hash, failure row and audit entry an attempt costs
once it is let through; rows of past minutes are deleted when an address starts a new minute.
Once an address is refused, its further attempts of the minute only read the count (the first
refused one is counted, and audited): a flood writes nothing more.

The attempts an address is allowed still cost a password check each (for an unknown name too:
Django hashes the password anyway, so that the answer's timing does not tell which names
exist). Argon2 takes 100 MiB and about a quarter of a second of a core; ten allowed attempts
arriving together, or a flood from many addresses, used to hash side by side on every core
and stall the screening API for a second or more. ``password_checks`` lets
``LOGIN_PASSWORD_CHECKS_AT_ONCE`` checks (1) run at once in a server process and
``LOGIN_PASSWORD_CHECKS_WAITING`` log-ins (3) wait for their turn, up to
``PASSWORD_CHECK_WAIT_SECONDS``; a log-in beyond those is refused at once (429, try again in
a few seconds), so log-ins never take more than one core nor more than a few of the server's
threads, whatever the number of addresses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router, transaction

from palermo.web.accounts.models import LoginAttemptCount

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class AddressCount:
    attempts: int
    """Attempts from the address in the current window, this one included."""
    retry_after: int
    """Seconds until the window ends."""

    @property
    def refused(self) -> bool:
        return self.attempts > settings.LOGIN_ATTEMPTS_PER_ADDRESS

    @property
    def first_refusal(self) -> bool:
        """The first refused attempt of the window: the only one written to the audit log."""
        return self.attempts == settings.LOGIN_ATTEMPTS_PER_ADDRESS + 1


def login_attempt_count(address: str | None, *, now: float | None = None) -> AddressCount:
    """Count one log-in attempt from ``address`` (``None``: unknown, counted together)."""
    moment = time.time() if now is None else now
    window = int(moment // WINDOW_SECONDS)
    key = (address or "-")[:64]
    # an address already refused this minute stays refused: counting on would change nothing
    # but take the database's write lock (SQLite) or the row's lock (PostgreSQL) for every
    # attempt of a flood, as the screening API's writes need them; a read takes neither
    attempts = _refused_count(key, window) or _count_up(key, window)
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - moment))
    return AddressCount(attempts=attempts, retry_after=retry_after)


def _refused_count(address: str, minute: int) -> int:
    """If (``address``, ``minute``) is past the limit already, this attempt's number as if it
    were counted (at least the limit + 2: refused, and not the first refusal); else 0."""
    alias = router.db_for_read(LoginAttemptCount)
    attempts = (
        LoginAttemptCount.objects.using(alias)
        .filter(address=address, minute=minute, attempts__gt=settings.LOGIN_ATTEMPTS_PER_ADDRESS)
        .values_list("attempts", flat=True)
        .first()
    )
    return int(attempts) + 1 if attempts else 0


def _count_up(address: str, minute: int) -> int:
    """Add one attempt to (``address``, ``minute``) and return the new count, atomically."""
    alias = router.db_for_write(LoginAttemptCount)
    connection = connections[alias]
    table = connection.ops.quote_name(LoginAttemptCount._meta.db_table)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (address, minute, attempts) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (address, minute) DO UPDATE SET attempts = {table}.attempts + 1 "
            "RETURNING attempts",
            [address, minute],
        )
        row = cursor.fetchone()
        attempts = int(row[0])
        if attempts == 1:  # this address's first attempt of the minute: forget past minutes
            LoginAttemptCount.objects.using(alias).filter(minute__lt=minute - 1).delete()
    return attempts


PASSWORD_CHECK_WAIT_SECONDS = 5
"""The longest a log-in waits for its turn to have its password checked."""


class PasswordCheckBusyError(Exception):
    """No turn for a password check now: too many log-ins are waiting, or the wait was over
    ``PASSWORD_CHECK_WAIT_SECONDS``."""

    retry_after = PASSWORD_CHECK_WAIT_SECONDS


class PasswordCheckGate:
    """Password checks take turns in this process (see the module's text)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._waiting = 0
        self._turn = threading.Condition(self._lock)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold a turn while checking a password, or raise ``PasswordCheckBusyError``."""
        at_once = settings.LOGIN_PASSWORD_CHECKS_AT_ONCE
        with self._lock:
            if self._running >= at_once:
                if self._waiting >= settings.LOGIN_PASSWORD_CHECKS_WAITING:
                    raise PasswordCheckBusyError
                self._waiting += 1
                try:
                    free = self._turn.wait_for(
                        lambda: self._running < at_once, timeout=PASSWORD_CHECK_WAIT_SECONDS
                    )
                finally:
                    self._waiting -= 1
                if not free:
                    raise PasswordCheckBusyError
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                self._turn.notify()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._waiting


password_checks = PasswordCheckGate()
"""This process's turns (``palermo serve --workers N``: each process has its own)."""
