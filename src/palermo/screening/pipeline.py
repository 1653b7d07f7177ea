"""A file of records screened end to end in batches: what ``palermo screen`` and the web's batch
worker run.

``screen_file(path, profile_set, out)`` reads only the columns the profiles and watchlists use
(and those a rule can reject), checks and screens them batch by batch - the next batch is read
and checked in a second thread while DuckDB screens the current one, so both cores work - and
writes each batch's hits to ``out`` as they come. Memory is bounded by the batch size
(``batch_rows``), not by the file. The hits are exactly ``screen_table(read_records(path))``'s,
in the same order (property test). A file with any problem raises ``InputError`` naming every
problem, and leaves no hits file: hits go to a temporary file beside ``out``, renamed over it
only when the whole file has been checked.

>>> import tempfile, pathlib
>>> from palermo.profiles import EXAMPLES_DIR, load_profile_set
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "r.csv").write_text(
...     "record_id,event_kind,port,event_date,obs_visible_injuries\\n"
...     "r1,entry,PVG,2026-03-01,true\\nr2,entry,PVG,2026-03-01,false\\n")
>>> summary = screen_file(d / "r.csv", load_profile_set(EXAMPLES_DIR), d / "hits.parquet",
...                       on=dt.date(2026, 3, 1))
>>> summary.records, summary.hits, summary.flagged, summary.by_profile["visible-injuries"]
(2, 1, 1, 1)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from palermo.lib.files import atomic_path
from palermo.profiles.profile_set import ProfileSet, screening_day
from palermo.records.schema import INPUT_FIELDS, WATCHLIST_FIELDS
from palermo.records.stream import DEFAULT_BATCH_ROWS, read_record_batches
from palermo.screening.batch import screen_table, screening_columns
from palermo.screening.hits import HIT_SCHEMA

if TYPE_CHECKING:
    from palermo.screening.watchlists import WatchlistIndex


@dataclass(slots=True)
class ScreenSummary:
    """What a screening of a file found: records read, hits, records with a hit, hits per
    profile id (watchlist hits under ``"watchlist"``)."""

    records: int = 0
    hits: int = 0
    flagged: int = 0
    by_profile: Counter[str] = field(default_factory=Counter)

    def add(self, n_records: int, hits: pa.Table) -> None:
        self.records += n_records
        self.hits += hits.num_rows
        if hits.num_rows:
            self.flagged += pc.count_distinct(hits.column("record_id")).as_py()
            profile = pc.equal(hits.column("source"), "profile")
            ids = pc.filter(hits.column("rule_id"), profile).to_pylist()
            self.by_profile.update(ids)
            self.by_profile["watchlist"] += hits.num_rows - len(ids)


def input_fields(
    profile_set: ProfileSet, on: dt.date, *, watchlists: bool = False
) -> tuple[str, ...]:
    """The input fields a screening needs: the profiles' (``screening_columns``), the
    record id, and the watchlists' when lists are matched."""
    needed = {"record_id", *screening_columns(profile_set, on)}
    if watchlists:
        needed |= set(WATCHLIST_FIELDS)
    return tuple(name for name in INPUT_FIELDS if name in needed)


def _prefetched(batches: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """``batches`` read one ahead in a second thread (Arrow and DuckDB release the GIL)."""
    slot: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                slot.put(("batch", batch))
            slot.put(("end", None))
        except BaseException as exc:  # handed to the consumer, raised there
            slot.put(("error", exc))

    worker = threading.Thread(target=produce, name="palermo-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = slot.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(item, BaseException)
                raise item
            assert isinstance(item, pa.Table)
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full slot finish
            with contextlib.suppress(queue.Empty):
                slot.get(timeout=0.05)
        worker.join()


def screen_file(
    path: str | Path,
    profile_set: ProfileSet,
    out: str | Path,
    *,
    on: dt.date | None = None,
    watchlists: WatchlistIndex | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Callable[[int, int | None], None] | None = None,
    reporting_country: str | None = None,
) -> ScreenSummary:
    """Screen a records file against the profiles in force (and ``watchlists``), writing the
    hits (``HIT_SCHEMA``) to the Parquet file ``out``; see the module's description.

    ``progress(done, total)`` is called after each batch (``total`` is None when the file does
    not say how many records it has: CSV, JSON Lines). The web's batch worker reads the hits
    back from ``out`` in batches (``iter_hits``), so its memory is bounded too.
    """
    on = on or screening_day()
    batches = read_record_batches(
        path,
        fields=input_fields(profile_set, on, watchlists=watchlists is not None),
        batch_rows=batch_rows,
        reporting_country=reporting_country,
    )
    summary = ScreenSummary()
    with atomic_path(out) as tmp, pq.ParquetWriter(tmp, HIT_SCHEMA) as writer:
        for batch in _prefetched(iter(batches)):
            hits = screen_table(batch, profile_set, on=on, watchlists=watchlists)
            writer.write_table(hits)
            summary.add(batch.num_rows, hits)
            if progress:
                progress(summary.records, batches.total_rows)
    return summary


def iter_hits(path: str | Path, *, batch_rows: int = 100_000) -> Iterator[pa.Table]:
    """The hits ``screen_file`` wrote, ``batch_rows`` at a time, in order."""
    reader = pq.ParquetFile(path)
    for batch in reader.iter_batches(batch_size=batch_rows):
        yield pa.Table.from_batches([batch], schema=HIT_SCHEMA)
