"""Grammar-aware mutations shared by the fuzz tests: start from a valid input and change it the
way its format is built (segments and elements, lines and keys, rows and cells).

Fuzzing profiles: a CI-sized run in ``make test``, a full one in ``make fuzz``.

``PALERMO_FUZZ=full`` (set by ``make fuzz``) selects the full run; otherwise each fuzz test
takes a few seconds. The examples start from valid inputs and mutate them the way the format
is built (segments, elements, rows, keys), so most of them reach deep into the readers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from palermo.errors import InputError

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

ODD_VALUES = [
    "", " ", "0", "-1", "00", "999999999999999999999999", "1e309", "NaN", "null", "true",
    "2026-02-30", "0000-00-00", "9999-12-31", "26", "991332", "20261301", "汉字", "\u200b",
    "a" * 300, "?", "??", "'", "+", ":", "*", ",", '"', ";", "\\", "\x00", "=1+1", "ZZ", "XXX",
    "NA", "1900-01-01", "2100-12-31", "[]", "{}", "- x", "&a", "*a", "!!binary", "\t",
]  # fmt: skip

odd_value = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=12))

WORK_DIR = Path(tempfile.mkdtemp(prefix="palermo-fuzz-"))
"""Files the readers are given; one folder for the session (examples overwrite their file)."""


@st.composite
def mutated_lines(draw: st.DrawFn, text: str, *, separator: str = ":") -> str:
    """``text`` with 1-4 line-level changes: a line dropped, doubled, swapped, re-indented,
    cut, its value replaced by an odd one, or an odd line inserted."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "dup", "swap", "indent", "cut", "value", "insert"]))
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(0, 6)) + lines[i].lstrip()
        elif kind == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "value" and separator in lines[i]:
            key = lines[i].split(separator, 1)[0]
            lines[i] = f"{key}{separator} {draw(odd_value)}"
        else:
            lines.insert(i, draw(odd_value))
    return "\n".join(lines) + "\n"


def read_or_refused(read: Callable[[], object]) -> object:
    """Run a reader: it returns what it read, or raises ``InputError`` with at least one
    problem; any other exception fails the fuzz test (with the example that caused it)."""
    try:
        return read()
    except InputError as exc:
        problems = exc.problems
    assert problems, "an InputError must name what is wrong"
    return None
