"""Fuzzing profiles: a CI-sized run in ``make test``, a full one in ``make fuzz``.

``PALERMO_FUZZ=full`` (set by ``make fuzz``) selects the full run; otherwise each fuzz test
takes a few seconds. The examples start from valid inputs and mutate them the way the format
is built (segments, elements, rows, keys), so most of them reach deep into the readers.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FULL = os.environ.get("PALERMO_FUZZ", "").strip().lower() == "full"

settings.register_profile(
    "fuzz-ci",
    max_examples=int(os.environ.get("PALERMO_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)
settings.register_profile(
    "fuzz-full",
    max_examples=int(os.environ.get("PALERMO_FUZZ_EXAMPLES", "3000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("fuzz-full" if FULL else "fuzz-ci")
