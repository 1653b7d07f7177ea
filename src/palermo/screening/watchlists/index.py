"""An index over watchlists: one traveller in real time, or a whole manifest in one join.

Candidates are found by blocking, never by comparing a traveller with every entry:

- people by each name token (canonical pinyin for Chinese surnames in any romanisation) together
  with the date of birth and its tolerated variants (day and month swapped, one year apart), or
  with "no date" for entries listed without one; a traveller without a date of birth is looked
  up by name token alone;
- organisations by the name tokens of the traveller's sponsor, and by registration number;
- anyone by document hash, phone number (last eight digits) and e-mail address.

Each list's keys and prepared entries are a ``ListIndex`` (``listindex.py``), built once per
list version and loadable from bytes; ``match_record`` binary-searches its keys' hashes,
``match_table`` builds the same keys as columns and joins them with the entries' keys in
DuckDB. Both then score every candidate pair with ``matching.score_pair``, so the two paths
give the same matches.

>>> import datetime as dt
>>> from palermo.screening.watchlists.model import Entry, EntryKind, ListInfo, Watchlist
>>> info = ListInfo("demo", "Demo", "Unit A", "testing", "none", dt.date(2099, 1, 1))
>>> index = WatchlistIndex([Watchlist(info, (Entry("p1", EntryKind.PERSON, ("张伟",),
...                         date_of_birth=dt.date(1990, 3, 7)),))])
>>> [(m.entry_id, m.score) for m in index.match_record(
...     {"surname": "ZHANG", "given_names": "Wei", "date_of_birth": dt.date(1990, 7, 3)})]
[('p1', 98)]
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import gc
import hashlib
import itertools
import multiprocessing as mp
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from palermo.errors import InputError, Problem
from palermo.records.schema import WATCHLIST_FIELDS as MATCH_FIELDS
from palermo.screening.watchlists.listindex import KEY_TABLES, ListIndex
from palermo.screening.watchlists.loading import load_directory
from palermo.screening.watchlists.matching import (
    NO_DOB,
    PreparedEntry,
    Traveller,
    day_key,
    dob_variants,
    score_pair,
    traveller_from_record,
    traveller_tokens,
)
from palermo.screening.watchlists.model import (
    PHONE_KEY_DIGITS,
    ListInfo,
    Watchlist,
    WatchlistMatch,
)

#: Candidate pairs from which ``match_table`` scores in several processes (forking costs
#: about a tenth of a second).
PARALLEL_FROM_PAIRS = 50_000
MAX_WORKERS = 2

#: identifier fields of the record and the ``Traveller`` attribute each becomes
_TRAVELLER_ATTR = {
    "document_number_hash": "document_hash",
    "contact_phone": "phone",
    "contact_email": "email",
    "sponsor_registration": "sponsor_registration",
}

#: (record column, entry key table): identifiers and sponsor names matched by equal keys
_EXACT_JOINS = (
    ("sponsor_name", "organisation"),
    ("document_number_hash", "document"),
    ("contact_phone", "phone"),
    ("contact_email", "email"),
    ("sponsor_registration", "registration"),
)

MATCH_SCHEMA = pa.schema(
    [
        pa.field("row", pa.int64(), nullable=False),
        pa.field("record_id", pa.string()),
        pa.field("list_id", pa.string(), nullable=False),
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("score", pa.int64(), nullable=False),
        pa.field("threshold", pa.int64(), nullable=False),
        pa.field("reason_en", pa.string(), nullable=False),
        pa.field("reason_zh", pa.string(), nullable=False),
    ]
)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while millions of small objects are made: it would scan
    the growing heap again and again (half of a large list's build time), and these objects
    hold no cycles. Restored as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class WatchlistIndex:
    """Every entry of the given (unexpired) lists, ready for matching: one ``ListIndex`` per
    list, built here from the lists or given ready (``from_parts``: loaded from disk)."""

    def __init__(self, lists: Sequence[Watchlist] = (), *, parts: Sequence[ListIndex] = ()) -> None:
        if lists:
            with _collector_paused():
                parts = [*parts, *(ListIndex.build(wl) for wl in lists)]
        self.parts: tuple[ListIndex, ...] = tuple(parts)
        self.infos: tuple[ListInfo, ...] = tuple(p.info for p in self.parts)
        self.list_position: dict[str, int] = {}
        for i, info in enumerate(self.infos):
            if info.list_id in self.list_position:
                raise InputError(
                    [
                        Problem(
                            where="watchlists",
                            field="id",
                            value=info.list_id,
                            rule="two lists have the same id",
                            rule_zh="两份名单的编号相同",
                        )
                    ]
                )
            self.list_position[info.list_id] = i
        sizes = [len(p) for p in self.parts]
        #: the global index of each part's first entry
        self._bases: list[int] = [0, *itertools.accumulate(sizes)][:-1] if sizes else []
        self._size = sum(sizes)
        self._lock = threading.Lock()
        self._key_tables: dict[str, pa.Table] | None = None

    @classmethod
    def from_parts(cls, parts: Sequence[ListIndex]) -> WatchlistIndex:
        """Lists whose indexes were built before (``ListIndex.from_bytes``)."""
        return cls(parts=parts)

    @classmethod
    def from_directory(
        cls, directory: str | Path, *, today: dt.date | None = None
    ) -> WatchlistIndex:
        """The unexpired lists stored in a watchlist directory."""
        return cls(load_directory(directory, today=today))

    def __len__(self) -> int:
        return self._size

    def entry(self, idx: int) -> PreparedEntry:
        """Entry ``idx`` (over all lists, in order) prepared for scoring."""
        part = bisect.bisect_right(self._bases, idx) - 1
        return self.parts[part].entry(idx - self._bases[part], list_index=part)

    def with_info(self, info: ListInfo) -> WatchlistIndex:
        """The same lists with one list's description changed (threshold, expiry): nothing
        is rebuilt."""
        position = self.list_position[info.list_id]
        parts = list(self.parts)
        parts[position] = parts[position].with_info(info)
        return WatchlistIndex.from_parts(parts)

    def list_version(self, list_id: str) -> str:
        """A stamp of one list's content: its description and every entry."""
        return self.parts[self.list_position[list_id]].version

    @property
    def version(self) -> str:
        """A stamp of all lists together (empty for no lists)."""
        if not self.parts:
            return ""
        stamps = ",".join(f"{i}={self.list_version(i)}" for i in sorted(self.list_position))
        return hashlib.sha256(stamps.encode()).hexdigest()[:12]

    # --- one traveller ---------------------------------------------------------------------

    def candidates(self, traveller: Traveller) -> set[int]:
        """Indices of the entries sharing at least one key with the traveller."""
        found: set[int] = set()
        days = (
            [day_key(d) for d in dob_variants(traveller.date_of_birth)] + [NO_DOB]
            if traveller.date_of_birth is not None
            else None
        )
        tokens = sorted(traveller.tokens)
        phone = [traveller.phone[-PHONE_KEY_DIGITS:]] if traveller.phone else []
        for part, base in zip(self.parts, self._bases, strict=True):
            local = part.lookup_person(tokens, days)
            if traveller.document_hash:
                local |= part.lookup("document", [traveller.document_hash])
            if phone:
                local |= part.lookup("phone", phone)
            if traveller.email:
                local |= part.lookup("email", [traveller.email])
            if traveller.sponsor_tokens:
                local |= part.lookup("organisation", sorted(traveller.sponsor_tokens))
            if traveller.sponsor_registration:
                local |= part.lookup("registration", [traveller.sponsor_registration])
            found.update(base + i for i in local)
        return found

    def match_traveller(self, traveller: Traveller) -> list[WatchlistMatch]:
        matches = [
            m
            for idx in self.candidates(traveller)
            if (m := score_pair(traveller, self.entry(idx))) is not None
        ]
        return sorted(matches, key=WatchlistMatch.sort_key)

    def match_record(self, record: Mapping[str, Any]) -> list[WatchlistMatch]:
        """Matches of one traveller record (a mapping of canonical field to value), best first."""
        return self.match_traveller(traveller_from_record(record))

    # --- a whole table ----------------------------------------------------------------------

    def _get_key_tables(self) -> dict[str, pa.Table]:
        """Every list's key tables as one per kind of key (entry numbers made global)."""
        with self._lock:
            if self._key_tables is None:
                tables: dict[str, pa.Table] = {}
                for name, column in KEY_TABLES.items():
                    pieces = []
                    for part, base in zip(self.parts, self._bases, strict=True):
                        t = part.tables[name]
                        e = pc.add(t.column("e"), pa.scalar(base, pa.int32()))
                        pieces.append(
                            t.select([column, *(["d"] if name == "person" else [])]).append_column(
                                "e", e
                            )
                        )
                    tables[f"ek_{name}"] = pa.concat_tables(pieces)
                self._key_tables = tables
            return self._key_tables

    def candidate_pairs(self, table: pa.Table) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(row, entry index) of every candidate pair of a table of traveller records, sorted.

        Each distinct value of a column is turned into keys once, by the functions the real-time
        path uses; the rows are then joined with the entries' keys in DuckDB.
        """
        n = table.num_rows
        if n == 0 or not self._size:
            return (np.zeros(0, np.int64), np.zeros(0, np.int64))
        trav: dict[str, Any] = {"t": pa.array(np.arange(n, dtype=np.int64))}
        keyed: dict[str, pa.Table] = {}
        for column, keys_of in _KEYS_OF_COLUMN.items():
            trav[column], keyed[column] = _encoded_keys(table, column, keys_of)
        trav["d"], dob_variants_table = _birth_days(table)
        con = duckdb.connect()
        try:
            for name, tbl in self._get_key_tables().items():
                con.register(name, tbl)
            con.register("trav", pa.table(trav))
            con.register("dv", dob_variants_table)
            for column, tbl in keyed.items():
                con.register(f"k_{column}", tbl)
            pairs: pa.Table = con.sql(_CANDIDATES_SQL).to_arrow_table()
        finally:
            con.close()
        return (
            pairs.column(0).to_numpy().astype(np.int64),
            pairs.column(1).to_numpy().astype(np.int64),
        )

    def match_table(self, table: pa.Table, *, workers: int | None = None) -> pa.Table:
        """Matches of every record of a table (``MATCH_SCHEMA``), by row, best match first."""
        out: dict[str, list[Any]] = {name: [] for name in MATCH_SCHEMA.names}
        has_id = "record_id" in table.column_names
        for row, found in sorted(self.matches_by_row(table, workers=workers).items()):
            record_id = table.column("record_id")[row].as_py() if has_id else None
            for m in found:
                out["row"].append(row)
                out["record_id"].append(record_id)
                out["list_id"].append(m.list_id)
                out["entry_id"].append(m.entry_id)
                out["kind"].append(m.kind.value)
                out["score"].append(m.score)
                out["threshold"].append(m.threshold)
                out["reason_en"].append(m.reason_en)
                out["reason_zh"].append(m.reason_zh)
        return pa.table(out, schema=MATCH_SCHEMA)

    def matches_by_row(
        self, table: pa.Table, *, workers: int | None = None
    ) -> dict[int, list[WatchlistMatch]]:
        """``match_table`` as match objects, keyed by row (rows without a match are absent).

        ``workers``: processes scoring the candidate pairs (default: one per core, up to two,
        when there are at least ``PARALLEL_FROM_PAIRS`` pairs). Every worker runs the same
        ``score_pair``, so the result does not depend on the number of workers.
        """
        rows, entries = self.candidate_pairs(table)
        if not len(rows):
            return {}
        wanted = np.unique(rows)
        present = [f for f in MATCH_FIELDS if f in table.column_names]
        records = dict(
            zip(
                wanted.tolist(),
                table.select(present).take(pa.array(wanted)).to_pylist(),
                strict=True,
            )
        )
        if workers is None:
            workers = (
                min(MAX_WORKERS, os.cpu_count() or 1) if len(rows) >= PARALLEL_FROM_PAIRS else 1
            )
        # chunks end on a change of row, so each traveller is scored in one worker
        cuts = [0]
        for k in range(1, workers):
            cut = int(np.searchsorted(rows, rows[len(rows) * k // workers], side="left"))
            if cut > cuts[-1]:
                cuts.append(cut)
        cuts.append(len(rows))
        bounds = list(itertools.pairwise(cuts))
        job = _Job(self, rows, entries, records)
        if len(bounds) == 1 or "fork" not in mp.get_all_start_methods():
            parts = [job.score(a, b) for a, b in bounds]
        else:
            global _JOB  # noqa: PLW0603 - handed to forked workers, which inherit it
            _JOB = job
            try:
                with mp.get_context("fork").Pool(len(bounds)) as pool:
                    parts = pool.starmap(_score_in_worker, bounds)
            finally:
                _JOB = None
        out: dict[int, list[WatchlistMatch]] = {}
        for part in parts:
            out.update(part)
        return out


@dataclass(slots=True)
class _Job:
    index: WatchlistIndex
    rows: np.ndarray[Any, Any]
    entries: np.ndarray[Any, Any]
    records: dict[int, dict[str, Any]]

    def score(self, start: int, stop: int) -> dict[int, list[WatchlistMatch]]:
        out: dict[int, list[WatchlistMatch]] = {}
        index = self.index
        current = -1
        traveller: Traveller | None = None
        for row, idx in zip(
            self.rows[start:stop].tolist(), self.entries[start:stop].tolist(), strict=True
        ):
            if row != current:
                current = row
                traveller = traveller_from_record(self.records[row])
            assert traveller is not None
            match = score_pair(traveller, index.entry(idx))
            if match is not None:
                out.setdefault(row, []).append(match)
        for found in out.values():
            found.sort(key=WatchlistMatch.sort_key)
        return out


_JOB: _Job | None = None


def _score_in_worker(start: int, stop: int) -> dict[int, list[WatchlistMatch]]:
    assert _JOB is not None
    return _JOB.score(start, stop)


def _encoded_keys(
    table: pa.Table, column: str, keys_of: Callable[[str], Iterable[str]]
) -> tuple[pa.Array, pa.Table]:
    """A column as codes of its distinct values, and a (code, key) table: each distinct value
    is turned into keys once. A missing column is all null, with no keys."""
    n = table.num_rows
    if column not in table.column_names:
        empty = pa.table({"code": pa.array([], pa.int32()), "k": pa.array([], pa.string())})
        return pa.nulls(n, pa.int32()), empty
    encoded = pc.dictionary_encode(pc.cast(table.column(column), pa.string())).combine_chunks()
    codes: list[int] = []
    keys: list[str] = []
    for code, value in enumerate(encoded.dictionary.to_pylist()):
        for key in keys_of(value):
            codes.append(code)
            keys.append(key)
    keyed = pa.table({"code": pa.array(codes, pa.int32()), "k": pa.array(keys, pa.string())})
    return encoded.indices, keyed


def _name_keys(value: str) -> frozenset[str]:
    return traveller_tokens(value, None, None)


def _sponsor_keys(value: str) -> frozenset[str]:
    return traveller_from_record({"sponsor_name": value}).sponsor_tokens


def _identifier_keys(field: str) -> Callable[[str], list[str]]:
    """The key of one identifier value, as the real-time path computes it (a phone number by
    its last ``PHONE_KEY_DIGITS`` digits)."""

    def keys_of(value: str) -> list[str]:
        key = getattr(traveller_from_record({field: value}), _TRAVELLER_ATTR[field])
        if key and field == "contact_phone":
            key = key[-PHONE_KEY_DIGITS:]
        return [key] if key else []

    return keys_of


#: record column -> how a value becomes keys
_KEYS_OF_COLUMN: dict[str, Callable[[str], Iterable[str]]] = {
    "surname": _name_keys,
    "given_names": _name_keys,
    "name_native": _name_keys,
    "sponsor_name": _sponsor_keys,
    **{column: _identifier_keys(column) for column in _TRAVELLER_ATTR},
}


def _birth_days(table: pa.Table) -> tuple[pa.Array, pa.Table]:
    """Each row's date of birth as a day number, and a (d, v) table: for each distinct day,
    the days a listed date of birth may hold and still agree (``dob_variants``), and
    ``NO_DOB``."""
    if "date_of_birth" in table.column_names:
        born = pc.cast(table.column("date_of_birth"), pa.date32())
        days = pc.cast(born, pa.int32()).combine_chunks()
        distinct = [d for d in pc.unique(born).to_pylist() if d is not None]
    else:
        days = pa.nulls(table.num_rows, pa.int32())
        distinct = []
    variant_d: list[int] = []
    variant_v: list[int] = []
    for day in distinct:
        for v in [*(day_key(x) for x in dob_variants(day)), NO_DOB]:
            variant_d.append(day_key(day))
            variant_v.append(v)
    variants = pa.table(
        {"d": pa.array(variant_d, pa.int32()), "v": pa.array(variant_v, pa.int32())}
    )
    return days, variants


_NAME_TOKENS_SQL = " UNION ".join(
    f"SELECT t, k AS tok, d FROM trav JOIN k_{c} k ON trav.{c} = k.code"  # noqa: S608
    for c in ("surname", "given_names", "name_native")
)
_EXACT_SQL = " ".join(
    f"UNION SELECT t, e FROM trav JOIN k_{c} k ON trav.{c} = k.code"  # noqa: S608
    f" JOIN ek_{kind} ek ON ek.k = k.k"
    for c, kind in _EXACT_JOINS
)
#: candidate (row, entry) pairs: a shared name token with an agreeing (or missing) date of
#: birth, or an equal identifier key
_CANDIDATES_SQL = f"""
    WITH tt AS ({_NAME_TOKENS_SQL})
    SELECT tt.t, ek.e FROM tt
      JOIN dv ON dv.d = tt.d
      JOIN ek_person ek ON ek.tok = tt.tok AND ek.d = dv.v
    UNION
    SELECT tt.t, ek.e FROM tt JOIN ek_person ek ON ek.tok = tt.tok WHERE tt.d IS NULL
    {_EXACT_SQL}
    ORDER BY 1, 2
"""  # noqa: S608 - table and column names are constants of this module
