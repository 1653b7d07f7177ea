"""The ILO dimension rule at every boundary, and its monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.indicators.assessment import (
    Found,
    dimension_positive,
    evaluate_dimension,
    positive_clause,
)
from palermo.indicators.catalogue import load_catalogue

# (strong, medium, weak) -> positive, with the clause that fires first
CASES = [
    ((0, 0, 0), None),
    ((1, 0, 0), None),  # one strong alone is negative
    ((2, 0, 0), 1),  # two strong
    ((3, 0, 0), 1),
    ((1, 1, 0), 2),  # one strong plus one medium
    ((1, 0, 1), 2),  # one strong plus one weak
    ((0, 1, 0), None),
    ((0, 2, 0), None),  # two medium alone are negative
    ((0, 3, 0), 3),  # three medium
    ((0, 4, 0), 3),  # "at least": four medium contain three
    ((0, 2, 1), 4),  # two medium plus one weak
    ((0, 2, 5), 4),
    ((0, 1, 1), None),  # one medium plus weak is negative
    ((0, 1, 9), None),  # ... with any number of weak
    ((0, 0, 1), None),
    ((0, 0, 9), None),  # weak alone never positive
]


@pytest.mark.parametrize(("counts", "clause"), CASES)
def test_the_dimension_rule_fires_exactly_at_its_boundaries(
    counts: tuple[int, int, int], clause: int | None
) -> None:
    s, m, w = counts
    assert positive_clause(strong=s, medium=m, weak=w) == clause
    assert dimension_positive(strong=s, medium=m, weak=w) is (clause is not None)


@settings(max_examples=200)
@given(st.integers(0, 4), st.integers(0, 5), st.integers(0, 5), st.sampled_from(["s", "m", "w"]))
def test_adding_an_indicator_never_turns_a_positive_dimension_negative(
    s: int, m: int, w: int, extra: str
) -> None:
    before = dimension_positive(strong=s, medium=m, weak=w)
    after = dimension_positive(
        strong=s + (extra == "s"), medium=m + (extra == "m"), weak=w + (extra == "w")
    )
    assert after or not before


_CAT = load_catalogue()
_ADL = list(_CAT.in_set("ADL"))


@settings(max_examples=150)
@given(st.sets(st.sampled_from(_ADL), max_size=8), st.sampled_from(_ADL))
def test_adding_a_catalogue_indicator_keeps_every_positive_dimension_positive(
    present: set, extra: object
) -> None:
    for dim in ("DR", "CR", "VR", "EX", "CD", "VD"):
        found = [Found(i, ()) for i in present if i.dimension == dim]
        more = found + (
            [Found(extra, ())] if extra.dimension == dim and extra not in present else []
        )  # type: ignore[attr-defined]
        if evaluate_dimension(_CAT, dim, found).positive:
            assert evaluate_dimension(_CAT, dim, more).positive


def test_the_child_labour_set_has_no_weak_tier_so_clause_four_never_fires_there() -> None:
    assert all(i.effective_strength.value != "weak" for i in _CAT.in_set("CHL"))
