"""What the synthetic evidence can show: recall and precision of a profile set in the easy and
the realistic setting, and on corridors the profiles were not written for (the transfer check).

The easy setting is the one the example profiles were written against: its figures say how
well the profiles recover the generator's own assumptions, and nothing more. The realistic
setting (``palermo.synth.config.Realism``) adds travellers who look like cases and weakens every
single signal; the shifted corridors (``corridors-shifted.yaml``) move the cases elsewhere. None
of these figures is a measure of how the profiles would do on real traffic.

>>> from palermo.profiles import EXAMPLES_DIR, load_profile_set
>>> rows = synthetic_evidence(4_000, seed=1, profiles=load_profile_set(EXAMPLES_DIR))
>>> [r.setting for r in rows]
['easy', 'realistic', 'easy-shifted', 'realistic-shifted']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from palermo.analytics.backtest import Rate
from palermo.profiles import ProfileSet
from palermo.screening.batch import screen_table
from palermo.synth import generate
from palermo.synth.config import LOOKALIKE_KINDS, SynthConfig, shipped_config

SETTINGS: tuple[tuple[str, str, bool, str, str], ...] = (
    ("easy", "corridors.yaml", False, "easy setting", "简单设定"),
    ("realistic", "corridors.yaml", True, "realistic setting", "现实设定"),
    ("easy-shifted", "corridors-shifted.yaml", False, "easy, cases on other corridors",
     "简单设定，案例走其他通道"),
    ("realistic-shifted", "corridors-shifted.yaml", True, "realistic, cases on other corridors",
     "现实设定，案例走其他通道"),
)  # fmt: skip
"""(name, corridors file, realistic, English, Chinese): the profiles are the same in each."""


@dataclass(frozen=True, slots=True)
class SettingEvidence:
    setting: str
    title_en: str
    title_zh: str
    records: int
    cases: int
    flagged: int
    recall: Rate
    """Cases with at least one hit, of all cases (Wilson 95%)."""
    precision: Rate
    """Cases among the flagged travellers (Wilson 95%)."""
    lookalikes_flagged: Mapping[str, Rate]
    """Per look-alike kind: how many of them the profiles flag."""
    likelihood_ratios: Mapping[str, float]
    """Per first-line observable: its share among cases over its share among everyone else."""

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.records if self.records else 0.0

    @property
    def lift(self) -> float:
        """Recall against a random selection of the same size."""
        return self.recall.share / self.flagged_share if self.flagged_share else 0.0

    def as_dict(self) -> dict[str, object]:
        def rate(r: Rate) -> dict[str, float | int]:
            return {"of": r.travellers, "n": r.flagged, "share": r.share, "low": r.low,
                    "high": r.high}  # fmt: skip

        return {
            "setting": self.setting,
            "records": self.records,
            "cases": self.cases,
            "flagged": self.flagged,
            "flagged_share": self.flagged_share,
            "recall": rate(self.recall),
            "precision": rate(self.precision),
            "lift": self.lift,
            "lookalikes_flagged": {k: rate(v) for k, v in self.lookalikes_flagged.items()},
            "likelihood_ratios": dict(self.likelihood_ratios),
        }


def likelihood_ratios(records: pa.Table, truth: pa.Table) -> dict[str, float]:
    """Each observable's share among cases divided by its share among everyone else."""
    case = truth.column("is_case").to_numpy(zero_copy_only=False).astype(bool)
    out: dict[str, float] = {}
    for name in records.column_names:
        if not name.startswith("obs_"):
            continue
        seen = pc.fill_null(records.column(name), False).to_numpy(zero_copy_only=False)
        in_cases = float(seen[case].mean()) if case.any() else 0.0
        in_others = float(seen[~case].mean()) if (~case).any() else 0.0
        out[name] = in_cases / in_others if in_others else float("inf")
    return out


def evaluate(
    records: pa.Table, truth: pa.Table, hits: pa.Table, *, setting: str, titles: tuple[str, str]
) -> SettingEvidence:
    """Recall, precision, flagged look-alikes and signal strength of one screened population."""
    flagged_ids = pc.unique(hits.column("record_id"))
    flagged = pc.is_in(truth.column("record_id"), value_set=flagged_ids)
    is_case = pc.fill_null(truth.column("is_case"), False)
    cases = int(pc.sum(is_case).as_py() or 0)
    n_flagged = int(pc.sum(flagged).as_py() or 0)
    found = int(pc.sum(pc.and_(is_case, flagged)).as_py() or 0)
    kinds = truth.column("lookalike")
    lookalikes: dict[str, Rate] = {}
    for kind in LOOKALIKE_KINDS:
        of_kind = pc.fill_null(pc.equal(kinds, kind), False)
        total = int(pc.sum(of_kind).as_py() or 0)
        if total:
            hit = int(pc.sum(pc.and_(of_kind, flagged)).as_py() or 0)
            lookalikes[kind] = Rate.of(kind, hit, total)
    return SettingEvidence(
        setting=setting,
        title_en=titles[0],
        title_zh=titles[1],
        records=truth.num_rows,
        cases=cases,
        flagged=n_flagged,
        recall=Rate.of("cases", found, cases),
        precision=Rate.of("flagged", found, n_flagged),
        lookalikes_flagged=lookalikes,
        likelihood_ratios=likelihood_ratios(records, truth),
    )


def setting_config(corridors: str, realistic: bool) -> SynthConfig:
    config = shipped_config(corridors)
    return config.realistic() if realistic else config


def synthetic_evidence(
    n: int, *, seed: int, profiles: ProfileSet, key: bytes = b"evidence"
) -> list[SettingEvidence]:
    """Generate one population per setting (same ``n`` and ``seed``), screen each with
    ``profiles`` on DuckDB, and measure what the profiles find."""
    out = []
    for name, corridors, realistic, en, zh in SETTINGS:
        records, truth = generate(
            n, seed=seed, config=setting_config(corridors, realistic), key=key
        )
        hits = screen_table(records, profiles, engine="duckdb")
        out.append(evaluate(records, truth, hits, setting=name, titles=(en, zh)))
    return out


def median_ratio(ratios: Mapping[str, float]) -> float:
    finite = [r for r in ratios.values() if np.isfinite(r)]
    return float(np.median(finite)) if finite else float("nan")
