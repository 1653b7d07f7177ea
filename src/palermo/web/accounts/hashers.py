"""Palermo's password hasher: Argon2 (Django's own), one lane.

Django's ``Argon2PasswordHasher`` hashes with 8 lanes (``parallelism = 8``): one log-in then
runs 8 threads for a moment and takes every processor of a small server - with 2 cores a
burst of checks (a log-in flood's allowed attempts, a shift logging in) stopped the screening
API for a second or more (issue 14). One lane costs the same memory (100 MiB) and passes
(``time_cost``), so a guess costs an attacker as much as before (RFC 9106: lanes let the
defender use more cores, they do not make a guess dearer; OWASP's recommended Argon2id
settings are one lane); it keeps a check to one core, and ``accounts.throttle.password_checks``
lets one check run at a time. Hashes made with 8 lanes still verify, and are re-made with one
lane at the owner's next log-in (Django's ``must_update``).
"""

from __future__ import annotations

from django.contrib.auth import hashers


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    parallelism = 1
