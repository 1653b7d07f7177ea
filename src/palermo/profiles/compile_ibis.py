"""Compiler from the profile tree to Ibis expressions, for batch screening on any Ibis backend.

Cost grows with the number of *distinct* comparisons, not with profiles x criteria:

1. Each distinct comparison is written once, as a boolean column (``c0``, ``c1``...).
2. Rows are kept when some profile fires - tested with ``any_hit``, the OR of every profile
   rewritten by distributivity and absorption so that a comparison shared by many profiles is
   tested once (``a and b or a and c`` becomes ``a and (b or c)``; a profile implied by another,
   such as a narrower variant, adds nothing to the test). Engines evaluate it first, so a row
   without a hit costs a handful of comparisons, and rows with a hit are few. ``selection`` is
   this test alone; in ``expr`` it refers to the ``c`` columns.
3. Each profile becomes a column (``p0``, ``p1``...) combining the ``c`` columns of kept rows.

Null semantics are those of ``operators.py`` and are spelled out, never left to the engine: a
comparison is ``NOT <missing> AND <test>``, false when the value is missing whatever the test
gives, so ``not`` is plain negation. (``fill_null(False)`` over a comparison is avoided on
purpose: Ibis' PySpark backend returned true for null rows with it; ``CASE WHEN`` gives the same
values but is several times slower to evaluate in DuckDB.) NaN counts as missing.

Targets: DuckDB and PySpark are tested to agree with each other and with ``compile_python``.
What a target cannot do: nothing in the current operator set; list membership on the transit
list is written as ``contains`` per value because DuckDB 2 refuses the lambda syntax Ibis
generates for array filters.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import ibis
import ibis.expr.types as ir

from palermo.profiles.ast import AllOf, AnyOf, Comparison, NamedList, Node, Not
from palermo.records.schema import FIELDS, Kind

_BINARY = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


@dataclass(frozen=True, slots=True)
class IbisPlan:
    """The compiled expression and the names of its columns."""

    expr: ir.Table  # keep, c{i}, p{j} (only rows with a hit, when asked)
    selection: ir.Table  # keep, for the rows where some profile fires (the factored test alone)
    comparisons: tuple[Comparison, ...]  # column c{i} is comparisons[i]
    profile_columns: tuple[str, ...]  # column p{j} is criteria[j]
    any_hit: Node | None  # the OR of all profiles, factored: what selects rows


def _missing(col: Any, kind: Kind) -> Any:
    return col.isnull() | col.isnan() if kind == Kind.FLOAT else col.isnull()


def comparison_expr(
    table: ir.Table, c: Comparison, lists: Mapping[str, NamedList]
) -> ir.BooleanValue:
    """One comparison as a boolean column expression: false whenever the value is missing."""
    kind = FIELDS[c.field].kind
    col = table[c.field]
    missing = _missing(col, kind)
    op, v = c.op, c.value
    if op == "is_null":
        return missing if v else ~missing
    test: Any
    if op in ("in", "not_in", "in_list"):
        items = sorted(lists[str(v)].items) if op == "in_list" else v
        assert isinstance(items, tuple | list)
        if kind == Kind.COUNTRY_LIST:
            anyof = reduce(operator.or_, [col.contains(item) for item in items])
            test = ~anyof if op == "not_in" else anyof
        else:
            test = col.notin(list(items)) if op == "not_in" else col.isin(list(items))
    elif op == "between":
        assert isinstance(v, tuple)
        test = col.between(ibis.literal(v[0]), ibis.literal(v[1]))
    else:
        test = _BINARY[op](col, ibis.literal(v))
    # ``missing`` is never null, so this is CASE WHEN missing THEN FALSE ELSE test END.
    result: ir.BooleanValue = ~missing & test
    return result


# the input fields each derived field is computed from
DERIVED_INPUTS: dict[str, tuple[str, ...]] = {
    "age_at_travel": ("event_date", "date_of_birth"),
    "is_minor": ("event_date", "date_of_birth"),
    "days_booking_to_travel": ("event_date", "booking_date"),
    "passport_age_days": ("event_date", "document_issue_date"),
    "transit_count": ("transit",),
}


def derived_columns(table: ir.Table, names: Sequence[str]) -> dict[str, ir.Value]:
    """The derived fields ``names`` as expressions over ``table``'s input columns.

    The same values as ``records.schema.derive_arrow`` (whole years of age, days between dates,
    number of transit points; null when an input is missing), computed by the engine - only
    where a comparison needs them. Written for DuckDB: Spark's ``size`` of a null array is -1,
    so the Spark path derives in Arrow instead.
    """
    unknown = [n for n in names if n not in DERIVED_INPUTS]
    if unknown:
        raise KeyError(f"no engine expression for derived field(s) {', '.join(unknown)}")

    def age() -> Any:
        event, born = table["event_date"], table["date_of_birth"]
        years = event.year() - born.year()
        before_birthday = (event.month() * 100 + event.day()) < (born.month() * 100 + born.day())
        return (years - before_birthday.cast("int64")).cast("int64")

    def days_since(earlier: str) -> Any:
        return table["event_date"].delta(table[earlier], unit="day").cast("int64")

    exprs: dict[str, Callable[[], Any]] = {
        "age_at_travel": age,
        "is_minor": lambda: age() < 18,
        "days_booking_to_travel": lambda: days_since("booking_date"),
        "passport_age_days": lambda: days_since("document_issue_date"),
        "transit_count": lambda: table["transit"].length().cast("int64"),
    }
    return {name: exprs[name]() for name in names}


def _combine(node: Node, columns: Mapping[Comparison, Any]) -> Any:
    if isinstance(node, Comparison):
        return columns[node]
    if isinstance(node, Not):
        return ~_combine(node.child, columns)
    parts = [_combine(c, columns) for c in node.children]
    return _balanced(operator.and_ if isinstance(node, AllOf) else operator.or_, parts)


def _balanced(op: Callable[[Any, Any], Any], parts: list[Any]) -> Any:
    """``op`` over all ``parts`` as a balanced tree: hundreds of profiles stay shallow."""
    while len(parts) > 1:
        pairs = [op(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        parts = pairs + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def _conjuncts(node: Node) -> tuple[Node, ...]:
    """The terms of a node read as an AND (nested ``all`` flattened, repeats dropped)."""
    if isinstance(node, AllOf):
        return tuple(dict.fromkeys(t for child in node.children for t in _conjuncts(child)))
    return (node,)


def any_of(criteria: Sequence[Node]) -> Node | None:
    """A tree that holds exactly when one of ``criteria`` holds, with shared terms factored out.

    The OR of ANDs is rewritten by distributivity (the term shared by most profiles is taken
    out: ``a and b or a and c`` -> ``a and (b or c)``) and absorption (``a or a and b`` -> ``a``),
    both exact in two- and three-valued logic. None when there are no criteria.
    """
    return _factor([_conjuncts(tree) for tree in criteria])


def _factor(terms: list[tuple[Node, ...]]) -> Node | None:
    parts: list[Node] = []
    while terms:
        counts = Counter(t for conjunction in terms for t in conjunction)
        top, n = counts.most_common(1)[0]  # ties: the first seen, so the result is deterministic
        if n <= 1:
            parts += [c[0] if len(c) == 1 else AllOf(c) for c in terms]
            break
        rest = [tuple(t for t in c if t != top) for c in terms if top in c]
        terms = [c for c in terms if top not in c]
        inner = None if any(not c for c in rest) else _factor(rest)  # absorption
        parts.append(top if inner is None else AllOf((top, inner)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))


def compile_ibis(
    table: ir.Table,
    criteria: Sequence[Node],
    lists: Mapping[str, NamedList] | None = None,
    *,
    keep: Sequence[str] = ("record_id",),
    only_hits: bool = True,
) -> IbisPlan:
    """Compile one criteria tree per profile against ``table``.

    ``expr`` has the ``keep`` columns, ``c{i}`` per distinct comparison and ``p{j}`` per
    profile; with ``only_hits`` only rows where some profile fired. ``selection`` is the test
    alone: the ``keep`` columns of the rows where some profile fires. An engine may run
    ``expr`` in one go, or ``selection`` over all records and then ``expr`` (``only_hits=False``)
    over the few selected - DuckDB is faster so, as it then evaluates the comparisons of the
    hits in full vectors rather than in the sparse ones a selective filter leaves.
    """
    lists = lists or {}
    distinct: dict[Comparison, str] = {}
    for tree in criteria:
        _collect(tree, distinct)
    any_hit = any_of(criteria)
    inline = {c: comparison_expr(table, c, lists) for c in distinct}
    selection = table.filter(
        ibis.literal(False) if any_hit is None else _combine(any_hit, inline)
    ).select(*keep)
    first = table.select(*keep, **{name: inline[c] for c, name in distinct.items()})
    if only_hits:
        columns = {c: first[name] for c, name in distinct.items()}
        first = first.filter(ibis.literal(False) if any_hit is None else _combine(any_hit, columns))
    columns = {c: first[name] for c, name in distinct.items()}
    profile_columns = tuple(f"p{j}" for j in range(len(criteria)))
    second = first.select(
        *keep,
        *distinct.values(),
        **{
            name: _combine(tree, columns)
            for name, tree in zip(profile_columns, criteria, strict=True)
        },
    )
    return IbisPlan(
        expr=second,
        selection=selection,
        comparisons=tuple(distinct),
        profile_columns=profile_columns,
        any_hit=any_hit,
    )


def _collect(node: Node, distinct: dict[Comparison, str]) -> None:
    if isinstance(node, Comparison):
        if node not in distinct:
            distinct[node] = f"c{len(distinct)}"
    elif isinstance(node, Not):
        _collect(node.child, distinct)
    else:
        assert isinstance(node, AllOf | AnyOf)
        for child in node.children:
            _collect(child, distinct)
