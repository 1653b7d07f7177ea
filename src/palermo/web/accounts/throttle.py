"""Log-in attempts per client address, counted in the cache before any password is hashed.

A flood of log-ins over random user names (about 14 a second from one address) used to cost an
Argon2 hash, a ``LoginFailure`` row and an audit entry each: the database's write lock and the
processor were shared with the screening API, whose p95 went from 10 to 472 ms. The per-name
lock (``LoginFailure``) cannot stop that, since every name is new. So each address gets
``LOGIN_ATTEMPTS_PER_ADDRESS`` attempts per minute, counted in a fixed one-minute window in
the cache (memory, no database write); beyond that the log-in page answers 429 at once.

The cache is the process's own memory (``LocMemCache``): with ``palermo serve --workers N``
an address may try N times the limit, which still bounds the work per process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

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
    key = f"palermo:login-attempts:{address or '-'}:{window}"
    # add() creates the counter only if absent; incr() is atomic in the cache backends.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        attempts = 1
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - moment))
    return AddressCount(attempts=attempts, retry_after=retry_after)
