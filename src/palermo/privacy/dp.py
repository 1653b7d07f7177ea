"""Differentially private counts and marginals through OpenDP.

``dp_histogram`` counts the rows of a table per combination of the chosen columns, over
categories declared in advance (never read from the data: a category that appears only because
one person has it would give that person away), and adds discrete Laplace noise with OpenDP's
vetted mechanism (``make_count_by_categories >> then_laplace``). Every released count comes
with its 95% error bound (OpenDP's ``discrete_laplacian_scale_to_accuracy``): with probability
0.95 a count is within that many of the true one.

Unit of privacy: one row (in CTDC data, one person's record). Adding or removing a row moves
one count by one, so the histogram's L1 sensitivity is 1 and the scale is ``1 / epsilon``;
OpenDP checks the privacy map (``measurement.map(1) <= epsilon``). δ = 0 (pure ε-DP).
Post-processing (rounding, clamping negatives to 0) never weakens the guarantee and is recorded.
Values outside the declared categories are counted together in one "(other)" cell, released
with noise like the rest. The noise comes from OpenDP's cryptographically secure sampler: no
seed exists, so none can be published.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import opendp.prelude as dp
import pyarrow as pa
from opendp.accuracy import discrete_laplacian_scale_to_accuracy

from palermo.errors import InputError, Problem

MISSING = "(missing)"
OTHER = "(other)"
SEPARATOR = " | "
ALPHA = 0.05  # the error bound holds with probability 1 - ALPHA for each count
MAX_CELLS = 100_000

dp.enable_features("contrib")


@dataclass(frozen=True, slots=True)
class DpCount:
    key: tuple[str, ...]
    count: int  # noisy, clamped to 0 and whole
    error_bound: float  # |noise| <= this with probability 0.95


@dataclass(frozen=True, slots=True)
class DpHistogram:
    columns: tuple[str, ...]
    epsilon: float
    cells: tuple[DpCount, ...]
    other: DpCount  # rows whose combination is outside the declared categories
    scale: float
    error_bound: float
    mechanism: str

    def metadata(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "epsilon": self.epsilon,
            "delta": 0.0,
            "unit_of_privacy": "one row (one person's record)",
            "contribution_bound": 1,
            "sensitivity_l1": 1,
            "mechanism": self.mechanism,
            "noise_scale": self.scale,
            "error_bound_95": self.error_bound,
            "error_bound_meaning": "with probability 0.95 each count is within this of the true "
            "count (before clamping negatives to 0)",
            "post_processing": ["negative noisy counts set to 0"],
            "categories_declared_in_advance": True,
            "cells": len(self.cells) + 1,
        }


def _problem(field: str, value: object, rule: str, rule_zh: str) -> InputError:
    return InputError(
        [
            Problem(
                where="DP release",
                where_zh="差分隐私发布",
                field=field,
                value=value,
                rule=rule,
                rule_zh=rule_zh,
            )
        ]
    )


def _keys(table: pa.Table, columns: Sequence[str]) -> list[str]:
    values = [table.column(c).to_pylist() for c in columns]
    return [
        SEPARATOR.join(MISSING if v is None else str(v) for v in row)
        for row in zip(*values, strict=True)
    ]


def error_bound(epsilon: float, alpha: float = ALPHA) -> float:
    """The 95% bound of one count's error at this ε (discrete Laplace, scale 1/ε)."""
    return float(discrete_laplacian_scale_to_accuracy(1.0 / epsilon, alpha))


def dp_histogram(
    table: pa.Table,
    columns: Sequence[str],
    categories: Mapping[str, Sequence[str]],
    *,
    epsilon: float,
) -> DpHistogram:
    """Noisy counts of ``table`` per combination of ``columns`` over the declared categories
    (a missing value is the category ``(missing)`` when declared)."""
    if not math.isfinite(epsilon) or not 0 < epsilon <= 10:
        raise _problem(
            "epsilon",
            epsilon,
            "epsilon must be above 0 and at most 10",
            "epsilon 必须大于 0 且不超过 10",
        )
    unknown = [c for c in columns if c not in table.column_names]
    if not columns or unknown:
        raise _problem(
            "columns",
            ",".join(unknown) or "",
            "name one or more columns of the table",
            "请指定表中的一列或多列",
        )
    undeclared = [c for c in columns if not categories.get(c)]
    if undeclared:
        raise _problem(
            "categories",
            ",".join(undeclared),
            "no categories declared for the column",
            "未为该列声明类别",
        )
    combos = [
        SEPARATOR.join(parts)
        for parts in itertools.product(*(list(categories[c]) for c in columns))
    ]
    if len(combos) > MAX_CELLS:
        raise _problem(
            "columns",
            ",".join(columns),
            f"more than {MAX_CELLS} combinations",
            f"组合超过 {MAX_CELLS} 个",
        )
    scale = 1.0 / epsilon
    measurement = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=str)),
        dp.symmetric_distance(),
        categories=combos,
        null_category=True,
        TOA=int,
    ) >> dp.m.then_laplace(scale=scale)
    spent = measurement.map(1)
    if spent > epsilon * (1 + 1e-9):
        raise _problem(
            "epsilon", epsilon, f"the mechanism would spend {spent}", f"该机制将消耗 {spent}"
        )
    noisy = measurement(_keys(table, columns))
    bound = error_bound(epsilon)
    cells = tuple(
        DpCount(tuple(combo.split(SEPARATOR)), max(0, int(n)), bound)
        for combo, n in zip(combos, noisy[:-1], strict=True)
    )
    other = DpCount((OTHER,), max(0, int(noisy[-1])), bound)
    return DpHistogram(
        columns=tuple(columns),
        epsilon=epsilon,
        cells=cells,
        other=other,
        scale=scale,
        error_bound=bound,
        mechanism=f"discrete Laplace, OpenDP {version('opendp')} "
        "make_count_by_categories >> then_laplace",
    )


def histogram_csv(histogram: DpHistogram) -> bytes:
    """The release as CSV: one row per combination, its noisy count and 95% error bound."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*histogram.columns, "count", "error_bound_95"])
    for cell in (*histogram.cells, histogram.other):
        key = list(cell.key) + [""] * (len(histogram.columns) - len(cell.key))
        writer.writerow([*key, cell.count, round(cell.error_bound, 2)])
    return out.getvalue().encode("utf-8")
