"""Validate one traveller record without building a table: the real-time path (the web API).

``validate_record(row)`` returns exactly what ``validate_table(table_from_dicts([row]))``
returns for its one row, and raises exactly the same ``InputError`` - same problems, same
order, same messages - because the columnar validator stays the one authority:

* A plain record (every value in the common, unambiguous form: ``2024-05-01``, ``12``,
  ``3.5``, ``true``, an ASCII country code, any text) is checked here in Python against the
  same ``FieldSpec`` rules, in microseconds instead of milliseconds.
* Anything else - a value in a form the fast path does not decide on (``2024-5-1``, ``+3``,
  non-ASCII codes), a missing required field, an unknown column, a value out of range - is
  handed to ``validate_table``, which accepts or rejects it and words the problems.

So the fast path can only ever accept a subset of what ``validate_table`` accepts, with the
same converted values; ``tests/records/test_validate_one.py`` checks that property with
generated records.

>>> validate_record({"record_id": "r1", "event_kind": "entry", "port": "Northgate",
...                  "event_date": "2024-05-01", "group_size": "3"})["group_size"]
3
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from palermo.records.hashing import document_hash
from palermo.records.readers import (
    EARLIEST_DATE,
    FALSE_WORDS,
    LATEST_DATE,
    TRUE_WORDS,
    _to_text,
    _transit_to_text,
    table_from_dicts,
    validate_table,
)
from palermo.records.schema import COUNTRY_CODES, INPUT_FIELDS, FieldSpec, Kind

__all__ = ["validate_record"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_INT = re.compile(r"-?[0-9]{1,18}", re.ASCII)
_FLOAT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?", re.ASCII)
# RE2's \s in the columnar list rule is [\t\n\f\r ]; \v and non-ASCII go the slow way
_LIST_SPACE = re.compile(r"[\t\n\f\r ]+")
_TRUE = frozenset(TRUE_WORDS)
_FALSE = frozenset(FALSE_WORDS)


class _UndecidedError(Exception):
    """The fast path does not decide this record: the columnar validator will."""


def validate_record(row: Mapping[str, Any], *, source: str = "input") -> dict[str, Any]:
    """Check and convert one record (the mapping a reader or a request gives); raise
    ``InputError`` listing every problem, worded and placed (``<source> row 1``) exactly as
    ``validate_table`` words them. The result has every ``INPUT_FIELDS`` name, in order."""
    try:
        return _fast(row)
    except _UndecidedError:
        return _columnar(row, source)


def _columnar(row: Mapping[str, Any], source: str) -> dict[str, Any]:
    raw = table_from_dicts([dict(row)])
    if raw.num_rows == 0:  # no column at all: still one record, without any column
        raw = pa.table({"": pa.nulls(1, pa.string())}).drop_columns([""])
    result: dict[str, Any] = validate_table(raw, source=source).to_pylist()[0]
    return result


def _fast(row: Mapping[str, Any]) -> dict[str, Any]:
    texts: dict[str, str | None] = {}
    for name, given in row.items():
        if name not in INPUT_FIELDS and name != "document_number":
            raise _UndecidedError
        texts[name] = _transit_to_text(given) if name == "transit" else _to_text(given)
    if "document_number" in texts:
        if "document_number_hash" in texts:
            raise _UndecidedError
        plain = texts.pop("document_number")
        texts["document_number_hash"] = (
            None if plain is None or not plain.strip() else document_hash(plain)
        )
    out: dict[str, Any] = {}
    for name, spec in INPUT_FIELDS.items():
        text = texts.get(name)
        if spec.kind == Kind.COUNTRY_LIST:
            value: Any = _country_list(text)
        else:
            stripped = None if text is None else text.strip()
            value = _CONVERT[spec.kind](stripped, spec) if stripped else None
        if value is None:
            if spec.required:  # an empty cell or a missing column: the table words it
                raise _UndecidedError
        elif (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum
        ):
            raise _UndecidedError
        out[name] = value
    return out


def _string(text: str, spec: FieldSpec) -> str:
    return text


def _enum(text: str, spec: FieldSpec) -> str:
    if text not in spec.domain:
        raise _UndecidedError
    return text


def _country(text: str, spec: FieldSpec) -> str:
    if not text.isascii():
        raise _UndecidedError
    code = text.upper()
    if code not in COUNTRY_CODES:
        raise _UndecidedError
    return code


def _date(text: str, spec: FieldSpec) -> dt.date:
    if not _DATE.fullmatch(text):
        raise _UndecidedError
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise _UndecidedError from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise _UndecidedError
    return value


def _int(text: str, spec: FieldSpec) -> int:
    if not _INT.fullmatch(text):
        raise _UndecidedError
    return int(text)


def _float(text: str, spec: FieldSpec) -> float:
    if not _FLOAT.fullmatch(text):
        raise _UndecidedError
    return float(text)


def _bool(text: str, spec: FieldSpec) -> bool:
    if not text.isascii():
        raise _UndecidedError
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _UndecidedError


_CONVERT: dict[Kind, Callable[[str, FieldSpec], Any]] = {
    Kind.STRING: _string,
    Kind.ENUM: _enum,
    Kind.COUNTRY: _country,
    Kind.DATE: _date,
    Kind.INT: _int,
    Kind.FLOAT: _float,
    Kind.BOOL: _bool,
}


def _country_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    if not text.isascii() or "\v" in text:
        raise _UndecidedError
    compact = _LIST_SPACE.sub("", text).strip(";")
    compact = re.sub(";;+", ";", compact)
    if not compact:
        return None
    codes = [part.upper() for part in compact.split(";")]
    if any(code not in COUNTRY_CODES for code in codes):
        raise _UndecidedError
    return codes
