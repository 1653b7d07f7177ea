"""One record validated on its own agrees with the columnar validator, value for value and
problem for problem (the web API validates one record per request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from palermo.errors import InputError
from palermo.records.readers import table_from_dicts, validate_table
from palermo.records.schema import INPUT_FIELDS, Kind
from palermo.records.validate_one import validate_record

VALID = {
    "record_id": "r1",
    "event_kind": "entry",
    "port": "Northgate",
    "event_date": "2026-03-01",
}
SOURCE = "request body"


def columnar(row: dict[str, Any]) -> dict[str, Any] | list[Any]:
    """What validate_table says about ``row`` as a one-row table (problems, or the row)."""
    raw = table_from_dicts([row])
    if raw.num_rows == 0:  # no column: one record with no field given
        raw = pa.table({"": pa.nulls(1, pa.string())}).drop_columns([""])
    try:
        result: dict[str, Any] = validate_table(raw, source=SOURCE).to_pylist()[0]
    except InputError as exc:
        return [exc.total, *exc.problems]
    except OverflowError as exc:  # year 0000 passes the columnar check but has no Python date
        return [type(exc)]
    return result


def single(row: dict[str, Any]) -> dict[str, Any] | list[Any]:
    try:
        return validate_record(row, source=SOURCE)
    except InputError as exc:
        return [exc.total, *exc.problems]
    except OverflowError as exc:
        return [type(exc)]


def _spaced(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    space = st.sampled_from(["", " ", "\t", "\u3000", "\xa0", "\n", "\x1f", "\v"])
    return st.tuples(space, text, space).map("".join)


def _cased(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(words).flatmap(
        lambda w: st.sampled_from([w, w.upper(), w.lower(), w.title()])
    )


WORDS = ("true", "false", "yes", "no", "1", "0", "Y", "n", "t", "F", "maybe", "ı", "İ")
CODES = ("CN", "th", "Th", "NA", "XK", "ZZ", "GB", "ın", "ſe", "C1", "")


def value_of(kind: Kind, domain: tuple[str, ...]) -> st.SearchStrategy[Any]:
    anything = st.text(max_size=6)
    if kind == Kind.ENUM:
        base: st.SearchStrategy[Any] = st.one_of(st.sampled_from(domain), _cased(domain), anything)
    elif kind == Kind.COUNTRY:
        base = st.one_of(st.sampled_from(CODES), anything)
    elif kind == Kind.COUNTRY_LIST:
        parts = st.lists(st.sampled_from((*CODES, " ", ";", "\v")), max_size=4)
        base = st.one_of(
            parts.map(";".join),
            parts.map(" ; ".join),
            parts.map(";;".join),
            st.lists(st.sampled_from(CODES), max_size=3),  # a JSON list
            anything,
        )
    elif kind == Kind.DATE:
        base = st.one_of(
            st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
            st.sampled_from(["2026-2-3", "2026-02-30", "0000-01-01", "2026-13-01", "20260301"]),
            anything,
        )
    elif kind == Kind.INT:
        base = st.one_of(
            st.integers(-(2**70), 2**70),
            st.integers(-5, 2000).map(str),
            st.sampled_from(["+3", "007", "-0", "1.0", "1e3", "９", "9223372036854775808"]),
            anything,
        )
    elif kind == Kind.FLOAT:
        base = st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-10, 10**8),
            st.sampled_from(["+3", ".5", "5.", "1e3", "-0.0", "1e400", "12.50", "١"]),
            anything,
        )
    elif kind == Kind.BOOL:
        base = st.one_of(st.booleans(), _cased(WORDS), anything)
    else:
        base = st.one_of(st.text(max_size=8), st.integers())
    spaced = base.flatmap(lambda v: _spaced(st.just(v)) if isinstance(v, str) else st.just(v))
    return st.one_of(st.none(), st.just(""), spaced)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {}
    if draw(st.booleans()):
        row.update(VALID)
    names = draw(st.lists(st.sampled_from(sorted(INPUT_FIELDS)), max_size=10, unique=True))
    for name in names:
        spec = INPUT_FIELDS[name]
        row[name] = draw(value_of(spec.kind, spec.domain))
    if draw(st.integers(0, 9)) == 0:
        row["document_number"] = draw(st.sampled_from(["E 1234567<", "  ", None, "x"]))
    if draw(st.integers(0, 19)) == 0:
        row["unknown_column"] = "x"
    return row


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
@example({})
@example({**VALID, "group_size": "1001", "declared_cash": "-1"})
@example({**VALID, "document_number": "E1", "document_number_hash": "abc"})
@example({**VALID, "transit": " th ; ;MY;", "nationality": " cn ", "obs_fearful": "Yes"})
def test_one_record_gets_the_same_values_and_problems_as_a_one_row_table(
    row: dict[str, Any],
) -> None:
    assert single(row) == columnar(row)


def test_a_plain_record_is_converted_to_typed_values_without_building_a_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_table(*args: object, **kwargs: object) -> None:
        raise AssertionError("a plain record takes the fast path")

    monkeypatch.setattr("palermo.records.validate_one.validate_table", no_table)
    row = validate_record(
        {
            **VALID,
            "transit": "th;MY",
            "group_size": "3",
            "declared_cash": "12.5",
            "obs_fearful": "yes",
            "surname": "  张  ",
            "document_number": "E 1234567<",
        }
    )
    assert list(row) == list(INPUT_FIELDS)
    assert row["event_date"] == dt.date(2026, 3, 1)
    assert row["transit"] == ["TH", "MY"]
    assert (row["group_size"], row["declared_cash"], row["obs_fearful"]) == (3, 12.5, True)
    assert row["surname"] == "张"
    assert row["document_number_hash"] is not None
    assert "document_number" not in row


def test_a_required_field_given_empty_is_named_like_the_table_names_it() -> None:
    with pytest.raises(InputError) as caught:
        validate_record({**VALID, "port": " ", "group_size": "0"}, source=SOURCE)
    assert [(p.where, p.field, p.rule) for p in caught.value.problems] == [
        (f"{SOURCE} row 1", "port", "required field is missing"),
        (f"{SOURCE} row 1", "group_size", "must be at least 1"),
    ]
