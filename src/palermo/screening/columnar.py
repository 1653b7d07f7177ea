"""Batch screening in NumPy over small integer codes: cost that follows what can still fire.

Every scalar field a profile uses is turned into a small integer **code** per record, such that
every comparison on that field has the same truth for all values with the same code:

- categorical fields (codes, countries, free text): the position of the value among the literals
  the profiles name (set members, named-list items), one code for any other value, one for
  missing - computed on each Arrow dictionary once, then looked up by the dictionary's indices;
- numbers, dates (days) and yes/no: the count of the values the profiles compare with that are
  below the value plus those at or below it, so that each value named and each interval
  between them has its own code; one code for missing (null, and NaN). Integers are coded by
  one lookup in a table over the span of the values named, decimals by ``searchsorted``.

Codes are the smallest unsigned type that holds them (mostly a byte per record).

Every comparison, and every single-field part of a profile, is then a lookup table over the
codes, evaluated once per code (``compile_python``, the real-time compiler, on one
representative value of each code) rather than once per record.

Per batch, in two steps:

1. **Which records may fire.** A profile is an ``all`` of terms; a term on one scalar field is
   decided by that field's code. Each profile is put in the group of its most selective field,
   measured on the first records screened (``choose``). For each group, the field's code over
   the whole batch and one lookup keep the records where some profile of the group may fire;
   on those few, the group's other fields narrow the set in order of selectivity, with one
   bit per profile packed into 64-bit words (``AND`` of lookups), and records whose bits are
   all clear are dropped as soon as they are (short-circuit). So the batch is scanned once per
   distinct *first field*, not per comparison, and the rest of the work is on the records that
   can still fire. Terms over several fields, or over the transit list, are not used here: they
   are decided in step 2.
2. **Exactly, on those records**: each distinct comparison once (a lookup, or for the transit
   list an Arrow test on the flattened lists) and each profile from those columns - the
   ``_palermo_row``, ``record_id``, ``c{i}``, ``p{j}`` table that the DuckDB and Spark paths
   produce, which ``batch`` turns into hits.

The derived fields from two dates (age, minor, days before travel, document age) are computed
in NumPy on the days (``_from_dates``; the age through a calendar table, see ``_age``), for the
whole batch or at the positions that need them; the transit count in Arrow
(``derive_arrow_fields``). All follow ``schema.derive``, the single definition, and are tested
against it. Batches are split in two halves
screened on two threads (NumPy and Arrow release the interpreter lock). When some profile has
no single-field term (its criteria are one ``any`` over several fields, say), ``choose`` gives
None and the DuckDB path runs instead.

>>> from palermo.profiles.ast import AllOf
>>> table = pa.table({"record_id": ["a", "b", "c"], "declared_cash": [10.0, None, 900.0],
...                   "destination": pa.array(["TH", "TH", "MY"]).dictionary_encode()})
>>> tree = AllOf((Comparison("declared_cash", "lt", 100.0),
...               Comparison("destination", "in", ("TH",))))
>>> plan = choose([tree], {}, table)
>>> plan.flagged(table, 0).column("record_id").to_pylist()
['a']
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import operator
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from palermo.profiles.ast import AllOf, AnyOf, Comparison, NamedList, Node, Not, comparisons
from palermo.profiles.compile_python import compile_python
from palermo.records.schema import DERIVED, FIELDS, Kind, derive_arrow_fields

ROW = "_palermo_row"
_EPOCH = dt.date(1970, 1, 1)
_NUMERIC = frozenset({Kind.INT, Kind.FLOAT, Kind.DATE, Kind.BOOL})
_DERIVED_INPUTS: dict[str, tuple[str, ...]] = {
    "age_at_travel": ("event_date", "date_of_birth"),
    "is_minor": ("event_date", "date_of_birth"),
    "days_booking_to_travel": ("event_date", "booking_date"),
    "passport_age_days": ("event_date", "document_issue_date"),
    "transit_count": ("transit",),
}
_SAME_INPUTS = dict.fromkeys(("age_at_travel", "is_minor"), ("age_at_travel", "is_minor"))
_AGE = "age_at_travel"
#: the derived fields computed here in NumPy from two dates (days since 1970)
_FROM_DATES = frozenset(
    {"age_at_travel", "is_minor", "days_booking_to_travel", "passport_age_days"}
)
#: the operators whose truth on a value depends only on its equality with, or order against,
#: the values they name - what the codes keep apart; a new operator joins here once it does
CODED_OPERATORS = frozenset(
    {"eq", "ne", "lt", "le", "gt", "ge", "between", "in", "not_in", "in_list", "is_null"}
)
#: batches from this many records are screened as two halves on two threads
THREADS_FROM_ROWS = 200_000
THREADS = 2
#: a field not yet converted for the whole batch (and not dictionary-encoded) is read only at
#: the positions asked for when they are fewer than 1/GATHER_BELOW of the batch, else whole
GATHER_BELOW = 16
#: the cost of a record kept by a group's first field (its other fields, at positions), in
#: units of one field scanned over one record: it decides which fields are scanned whole
CHAIN_COST = 8.0
#: integer fields (numbers, dates, derived days and ages) are coded by a lookup table over the
#: span of the values the profiles name when it is shorter than this, else by binary search
INTEGER_CODES_UP_TO = 1 << 16
#: ages are computed with a table of the calendar over the days a batch spans when they are
#: fewer than this (about 180 years), else from the dates directly
CALENDAR_UP_TO = 1 << 16
Codes = np.ndarray[Any, np.dtype[np.unsignedinteger[Any]]]
Positions = np.ndarray[Any, np.dtype[np.int64]]
Mask = np.ndarray[Any, np.dtype[np.bool_]]
_Values = tuple[np.ndarray[Any, Any], Mask | None]  # values (or codes), where missing


def _plain(value: Any) -> Any:
    """A comparison's value in the terms of the codes (dates as days since 1970)."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dt.date):
        return (value - _EPOCH).days
    if isinstance(value, bool):
        return int(value)
    return value


