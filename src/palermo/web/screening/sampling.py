"""The random control sample and the screening tally (issue 11).

**Control sample.** Of the travellers screened without a hit, a configured share
(``CONTROL_SAMPLE_PER_100000``) is drawn at random for the same first-line look as a hit: a
"hit" of source ``control`` waits in the queue like any other and gets a disposition. What the
officers find in the sample is the only unbiased estimate of the base rate and of what the
profiles miss. At the desk and in the API each traveller is drawn with ``secrets`` (the
operating system's cryptographic generator); a batch draws its rows from a generator seeded
with 128 bits from ``secrets``, so that no one who uploads a file can predict the sample.

**Tally.** How many travellers each agency screened per day, port, nationality, sex and age
band: counts only, the denominator of every yield and selection rate.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection, connections, router
from django.utils import timezone

from palermo.analytics.backtest import AGE_BANDS, UNRECORDED, age_band
from palermo.records.schema import derive_arrow_fields, with_derived
from palermo.web.screening.models import ScreeningTally

CONTROL_SOURCE = "control"
CONTROL_RULE_ID = "control-sample"
CONTROL_TITLE_EN = "Random control sample"
CONTROL_TITLE_ZH = "随机对照样本"
SCALE = 100_000
Group = tuple[str, str, str, str, str]  # day, port, nationality, sex, age band


def control_drawn() -> bool:
    """One traveller without a hit: drawn into the control sample?"""
    per = settings.CONTROL_SAMPLE_PER_100000
    return per > 0 and secrets.randbelow(SCALE) < per


def control_draws(n: int) -> npt.NDArray[np.bool_]:
    """``n`` draws for a batch, from a generator seeded by the cryptographic one."""
    per = settings.CONTROL_SAMPLE_PER_100000
    if per <= 0 or n == 0:
        return np.zeros(n, dtype=np.bool_)
    rng = np.random.default_rng(secrets.randbits(128))
    return np.asarray(rng.integers(0, SCALE, n) < per, dtype=np.bool_)


def group_of(record: Mapping[str, Any], screened_on: dt.date) -> Group:
    """The tally row a record counts in (its event day, else the day it was screened)."""
    values = with_derived(record)
    day = values.get("event_date") or screened_on
    band = age_band(values.get("age_at_travel"))
    return (
        day.isoformat() if isinstance(day, dt.date) else str(day),
        str(values.get("port") or "")[:100],
        str(values.get("nationality") or "")[:3],
        str(values.get("sex") or "")[:1],
        band[:16],
    )


TALLY_COLUMNS = ("day", "port", "nationality", "sex", "band")


def tally_table(table: pa.Table, screened_on: dt.date) -> pa.Table:
    """The tally groups of ``table`` and their counts as an Arrow table (``day`` a date, the
    others text cut to their column widths, ``screened`` the count). A batch keeps these, not
    a ``Counter``: a national day's file has hundreds of thousands of groups (the days of a
    year x ports x nationalities x sex x age band)."""
    n = table.num_rows

    def text(name: str, width: int) -> pa.Array:
        if name not in table.column_names:
            return pa.array([""] * n, pa.string())
        column = pc.cast(table.column(name), pa.string())
        return pc.utf8_slice_codeunits(pc.fill_null(column, ""), 0, width)

    day = (
        pc.fill_null(table.column("event_date"), pa.scalar(screened_on, pa.date32()))
        if "event_date" in table.column_names
        else pa.array([screened_on] * n, pa.date32())
    )
    ages = derive_arrow_fields(table, ["age_at_travel"]).column("age_at_travel")
    age = np.asarray(pc.fill_null(ages, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    bands = np.full(n, UNRECORDED[:16], dtype=object)
    for name, low, high in AGE_BANDS:
        bands[(age >= low) & (age <= high)] = name
    grouped = (
        pa.table(
            {
                "day": pc.cast(day, pa.date32()),
                "port": text("port", 100),
                "nationality": text("nationality", 3),
                "sex": text("sex", 1),
                "band": pa.array(bands.tolist(), pa.string()),
            }
        )
        .group_by(list(TALLY_COLUMNS))
        .aggregate([([], "count_all")])
    )
    return grouped.rename_columns([*TALLY_COLUMNS, "screened"]).select([*TALLY_COLUMNS, "screened"])


def tally_merge(tables: list[pa.Table]) -> pa.Table:
    """Tally tables added up into one, one row per group, in the order ``tally_add`` locks rows
    in (day, port, nationality, sex, band: the order of the groups' Python tuples)."""
    schema = pa.schema(
        [("day", pa.date32())]
        + [(name, pa.string()) for name in TALLY_COLUMNS[1:]]
        + [("screened", pa.int64())]
    )
    if not tables:
        return schema.empty_table()
    merged = (
        pa.concat_tables([t.cast(schema) for t in tables])
        .group_by(list(TALLY_COLUMNS))
        .aggregate([("screened", "sum")])
        .rename_columns([*TALLY_COLUMNS, "screened"])
        .select([*TALLY_COLUMNS, "screened"])
    )
    return merged.sort_by([(name, "ascending") for name in TALLY_COLUMNS])


TALLY_CHUNK = 1000
"""Groups added to the tally by one statement (8 parameters each: under SQLite's 32,766)."""


def tally_add_table(
    *, agency_id: int, screened: pa.Table, control: Counter[Group] | None = None
) -> int:
    """Add a batch's tally (``tally_merge``'s table; ``control``: the groups' draws into the
    control sample) inside the caller's transaction, ``TALLY_CHUNK`` groups a statement: an
    ``INSERT ... ON CONFLICT DO UPDATE SET screened = screened + n`` (SQLite and PostgreSQL),
    in the table's order, which is the order the desk's ``tally_add`` locks rows in, so the two
    never wait on each other in a cycle. Only one chunk of groups is ever Python objects: a
    national day's file has hundreds of thousands of groups, and their model instances (and
    the rows read back to update them) once took gigabytes. The number of groups."""
    control = control or Counter()
    table = ScreeningTally._meta.db_table
    quote = connection.ops.quote_name
    columns = ["agency_id", "day", "port", "nationality", "sex", "age_band", "screened", "control"]
    keys = ", ".join(quote(c) for c in columns[:6])
    added = ", ".join(
        f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}" for c in columns[6:]
    )
    # names from the model, quoted; every value a parameter
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    tail = f" ON CONFLICT ({keys}) DO UPDATE SET {added}"
    with connection.cursor() as cursor:
        for start in range(0, screened.num_rows, TALLY_CHUNK):
            rows = screened.slice(start, TALLY_CHUNK).to_pylist()
            params: list[Any] = []
            for r in rows:
                group = (r["day"].isoformat(), r["port"], r["nationality"], r["sex"], r["band"])
                params += [agency_id, r["day"], r["port"], r["nationality"], r["sex"]]
                params += [r["band"], r["screened"], control.get(group, 0)]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
            cursor.execute(head + values + tail, params)
    return int(screened.num_rows)


