"""A cheap test that a record *may* fire some profile, in the order measured on the data.

A profile can only fire where every comparison it requires holds (the terms of its top-level
``all`` that are plain comparisons, not under a ``not`` or an ``any``). The prefilter orders
each profile's required comparisons by selectivity - their share of the first records screened
- and evaluates the most selective one over the whole batch (once per distinct comparison, as a
NumPy mask over the values or over the dictionary codes of a categorical column), then each
next one only on the few records still in, gathered by position. So the cost grows with the
distinct *first* comparisons, not with the profiles or with all their comparisons, and the
engine's exact evaluation then runs on a small share of the records.

The prefilter only removes records that cannot fire: it keeps every record that meets all the
required comparisons of some profile, and the engine decides the rest exactly (tested equal to
the real-time Screener with it forced on). It is not used when some profile has no required
comparison (its criteria are one ``any``, or a ``not``), or when it would keep more than
``MAX_KEPT_SHARE`` of the sample: then the engine's factored test runs on every record.

>>> import datetime as dt
>>> from palermo.profiles.ast import AllOf
>>> table = pa.table({"declared_cash": [10.0, None, 900.0, float("nan")],
...                   "destination": pa.array(["TH", "MY", "TH", "TH"]).dictionary_encode()})
>>> tree = AllOf((Comparison("declared_cash", "lt", 100.0),
...               Comparison("destination", "in", ("TH",))))
>>> choose_prefilter([tree], {}, table, max_kept_share=1.0).keep(table).tolist()
[0]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from palermo.profiles.ast import AllOf, Comparison, NamedList, Node
from palermo.records.schema import DERIVED, FIELDS, Kind, derive_arrow_fields

MAX_KEPT_SHARE = 0.5  # above this, the engine's own test on every record costs as little
# A comparison over a whole batch here costs about what one comparison of the engine's factored
# test costs (measured on 1M-record batches, dictionary-encoded columns): use the prefilter
# only when it is expected to halve the work.
COST_RATIO = 0.5
_OPS = frozenset({"eq", "lt", "le", "gt", "ge", "between", "in", "in_list"})
_EPOCH = dt.date(1970, 1, 1)
Mask = np.ndarray[Any, np.dtype[np.bool_]]
Positions = np.ndarray[Any, np.dtype[np.int64]]


def _required(tree: Node) -> list[Comparison]:
    """The comparisons a record must meet for ``tree`` to hold (top-level ``all`` terms)."""
    if isinstance(tree, AllOf):
        return [c for child in tree.children for c in _required(child)]
    if (
        isinstance(tree, Comparison)
        and tree.op in _OPS
        and FIELDS[tree.field].kind != Kind.COUNTRY_LIST
    ):
        return [tree]
    return []


@dataclass(frozen=True, slots=True)
class _Column:
    """One column as NumPy: ``values`` (numbers, dates as days since 1970, or the codes of
    ``dictionary``, a missing value coded ``len(dictionary)``) and where they are ``valid``
    (None: everywhere, or the missing codes already say so)."""

    values: np.ndarray[Any, Any]
    valid: Mask | None
    dictionary: list[Any] | None


def _numpy_column(col: pa.Array) -> _Column:
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = pc.dictionary_encode(col)
    if pa.types.is_dictionary(col.type):
        missing_code = pa.scalar(len(col.dictionary), col.indices.type)
        codes = pc.fill_null(col.indices, missing_code).to_numpy(zero_copy_only=False)
        return _Column(codes, None, col.dictionary.to_pylist())
    valid = None
    if col.null_count:
        valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_boolean(col.type):
        return _Column(pc.fill_null(col, False).to_numpy(zero_copy_only=False), valid, None)
    if pa.types.is_date32(col.type):
        col = pc.cast(col, pa.int32())
    filled = pc.fill_null(col, pa.scalar(0, col.type))
    return _Column(filled.to_numpy(zero_copy_only=False), valid, None)


def _plain(value: Any) -> Any:
    """A comparison's value in the column's NumPy terms (dates as days since 1970)."""
    if isinstance(value, dt.date):
        return (value - _EPOCH).days
    if isinstance(value, bool):
        return int(value)
    return value


def _test(values: np.ndarray[Any, Any], c: Comparison, lists: Mapping[str, NamedList]) -> Mask:
    op, v = c.op, c.value
    if op in ("in", "in_list"):
        items = lists[str(v)].items if op == "in_list" else v
        assert isinstance(items, tuple | frozenset)
        return np.isin(values, [_plain(i) for i in items])
    if op == "between":
        assert isinstance(v, tuple)
        low, high = _plain(v[0]), _plain(v[1])
        return np.asarray((values >= low) & (values <= high), dtype=bool)
    x = _plain(v)
    tests = {
        "eq": np.equal,
        "lt": np.less,
        "le": np.less_equal,
        "gt": np.greater,
        "ge": np.greater_equal,
    }
    return np.asarray(tests[op](values, x), dtype=bool)


class _Batch:
    """A batch's columns as NumPy, prepared once each; derived fields computed in Arrow."""

    def __init__(self, table: pa.Table, lists: Mapping[str, NamedList]) -> None:
        self.table = table
        self.lists = lists
        self._columns: dict[str, _Column] = {}
        self._derived: pa.Table | None = None
        self._luts: dict[Comparison, Mask] = {}

    def column(self, name: str) -> _Column:
        if name not in self._columns:
            self._columns[name] = _numpy_column(self._arrow(name))
        return self._columns[name]

    def _arrow(self, name: str) -> pa.Array:
        if name in DERIVED and name not in self.table.column_names:
            if self._derived is None:
                self._derived = derive_arrow_fields(self.table, tuple(DERIVED))
            return self._derived.column(name).combine_chunks()
        return self.table.column(name).combine_chunks()

    def holds(self, c: Comparison, at: Positions | None = None) -> Mask:
        """Where ``c`` holds, over the whole batch or at the positions ``at`` (missing: false)."""
        col = self.column(c.field)
        values = col.values if at is None else col.values[at]
        if col.dictionary is not None:  # the test on each distinct value, then by code
            if c not in self._luts:
                on_values = _test(np.asarray(col.dictionary, dtype=object), c, self.lists)
                self._luts[c] = np.append(on_values, False)  # the missing code
            return np.asarray(self._luts[c][values], dtype=bool)
        found = _test(values, c, self.lists)
        if col.valid is None:
            return found
        return found & (col.valid if at is None else col.valid[at])


