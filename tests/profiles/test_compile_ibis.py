"""The Ibis compiler: shared comparisons written once, a factored any-hit test, derived fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.profiles.ast import AllOf, AnyOf, Comparison, Node, Not, comparisons
from palermo.profiles.compile_ibis import any_of, compile_ibis, derived_columns
from palermo.profiles.explain import holds
from palermo.records.schema import DERIVED, derive_arrow

LEAVES = [Comparison("group_size", "ge", n) for n in range(1, 6)]

trees: st.SearchStrategy[Node] = st.recursive(
    st.sampled_from(LEAVES),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: AllOf(tuple(c))),
        st.lists(children, min_size=1, max_size=3).map(lambda c: AnyOf(tuple(c))),
        children.map(Not),
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(
    criteria=st.lists(trees, min_size=1, max_size=6),
    truths=st.lists(st.booleans(), min_size=len(LEAVES), max_size=len(LEAVES)),
)
def test_the_factored_any_hit_test_holds_exactly_when_some_profile_fires(
    criteria: list[Node], truths: list[bool]
) -> None:
    truth = dict(zip(LEAVES, truths, strict=True)).__getitem__
    factored = any_of(criteria)
    assert factored is not None
    assert holds(factored, truth) == any(holds(tree, truth) for tree in criteria)


def test_a_comparison_shared_by_many_profiles_is_tested_once_in_each_query() -> None:
    shared = Comparison("obs_fearful", "eq", True)
    criteria = [AllOf((shared, Comparison("group_size", "ge", n))) for n in range(1, 6)]
    table = ibis.table({"record_id": "string", "obs_fearful": "boolean", "group_size": "int64"})
    plan = compile_ibis(table, criteria)
    for expr in (plan.expr, plan.selection):
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        assert sql.count('"obs_fearful" = TRUE') == 1
        for n in range(1, 6):
            assert sql.count(f'"group_size" >= {n}') == 1


def test_every_distinct_comparison_of_a_profile_set_is_one_column_written_once() -> None:
    fearful = Comparison("obs_fearful", "eq", True)
    one_way = Comparison("trip_type", "eq", "one_way")
    cash = Comparison("declared_cash", "lt", 100.0)
    criteria = [AllOf((fearful, one_way)), AllOf((one_way, Not(cash))), AnyOf((cash, fearful))]
    table = ibis.table(
        {"record_id": "string", "obs_fearful": "boolean", "trip_type": "string",
         "declared_cash": "float64"}
    )  # fmt: skip
    plan = compile_ibis(table, criteria)
    assert set(plan.comparisons) == {c for tree in criteria for c in comparisons(tree)}
    sql = str(ibis.to_sql(plan.expr, dialect="duckdb"))
    assert sql.count("'one_way'") == 1
    assert sql.count("< 100.0") == 1
    assert sql.count("ISNAN") == 1


def test_a_profile_narrower_than_another_adds_nothing_to_the_any_hit_test() -> None:
    base = AllOf((Comparison("obs_fearful", "eq", True), Comparison("trip_type", "eq", "one_way")))
    narrower = AllOf((base, Comparison("declared_cash", "lt", 200.0)))
    assert any_of([base, narrower]) == any_of([base])


DATES = st.one_of(
    st.none(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.sampled_from([dt.date(2000, 2, 29), dt.date(2027, 2, 28), dt.date(2028, 2, 29)]),
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "event_date": DATES,
                "date_of_birth": DATES,
                "booking_date": DATES,
                "document_issue_date": DATES,
                "transit": st.one_of(st.none(), st.lists(st.sampled_from(["TH", "MY"]))),
            }
        ),
        min_size=1,
        max_size=20,
    )
)
def test_derived_fields_computed_by_duckdb_equal_those_computed_in_arrow(
    rows: list[dict[str, Any]],
) -> None:
    schema = pa.schema(
        [(n, pa.date32()) for n in ("event_date", "date_of_birth", "booking_date",
                                    "document_issue_date")]
        + [("transit", pa.list_(pa.string()))]
    )  # fmt: skip
    data = pa.Table.from_pylist(rows, schema=schema)
    expected = derive_arrow(data).select(list(DERIVED))
    records = ibis.table(ibis.Schema.from_pyarrow(schema), name="records")
    query = records.select(**derived_columns(records, list(DERIVED)))
    con = duckdb.connect()
    con.register("records", data)
    got = con.sql(str(ibis.to_sql(query, dialect="duckdb"))).to_arrow_table()
    con.close()
    assert got.cast(expected.schema).to_pylist() == expected.to_pylist()
