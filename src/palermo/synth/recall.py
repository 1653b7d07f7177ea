"""How well screening finds the embedded cases of a synthetic population, against chance.

Recall is the share of embedded cases with at least one hit. A random selection of the same
number of travellers would find, on average, the same share of cases as the share of
travellers it selects; ``lift`` is how many times better the profiles do.

>>> import pyarrow as pa
>>> truth = pa.table({"record_id": ["a", "b", "c", "d"], "is_case": [True, False, False, True],
...                   "exploitation_type": ["labour", None, None, "sexual"]})
>>> hits = pa.table({"record_id": ["a", "a", "b"], "rule_id": ["p1", "p2", "p1"],
...                  "title_en": ["P1", "P2", "P1"], "title_zh": ["一", "二", "一"]})
>>> e = screening_recall(hits, truth)
>>> (e.flagged, e.recall, e.random_recall, e.lift)
(2, 0.5, 0.5, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True, slots=True)
class ProfileCount:
    rule_id: str
    title_en: str
    title_zh: str
    hits: int
    case_hits: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    records: int
    cases: int
    flagged: int  # travellers with at least one hit
    flagged_cases: int
    per_profile: tuple[ProfileCount, ...]
    recall_by_type: tuple[tuple[str, int, int], ...]  # (type, cases, found)

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.records if self.records else 0.0

    @property
    def recall(self) -> float:
        return self.flagged_cases / self.cases if self.cases else 0.0

    @property
    def random_recall(self) -> float:
        """Expected recall of a random selection of ``flagged`` travellers."""
        return self.flagged_share

    @property
    def lift(self) -> float:
        return self.recall / self.random_recall if self.random_recall else 0.0

    @property
    def precision(self) -> float:
        return self.flagged_cases / self.flagged if self.flagged else 0.0


def screening_recall(hits: pa.Table, truth: pa.Table) -> Evaluation:
    """Compare hits (``HIT_SCHEMA``, or any table with record_id, rule_id, titles) with truth."""
    ids = truth.column("record_id")
    is_case = pc.fill_null(truth.column("is_case"), False)
    case_ids = pc.filter(ids, is_case)
    flagged_ids = pc.unique(hits.column("record_id"))
    flagged_mask = pc.is_in(ids, value_set=flagged_ids)
    found = pc.and_(is_case, flagged_mask)

    hit_is_case = pc.is_in(hits.column("record_id"), value_set=case_ids)
    counted = (
        pa.table(
            {
                "rule_id": hits.column("rule_id"),
                "title_en": hits.column("title_en"),
                "title_zh": hits.column("title_zh"),
                "case": pc.cast(hit_is_case, pa.int64()),
            }
        )
        .group_by(["rule_id", "title_en", "title_zh"])
        .aggregate([("case", "count"), ("case", "sum")])
        .sort_by([("case_count", "descending"), ("rule_id", "ascending")])
    )
    per_profile = tuple(
        ProfileCount(r["rule_id"], r["title_en"], r["title_zh"], r["case_count"], r["case_sum"])
        for r in counted.to_pylist()
    )
    by_type: list[tuple[str, int, int]] = []
    types = truth.column("exploitation_type")
    for kind in sorted(t for t in pc.unique(types).to_pylist() if t is not None):
        of_kind = pc.fill_null(pc.equal(types, kind), False)
        by_type.append(
            (
                kind,
                int(pc.sum(of_kind).as_py() or 0),
                int(pc.sum(pc.and_(of_kind, found)).as_py() or 0),
            )
        )
    return Evaluation(
        records=truth.num_rows,
        cases=int(pc.sum(is_case).as_py() or 0),
        flagged=int(pc.sum(flagged_mask).as_py() or 0),
        flagged_cases=int(pc.sum(found).as_py() or 0),
        per_profile=per_profile,
        recall_by_type=tuple(by_type),
    )
