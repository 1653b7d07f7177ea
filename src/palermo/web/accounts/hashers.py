"""Palermo's password hasher: Argon2 (Django's own), one lane, at a low scheduling priority.

Django's ``Argon2PasswordHasher`` hashes with 8 lanes (``parallelism = 8``): one log-in then
runs 8 threads for a moment and takes every processor of a small server - with 2 cores a
burst of checks (a log-in flood's allowed attempts, a shift logging in) stopped the screening
API for a second or more (issue 14). One lane costs the same memory (100 MiB) and passes
(``time_cost``), so a guess costs an attacker as much as before (RFC 9106: lanes let the
defender use more cores, they do not make a guess dearer; OWASP's recommended Argon2id
settings are one lane); it keeps a check to one core, and ``accounts.throttle.password_checks``
lets one check run at a time. Hashes made with 8 lanes still verify, and are re-made with one
lane at the owner's next log-in (Django's ``must_update``).

Even one lane is a quarter of a second of a whole core. The ten attempts an address may make
each minute arrive together, so a flood held one of the two cores for about three seconds a
minute, and the screening API's requests queued behind it (p99 535 ms under the flood, 44 ms
without, issue 14). So every hash is computed on one thread of its own per process whose
scheduling priority is lowered (``HASH_NICENESS``, Linux: the nice value is a thread's own,
setpriority(2)); argon2-cffi releases Python's lock while it hashes. On an idle core a check
takes as long as before; when screening needs the processor, the hash waits for it rather than
the traveller at the desk. A log-in on a saturated server then takes a few seconds longer, not
forever: nice 10 still gets about a tenth of a contended core (weight 110 against 1,024), and
a log-in waits at most ``accounts.throttle.PASSWORD_CHECK_WAIT_SECONDS`` for its turn.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.contrib.auth import hashers

HASH_NICENESS = 10
"""How much nicer than the server the hashing thread is (nice values run from 0 to 19)."""

_T = TypeVar("_T")


def _lower_priority() -> None:
    if sys.platform != "linux":  # elsewhere the call would lower the whole process
        return
    thread = threading.get_native_id()
    try:  # a new thread starts at its creator's nice value
        nice = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + HASH_NICENESS))
    except OSError:  # not allowed here: the hash runs at the server's priority
        pass


_hashing = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="password-hash", initializer=_lower_priority
)


def on_hashing_thread(work: Callable[..., _T], *args: Any) -> _T:
    """``work(*args)`` run on the low-priority hashing thread; its result or its exception."""
    return _hashing.submit(work, *args).result()


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        return on_hashing_thread(super().encode, password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        return on_hashing_thread(super().verify, password, encoded)