@dataclass(frozen=True, slots=True)
class Prefilter:
    """Per profile, its required comparisons, most selective first."""

    required: tuple[tuple[Comparison, ...], ...]
    lists: Mapping[str, NamedList]
    kept_share: float  # of the sample it was chosen on

    @property
    def first_comparisons(self) -> int:
        """How many distinct comparisons are evaluated over whole batches."""
        return len({group[0] for group in self.required})

    def keep(self, table: pa.Table) -> Positions:
        """The positions (ascending) of the records of ``table`` that may fire some profile."""
        batch = _Batch(table, self.lists)
        starts: dict[Comparison, Positions] = {}
        kept: list[Positions] = []
        for first, *rest in self.required:
            if first not in starts:
                starts[first] = np.flatnonzero(batch.holds(first))
            at = starts[first]
            for c in rest:
                if not at.size:
                    break
                at = at[batch.holds(c, at)]
            kept.append(at)
        if not kept:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(kept)).astype(np.int64)


def pays(prefilter: Prefilter, engine_comparisons: int) -> bool:
    """Whether the prefilter is expected to cost less than the engine's own test, which
    evaluates ``engine_comparisons`` comparisons (the factored test's leaves) on every record:
    the prefilter's whole-batch comparisons, plus the engine's test on the records it keeps,
    must come under ``COST_RATIO`` of that."""
    cost = prefilter.first_comparisons + prefilter.kept_share * engine_comparisons
    return cost < COST_RATIO * engine_comparisons


def choose_prefilter(
    criteria: Sequence[Node],
    lists: Mapping[str, NamedList],
    sample: pa.Table,
    *,
    max_kept_share: float | None = None,
) -> Prefilter | None:
    """The prefilter for these profiles, each profile's comparisons ordered by their share of
    ``sample``; None when some profile requires no comparison or it would keep too much."""
    limit = MAX_KEPT_SHARE if max_kept_share is None else max_kept_share
    required = [list(dict.fromkeys(_required(tree))) for tree in criteria]
    if not criteria or sample.num_rows == 0 or any(not r for r in required):
        return None
    batch = _Batch(sample, lists)
    share = {c: float(batch.holds(c).mean()) for group in required for c in group}
    ordered = tuple(tuple(sorted(group, key=lambda c: (share[c], repr(c)))) for group in required)
    kept = len(Prefilter(ordered, lists, 0.0).keep(sample)) / sample.num_rows
    if kept > limit:
        return None
    return Prefilter(ordered, lists, kept)
