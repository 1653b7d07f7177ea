"""Profile mining: combinations of circumstances far more common among identified cases than
in the traffic they travelled in, as draft profiles with their evidence.

Each *item* is one circumstance a profile can state: a first-line observation, a coded value
(``ticket_paid_by = recruitment_agency``), a destination, or a number beyond a quantile of the
baseline traffic (``days_booking_to_travel <= 3``). Protected attributes, their proxies and
identifying fields never become items. Combinations of up to three items are counted among the
cases and the baseline (level-wise, as Apriori does: a pair only from items each frequent
enough among cases); ``lift`` is the share among cases over the share in the baseline, with a
95% interval for a ratio of two proportions (Katz's log method, 0.5 added to empty cells).

The baseline may be weighted (``baseline_weights``): stored screenings keep every traveller
who had a hit and a random control sample of the others, so each control traveller stands for
many (``palermo.analytics.stored``). Weighted counts give the baseline share; its interval uses
the Kish effective sample size ((sum w)^2 / sum w^2), so a baseline resting on a few control
travellers gets the wide interval it deserves.

Protected attributes and their proxies may *narrow* a combination when asked
(``narrow_by_protected``): they then become items like any other and the rights guard decides -
a candidate that stands on them alone, or flags a whole group whatever its circumstances, is
refused and listed with the guard's reason. Cases from CTDC and HTCDS data
(``palermo.analytics.mining_sources``) carry little else: nationality, sex, age and the country
of exploitation (compared with the traveller's destination).

A candidate survives when enough cases carry it (``min_cases``) and the lower bound of its lift
clears ``min_lift``; then it is written as a profile and checked by the rights guard and the
profile rules - a candidate the guard refuses is dropped, with its reason. The rationale of a
draft is left for a person: ``MINED_RATIONALE_MARK`` stays in it until an analyst writes why
the combination points to trafficking, and the web application refuses to take a profile
that still carries it (``palermo.web.profiles``). Survivors then go through the normal
four-eyes approval.

>>> import pyarrow as pa
>>> cases = pa.table({"obs_fearful": [True, True, True, False]})
>>> base = pa.table({"obs_fearful": [True] + [False] * 99})
>>> [round(c.lift) for c in mine_candidates(cases, base, min_cases=2, min_lift=1.0)]
[75]
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from palermo.errors import InputError
from palermo.profiles.loader import profile_set_from_texts
from palermo.records.schema import FIELDS, FieldSpec, Kind, derive_arrow_fields
from palermo.records.value_labels import value_label

Z_95 = 1.959964
MINED_RATIONALE_MARK = "[mined draft: rationale to be written by an analyst]"
MINED_RATIONALE_MARK_ZH = "[挖掘草稿：理由须由分析员撰写]"
# context fields a profile names in applies_to, not in its criteria
_CONTEXT = {"event_kind", "event_date", "port"}
QUANTILES_LOW = (0.1, 0.25)
QUANTILES_HIGH = (0.75, 0.9)
MAX_ITEMS = 3

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Item:
    """One circumstance: ``field op value`` (``op``: "true", "eq", "le" or "ge")."""

    field: str
    op: str
    value: Any = None

    def criterion(self) -> str | dict[str, Any]:
        if self.op == "true":
            return self.field
        return {"field": self.field, self.op: self.value}

    def words(self, lang: str) -> str:
        spec = FIELDS[self.field]
        label = spec.label_en if lang == "en" else spec.label_zh
        if self.op == "true":
            return label
        sign = {"eq": "=", "le": "≤", "ge": "≥"}[self.op]
        value = self.value
        if spec.kind is Kind.ENUM:
            value = value_label(self.field, str(value), lang)
        return f"{label} {sign} {value}"


@dataclass(frozen=True, slots=True)
class Candidate:
    items: tuple[Item, ...]
    cases: int
    case_total: int
    baseline: float  # travellers of the baseline carrying it (estimated, when weighted)
    baseline_total: float
    lift: float
    lift_low: float
    lift_high: float
    baseline_stored: int | None = None  # weighted: stored travellers carrying it

    @property
    def case_share(self) -> float:
        return self.cases / self.case_total if self.case_total else 0.0

    @property
    def baseline_share(self) -> float:
        return self.baseline / self.baseline_total if self.baseline_total else 0.0


@dataclass(frozen=True, slots=True)
class MiningResult:
    drafts: tuple[tuple[Candidate, str], ...]
    """Each surviving candidate with its draft profile YAML."""
    refused: tuple[tuple[Candidate, str], ...] = field(default=())
    """Candidates the rights guard or the profile rules refused, with the reason."""
    refused_zh: tuple[str, ...] = field(default=())
    """The reason of each refused candidate in Chinese, in the same order."""


def lift_interval(k1: float, n1: float, k2: float, n2: float) -> tuple[float, float, float]:
    """The ratio of two proportions ``(k1/n1) / (k2/n2)`` and its 95% interval (Katz log
    method; 0.5 added to each count when either is zero)."""
    if n1 == 0 or n2 == 0:
        return 0.0, 0.0, math.inf
    if k1 == 0 or k2 == 0:
        k1f, k2f, n1f, n2f = k1 + 0.5, k2 + 0.5, n1 + 0.5, n2 + 0.5
    else:
        k1f, k2f, n1f, n2f = float(k1), float(k2), float(n1), float(n2)
    ratio = (k1f / n1f) / (k2f / n2f)
    se = math.sqrt(max(1 / k1f - 1 / n1f + 1 / k2f - 1 / n2f, 0.0))
    return ratio, ratio * math.exp(-Z_95 * se), ratio * math.exp(Z_95 * se)


def _minable(spec: FieldSpec, *, narrow_by_protected: bool = False) -> bool:
    if spec.identifying or spec.name in _CONTEXT:
        return False
    if spec.kind in (Kind.STRING, Kind.DATE, Kind.COUNTRY_LIST):
        return False
    return narrow_by_protected or not (spec.protected or spec.proxy_of is not None)


def _with_derived(table: pa.Table) -> pa.Table:
    missing = [n for n, s in FIELDS.items() if s.derived and n not in table.column_names]
    if not missing:
        return table
    derived = derive_arrow_fields(table, missing)
    for name in derived.column_names:
        table = table.append_column(name, derived.column(name))
    return table


def _mask(column: pa.ChunkedArray | pa.Array, item: Item) -> Mask:
    if item.op == "true":
        out = pc.fill_null(pc.cast(column, pa.bool_()), False)
    elif item.op == "eq":
        out = pc.fill_null(pc.equal(column, item.value), False)
    elif item.op == "le":
        out = pc.fill_null(pc.less_equal(column, item.value), False)
    else:
        out = pc.fill_null(pc.greater_equal(column, item.value), False)
    return np.asarray(out.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _items_of(spec: FieldSpec, cases: pa.Table, baseline: pa.Table) -> list[Item]:
    name = spec.name
    if spec.kind is Kind.BOOL:
        return [Item(name, "true")]
    if spec.kind in (Kind.ENUM, Kind.COUNTRY):
        values = pc.unique(cases.column(name)).drop_null().to_pylist()
        return [Item(name, "eq", v) for v in sorted(values)]
    column = baseline.column(name).drop_null()
    if len(column) == 0:
        return []
    cuts = pc.quantile(column, q=[*QUANTILES_LOW, *QUANTILES_HIGH], interpolation="nearest")
    values = cuts.to_pylist()
    as_int = spec.kind is Kind.INT
    low = {int(v) if as_int else round(float(v), 2) for v in values[: len(QUANTILES_LOW)]}
    high = {int(v) if as_int else round(float(v), 2) for v in values[len(QUANTILES_LOW) :]}
    return [Item(name, "le", v) for v in sorted(low)] + [Item(name, "ge", v) for v in sorted(high)]


def candidate_items(
    cases: pa.Table, baseline: pa.Table, *, narrow_by_protected: bool = False
) -> list[Item]:
    """Every circumstance both tables record that a profile may state (and, when asked, the
    protected attributes and proxies that may narrow one)."""
    items: list[Item] = []
    for name, spec in FIELDS.items():
        if (
            _minable(spec, narrow_by_protected=narrow_by_protected)
            and name in cases.column_names
            and name in baseline.column_names
        ):
            items.extend(_items_of(spec, cases, baseline))
    return items


@dataclass(frozen=True, slots=True)
class _Baseline:
    """Baseline counts: plain, or weighted with the Kish effective size for intervals."""

    weights: npt.NDArray[np.float64] | None
    total: float
    effective: float

    @classmethod
    def of(cls, rows: int, weights: npt.ArrayLike | None) -> _Baseline:
        if weights is None:
            return cls(None, float(rows), float(rows))
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (rows,) or bool((w <= 0).any()):
            raise ValueError("one positive weight per baseline traveller")
        total = float(w.sum())
        return cls(w, total, total * total / float((w * w).sum()))

    def count(self, mask: Mask) -> float:
        return float(mask.sum()) if self.weights is None else float(self.weights[mask].sum())

    def interval_counts(self, count: float) -> tuple[float, float]:
        """(k, n) for the interval: the share at the effective sample size."""
        if self.weights is None or self.total == 0:
            return count, self.total
        return count / self.total * self.effective, self.effective


def mine_candidates(
    cases: pa.Table,
    baseline: pa.Table,
    *,
    min_cases: int = 10,
    min_lift: float = 5.0,
    max_items: int = MAX_ITEMS,
    top: int = 20,
    baseline_weights: npt.ArrayLike | None = None,
    narrow_by_protected: bool = False,
) -> list[Candidate]:
    """Combinations of up to ``max_items`` circumstances carried by at least ``min_cases``
    cases whose lift's lower 95% bound is at least ``min_lift``, best lower bound first;
    a combination is kept only when it beats every shorter one it contains.

    ``baseline_weights``: how many travellers each baseline row stands for (stored screenings);
    ``narrow_by_protected``: protected attributes and proxies become items too (the rights
    guard then decides on each draft, ``check_drafts``)."""
    cases, baseline = _with_derived(cases), _with_derived(baseline)
    base = _Baseline.of(baseline.num_rows, baseline_weights)
    items = candidate_items(cases, baseline, narrow_by_protected=narrow_by_protected)
    c_masks = {it: _mask(cases.column(it.field), it) for it in items}
    b_masks = {it: _mask(baseline.column(it.field), it) for it in items}
    n_c = cases.num_rows
    frequent = [it for it in items if int(c_masks[it].sum()) >= min_cases]
    found: dict[tuple[Item, ...], Candidate] = {}
    level: list[tuple[tuple[Item, ...], Mask, Mask]] = [
        ((it,), c_masks[it], b_masks[it]) for it in frequent
    ]
    for size in range(1, max_items + 1):
        next_level = []
        for combo, cm, bm in level:
            k_c = int(cm.sum())
            if k_c < min_cases:
                continue
            k_b = base.count(bm)
            ratio, low, high = lift_interval(k_c, n_c, *base.interval_counts(k_b))
            stored = None if base.weights is None else int(bm.sum())
            found[combo] = Candidate(combo, k_c, n_c, k_b, base.total, ratio, low, high, stored)
            if size == max_items:
                continue
            last = frequent.index(combo[-1])
            for it in frequent[last + 1 :]:
                if it.field in {c.field for c in combo}:
                    continue
                next_level.append(((*combo, it), cm & c_masks[it], bm & b_masks[it]))
        level = next_level
    kept = [
        c
        for combo, c in found.items()
        if c.lift_low >= min_lift
        and all(
            c.lift_low > found[sub].lift_low
            for r in range(1, len(combo))
            for sub in combinations(combo, r)
            if sub in found
        )
    ]
    kept.sort(key=lambda c: (-c.lift_low, len(c.items), [it.words("en") for it in c.items]))
    return kept[:top]


class _NoAliases(yaml.SafeDumper):
    """Every value written out: the profile loader refuses YAML aliases (the same date object
    as ``valid_from`` and ``review_by`` would otherwise become one)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _slug(items: Sequence[Item]) -> str:
    text = "-".join(f"{it.field}-{it.value}" if it.value is not None else it.field for it in items)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50].strip("-")


