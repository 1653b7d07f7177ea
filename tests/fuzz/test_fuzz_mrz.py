"""MRZ fuzzing: a mutated machine-readable zone gives an ``Mrz`` or an ``InputError`` naming
the failed check, never another exception."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from mutations import FUZZ, read_or_refused

from palermo.records.mrz import parse_mrz

# ICAO Doc 9303 specimens (Parts 4, 5 and 7), as in tests/records/test_mrz.py
SEEDS = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<",
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<",
]
CHARS = "<ABCXZ0123456789 \n\t" + "aé汉«|"


@st.composite
def mutated_zone(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEEDS)).split("\n")
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        kind = draw(st.sampled_from(["set", "insert", "delete", "cut", "swap", "drop", "dup"]))
        pos = draw(st.integers(0, max(0, len(line) - 1)))
        if kind == "set" and line:
            lines[i] = line[:pos] + draw(st.sampled_from(CHARS)) + line[pos + 1 :]
        elif kind == "insert":
            lines[i] = line[:pos] + draw(st.sampled_from(CHARS)) + line[pos:]
        elif kind == "delete":
            lines[i] = line[:pos] + line[pos + 1 :]
        elif kind == "cut":
            lines[i] = line[:pos]
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "drop" and len(lines) > 1:
            del lines[i]
        elif kind == "dup":
            lines.insert(i, line)
    return draw(st.sampled_from(["\n", "\r\n", " "])).join(lines)


@FUZZ
@given(mutated_zone())
def test_a_mutated_zone_is_read_or_refused_naming_the_failed_check(text: str) -> None:
    read_or_refused(lambda: parse_mrz(text, today=dt.date(2026, 3, 1)))
