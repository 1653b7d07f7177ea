"""A hit: an invitation for a trained officer to look closer at one traveller, never a decision.

Hits come from risk profiles (``source="profile"``) and from watchlists (``source="watchlist"``);
both carry the rule that fired, its version, a weight and the reasons in English and Chinese.
Batch screening returns them as an Arrow table with ``HIT_SCHEMA`` (one row per hit);
real-time screening as ``Hit`` objects; ``hits_to_table`` and ``hits_from_table`` convert.

>>> hit = Hit(record_id="r1", source="profile", rule_id="BRD-01", rule_version="2",
...           weight=3.0, title_en="Documents held", title_zh="证件由他人保管",
...           matched_en=("Documents held by someone else",), matched_zh=("证件由他人保管",),
...           set_version="abc")
>>> hits_from_table(hits_to_table([hit])) == [hit]
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

HitSource = Literal["profile", "watchlist"]
HIT_SOURCES: tuple[HitSource, ...] = ("profile", "watchlist")


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule firing for one record.

    ``rule_id``/``rule_version``: the profile id and version (source "profile"), or the
    watchlist entry and list version (source "watchlist"). ``set_version``: the version stamp of
    the profile set or watchlist that produced the hit.
    """

    record_id: str
    source: HitSource
    rule_id: str
    rule_version: str
    weight: float
    title_en: str
    title_zh: str
    matched_en: tuple[str, ...]
    matched_zh: tuple[str, ...]
    set_version: str

    def reasons(self, lang: str = "en") -> str:
        """The matched criteria as one line."""
        return "；".join(self.matched_zh) if lang == "zh" else "; ".join(self.matched_en)


HIT_SCHEMA = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("rule_id", pa.string(), nullable=False),
        pa.field("rule_version", pa.string(), nullable=False),
        pa.field("weight", pa.float64(), nullable=False),
        pa.field("title_en", pa.string(), nullable=False),
        pa.field("title_zh", pa.string(), nullable=False),
        pa.field("matched_en", pa.list_(pa.string()), nullable=False),
        pa.field("matched_zh", pa.list_(pa.string()), nullable=False),
        pa.field("set_version", pa.string(), nullable=False),
    ]
)


def hits_to_table(hits: Iterable[Hit]) -> pa.Table:
    rows = list(hits)
    return pa.table(
        {
            "record_id": [h.record_id for h in rows],
            "source": [h.source for h in rows],
            "rule_id": [h.rule_id for h in rows],
            "rule_version": [h.rule_version for h in rows],
            "weight": [h.weight for h in rows],
            "title_en": [h.title_en for h in rows],
            "title_zh": [h.title_zh for h in rows],
            "matched_en": [list(h.matched_en) for h in rows],
            "matched_zh": [list(h.matched_zh) for h in rows],
            "set_version": [h.set_version for h in rows],
        },
        schema=HIT_SCHEMA,
    )


def hits_from_table(table: pa.Table) -> list[Hit]:
    out: list[Hit] = []
    for row in table.select(HIT_SCHEMA.names).to_pylist():
        source = row["source"]
        assert source in HIT_SOURCES
        out.append(
            Hit(
                record_id=row["record_id"],
                source=source,
                rule_id=row["rule_id"],
                rule_version=row["rule_version"],
                weight=row["weight"],
                title_en=row["title_en"],
                title_zh=row["title_zh"],
                matched_en=tuple(row["matched_en"]),
                matched_zh=tuple(row["matched_zh"]),
                set_version=row["set_version"],
            )
        )
    return out