def _baseline_words(c: Candidate) -> tuple[str, str]:
    if c.baseline_stored is None:
        return (
            f"{c.baseline:,.0f} of {c.baseline_total:,.0f} travellers ({c.baseline_share:.3%})",
            f"旅客 {c.baseline_total:,.0f} 人中 {c.baseline:,.0f} 人（{c.baseline_share:.3%}）",
        )
    en = (
        f"an estimated {c.baseline:,.0f} of {c.baseline_total:,.0f} travellers screened "
        f"({c.baseline_share:.3%}; {c.baseline_stored} stored travellers carry it)"
    )
    zh = (
        f"估计已筛查旅客 {c.baseline_total:,.0f} 人中 {c.baseline:,.0f} 人"
        f"（{c.baseline_share:.3%}；存储的旅客中有 {c.baseline_stored} 人）"
    )
    return en, zh


def evidence_words(candidate: Candidate, source: tuple[str, str] = ("", "")) -> tuple[str, str]:
    """The evidence of a candidate in English and Chinese; ``source`` says where the cases
    came from (and carries a data set's required attribution)."""
    c = candidate
    base_en, base_zh = _baseline_words(c)
    evidence_en = (
        f"Evidence: {c.cases} of {c.case_total} identified cases ({c.case_share:.1%}) against "
        f"{base_en}; lift {c.lift:.1f} (95% {c.lift_low:.1f}-{c.lift_high:.1f})."
    )
    evidence_zh = (
        f"证据：{c.case_total} 个已识别个案中 {c.cases} 个（{c.case_share:.1%}），{base_zh}；"
        f"提升度 {c.lift:.1f}（95% {c.lift_low:.1f}-{c.lift_high:.1f}）。"
    )
    if source[0]:
        evidence_en += f" {source[0]}"
    if source[1]:
        evidence_zh += f"{source[1]}"
    return evidence_en, evidence_zh


