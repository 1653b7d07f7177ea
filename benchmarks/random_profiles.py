"""A seeded random set of selective profiles, unlike the shipped ones: little sharing.

Each profile combines 3-5 circumstances drawn at random (thresholds, sets of countries or codes,
observations), never a demographic field alone, and is kept only when it flags under
``max_share`` (0.3%) of a population sample, and at least one record of it - measured on the
data, with DuckDB, before the set is used. The benchmark prints the seed, so a run can be
repeated exactly; no engine was tuned to a set it cannot know in advance.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import duckdb
import pyarrow as pa

from baselines import node_sql
from palermo.profiles.ast import AllOf, Comparison, Node, Profile, Text
from palermo.profiles.profile_set import ProfileSet
from palermo.records.schema import (
    DOCUMENT_TYPES,
    EVENT_KINDS,
    INPUT_FIELDS,
    JOB_SECTORS,
    PAYERS,
    PURPOSES,
    SPONSOR_KINDS,
    VISA_TYPES,
)

COUNTRIES = ("CN", "TH", "MY", "SG", "KH", "MM", "LA", "VN", "PH", "ID", "JP", "KR", "AE", "HK")
OBSERVATIONS = tuple(name for name in INPUT_FIELDS if name.startswith("obs_"))


def _subset(rng: random.Random, values: tuple[str, ...], most: int) -> tuple[str, ...]:
    return tuple(sorted(rng.sample(values, rng.randint(1, most))))


CIRCUMSTANCES: tuple[Callable[[random.Random], Node], ...] = (
    lambda r: Comparison("declared_cash", "lt", float(r.randrange(50, 600, 10))),
    lambda r: Comparison("declared_cash", "gt", float(r.randrange(3000, 20000, 500))),
    lambda r: Comparison("destination", "in", _subset(r, COUNTRIES, 3)),
    lambda r: Comparison("origin", "in", _subset(r, COUNTRIES, 3)),
    lambda r: Comparison("transit", "in", _subset(r, COUNTRIES, 2)),
    lambda r: Comparison("days_booking_to_travel", "le", r.randint(0, 14)),
    lambda r: Comparison("passport_age_days", "lt", r.randint(10, 200)),
    lambda r: Comparison("group_size", "ge", r.randint(3, 15)),
    lambda r: Comparison("ticket_paid_by", "in", _subset(r, PAYERS[1:], 2)),
    lambda r: Comparison("trip_type", "eq", "one_way"),
    lambda r: Comparison("declared_purpose", "in", _subset(r, PURPOSES, 2)),
    lambda r: Comparison("visa_type", "in", _subset(r, VISA_TYPES, 2)),
    lambda r: Comparison("sponsor_kind", "in", _subset(r, SPONSOR_KINDS[1:], 2)),
    lambda r: Comparison("offered_job_sector", "in", _subset(r, JOB_SECTORS[1:], 2)),
    lambda r: Comparison(r.choice(OBSERVATIONS), "eq", True),
    lambda r: Comparison("document_type", "in", _subset(r, DOCUMENT_TYPES[1:], 2)),
    lambda r: Comparison("is_minor", "eq", True),  # demographic: never alone (3-5 each)
    lambda r: Comparison("age_at_travel", "lt", r.randint(20, 30)),
)


def _candidate(rng: random.Random, k: int) -> Profile:
    drawn: dict[Node, None] = {}
    want = rng.randint(3, 5)
    while len(drawn) < want:
        drawn[rng.choice(CIRCUMSTANCES)(rng)] = None
    kinds = tuple(sorted(rng.sample(EVENT_KINDS, rng.randint(1, len(EVENT_KINDS)))))
    return Profile(
        id=f"random-{k:03d}",
        version=1,
        title=Text(f"Random profile {k}", f"随机画像 {k}"),
        rationale=Text("benchmark", "基准测试"),
        owner="benchmark",
        valid_from=dt.date(2000, 1, 1),
        review_by=dt.date(2999, 12, 31),
        applies_to=kinds,
        weight=1.0,
        criteria=AllOf(tuple(drawn)),
    )


def random_selective(
    count: int, seed: int, sample: pa.Table, *, max_share: float = 0.003
) -> tuple[ProfileSet, int]:
    """``count`` profiles, each flagging at least one record of ``sample`` and under
    ``max_share`` of it; also how many candidates were drawn to find them."""
    rng = random.Random(seed)
    con = duckdb.connect()
    con.register("records", sample)
    limit = max_share * sample.num_rows
    kept: list[Profile] = []
    drawn = 0
    while len(kept) < count:
        drawn += 1
        profile = _candidate(rng, len(kept))
        criteria = AllOf((Comparison("event_kind", "in", profile.applies_to), profile.criteria))
        sql = f"SELECT count(*) FROM records WHERE {node_sql(criteria, {})}"
        flagged = int(con.sql(sql).fetchall()[0][0])
        if 0 < flagged < limit:
            kept.append(profile)
    con.close()
    return ProfileSet.of(kept), drawn
