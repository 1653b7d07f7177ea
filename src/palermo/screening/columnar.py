"""Batch screening in NumPy over small integer codes: cost that follows what can still fire.

Every scalar field a profile uses is turned into a small integer **code** per record, such that
every comparison on that field has the same truth for all values with the same code:

- categorical fields (codes, countries, free text): the position of the value among the literals
  the profiles name (set members, named-list items), one code for any other value, one for
  missing - computed on each Arrow dictionary once, then looked up by the dictionary's indices;
- numbers, dates (days) and yes/no: ``searchsorted`` against the sorted values the profiles
  compare with, left plus right, so that each value named and each interval between them has
  its own code; one code for missing (null, and NaN).

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

Derived fields (age, days before travel...) are computed in Arrow on the records that need
them, by the same ``derive_arrow_fields`` as everywhere else. Batches are split in two halves
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
Codes = np.ndarray[Any, np.dtype[np.intp]]
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
        if not self.numeric:
            value_set = pa.array(self.literals, pa.string())
            if pa.types.is_dictionary(col.type):
                dictionary = col.dictionary
                found = pc.fill_null(pc.index_in(dictionary, value_set=value_set), -1)
                lut = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)
                lut = np.where(lut < 0, len(self.literals), lut)
                if dictionary.null_count:  # a null among the dictionary's values
                    lut[np.asarray(dictionary.is_null().to_numpy(zero_copy_only=False))] = (
                        missing_code
                    )
                lut = np.append(lut, missing_code)
                indices = pc.fill_null(col.indices, pa.scalar(len(dictionary), col.indices.type))
                return lut[indices.to_numpy(zero_copy_only=False)], None
            found = pc.fill_null(pc.index_in(col, value_set=value_set), len(self.literals))
            out = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)
            if col.null_count:
                out[np.asarray(col.is_null().to_numpy(zero_copy_only=False))] = missing_code
            return out, None
        if pa.types.is_date32(col.type):
            col = col.cast(pa.int32())
        elif pa.types.is_boolean(col.type):
            col = col.cast(pa.int8())
        missing = None
        if col.null_count:
            missing = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            col = pc.fill_null(col, pa.scalar(0, col.type))
        values = col.to_numpy(zero_copy_only=False)
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
        p = self._points(values)
        out = np.searchsorted(p, values, "left") + np.searchsorted(p, values, "right")
        if missing is not None:
            out[missing] = self.size - 1
        return np.asarray(out, dtype=np.intp)

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
        return np.asarray(_evaluate(self.term, tests, len(col)), dtype=np.intp), None

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


def _pack(bits: Mask) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """Rows of booleans (codes x profiles) as 64-bit words (codes x words)."""
    codes, n = bits.shape
    words = np.zeros((codes, max(1, (n + 63) // 64)), dtype=np.uint64)
    for j in range(n):
        words[:, j // 64] |= bits[:, j].astype(np.uint64) << np.uint64(j % 64)
    return words


@dataclass(frozen=True, slots=True)
class _Group:
    """Profiles screened first on one field, then on ``chain`` (fields with their packed bits)."""

    field: str
    may_fire: Mask  # by code of ``field``: some profile of the group may fire
    first_bits: np.ndarray[Any, np.dtype[np.uint64]]  # by code of ``field``: packed profiles
    chain: tuple[tuple[str, np.ndarray[Any, np.dtype[np.uint64]]], ...]


class _Batch:
    """One batch's fields as NumPy, each converted once for the whole batch, then gathered."""

    def __init__(self, plan: ColumnarPlan, table: pa.Table) -> None:
        self.plan = plan
        self.table = table
        self._values: dict[str, _Values] = {}
        self._joined: dict[str, pa.Array] = {}
        self._derived: dict[str, pa.ChunkedArray] = {}

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

    def values(self, name: str) -> _Values:
        if name not in self._values:
            spec = self.plan.fields[name]
            self._values[name] = spec.values(self.arrow(spec.column, None))
        return self._values[name]

    def where(self, name: str, on_codes: Mask) -> Positions:
        """The positions of the batch where the code of ``name`` is one ``on_codes`` marks."""
        return np.flatnonzero(self.plan.fields[name].where(on_codes, self.values(name)))

    def codes(self, name: str, at: Positions | None = None) -> Codes:
        spec = self.plan.fields[name]
        few = at is not None and (isinstance(spec, _ListTerm) or at.size * GATHER_BELOW < len(self))
        if few and name not in self._values and not self._encoded(spec.column):
            assert at is not None
            return spec.codes(spec.values(self.arrow(spec.column, at)))  # only at ``at``
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
                alive = bits.any(axis=1)
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
            alive = narrowed.any(axis=1)
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
