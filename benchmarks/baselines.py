"""The two baselines the engine is measured against, written independently of the engine.

1. ``handwritten_sql``: the SQL an analyst would write by hand for the same profiles - one
   boolean expression per profile, each comparison written out inline (null -> false, as the
   profile language defines it), rows with any hit returned.
2. ``pandas_loop``: a row-by-row loop over a pandas DataFrame that evaluates each profile's tree
   per row - the naive way to do it in Python.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from palermo.profiles.ast import AllOf, AnyOf, Comparison, NamedList, Node, Not, comparisons
from palermo.profiles.profile_set import ProfileSet, screening_criteria
from palermo.records.schema import FIELDS, Kind, derive

DERIVED_SQL = {
    "age_at_travel": "date_sub('year', date_of_birth, event_date)",
    "is_minor": "(date_sub('year', date_of_birth, event_date) < 18)",
    "days_booking_to_travel": "(event_date - booking_date)",
    "passport_age_days": "(event_date - document_issue_date)",
    "transit_count": "len(transit)",
}


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _comparison_sql(c: Comparison, lists: Mapping[str, NamedList]) -> str:
    kind = FIELDS[c.field].kind
    col = DERIVED_SQL.get(c.field, c.field)
    missing = f"({col} IS NULL OR isnan({col}))" if kind == Kind.FLOAT else f"({col} IS NULL)"
    if c.op == "is_null":
        return missing if c.value else f"(NOT {missing})"
    op, v = c.op, c.value
    if op in ("in", "not_in", "in_list"):
        items = sorted(lists[str(v)].items) if op == "in_list" else list(v)  # type: ignore[arg-type]
        values = ", ".join(_literal(i) for i in items)
        if kind == Kind.COUNTRY_LIST:
            test = f"list_has_any({col}, [{values}])"
        else:
            test = f"{col} IN ({values})"
        if op == "not_in":
            test = f"NOT ({test})"
    elif op == "between":
        low, high = v  # type: ignore[misc]
        test = f"{col} BETWEEN {_literal(low)} AND {_literal(high)}"
    else:
        sql_op = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
        test = f"{col} {sql_op} {_literal(v)}"
    return f"coalesce({test}, false)"


def node_sql(node: Node, lists: Mapping[str, NamedList]) -> str:
    if isinstance(node, Comparison):
        return _comparison_sql(node, lists)
    if isinstance(node, Not):
        return f"(NOT {node_sql(node.child, lists)})"
    joiner = " AND " if isinstance(node, AllOf) else " OR "
    return "(" + joiner.join(node_sql(c, lists) for c in node.children) + ")"


def handwritten_sql(profile_set: ProfileSet, on: dt.date, table: str = "records") -> str:
    """One query: record id and one boolean per profile in force, only rows with a hit."""
    profiles = profile_set.in_force(on)
    flags = ",\n  ".join(
        f"{node_sql(screening_criteria(p), profile_set.lists)} AS p{j}"
        for j, p in enumerate(profiles)
    )
    any_hit = " OR ".join(f"p{j}" for j in range(len(profiles)))
    return f"SELECT * FROM (SELECT record_id,\n  {flags}\nFROM {table}) WHERE {any_hit}"


def _named_sql(node: Node, names: Mapping[Comparison, str]) -> str:
    if isinstance(node, Comparison):
        return names[node]
    if isinstance(node, Not):
        return f"(NOT {_named_sql(node.child, names)})"
    joiner = " AND " if isinstance(node, AllOf) else " OR "
    return "(" + joiner.join(_named_sql(c, names) for c in node.children) + ")"


def handwritten_sql_best(profile_set: ProfileSet, on: dt.date, table: str = "records") -> str:
    """The best query an analyst would write by hand: a prefilter (the OR of the profiles,
    comparisons inline) keeps the rows with some hit, each distinct comparison is then computed
    once on them, and each profile combines those columns. The same columns as
    ``handwritten_sql``."""
    lists = profile_set.lists
    trees = [screening_criteria(p) for p in profile_set.in_force(on)]
    names: dict[Comparison, str] = {}
    for tree in trees:
        for c in comparisons(tree):
            names.setdefault(c, f"c{len(names)}")
    prefilter = "\n  OR ".join(node_sql(t, lists) for t in trees) or "false"
    columns = ",\n  ".join(f"{_comparison_sql(c, lists)} AS {n}" for c, n in names.items())
    flags = ",\n  ".join(f"{_named_sql(t, names)} AS p{j}" for j, t in enumerate(trees))
    return (
        f"WITH hit AS (SELECT * FROM {table} WHERE {prefilter}),\n"
        f"c AS (SELECT record_id,\n  {columns}\nFROM hit)\n"
        f"SELECT record_id,\n  {flags}\nFROM c"
    )


def _value_of(row: Mapping[str, Any], name: str) -> Any:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    return value


def _eval(node: Node, row: Mapping[str, Any], lists: Mapping[str, NamedList]) -> bool:
    if isinstance(node, AllOf):
        return all(_eval(c, row, lists) for c in node.children)
    if isinstance(node, AnyOf):
        return any(_eval(c, row, lists) for c in node.children)
    if isinstance(node, Not):
        return not _eval(node.child, row, lists)
    value = _value_of(row, node.field)
    op, v = node.op, node.value
    if op == "is_null":
        return (value is None) == v
    if value is None:
        return False
    if op in ("in", "not_in", "in_list"):
        items = lists[str(v)].items if op == "in_list" else v
        assert isinstance(items, tuple | frozenset)
        inside = (
            any(x in items for x in value)
            if FIELDS[node.field].kind == Kind.COUNTRY_LIST
            else value in items
        )
        return not inside if op == "not_in" else inside
    if op == "between":
        low, high = v  # type: ignore[misc]
        return bool(low <= value <= high)
    return bool(
        {
            "eq": value == v,
            "ne": value != v,
            "lt": value < v,
            "le": value <= v,
            "gt": value > v,
            "ge": value >= v,
        }[op]
    )


def pandas_loop(frame: pd.DataFrame, profile_set: ProfileSet, on: dt.date) -> int:
    """Count hits the naive way: for each row, for each profile, walk the tree."""
    profiles = profile_set.in_force(on)
    trees = [screening_criteria(p) for p in profiles]
    lists = profile_set.lists
    hits = 0
    for _, series in frame.iterrows():
        row = {k: _value_of(series, k) for k in series.index}
        row.update(derive(row))
        for tree in trees:
            if _eval(tree, row, lists):
                hits += 1
    return hits
