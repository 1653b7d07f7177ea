"""Differentially private synthetic microdata with the Synthetic Data Showcase's engine
(``pac-synth``, Microsoft; what CTDC used for its synthetic datasets since 2021), and how useful
the result is, measured against the source.

``dp_synthesise`` computes (ε, δ)-DP marginals of every combination of up to
``reporting_length`` columns (Gaussian noise; the sensitivity bounded by a DP percentile with its
own share of ε; the record count with Laplace noise and its own share) and samples synthetic
records from them (reference rights-and-data-protection.md §6.2). The records correspond to no
one; what they guarantee is the DP guarantee of the marginals (post-processing). pac-synth
draws its noise from the operating system and takes no seed, so a release cannot be replayed.

Values become text: a missing value is empty (pac-synth never counts empty values as an
attribute, so missing is synthesised as the absence of one), a flag ``yes``/``no`` (pac-synth
also skips ``0``). Synthetic rows are shuffled before they are written (pac-synth emits them
grouped).

``utility`` compares the synthetic table with the source: for each column and for every pair
and triple of columns, the total variation distance (half the sum of absolute differences of
the two tables' shares, 0 = identical, 1 = disjoint) between their distributions, missing values
included; beside it the same for a baseline that keeps each column's exact distribution but no
relation between columns (columns drawn independently), so a reader sees whether the relations
survived. These figures are computed on the confidential source: they are for the person
releasing, not for publication.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import pyarrow as pa

from palermo.errors import InputError, Problem

DEFAULT_REPORTING_LENGTH = 3
DEFAULT_DELTA = 1e-6
MAX_COLUMNS = 12
MISSING = ""


@dataclass(frozen=True, slots=True)
class SynthRelease:
    table: pa.Table  # every column text, "" missing
    epsilon: float
    delta: float
    reporting_length: int
    dp_number_of_records: int
    parameters: dict[str, Any]

    def metadata(self) -> dict[str, Any]:
        return {
            "kind": "differentially private synthetic microdata",
            "mechanism": "Synthetic Data Showcase DP aggregate-seeded synthesiser "
            "(Gaussian noise on marginals up to the reporting length, DP percentile bound on "
            "each record's contribution, Laplace noise on the record count)",
            "library": f"pac-synth {version('pac-synth')}",
            "unit_of_privacy": "record (one row of the source)",
            "epsilon": self.epsilon,
            "delta": self.delta,
            "reporting_length": self.reporting_length,
            "parameters": self.parameters,
            "columns": self.table.column_names,
            "rows": self.table.num_rows,
            "dp_number_of_records": self.dp_number_of_records,
            "missing_value": MISSING,
            "post_processing": "synthetic rows shuffled",
            "seed": "none: pac-synth draws its noise from the operating system",
        }


def _refuse(field: str, value: object, rule: str, rule_zh: str) -> InputError:
    return InputError(
        [Problem(where="synthetic release", where_zh="合成数据发布", field=field, value=value,
                 rule=rule, rule_zh=rule_zh)]
    )  # fmt: skip


def _text(value: object) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def check_columns(table: pa.Table, columns: Sequence[str], epsilon: float, delta: float) -> None:
    """Refuse bad columns, ε or δ, or an empty table (before any ε is charged)."""
    unknown = [c for c in columns if c not in table.column_names]
    if not columns or unknown or len(set(columns)) != len(columns):
        raise _refuse("columns", ",".join(unknown or columns),
                      f"name distinct columns of the table ({', '.join(table.column_names)})",
                      "请指定表中互不重复的列")  # fmt: skip
    if len(columns) > MAX_COLUMNS:
        raise _refuse("columns", len(columns), f"at most {MAX_COLUMNS} columns",
                      f"最多 {MAX_COLUMNS} 列")  # fmt: skip
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise _refuse("epsilon", epsilon, "must be a positive number", "必须为正数")
    if not (0 < delta < 1):
        raise _refuse("delta", delta, "must lie between 0 and 1", "必须介于 0 与 1 之间")
    if table.num_rows < 1:
        raise _refuse("rows", 0, "nothing to synthesise from", "没有可用于合成的数据")


def text_rows(table: pa.Table, columns: Sequence[str]) -> list[list[str]]:
    """The columns' values as text rows (missing ``""``, flags ``yes``/``no``)."""
    values = [[_text(v) for v in table[c].to_pylist()] for c in columns]
    return [list(row) for row in zip(*values, strict=True)]