FEW_GROUPS = 20
"""Up to this many groups, ``tally_add`` counts each group's row up on its own."""


def _tally_upsert(agency_id: int, group: Group, screened: int, control: int) -> None:
    """One group's row counted up by ``screened`` and ``control``, created if missing: one
    ``INSERT ... ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL alike), atomic, holding the
    row until the caller's transaction ends. As an ORM insert-or-ignore and an update it was
    two statements and about 0.6 ms of CPU more for every screening (issue 14)."""
    day, port, nationality, sex, band = group
    meta = ScreeningTally._meta
    db = connections[router.db_for_write(ScreeningTally)]
    table = db.ops.quote_name(meta.db_table)
    keys = "agency_id, day, port, nationality, sex, age_band"
    # the table name is the model's own, quoted
    sql = (
        f"INSERT INTO {table} ({keys}, screened, control)"  # noqa: S608
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        f" ON CONFLICT ({keys}) DO UPDATE SET"
        f" screened = {table}.screened + excluded.screened,"
        f" control = {table}.control + excluded.control"
    )
    values = (agency_id, dt.date.fromisoformat(day), port, nationality, sex, band)
    with db.cursor() as cursor:
        cursor.execute(sql, [*values, screened, control])


def tally_add(
    *, agency_id: int, screened: Counter[Group], control: Counter[Group] | None = None
) -> None:
    """Add counts to the tally, inside the caller's transaction: missing rows are created
    (ignoring one another request created first), then the rows are updated - a few groups
    (a screening at the desk or through the API) each by one ``UPDATE ... SET screened =
    screened + n`` of its own row, locked in one order; more (a batch, thousands of groups) by
    locking the agency's rows of those days and updating them in bulk, in a handful of queries.

    A single screening once took the bulk way too: it read and locked every row of the agency's
    day - hundreds of groups by the afternoon - so that every screening waited for the one
    before it to commit (issue 14)."""
    if not screened:
        return
    control = control or Counter()
    if len(screened) <= FEW_GROUPS:
        for group in sorted(screened):  # one order: two requests never wait on each other
            _tally_upsert(agency_id, group, screened[group], control.get(group, 0))
        return
    ScreeningTally.objects.bulk_create(
        [
            ScreeningTally(
                agency_id=agency_id, day=dt.date.fromisoformat(day), port=port,
                nationality=nationality, sex=sex, age_band=band, screened=0, control=0,
            )
            for day, port, nationality, sex, band in screened
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )  # fmt: skip
    days = {dt.date.fromisoformat(g[0]) for g in screened}
    changed = []
    for row in ScreeningTally.objects.select_for_update().filter(agency_id=agency_id, day__in=days):
        group = (row.day.isoformat(), row.port, row.nationality, row.sex, row.age_band)
        if group in screened:
            row.screened += screened[group]
            row.control += control.get(group, 0)
            changed.append(row)
    ScreeningTally.objects.bulk_update(changed, ["screened", "control"], batch_size=2000)


def today() -> dt.date:
    return timezone.localdate()


CONTROL_REASONS_EN = [
    (
        "Drawn at random for the control sample: look at this traveller as you would at a hit. "
        "It says nothing about them; what you record shows what the profiles miss."
    )
]
CONTROL_REASONS_ZH = [
    (
        "随机抽入对照样本：请像对待命中一样对该旅客进行一线查看。"
        "这并不说明该旅客有任何问题；您的记录可显示风险画像遗漏了什么。"
    )
]
