"""k-anonymity as CTDC applies it: no released combination describes fewer than k people.

Given a table and its quasi-identifiers (QIs), ``k_anonymise`` releases those columns only, so
that every combination of their values that the release exposes - the full combination and
every marginal, i.e. every subset of the QIs - has at least ``k`` rows. CTDC used k = 11
(rights-and-data-protection.md §5, stricter reading: no group below 11); a smaller k is refused
unless forced with a reason, which the release records.

Method ``cells`` (default): local suppression first. While some rows are in a combination of
fewer than k, the QI with the most distinct values among those rows is replaced by ``*`` in
them (greedy, one column per round, as sdcMicro's local suppression does); rows still in a
small combination once every QI was tried are withheld. Method ``records``: small combinations
are withheld whole, as CTDC's codebook describes ("cases ... are redacted"). Missing values are
a value of their own (blank in the CSV); ``*`` means suppressed. Only rows of small
combinations are ever changed, so a combination of k or more stays as it was, and a marginal is
a union of full combinations: ``smallest_group`` checks every subset all the same.

>>> import pyarrow as pa
>>> t = pa.table({"sex": ["F"] * 6 + ["M", "M", "F", "F"], "age": ["18--20"] * 6 + ["48+"] * 4})
>>> r = k_anonymise(t, ["sex", "age"], k=3, force_reason="example")
>>> r.table.to_pylist()[-4:]
[{'sex': '*', 'age': '48+'}, {'sex': '*', 'age': '48+'}, {'sex': '*', 'age': '48+'}, \
{'sex': '*', 'age': '48+'}]
>>> r.suppression.cells_suppressed, r.suppression.rows_suppressed, r.smallest_group
({'sex': 4, 'age': 0}, 0, 4)
>>> k_anonymise(t, ["sex", "age"], k=3, method="records").table.num_rows
Traceback (most recent call last):
...
palermo.errors.InputError: k-anonymous release: field 'k' value 3: k below 11 ...
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from palermo.errors import InputError, Problem

DEFAULT_K = 11
SMALLEST_K = 2
#: every subset of the QIs is checked: 2**10 - 1 = 1,023 marginals at most
MAX_QUASI_IDENTIFIERS = 10
SUPPRESSED = "*"
Method = Literal["cells", "records"]
METHODS: tuple[Method, ...] = ("cells", "records")

Row = list[str | None]


@dataclass(frozen=True, slots=True)
class Suppression:
    rows_in: int
    rows_released: int
    rows_suppressed: int
    cells_suppressed: dict[str, int]


@dataclass(frozen=True, slots=True)
class KRelease:
    """The released table (QI columns as text; ``None`` missing, ``*`` suppressed)."""

    table: pa.Table
    k: int
    quasi_identifiers: tuple[str, ...]
    method: Method
    forced_reason: str | None
    suppression: Suppression
    smallest_group: int | None
    marginals_checked: int


def _refuse(rule: str, rule_zh: str, *, field: str | None = None, value: object = None) -> None:
    raise InputError(
        [Problem(where="k-anonymous release", where_zh="k-匿名发布", field=field, value=value,
                 rule=rule, rule_zh=rule_zh)]
    )  # fmt: skip


def check_k(k: int, force_reason: str | None) -> None:
    """Refuse k below 2 always, and below 11 unless a reason is given."""
    if k < SMALLEST_K:
        _refuse(f"k must be at least {SMALLEST_K}", f"k 至少为 {SMALLEST_K}", field="k", value=k)
    if k < DEFAULT_K and not (force_reason and force_reason.strip()):
        _refuse(
            f"k below {DEFAULT_K} (CTDC's threshold) needs a stated reason (--force-reason)",
            f"k 低于 {DEFAULT_K}（CTDC 的阈值）时必须说明理由（--force-reason）",
            field="k",
            value=k,
        )


def check_quasi_identifiers(table: pa.Table, qis: Sequence[str]) -> None:
    if not qis:
        _refuse("name at least one quasi-identifier", "请至少指定一个准标识符")
    names = table.column_names
    unknown = [q for q in qis if q not in names]
    if unknown:
        _refuse(
            f"no such column(s): {', '.join(unknown)}; the table has {', '.join(names)}",
            f"没有这些列：{', '.join(unknown)}；表中的列为 {', '.join(names)}",
            field="quasi-identifiers",
        )
    if len(set(qis)) != len(qis):
        _refuse("a quasi-identifier is named twice", "准标识符重复", field="quasi-identifiers")
    if len(qis) > MAX_QUASI_IDENTIFIERS:
        _refuse(
            f"at most {MAX_QUASI_IDENTIFIERS} quasi-identifiers (every subset is checked)",
            f"准标识符最多 {MAX_QUASI_IDENTIFIERS} 个（每个子集都要检查）",
            field="quasi-identifiers",
            value=len(qis),
        )


def _rows(table: pa.Table, qis: Sequence[str]) -> list[Row]:
    columns = []
    for name in qis:
        values = pc.cast(table[name], pa.string()).to_pylist()
        if SUPPRESSED in values:
            _refuse(
                f"holds the value {SUPPRESSED!r}, which a release uses for a suppressed cell",
                f"含有值 {SUPPRESSED!r}，发布时该值表示已隐藏的单元格",
                field=name,
            )
        columns.append(values)
    return [list(row) for row in zip(*columns, strict=True)]


def _small(rows: list[Row], k: int) -> list[int]:
    counts = Counter(tuple(r) for r in rows)
    return [i for i, r in enumerate(rows) if counts[tuple(r)] < k]


def _suppress_cells(rows: list[Row], k: int) -> list[int]:
    """Star one QI per round in the rows of small combinations; the rows still small."""
    small = _small(rows, k)
    untried = list(range(len(rows[0]) if rows else 0))
    while small and untried:
        column = max(untried, key=lambda c: (len({rows[i][c] for i in small}), -c))
        untried.remove(column)
        for i in small:
            rows[i][column] = SUPPRESSED
        small = _small(rows, k)
    return small


def smallest_group(rows: Sequence[Sequence[str | None]], width: int) -> tuple[int | None, int]:
    """The fewest rows any combination of any non-empty subset of the columns describes, and
    how many subsets were checked (``None``: no rows)."""
    full = Counter(tuple(r) for r in rows)
    smallest: int | None = None
    subsets = 0
    for size in range(1, width + 1):
        for subset in itertools.combinations(range(width), size):
            subsets += 1
            marginal: Counter[tuple[str | None, ...]] = Counter()
            for combination, count in full.items():
                marginal[tuple(combination[c] for c in subset)] += count
            least = min(marginal.values(), default=None)
            if least is not None and (smallest is None or least < smallest):
                smallest = least
    return smallest, subsets


def k_anonymise(
    table: pa.Table,
    qis: Sequence[str],
    k: int = DEFAULT_K,
    *,
    method: Method = "cells",
    force_reason: str | None = None,
) -> KRelease:
    """Release ``qis`` of ``table`` so that every combination the release exposes has ≥ k rows."""
    check_k(k, force_reason)
    check_quasi_identifiers(table, qis)
    if method not in METHODS:
        _refuse(f"method must be one of {', '.join(METHODS)}", "方法必须是 cells 或 records",
                field="method", value=method)  # fmt: skip
    rows = _rows(table, qis)
    withheld = set(_suppress_cells(rows, k) if method == "cells" else _small(rows, k))
    released = [r for i, r in enumerate(rows) if i not in withheld]
    smallest, checked = smallest_group(released, len(qis))
    if smallest is not None and smallest < k:  # cannot happen: only small groups change
        raise RuntimeError(f"k-anonymity violated: a combination of {smallest} rows remains")
    columns = list(zip(*released, strict=True)) if released else [() for _ in qis]
    out = pa.table(
        {q: pa.array(list(c), type=pa.string()) for q, c in zip(qis, columns, strict=True)}
    )
    suppression = Suppression(
        rows_in=len(rows),
        rows_released=len(released),
        rows_suppressed=len(withheld),
        cells_suppressed={q: sum(r[i] == SUPPRESSED for r in released) for i, q in enumerate(qis)},
    )
    return KRelease(out, k, tuple(qis), method, force_reason, suppression, smallest, checked)


def release_csv(release: KRelease) -> bytes:
    """The released table as UTF-8 CSV: blank for missing, ``*`` for suppressed."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(release.quasi_identifiers)
    for row in zip(*(release.table[q].to_pylist() for q in release.quasi_identifiers), strict=True):
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8")


def release_metadata(
    release: KRelease, csv_bytes: bytes, *, csv_name: str, source: Mapping[str, object]
) -> dict[str, object]:
    """What a reader of the release needs to trust it (§5 design notes: threshold, method)."""
    digest = hashlib.sha256(csv_bytes).hexdigest()
    s = release.suppression
    return {
        "kind": "k-anonymous release",
        "metadata_version": 1,
        "release_id": digest[:16],
        "k": release.k,
        "k_below_default_reason": release.forced_reason if release.k < DEFAULT_K else None,
        "quasi_identifiers": list(release.quasi_identifiers),
        "method": release.method,
        "suppressed_value": SUPPRESSED,
        "missing_value": "",
        "checked": {
            "marginals": release.marginals_checked,
            "smallest_combination": release.smallest_group,
        },
        "suppression": {
            "rows_in": s.rows_in,
            "rows_released": s.rows_released,
            "rows_suppressed": s.rows_suppressed,
            "cells_suppressed": s.cells_suppressed,
        },
        "source": dict(source),
        "csv": {"file": csv_name, "sha256": digest, "bytes": len(csv_bytes)},
    }