def _plain_node(node: Node) -> Node:
    if isinstance(node, Comparison):
        if node.op in ("is_null", "in_list"):
            return node
        return Comparison(node.field, node.op, _plain(node.value))
    if isinstance(node, Not):
        return Not(_plain_node(node.child))
    assert isinstance(node, AllOf | AnyOf)
    return type(node)(tuple(_plain_node(c) for c in node.children))


def _fields_of(node: Node) -> set[str]:
    return {c.field for c in comparisons(node)}


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, AllOf):
        return [t for child in node.children for t in _conjuncts(child)]
    return [node]


def _is_scalar(name: str) -> bool:
    return FIELDS[name].kind != Kind.COUNTRY_LIST


@dataclass(frozen=True, slots=True)
class _Field:
    """How one scalar field's values become codes; ``size`` codes, the last one missing."""

    name: str
    numeric: bool
    points: np.ndarray[Any, Any]  # numeric: sorted distinct values named by the profiles
    literals: tuple[str, ...]  # categorical: sorted distinct values named by the profiles

    @property
    def size(self) -> int:
        return 2 * len(self.points) + 2 if self.numeric else len(self.literals) + 2

    @property
    def column(self) -> str:
        return self.name

    def representatives(self) -> list[Any]:
        """One value for each code (None for missing) with every comparison's truth."""
        if not self.numeric:
            other = "\x00other"
            while other in self.literals:
                other += "\x00"
            return [*self.literals, other, None]
        p = [v.item() for v in self.points]
        k = len(p)
        out: list[Any] = []
        for code in range(2 * k + 1):
            if code % 2:
                out.append(p[code // 2])
            elif k == 0:
                out.append(0)
            elif code == 0:
                out.append(p[0] - 1)
            elif code == 2 * k:
                out.append(p[-1] + 1)
            else:
                out.append((p[code // 2 - 1] + p[code // 2]) / 2)
        return [*out, None]

    def values(self, col: pa.Array | pa.ChunkedArray) -> _Values:
        """A column as NumPy: the codes of a categorical field; numbers (dates as days) and
        where they are missing for the others."""
        chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
        parts = [self._values(chunk) for chunk in chunks]
        if not parts:
            parts = [self._values(pa.array([], col.type))]
        if len(parts) == 1:
            return parts[0]
        missing = None
        if any(m is not None for _, m in parts):
            missing = np.concatenate(
                [np.zeros(len(v), dtype=bool) if m is None else m for v, m in parts]
            )
        return np.concatenate([v for v, _ in parts]), missing

    def _values(self, col: pa.Array) -> _Values:
        missing_code = self.size - 1
        code_type = _code_type(self.size)
        if not self.numeric:
            value_set = pa.array(self.literals, pa.string())
            if pa.types.is_dictionary(col.type):
                dictionary = col.dictionary
                found = pc.fill_null(pc.index_in(dictionary, value_set=value_set), -1)
                lut = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
                lut = np.where(lut < 0, len(self.literals), lut).astype(code_type)
                if dictionary.null_count:  # a null among the dictionary's values
                    lut[np.asarray(dictionary.is_null().to_numpy(zero_copy_only=False))] = (
                        missing_code
                    )
                lut = np.append(lut, code_type(missing_code))
                indices = pc.fill_null(col.indices, pa.scalar(len(dictionary), col.indices.type))
                # the codes: small integers, a byte per record mostly
                return lut[indices.to_numpy(zero_copy_only=False)], None
            found = pc.fill_null(pc.index_in(col, value_set=value_set), len(self.literals))
            out = np.asarray(found.to_numpy(zero_copy_only=False), dtype=code_type)
            if col.null_count:
                out[np.asarray(col.is_null().to_numpy(zero_copy_only=False))] = missing_code
            return out, None
        if pa.types.is_date32(col.type):
            col = col.cast(pa.int32())
        elif pa.types.is_boolean(col.type):
            col = col.cast(pa.int8())
        values, missing = _primitive(col)
        if values.dtype.kind == "f":
            nan = np.isnan(values)
            if nan.any():
                missing = nan if missing is None else missing | nan
        return values, missing

    def codes(self, found: _Values, at: Positions | None = None) -> Codes:
        """The codes of the values (at the positions ``at``)."""
        values, missing = found
        if not self.numeric:
            return values if at is None else values[at]
        if at is not None:
            values = values[at]
            missing = None if missing is None else missing[at]
        lut = self._integer_codes(values.dtype) if values.dtype.kind in "iu" else None
        if lut is not None:  # integers: one lookup over the span of the points
            low = self._low
            span = np.clip(values, low, low + len(lut) - 1)
            span -= span.dtype.type(low)
            out = lut[span]
        else:
            p = self._points(values)
            out = np.searchsorted(p, values, "left") + np.searchsorted(p, values, "right")
        if missing is not None:
            out[missing] = self.size - 1
        return np.asarray(out, dtype=_code_type(self.size))

    @property
    def _low(self) -> int:
        """The integer just below the lowest point: the first entry of ``_integer_codes``."""
        return math.floor(self.points[0]) - 1 if len(self.points) else 0

    def _integer_codes(self, dtype: np.dtype[Any]) -> Codes | None:
        """The code of every integer from ``_low`` to just above the highest point (integers
        below and above have the codes of the ends); None when that span is too long or not
        of the values' type."""
        if not len(self.points):
            return np.zeros(1, dtype=np.uint8)
        high = math.ceil(self.points[-1]) + 1
        info = np.iinfo(dtype)
        if high - self._low >= INTEGER_CODES_UP_TO or not info.min <= self._low < high <= info.max:
            return None
        return _integer_codes(self.points.tobytes(), self._low, high)

    def where(self, on_codes: Mask, found: _Values) -> Mask:
        """Where the code of each value is one that ``on_codes`` marks, without computing the
        codes: for numbers, a few interval tests (the marked codes form runs of values)."""
        values, missing = found
        if not self.numeric:
            return on_codes[values]
        p = self._points(values)
        last = 2 * len(p)  # the last code of a present value
        out = np.zeros(len(values), dtype=bool)
        code = 0
        while code <= last:
            if not on_codes[code]:
                code += 1
                continue
            end = code
            while end + 1 <= last and on_codes[end + 1]:
                end += 1
            test: Any = None
            if code > 0:  # from p[l] (odd code 2l+1) or above p[l-1] (even code 2l)
                test = values >= p[code // 2] if code % 2 else values > p[code // 2 - 1]
            if end < last:  # up to p[l] (odd code 2l+1) or below p[l] (even code 2l)
                upper = values <= p[end // 2] if end % 2 else values < p[end // 2]
                test = upper if test is None else test & upper
            if test is None:
                out[:] = True
            else:
                out |= test
            code = end + 1
        if missing is not None:
            out[missing] = on_codes[-1]
        return out

    def _points(self, values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The points in the values' own type when exact (no conversion of the values)."""
        p = self.points
        if values.dtype.kind in "iu" and len(p) and np.all(np.mod(p, 1) == 0):
            info = np.iinfo(values.dtype)
            if info.min <= p.min() and p.max() <= info.max:
                return p.astype(values.dtype)
        return p


def _code_type(size: int) -> type[np.unsignedinteger[Any]]:
    """The smallest unsigned integer type that holds ``size`` codes."""
    if size <= 1 << 8:
        return np.uint8
    return np.uint16 if size <= 1 << 16 else np.uint32 if size <= 1 << 32 else np.uint64


def _primitive(col: pa.Array) -> _Values:
    """A fixed-width Arrow array's values as NumPy without a copy, and where they are missing
    (the values there are whatever the buffer holds: callers mask them)."""
    if not col.null_count:
        return col.to_numpy(zero_copy_only=False), None
    missing = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    dtype = np.dtype(col.type.to_pandas_dtype())
    data = np.frombuffer(col.buffers()[1], dtype=dtype, count=col.offset + len(col))
    return data[col.offset :], missing


def _date_values(col: pa.Array | pa.ChunkedArray) -> _Values:
    """A date column as days since 1970 (int32; 0 where missing) and where it is missing."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    days: list[np.ndarray[Any, Any]] = []
    missing: list[Mask | None] = []
    for chunk in chunks:
        as_int = chunk.cast(pa.int32())
        if as_int.null_count:
            missing.append(np.asarray(as_int.is_null().to_numpy(zero_copy_only=False), dtype=bool))
            as_int = pc.fill_null(as_int, pa.scalar(0, pa.int32()))
        else:
            missing.append(None)
        days.append(as_int.to_numpy(zero_copy_only=False))
    if len(days) == 1:
        return days[0], missing[0]
    found = None
    if any(m is not None for m in missing):
        found = np.concatenate(
            [
                np.zeros(len(d), dtype=bool) if m is None else m
                for d, m in zip(days, missing, strict=True)
            ]
        )
    return np.concatenate(days) if days else np.zeros(0, dtype=np.int32), found


def _at(mask: Mask | None, at: Positions) -> Mask | None:
    return None if mask is None else mask[at]


def _either(a: Mask | None, b: Mask | None) -> Mask | None:
    if a is None:
        return b
    return a if b is None else a | b


@functools.lru_cache(maxsize=64)
def _calendar_keys(low: int, high: int) -> np.ndarray[Any, Any]:
    """``year * 10000 + month * 100 + day`` of each day from ``low`` to ``high`` (since 1970),
    as int32 when the difference of any two fits (years within about 100,000 of year 0)."""
    keys = _keys(np.arange(low, high + 1, dtype=np.int64))
    if keys[0] > -(1 << 30) and keys[-1] < 1 << 30:
        return keys.astype(np.int32)
    return keys


def _keys(days: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.int64]]:
    on = days.astype("datetime64[D]")
    month_start = on.astype("datetime64[M]")
    year = on.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (on - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return np.asarray(year * 10000 + month * 100 + day, dtype=np.int64)


def _age(event: _Values, born: _Values) -> _Values:
    """Whole years from birth to the event, as ``schema.derive``: the year difference, less one
    when the event's (month, day) comes before the birth's. With ``k = year * 10000 + month *
    100 + day`` that is ``(k(event) - k(born)) // 10000`` (the month-day difference is under
    10000 either way), and ``k`` of a day is a lookup in a table over the days the batch spans
    (computed once per span, not per record)."""
    e, b = event[0], born[0]
    missing = _either(event[1], born[1])
    if not len(e):
        return np.zeros(0, dtype=np.int32), missing
    low = min(int(e.min()), int(b.min()))
    high = max(int(e.max()), int(b.max()))
    if high - low < CALENDAR_UP_TO:
        keys = _calendar_keys(low, high)
        age = keys[e - np.int32(low)] - keys[b - np.int32(low)]  # int32 days: low is too
    else:  # dates centuries apart: the keys of the values themselves
        age = _keys(e) - _keys(b)
    age //= 10000
    return age, missing


def _from_dates(name: str, event: _Values, other: _Values) -> _Values:
    """A derived field of ``_FROM_DATES`` from the event date and its other date."""
    if name == "age_at_travel":
        return _age(event, other)
    if name == "is_minor":
        age, missing = _age(event, other)
        return (age < 18).view(np.int8), missing
    return np.subtract(event[0], other[0], dtype=np.int64), _either(event[1], other[1])


@functools.lru_cache(maxsize=256)
def _integer_codes(points: bytes, low: int, high: int) -> Codes:
    p = np.frombuffer(points, dtype=np.float64)
    span = np.arange(low, high + 1, dtype=np.float64)
    codes = np.searchsorted(p, span, "left") + np.searchsorted(p, span, "right")
    return np.asarray(codes, dtype=_code_type(2 * len(p) + 2))


@dataclass(frozen=True, slots=True)
class _ListTerm:
    """A term of a profile on the transit list as a field of two codes: false, true."""

    name: str
    column: str
    term: Node
    lists: Mapping[str, NamedList]
    numeric = False
    size = 2

    def values(self, col: pa.Array | pa.ChunkedArray) -> _Values:
        tests = {c: _list_test(col, c, self.lists) for c in comparisons(self.term)}
        return np.asarray(_evaluate(self.term, tests, len(col)), dtype=np.uint8), None

    def codes(self, found: _Values, at: Positions | None = None) -> Codes:
        return found[0] if at is None else found[0][at]

    def where(self, on_codes: Mask, found: _Values) -> Mask:
        return np.asarray(on_codes[found[0]], dtype=bool)


def _field_spec(name: str, found: Sequence[Comparison], lists: Mapping[str, NamedList]) -> _Field:
    numeric = FIELDS[name].kind in _NUMERIC
    values: set[Any] = set()
    for c in found:
        if c.op == "is_null":
            continue
        if c.op == "in_list":
            values |= set(lists[str(c.value)].items)
        elif isinstance(c.value, tuple):
            values |= set(_plain(c.value))
        else:
            values.add(_plain(c.value))
    if numeric:
        return _Field(name, True, np.array(sorted(values), dtype=np.float64), ())
    return _Field(name, False, np.zeros(0), tuple(sorted(str(v) for v in values)))


def _pack(bits: Mask) -> np.ndarray[Any, Any]:
    """Rows of booleans (codes x profiles) as 64-bit words (codes x words); up to 64 profiles,
    one word per code (a vector of the smallest unsigned type that holds them)."""
    codes, n = bits.shape
    words = np.zeros((codes, max(1, (n + 63) // 64)), dtype=np.uint64)
    for j in range(n):
        words[:, j // 64] |= bits[:, j].astype(np.uint64) << np.uint64(j % 64)
    if n > 64:
        return words
    return words[:, 0].astype(_code_type(1 << max(n, 1)))


def _alive(bits: np.ndarray[Any, Any]) -> Mask:
    """Where some profile's bit is still set (packed as ``_pack`` packs)."""
    return np.asarray(bits.any(axis=1) if bits.ndim == 2 else bits != 0, dtype=bool)


@dataclass(frozen=True, slots=True)
class _Group:
    """Profiles screened first on one field, then on ``chain`` (fields with their packed bits)."""

    field: str
    may_fire: Mask  # by code of ``field``: some profile of the group may fire
    first_bits: np.ndarray[Any, Any]  # by code of ``field``: packed profiles (``_pack``)
    chain: tuple[tuple[str, np.ndarray[Any, Any]], ...]


class _Batch:
    """One batch's fields as NumPy, each converted once for the whole batch, then gathered."""

    def __init__(self, plan: ColumnarPlan, table: pa.Table) -> None:
        self.plan = plan
        self.table = table
        self._values: dict[str, _Values] = {}
        self._joined: dict[str, pa.Array] = {}
        self._derived: dict[str, pa.ChunkedArray] = {}
        self._dates: dict[str, _Values] = {}

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def arrow(self, name: str, at: Positions | None) -> pa.Array | pa.ChunkedArray:
        table = self.table
        if name in DERIVED and name not in table.column_names:
            inputs = [i for i in _DERIVED_INPUTS[name] if i in table.column_names]
            if at is not None:
                part = pa.table({i: self._gathered(i, at) for i in inputs})
                return derive_arrow_fields(part, (name,)).column(name)
            if name not in self._derived:  # both age fields at once: one age computed
                names = _SAME_INPUTS.get(name, (name,))
                derived = derive_arrow_fields(table.select(inputs), names)
                self._derived.update({n: derived.column(n) for n in names})
            return self._derived[name]
        return table.column(name) if at is None else self._gathered(name, at)

    def _gathered(self, name: str, at: Positions) -> pa.Array:
        """A column at positions (Arrow's ``take`` on chunks joins them first: joined once)."""
        if name not in self._joined:
            col = self.table.column(name)
            self._joined[name] = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
        return self._joined[name].take(pa.array(at))

    def _encoded(self, name: str) -> bool:
        """Dictionary-encoded: converted whole at little cost (a lookup on its indices)."""
        names = self.table.column_names
        return name in names and pa.types.is_dictionary(self.table.schema.field(name).type)

    def _days(self, name: str, at: Positions | None) -> _Values:
        """A date column as days (at ``at``); all missing when the table lacks it."""
        if name not in self.table.column_names:
            n = len(self) if at is None else at.size
            return np.zeros(n, dtype=np.int32), np.ones(n, dtype=bool)
        if at is None or name in self._dates:
            if name not in self._dates:
                self._dates[name] = _date_values(self.table.column(name))
            days, missing = self._dates[name]
            return (days, missing) if at is None else (days[at], _at(missing, at))
        return _date_values(self._gathered(name, at))

    def _derived_values(self, name: str, at: Positions | None) -> _Values:
        event, other = _DERIVED_INPUTS[name]
        if at is None and name in _SAME_INPUTS:  # both age fields from one age
            if _AGE not in self._dates:
                self._dates[_AGE] = _from_dates(_AGE, self._days(event, at), self._days(other, at))
            age, missing = self._dates[_AGE]
            return (age, missing) if name == _AGE else ((age < 18).view(np.int8), missing)
        return _from_dates(name, self._days(event, at), self._days(other, at))

    def values(self, name: str) -> _Values:
        if name not in self._values:
            spec = self.plan.fields[name]
            if spec.column in _FROM_DATES:
                self._values[name] = self._derived_values(spec.column, None)
            else:
                self._values[name] = spec.values(self.arrow(spec.column, None))
        return self._values[name]

    def where(self, name: str, on_codes: Mask) -> Positions:
        """The positions of the batch where the code of ``name`` is one ``on_codes`` marks."""
        return np.flatnonzero(self.plan.fields[name].where(on_codes, self.values(name)))

    def codes(self, name: str, at: Positions | None = None) -> Codes:
        spec = self.plan.fields[name]
        few = at is not None and (isinstance(spec, _ListTerm) or at.size * GATHER_BELOW < len(self))
        if few and name not in self._values and not self._encoded(spec.column):
            assert at is not None  # only at ``at``
            if spec.column in _FROM_DATES:
                return spec.codes(self._derived_values(spec.column, at))
            return spec.codes(spec.values(self.arrow(spec.column, at)))
        return spec.codes(self.values(name), at)


@dataclass(frozen=True, slots=True)
class ColumnarPlan:
    """A profile set compiled to lookup tables over codes, its groups chosen on a sample."""

    criteria: tuple[Node, ...]
    lists: Mapping[str, NamedList]
    fields: Mapping[str, _Field | _ListTerm]
    truth: Mapping[Comparison, Mask]  # scalar comparison -> truth by code of its field
    comparisons: tuple[Comparison, ...]  # column c{i} is comparisons[i]
    groups: tuple[_Group, ...]

    @property
    def profile_columns(self) -> tuple[str, ...]:
        return tuple(f"p{j}" for j in range(len(self.criteria)))

    def candidates(self, table: pa.Table) -> Positions:
        """Positions (ascending) of the records of ``table`` where some profile may fire."""
        return self._candidates(_Batch(self, table))

    def _candidates(self, batch: _Batch) -> Positions:
        found: list[Positions] = []
        for group in self.groups:
            at = batch.where(group.field, group.may_fire)
            if not at.size:
                continue
            bits = group.first_bits[batch.codes(group.field, at)]
            for name, lut in group.chain:
                bits &= lut[batch.codes(name, at)]
                alive = _alive(bits)
                if not alive.all():
                    at, bits = at[alive], bits[alive]
                    if not at.size:
                        break
            found.append(at)
        if not found:
            return np.zeros(0, dtype=np.int64)
        if len(found) == 1:
            return found[0].astype(np.int64)
        return np.flatnonzero(np.bincount(np.concatenate(found), minlength=len(batch))).astype(
            np.int64
        )

    def flagged(self, table: pa.Table, first_row: int) -> pa.Table:
        """``_palermo_row`` (``first_row`` + position), ``record_id``, ``c{i}`` and ``p{j}`` of
        the records of ``table`` where some profile fires."""
        n = table.num_rows
        if n >= THREADS_FROM_ROWS and THREADS > 1:
            step = -(-n // THREADS)
            with ThreadPoolExecutor(THREADS) as pool:
                starts = range(0, n, step)
                parts = list(
                    pool.map(lambda s: self._flagged(table.slice(s, step), first_row + s), starts)
                )
            return pa.concat_tables(parts)
        return self._flagged(table, first_row)

    def _flagged(self, table: pa.Table, first_row: int) -> pa.Table:
        batch = _Batch(self, table)
        return self._exact(batch, self._candidates(batch), first_row)

    def exact(self, table: pa.Table, at: Positions, first_row: int) -> pa.Table:
        """Every comparison and profile on the records at ``at``; only those where one fires."""
        return self._exact(_Batch(self, table), at, first_row)

    def _exact(self, batch: _Batch, at: Positions, first_row: int) -> pa.Table:
        table = batch.table
        codes: dict[str, Codes] = {}
        columns: dict[Comparison, Mask] = {}
        for c in self.comparisons:
            if c in self.truth:
                if c.field not in codes:
                    codes[c.field] = batch.codes(c.field, at)
                columns[c] = self.truth[c][codes[c.field]]
            else:
                columns[c] = _list_test(batch.arrow(c.field, at), c, self.lists)
        profiles = [_evaluate(tree, columns, at.size) for tree in self.criteria]
        fired = functools.reduce(operator.or_, profiles, np.zeros(at.size, dtype=bool))
        keep = np.flatnonzero(fired)
        out: dict[str, Any] = {
            ROW: pa.array(at[keep] + first_row, pa.int64()),
            "record_id": table.column("record_id").take(pa.array(at[keep])),
        }
        for i, c in enumerate(self.comparisons):
            out[f"c{i}"] = pa.array(columns[c][keep], pa.bool_())
        for j, p in enumerate(profiles):
            out[f"p{j}"] = pa.array(p[keep], pa.bool_())
        return pa.table(out)


def _evaluate(node: Node, columns: Mapping[Comparison, Mask], n: int) -> Mask:
    if isinstance(node, Comparison):
        return columns[node]
    if isinstance(node, Not):
        return ~_evaluate(node.child, columns, n)
    parts = [_evaluate(c, columns, n) for c in node.children]
    op = operator.and_ if isinstance(node, AllOf) else operator.or_
    return functools.reduce(op, parts[1:], parts[0]) if parts else np.ones(n, dtype=bool)


def _list_test(
    col: pa.Array | pa.ChunkedArray, c: Comparison, lists: Mapping[str, NamedList]
) -> Mask:
    """A comparison on a list of countries (transit): missing list is missing, as in Python."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], col.type)
    present = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if c.op == "is_null":
        return ~present if c.value else present
    items = lists[str(c.value)].items if c.op == "in_list" else c.value
    assert isinstance(items, tuple | frozenset)
    flat = pc.list_flatten(col)
    parents = np.asarray(pc.list_parent_indices(col).to_numpy(zero_copy_only=False))
    hit = np.asarray(
        pc.is_in(flat, value_set=pa.array(sorted(items), pa.string())).to_numpy(
            zero_copy_only=False
        ),
        dtype=bool,
    )
    some = np.zeros(len(col), dtype=bool)
    some[parents[hit]] = True
    if c.op == "not_in":
        return present & ~some
    return present & some


def choose(
    criteria: Sequence[Node], lists: Mapping[str, NamedList], sample: pa.Table
) -> ColumnarPlan | None:
    """The plan for these profiles, groups and orders measured on ``sample``; None when some
    profile has no term on one scalar field, or an operator is not in ``CODED_OPERATORS``
    (then the DuckDB path screens)."""
    criteria = tuple(criteria)
    distinct = tuple(dict.fromkeys(c for tree in criteria for c in comparisons(tree)))
    if any(c.op not in CODED_OPERATORS for c in distinct):
        return None  # an operator whose truth the codes may not decide: the DuckDB path
    found_terms = _single_field_terms(criteria)
    if found_terms is None:
        return None
    local, list_terms = found_terms
    by_field: dict[str, list[Comparison]] = {}
    for c in distinct:
        if _is_scalar(c.field):
            by_field.setdefault(c.field, []).append(c)
    fields: dict[str, _Field | _ListTerm] = {
        name: _field_spec(name, found, lists) for name, found in by_field.items()
    }
    truth: dict[Comparison, Mask] = {}
    holds: dict[str, Mask] = {}  # field -> (codes x profiles): its terms of each profile hold
    for name, found in by_field.items():
        spec = fields[name]
        assert isinstance(spec, _Field)
        wholes: list[Node] = [
            AllOf(tuple(_plain_node(t) for t in on.get(name, []))) for on in local
        ]
        python = compile_python([_plain_node(c) for c in found] + wholes, lists)
        table = np.zeros((spec.size, len(found) + len(wholes)), dtype=bool)
        for code, value in enumerate(spec.representatives()):
            table[code, python.fired({name: value})] = True
        for i, c in enumerate(found):
            truth[c] = table[:, i].copy()
        holds[name] = table[:, len(found) :].copy()
        holds[name][:, [j for j, on in enumerate(local) if name not in on]] = True
    for term, name in list_terms.items():
        fields[name] = _ListTerm(name, next(iter(_fields_of(term))), term, lists)
        holds[name] = np.ones((2, len(criteria)), dtype=bool)
        holds[name][0, [j for j, on in enumerate(local) if name in on]] = False
    plan = ColumnarPlan(criteria, lists, fields, truth, distinct, ())
    batch = _Batch(plan, sample)
    rows = max(1, sample.num_rows)
    histogram = {
        name: np.bincount(batch.codes(name), minlength=spec.size) / rows
        for name, spec in fields.items()
    }
    first = _first_fields(local, holds, histogram, set(by_field))
    return ColumnarPlan(
        criteria, lists, fields, truth, distinct, _groups(batch, first, local, holds)
    )


def _single_field_terms(
    criteria: Sequence[Node],
) -> tuple[list[dict[str, list[Node]]], dict[Node, str]] | None:
    """Each profile's terms (of its top-level ``all``) on one field, by field; a term on the
    transit list is a field of its own (``transit#k``). None when some profile has no term on
    one scalar field."""
    list_terms: dict[Node, str] = {}
    local: list[dict[str, list[Node]]] = []
    for tree in criteria:
        terms: dict[str, list[Node]] = {}
        for term in _conjuncts(tree):
            names = _fields_of(term)
            if len(names) != 1:
                continue
            name = next(iter(names))
            if not _is_scalar(name):
                name = list_terms.setdefault(term, f"{name}#{len(list_terms)}")
            terms.setdefault(name, []).append(term)
        if not any(name in FIELDS for name in terms):
            return None
        local.append(terms)
    return local, list_terms


def _groups(
    batch: _Batch,
    first: Mapping[str, list[int]],
    local: Sequence[Mapping[str, list[Node]]],
    holds: Mapping[str, Mask],
) -> tuple[_Group, ...]:
    groups = []
    for name, members in first.items():
        on_group = holds[name][:, members]
        may_fire = np.asarray(on_group.any(axis=1), dtype=bool)
        packed = {f: _pack(holds[f][:, members]) for f in {f for j in members for f in local[j]}}
        chain = _chain(batch, name, may_fire, packed)
        groups.append(_Group(name, may_fire, packed[name], chain))
    return tuple(groups)


def _chain(
    batch: _Batch, first: str, may_fire: Mask, packed: Mapping[str, np.ndarray[Any, Any]]
) -> tuple[tuple[str, np.ndarray[Any, Any]], ...]:
    """A group's other fields, each next one the field that leaves the fewest records of the
    sample (greedy), with their packed bits."""
    at = batch.where(first, may_fire)
    bits = packed[first][batch.codes(first, at)]
    remaining = sorted(f for f in packed if f != first)
    order: list[str] = []
    while remaining:
        best: tuple[int, str, Any, Any] | None = None
        for f in remaining:
            narrowed = bits & packed[f][batch.codes(f, at)]
            alive = _alive(narrowed)
            count = int(alive.sum())
            if best is None or count < best[0]:
                best = (count, f, alive, narrowed)
        assert best is not None
        _, f, alive, narrowed = best
        order.append(f)
        remaining.remove(f)
        at, bits = at[alive], narrowed[alive]
    return tuple((f, packed[f]) for f in order)


def _first_fields(
    local: Sequence[Mapping[str, list[Node]]],
    holds: Mapping[str, Mask],
    histogram: Mapping[str, np.ndarray[Any, np.dtype[np.float64]]],
    scalar: set[str],
) -> dict[str, list[int]]:
    """The field each profile is screened on first, so that few fields are scanned whole and
    few records are kept: each profile starts on its most selective field; then a field whose
    profiles cost less on the other chosen fields (``CHAIN_COST`` per record kept, shares
    measured by code on the sample) than one more scan of the batch is given up, least used
    first, until none is."""

    def kept(name: str, members: Sequence[int]) -> float:
        return float(histogram[name] @ holds[name][:, list(members)].any(axis=1))

    share = {name: histogram[name] @ holds[name] for name in scalar}
    first: dict[str, list[int]] = {}
    for j, terms in enumerate(local):
        best = min(sorted(set(terms) & scalar), key=lambda name: float(share[name][j]))
        first.setdefault(best, []).append(j)
    changed = True
    while changed and len(first) > 1:
        changed = False
        for name in sorted(first, key=lambda f: (len(first[f]), f)):
            others = [f for f in first if f != name]
            moved: dict[str, list[int]] = {f: list(first[f]) for f in others}
            for j in first[name]:
                usable = [f for f in others if f in local[j]]
                if not usable:
                    break
                to = min(usable, key=lambda f: float(share[f][j]))
                moved[to].append(j)
            else:
                before = 1.0 + CHAIN_COST * (
                    kept(name, first[name]) + sum(kept(f, first[f]) for f in others)
                )
                after = CHAIN_COST * sum(kept(f, moved[f]) for f in others)
                if after < before:
                    first = moved
                    changed = True
                    break
    return first
