"""An index over watchlists: one traveller in real time, or a whole manifest in one join.

Candidates are found by blocking, never by comparing a traveller with every entry:

- people by each name token (canonical pinyin for Chinese surnames in any romanisation) together
  with the date of birth and its tolerated variants (day and month swapped, one year apart), or
  with "no date" for entries listed without one; a traveller without a date of birth is looked
  up by name token alone;
- organisations by the name tokens of the traveller's sponsor, and by registration number;
- anyone by document hash, phone number (last eight digits) and e-mail address.

``match_record`` looks these keys up in dictionaries; ``match_table`` builds the same keys as
columns and joins them with the entries' keys in DuckDB. Both then score every candidate pair
with ``matching.score_pair``, so the two paths give the same matches.

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

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from palermo.screening.watchlists.loading import load_directory
from palermo.screening.watchlists.matching import (
    NO_DOB,
    PreparedEntry,
    Traveller,
    dob_variants,
    prepare_entry,
    score_pair,
    traveller_from_record,
)
from palermo.screening.watchlists.model import (
    PHONE_KEY_DIGITS,
    EntryKind,
    Watchlist,
    WatchlistMatch,
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

#: The record fields matching reads.
MATCH_FIELDS = (
    "record_id",
    "surname",
    "given_names",
    "name_native",
    "date_of_birth",
    "nationality",
    "document_number_hash",
    "sponsor_name",
    "sponsor_registration",
    "contact_phone",
    "contact_email",
)


def _ordinal(day: dt.date | None) -> int:
    return day.toordinal() if day is not None else NO_DOB


@dataclass(slots=True)
class _Lookup:
    person_dated: dict[tuple[str, int], list[int]]
    person_any: dict[str, list[int]]
    document: dict[str, list[int]]
    phone: dict[str, list[int]]
    email: dict[str, list[int]]
    organisation: dict[str, list[int]]
    registration: dict[str, list[int]]


class WatchlistIndex:
    """Every entry of the given (unexpired) lists, ready for matching."""

    def __init__(self, lists: Sequence[Watchlist]) -> None:
        self.lists = tuple(lists)
        self.entries: list[PreparedEntry] = [
            prepare_entry(
                entry,
                list_index=i,
                list_id=wl.info.list_id,
                threshold=wl.info.threshold,
            )
            for i, wl in enumerate(self.lists)
            for entry in wl.entries
        ]
        self._lock = threading.Lock()
        self._lookup: _Lookup | None = None
        self._key_tables: dict[str, pa.Table] | None = None

    @classmethod
    def from_directory(
        cls, directory: str | Path, *, today: dt.date | None = None
    ) -> WatchlistIndex:
        """The unexpired lists stored in a watchlist directory."""
        return cls(load_directory(directory, today=today))

    def __len__(self) -> int:
        return len(self.entries)

    # --- keys, defined once for both paths ------------------------------------------------

    def _entry_keys(self) -> dict[str, list[tuple[Any, ...]]]:
        keys: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for idx, prepared in enumerate(self.entries):
            entry = prepared.entry
            if entry.kind is EntryKind.PERSON:
                day = _ordinal(entry.date_of_birth)
                keys["person"].extend((tok, day, idx) for tok in prepared.tokens)
            elif entry.kind is EntryKind.ORGANISATION:
                keys["organisation"].extend((tok, idx) for tok in prepared.tokens)
                keys["registration"].extend((r, idx) for r in entry.registration_numbers)
            if entry.document_hash:
                keys["document"].append((entry.document_hash, idx))
            keys["phone"].extend((k, idx) for k in prepared.phone_keys)
            keys["email"].extend((m, idx) for m in entry.emails)
        return keys

    def _build_lookup(self) -> _Lookup:
        keys = self._entry_keys()

        def group(rows: Iterable[tuple[Any, ...]]) -> dict[Any, list[int]]:
            out: dict[Any, list[int]] = defaultdict(list)
            for *key, idx in rows:
                out[key[0] if len(key) == 1 else tuple(key)].append(idx)
            return dict(out)

        person_any: dict[str, list[int]] = defaultdict(list)
        for tok, _day, idx in keys["person"]:
            person_any[tok].append(idx)
        return _Lookup(
            person_dated=group(keys["person"]),
            person_any=dict(person_any),
            document=group(keys["document"]),
            phone=group(keys["phone"]),
            email=group(keys["email"]),
            organisation=group(keys["organisation"]),
            registration=group(keys["registration"]),
        )

    def _get_lookup(self) -> _Lookup:
        with self._lock:
            if self._lookup is None:
                self._lookup = self._build_lookup()
            return self._lookup

    # --- one traveller ---------------------------------------------------------------------

    def candidates(self, traveller: Traveller) -> set[int]:
        """Indices of the entries sharing at least one key with the traveller."""
        look = self._get_lookup()
        found: set[int] = set()

        def add(table: Mapping[Any, list[int]], key: object) -> None:
            hit = table.get(key)
            if hit:
                found.update(hit)

        if traveller.date_of_birth is not None:
            days = [d.toordinal() for d in dob_variants(traveller.date_of_birth)] + [NO_DOB]
            for tok in traveller.tokens:
                for day in days:
                    add(look.person_dated, (tok, day))
        else:
            for tok in traveller.tokens:
                add(look.person_any, tok)
        if traveller.document_hash:
            add(look.document, traveller.document_hash)
        if traveller.phone:
            add(look.phone, traveller.phone[-PHONE_KEY_DIGITS:])
        if traveller.email:
            add(look.email, traveller.email)
        for tok in traveller.sponsor_tokens:
            add(look.organisation, tok)
        if traveller.sponsor_registration:
            add(look.registration, traveller.sponsor_registration)
        return found

    def match_traveller(self, traveller: Traveller) -> list[WatchlistMatch]:
        matches = [
            m
            for idx in self.candidates(traveller)
            if (m := score_pair(traveller, self.entries[idx])) is not None
        ]
        return sorted(matches, key=WatchlistMatch.sort_key)

    def match_record(self, record: Mapping[str, Any]) -> list[WatchlistMatch]:
        """Matches of one traveller record (a mapping of canonical field to value), best first."""
        return self.match_traveller(traveller_from_record(record))

    # --- a whole table ----------------------------------------------------------------------

    def _get_key_tables(self) -> dict[str, pa.Table]:
        with self._lock:
            if self._key_tables is None:
                keys = self._entry_keys()
                person = keys.get("person", [])
                tables = {
                    "ek_person": pa.table(
                        {
                            "tok": pa.array([k[0] for k in person], pa.string()),
                            "d": pa.array([k[1] for k in person], pa.int32()),
                            "e": pa.array([k[2] for k in person], pa.int32()),
                        }
                    )
                }
                for name in ("document", "phone", "email", "organisation", "registration"):
                    rows = keys.get(name, [])
                    tables[f"ek_{name}"] = pa.table(
                        {
                            "k": pa.array([r[0] for r in rows], pa.string()),
                            "e": pa.array([r[1] for r in rows], pa.int32()),
                        }
                    )
                self._key_tables = tables
            return self._key_tables

    def candidate_pairs(self, table: pa.Table) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(row, entry index) of every candidate pair of a table of traveller records, sorted."""
        n = table.num_rows
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if n == 0 or not self.entries:
            return empty
        cols = {
            name: (table.column(name).to_pylist() if name in table.column_names else [None] * n)
            for name in MATCH_FIELDS
            if name != "record_id"
        }
        name_cache: dict[tuple[Any, Any, Any], frozenset[str]] = {}
        sponsor_cache: dict[Any, frozenset[str]] = {}
        t_rows: list[int] = []
        t_toks: list[str] = []
        t_days: list[int | None] = []
        sp_rows: list[int] = []
        sp_toks: list[str] = []
        by_kind: dict[str, tuple[list[int], list[str]]] = {
            k: ([], []) for k in ("document", "phone", "email", "registration")
        }
        dobs: set[dt.date] = set()
        # The traveller's keys are computed by the same function as in real time, once per
        # distinct combination of the values they depend on.
        for row in range(n):
            name_key = (cols["surname"][row], cols["given_names"][row], cols["name_native"][row])
            tokens = name_cache.get(name_key)
            if tokens is None:
                tokens = traveller_from_record(
                    {"surname": name_key[0], "given_names": name_key[1], "name_native": name_key[2]}
                ).tokens
                name_cache[name_key] = tokens
            day = cols["date_of_birth"][row]
            if isinstance(day, str):
                day = dt.date.fromisoformat(day) if day else None
            if day is not None:
                dobs.add(day)
            for tok in tokens:
                t_rows.append(row)
                t_toks.append(tok)
                t_days.append(day.toordinal() if day is not None else None)
            sponsor = cols["sponsor_name"][row]
            if sponsor:
                stoks = sponsor_cache.get(sponsor)
                if stoks is None:
                    stoks = traveller_from_record({"sponsor_name": sponsor}).sponsor_tokens
                    sponsor_cache[sponsor] = stoks
                for tok in stoks:
                    sp_rows.append(row)
                    sp_toks.append(tok)
            if any(
                cols[f][row]
                for f in (
                    "document_number_hash",
                    "contact_phone",
                    "contact_email",
                    "sponsor_registration",
                )
            ):
                t = traveller_from_record(
                    {
                        f: cols[f][row]
                        for f in (
                            "document_number_hash",
                            "contact_phone",
                            "contact_email",
                            "sponsor_registration",
                        )
                    }
                )
                for kind, value in (
                    ("document", t.document_hash),
                    ("phone", t.phone[-PHONE_KEY_DIGITS:] if t.phone else None),
                    ("email", t.email),
                    ("registration", t.sponsor_registration),
                ):
                    if value:
                        by_kind[kind][0].append(row)
                        by_kind[kind][1].append(value)
        variants_d: list[int] = []
        variants_v: list[int] = []
        for day in dobs:
            for v in [*(x.toordinal() for x in dob_variants(day)), NO_DOB]:
                variants_d.append(day.toordinal())
                variants_v.append(v)
        probes = {
            "tt": pa.table(
                {
                    "t": pa.array(t_rows, pa.int64()),
                    "tok": pa.array(t_toks, pa.string()),
                    "d": pa.array(t_days, pa.int32()),
                }
            ),
            "dv": pa.table(
                {"d": pa.array(variants_d, pa.int32()), "v": pa.array(variants_v, pa.int32())}
            ),
            "tsp": pa.table(
                {"t": pa.array(sp_rows, pa.int64()), "k": pa.array(sp_toks, pa.string())}
            ),
        }
        for kind, (rows, values) in by_kind.items():
            probes[f"t_{kind}"] = pa.table(
                {"t": pa.array(rows, pa.int64()), "k": pa.array(values, pa.string())}
            )
        con = duckdb.connect()
        try:
            for name, tbl in {**self._get_key_tables(), **probes}.items():
                con.register(name, tbl)
            sql = """
                SELECT tt.t, ek.e FROM tt
                  JOIN dv ON dv.d = tt.d
                  JOIN ek_person ek ON ek.tok = tt.tok AND ek.d = dv.v
                UNION
                SELECT tt.t, ek.e FROM tt JOIN ek_person ek ON ek.tok = tt.tok WHERE tt.d IS NULL
                UNION
                SELECT tsp.t, ek.e FROM tsp JOIN ek_organisation ek ON ek.k = tsp.k
                UNION SELECT p.t, ek.e FROM t_document p JOIN ek_document ek ON ek.k = p.k
                UNION SELECT p.t, ek.e FROM t_phone p JOIN ek_phone ek ON ek.k = p.k
                UNION SELECT p.t, ek.e FROM t_email p JOIN ek_email ek ON ek.k = p.k
                UNION SELECT p.t, ek.e FROM t_registration p JOIN ek_registration ek ON ek.k = p.k
                ORDER BY 1, 2
            """
            pairs: pa.Table = con.sql(sql).to_arrow_table()
        finally:
            con.close()
        return (
            pairs.column(0).to_numpy().astype(np.int64),
            pairs.column(1).to_numpy().astype(np.int64),
        )

    def match_table(self, table: pa.Table) -> pa.Table:
        """Matches of every record of a table (``MATCH_SCHEMA``), by row, best match first."""
        out: dict[str, list[Any]] = {name: [] for name in MATCH_SCHEMA.names}
        has_id = "record_id" in table.column_names
        for row, found in sorted(self.matches_by_row(table).items()):
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

    def matches_by_row(self, table: pa.Table) -> dict[int, list[WatchlistMatch]]:
        """``match_table`` as match objects, keyed by row (rows without a match are absent)."""
        rows, entries = self.candidate_pairs(table)
        out: dict[int, list[WatchlistMatch]] = {}
        if not len(rows):
            return out
        wanted = np.unique(rows)
        present = [f for f in MATCH_FIELDS if f in table.column_names]
        subset = table.select(present).take(pa.array(wanted)).to_pylist()
        travellers = {
            row: traveller_from_record(rec)
            for row, rec in zip(wanted.tolist(), subset, strict=True)
        }
        for row, idx in zip(rows.tolist(), entries.tolist(), strict=True):
            match = score_pair(travellers[row], self.entries[idx])
            if match is not None:
                out.setdefault(row, []).append(match)
        for found in out.values():
            found.sort(key=WatchlistMatch.sort_key)
        return out