def draft_yaml(
    candidate: Candidate,
    *,
    index: int,
    owner: str,
    valid_from: dt.date,
    review_by: dt.date,
    source: tuple[str, str] = ("", ""),
    rationale: tuple[str, str] | None = None,
) -> str:
    """The draft profile of a candidate, its evidence in the rationale, the rationale itself
    left for a person (``MINED_RATIONALE_MARK``) unless ``rationale`` (en, zh) is given."""
    en = " and ".join(it.words("en") for it in candidate.items)
    zh = "且".join(it.words("zh") for it in candidate.items)
    evidence_en, evidence_zh = evidence_words(candidate, source)
    why_en, why_zh = rationale or (MINED_RATIONALE_MARK, MINED_RATIONALE_MARK_ZH)
    doc = {
        "id": f"mined-{index:02d}-{_slug(candidate.items)}",
        "version": 1,
        "title": {"en": f"Mined: {en}", "zh": f"挖掘所得：{zh}"},
        "rationale": {"en": f"{why_en} {evidence_en}", "zh": f"{why_zh} {evidence_zh}"},
        "owner": owner,
        "valid_from": valid_from,
        "review_by": review_by,
        "applies_to": ["entry", "exit", "visa_application"],
        "weight": 1,
        "criteria": {"all": [it.criterion() for it in candidate.items]},
    }
    return yaml.dump(doc, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=100)


