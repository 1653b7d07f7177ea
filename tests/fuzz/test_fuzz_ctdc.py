"""CTDC files with mutated cells, rows and headers are read or refused with an ``InputError``
naming row and column (or the header), never anything else; a read file keeps every row."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mutations import FUZZ, ODD_VALUES

from palermo.errors import InputError
from palermo.interchange.ctdc import EXTRACT_COLUMNS, RAW_COLUMNS, read_ctdc_text

GOOD = {
    "yearOfRegistration": "2016", "gender": "Female", "ageBroad": "9--17", "citizenship": "NA",
    "isForcedLabour": "0.0", "isSexualExploit": "1.0", "CountryOfExploitation": "0",
}  # fmt: skip
ODD = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.sampled_from(["", "-99", "-", "NA", "0", "00", "ZZ", "1", "1.0", "2", "09--17", "1850",
                     "Transgender/NonConforming", "hotline", "\ufeff", '"', "\n", "X" * 300]),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def ctdc_files(draw: st.DrawFn) -> tuple[str, int]:
    raw = draw(st.booleans())
    header = list(RAW_COLUMNS if raw else EXTRACT_COLUMNS)
    rows = [[GOOD.get(c, "-99") for c in header] for _ in range(draw(st.integers(0, 5)))]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "header", "short", "long"]))
        if kind == "header":
            header[draw(st.integers(0, len(header) - 1))] = draw(ODD)
        elif rows:
            row = rows[draw(st.integers(0, len(rows) - 1))]
            if kind == "cell":
                row[draw(st.integers(0, len(row) - 1))] = draw(ODD)
            elif kind == "short":
                row.pop()
            else:
                row.append(draw(ODD))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue(), len(rows)


@FUZZ
@given(ctdc_files())
def test_a_mutated_ctdc_file_is_read_whole_or_refused_naming_where(drawn: tuple[str, int]) -> None:
    text, rows = drawn
    try:
        table = read_ctdc_text(text, "f.csv")
    except InputError:
        with pytest.raises(InputError) as refused:
            read_ctdc_text(text, "f.csv")
        problems = refused.value.problems
        assert problems
        assert all(p.rule and p.rule_zh for p in problems)
        assert all(
            p.where == "f.csv" or p.where.startswith(("f.csv row ", "f.csv header"))
            for p in problems
        )
    else:
        assert table.num_rows <= rows  # a quoted newline may join two rows into one