def dp_synthesise(
    table: pa.Table,
    columns: Sequence[str],
    *,
    epsilon: float,
    delta: float = DEFAULT_DELTA,
    reporting_length: int = DEFAULT_REPORTING_LENGTH,
) -> SynthRelease:
    """Synthetic records of ``columns`` of ``table`` under (ε, δ)-DP (pac-synth)."""
    import pacsynth

    check_columns(table, columns, epsilon, delta)
    if not 1 <= reporting_length <= len(columns):
        raise _refuse("reporting_length", reporting_length,
                      f"between 1 and the number of columns ({len(columns)})",
                      "须介于 1 与列数之间")  # fmt: skip
    dataset = pacsynth.Dataset([list(columns), *text_rows(table, columns)])
    parameters = (
        pacsynth.DpAggregateSeededParametersBuilder()
        .reporting_length(reporting_length)
        .epsilon(epsilon)
        .delta(delta)
        .build()
    )
    synthesiser = pacsynth.DpAggregateSeededSynthesizer(parameters)
    try:
        synthesiser.fit(dataset)
        raw: list[list[str]] = synthesiser.sample()
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise _refuse(
            "epsilon", epsilon,
            f"the engine stopped ({exc}): too few rows for this ε; no records were made, "
            "but the noise was drawn, so the ε stays spent",
            f"合成引擎中止（{exc}）：在此 ε 下行数过少；未生成记录，但噪声已抽取，ε 仍计为已消耗",
        ) from None  # fmt: skip
    header, rows = raw[0], raw[1:]
    random.SystemRandom().shuffle(rows)
    by_name = dict(zip(header, zip(*rows, strict=True), strict=True)) if rows else {}
    out = pa.table({c: pa.array(list(by_name.get(c, ())), type=pa.string()) for c in columns})
    return SynthRelease(
        table=out,
        epsilon=epsilon,
        delta=delta,
        reporting_length=reporting_length,
        dp_number_of_records=int(synthesiser.get_dp_number_of_records()),
        parameters=json.loads(parameters.to_json_str()),
    )


def _tvd(a: Counter[tuple[str, ...]], b: Counter[tuple[str, ...]]) -> float:
    na, nb = sum(a.values()), sum(b.values())
    if not na or not nb:
        return 1.0 if na != nb else 0.0
    keys = a.keys() | b.keys()
    return 0.5 * math.fsum(abs(a[k] / na - b[k] / nb) for k in keys)


def _ways(source: list[list[str]], other: list[list[str]], width: int, size: int) -> list[float]:
    distances = []
    for subset in itertools.combinations(range(width), size):
        a = Counter(tuple(r[i] for i in subset) for r in source)
        b = Counter(tuple(r[i] for i in subset) for r in other)
        distances.append(_tvd(a, b))
    return distances


def independent_baseline(rows: list[list[str]], n: int, rng: random.Random) -> list[list[str]]:
    """``n`` rows whose every column is drawn from that column's exact distribution in
    ``rows``, independently of the others (a non-private baseline with no relations)."""
    columns = list(zip(*rows, strict=True)) if rows else []
    drawn = [rng.choices(column, k=n) for column in columns]
    return [list(r) for r in zip(*drawn, strict=True)]


@dataclass(frozen=True, slots=True)
class Utility:
    columns: tuple[str, ...]
    source_rows: int
    synthetic_rows: int
    one_way: dict[str, float]  # per column
    baseline_one_way: dict[str, float]
    two_way_mean: float | None
    two_way_max: float | None
    three_way_mean: float | None
    baseline_two_way_mean: float | None
    baseline_three_way_mean: float | None
    new_combinations: float  # share of synthetic rows whose whole combination is not in the source

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": "total variation distance between source and synthetic shares "
            "(0 identical, 1 disjoint), missing values included",
            "columns": list(self.columns),
            "source_rows": self.source_rows,
            "synthetic_rows": self.synthetic_rows,
            "one_way": self.one_way,
            "baseline_one_way": self.baseline_one_way,
            "two_way": {"mean": self.two_way_mean, "max": self.two_way_max},
            "three_way_mean": self.three_way_mean,
            "baseline_independent_columns": {
                "two_way_mean": self.baseline_two_way_mean,
                "three_way_mean": self.baseline_three_way_mean,
            },
            "synthetic_rows_with_a_combination_not_in_the_source": self.new_combinations,
        }


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def utility(
    source: pa.Table, synthetic: pa.Table, columns: Sequence[str], *, seed: int = 0
) -> Utility:
    """How far ``synthetic`` is from ``source`` on every 1-, 2- and 3-way marginal, beside an
    independent-columns baseline of the same size (drawn with ``seed``)."""
    src = text_rows(source, columns)
    syn = text_rows(synthetic, columns)
    width = len(columns)
    base = independent_baseline(src, len(syn) or len(src), random.Random(seed))
    two, three = _ways(src, syn, width, 2), _ways(src, syn, width, 3)
    seen = {tuple(r) for r in src}
    return Utility(
        columns=tuple(columns),
        source_rows=len(src),
        synthetic_rows=len(syn),
        one_way=dict(zip(columns, _ways(src, syn, width, 1), strict=True)),
        baseline_one_way=dict(zip(columns, _ways(src, base, width, 1), strict=True)),
        two_way_mean=_mean(two),
        two_way_max=max(two, default=None),
        three_way_mean=_mean(three),
        baseline_two_way_mean=_mean(_ways(src, base, width, 2)),
        baseline_three_way_mean=_mean(_ways(src, base, width, 3)),
        new_combinations=(sum(tuple(r) not in seen for r in syn) / len(syn)) if syn else 0.0,
    )