def check_drafts(
    candidates: Iterable[Candidate],
    *,
    owner: str,
    valid_from: dt.date,
    review_by: dt.date,
    source: tuple[str, str] = ("", ""),
) -> MiningResult:
    """Write each candidate as a draft and keep those the profile rules and the rights guard
    accept; the others are returned with the reason (in both languages)."""
    drafts: list[tuple[Candidate, str]] = []
    refused: list[tuple[Candidate, str]] = []
    refused_zh: list[str] = []
    for i, candidate in enumerate(candidates, start=1):
        text = draft_yaml(
            candidate,
            index=i,
            owner=owner,
            valid_from=valid_from,
            review_by=review_by,
            source=source,
        )
        try:
            profile_set_from_texts({f"mined-{i:02d}.yaml": text})
        except InputError as exc:
            refused.append((candidate, "; ".join(p.rule for p in exc.problems)))
            refused_zh.append("；".join(p.rule_zh or p.rule for p in exc.problems))
            continue
        drafts.append((candidate, text))
    return MiningResult(tuple(drafts), tuple(refused), tuple(refused_zh))


def has_mined_rationale(text: str) -> bool:
    """Whether a profile's rationale still carries the mark a person must replace."""
    return MINED_RATIONALE_MARK in text or MINED_RATIONALE_MARK_ZH in text


__all__ = [
    "MINED_RATIONALE_MARK",
    "Candidate",
    "Item",
    "MiningResult",
    "check_drafts",
    "draft_yaml",
    "evidence_words",
    "has_mined_rationale",
    "lift_interval",
    "mine_candidates",
]
