"""Compiler from the profile tree to Ibis expressions, for batch screening on any Ibis backend.

Two stages, so that cost grows with the number of *distinct* comparisons, not with profiles x
criteria: the first projection evaluates each distinct comparison once into a boolean column
(``c0``, ``c1``...); the second combines those columns into one column per profile (``p0``...).

Null semantics are those of ``operators.py`` and are spelled out, never left to the engine:
every comparison is ``CASE WHEN <missing> THEN FALSE ELSE <test> END``, so no column is ever
null and ``not`` is plain negation. (``fill_null(False)`` over a comparison is avoided on
purpose: Ibis' PySpark backend returned true for null rows with it.) NaN counts as missing.

Targets: DuckDB and PySpark are tested to agree with each other and with ``compile_python``.
What a target cannot do: nothing in the current operator set; list membership on the transit
list is written as ``contains`` per value because DuckDB 2 refuses the lambda syntax Ibis
generates for array filters.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any as AnyType

import ibis
import ibis.expr.types as ir

from palermo.profiles.ast import All, Any, Comparison, NamedList, Node, Not
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

    expr: ir.Table
    comparisons: tuple[Comparison, ...]  # column c{i} is comparisons[i]
    profile_columns: tuple[str, ...]  # column p{j} is criteria[j]


def _missing(col: AnyType, kind: Kind) -> AnyType:
    return col.isnull() | col.isnan() if kind == Kind.FLOAT else col.isnull()


def comparison_expr(
    table: ir.Table, c: Comparison, lists: Mapping[str, NamedList]
) -> ir.BooleanValue:
    """One comparison as a never-null boolean column expression."""
    kind = FIELDS[c.field].kind
    col = table[c.field]
    missing = _missing(col, kind)
    op, v = c.op, c.value
    if op == "is_null":
        return missing if v else ~missing
    test: AnyType
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
    return ibis.ifelse(missing, False, test)


def _combine(node: Node, columns: Mapping[Comparison, AnyType]) -> AnyType:
    if isinstance(node, Comparison):
        return columns[node]
    if isinstance(node, Not):
        return ~_combine(node.child, columns)
    parts = [_combine(c, columns) for c in node.children]
    return reduce(operator.and_ if isinstance(node, All) else operator.or_, parts)


def compile_ibis(
    table: ir.Table,
    criteria: Sequence[Node],
    lists: Mapping[str, NamedList] | None = None,
    *,
    keep: Sequence[str] = ("record_id",),
    only_hits: bool = True,
) -> IbisPlan:
    """Compile one criteria tree per profile against ``table``.

    The result has the ``keep`` columns, ``c{i}`` per distinct comparison and ``p{j}`` per
    profile; with ``only_hits`` only rows where some profile fired.
    """
    lists = lists or {}
    distinct: dict[Comparison, str] = {}
    for tree in criteria:
        _collect(tree, distinct)
    first = table.select(
        *keep,
        **{name: comparison_expr(table, c, lists) for c, name in distinct.items()},
    )
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
    if only_hits and profile_columns:
        second = second.filter(reduce(operator.or_, [second[p] for p in profile_columns]))
    elif only_hits:
        second = second.filter(ibis.literal(False))
    return IbisPlan(expr=second, comparisons=tuple(distinct), profile_columns=profile_columns)


def _collect(node: Node, distinct: dict[Comparison, str]) -> None:
    if isinstance(node, Comparison):
        if node not in distinct:
            distinct[node] = f"c{len(distinct)}"
    elif isinstance(node, Not):
        _collect(node.child, distinct)
    else:
        assert isinstance(node, All | Any)
        for child in node.children:
            _collect(child, distinct)
