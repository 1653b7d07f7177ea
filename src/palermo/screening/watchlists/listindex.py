"""One watchlist version's index, built once and kept as bytes: what a server process loads
instead of preparing a million entries again.

A ``ListIndex`` holds, for one list:

- its entries *prepared* (every reading of every name, the lookup tokens, phone keys) as one
  byte string of ``marshal`` records with their offsets; an entry becomes a ``PreparedEntry``
  only when it is a candidate (``entry``), with the list's id and *current* threshold, so a
  threshold changed by a supervisor needs no rebuild;
- its lookup keys as Arrow tables (``person``: name token, day of birth, entry; the others:
  key, entry), each sorted by a 64-bit BLAKE2b hash of the key. One traveller's candidates are
  binary searches in those hashes (``candidates``); a whole table's are a DuckDB join on the
  same tables (``WatchlistIndex.candidate_pairs``).

``to_bytes`` and ``from_bytes`` turn it into one byte string and back. Loading maps the
sections where they lie (Arrow IPC and NumPy views of the same buffer, nothing copied or
parsed per entry), so a million entries load in well under a second once the bytes are in
memory; building them takes about half a minute (``benchmarks/bench_watchlist.py``). Whoever
keeps the bytes on disk encrypts them: they hold listed people's names
(``palermo.web.watchlists.index_files`` seals them with AES-256-GCM).

>>> import datetime as dt
>>> from palermo.screening.watchlists.model import Entry, EntryKind, ListInfo, Watchlist
>>> info = ListInfo("demo", "Demo", "Unit A", "testing", "none", dt.date(2099, 1, 1))
>>> built = ListIndex.build(Watchlist(info, (Entry("p1", EntryKind.PERSON, ("张伟",)),)))
>>> again = ListIndex.from_bytes(built.to_bytes())
>>> again.version == built.version, again.entry(0, list_index=0).forms[0].text
(True, 'zhang wei')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import marshal
import struct
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from palermo.errors import PalermoError
from palermo.screening.watchlists.matching import PreparedEntry, day_key, prepare_entry
from palermo.screening.watchlists.model import Entry, EntryKind, ListInfo, Watchlist
from palermo.screening.watchlists.names import NameForm

MAGIC = b"PALERMO-WATCHLIST-INDEX-1\n"
FORMAT = 1
_LENGTH = struct.Struct("<Q")
_ALIGN = 64
#: entries kept prepared in memory per list (candidates recur: the batch path scores many
#: travellers against the same entries)
ENTRY_CACHE = 200_000

#: key tables and the name of their key column (the DuckDB join's column names)
KEY_TABLES: dict[str, str] = {
    "person": "tok",
    "organisation": "k",
    "registration": "k",
    "document": "k",
    "phone": "k",
    "email": "k",
}


class IndexFormatError(PalermoError):
    """Bytes that are not a watchlist index of this format."""


def key_hash(key: str) -> int:
    """The 64-bit hash a key is sorted and looked up by (the same in every process, unlike
    Python's ``hash``)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _hashes(keys: Iterable[str]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    return np.fromiter((key_hash(k) for k in keys), dtype=np.uint64)


def _entry_record(p: PreparedEntry) -> tuple[Any, ...]:
    e = p.entry
    return (
        e.entry_id,
        e.kind.value,
        e.names,
        e.date_of_birth.toordinal() if e.date_of_birth else None,
        e.nationality,
        e.document_hash,
        e.registration_numbers,
        e.phones,
        e.emails,
        e.note,
        tuple((f.written, f.tokens, f.spelled, f.from_han) for f in p.forms),
        tuple(sorted(p.tokens)),
        tuple(sorted(p.phone_keys)),
    )


def _prepared(record: tuple[Any, ...], *, list_index: int, info: ListInfo) -> PreparedEntry:
    (entry_id, kind, names, born, nationality, doc, registrations, phones, emails, note) = record[
        :10
    ]
    forms, tokens, phone_keys = record[10:]
    return PreparedEntry(
        list_index=list_index,
        list_id=info.list_id,
        threshold=info.threshold,
        entry=Entry(
            entry_id=entry_id,
            kind=EntryKind(kind),
            names=names,
            date_of_birth=dt.date.fromordinal(born) if born is not None else None,
            nationality=nationality,
            document_hash=doc,
            registration_numbers=registrations,
            phones=phones,
            emails=emails,
            note=note,
        ),
        forms=tuple(NameForm(*f) for f in forms),
        tokens=frozenset(tokens),
        phone_keys=frozenset(phone_keys),
    )


def _info_json(info: ListInfo) -> dict[str, Any]:
    return {**dataclasses.asdict(info), "expires": info.expires.isoformat()}


def _info_of(data: dict[str, Any]) -> ListInfo:
    return ListInfo(**{**data, "expires": dt.date.fromisoformat(data["expires"])})


def _sorted_table(rows: dict[str, list[Any]], key_column: str, person: bool) -> pa.Table:
    """A key table sorted by (hash, key, day, entry), with its hash column."""
    keys = pa.array(rows[key_column], pa.string())
    columns: dict[str, pa.Array] = {
        "h": pa.array(_hashes(rows[key_column]), pa.uint64()),
        key_column: keys,
    }
    if person:
        columns["d"] = pa.array(rows["d"], pa.int32())
    columns["e"] = pa.array(rows["e"], pa.int32())
    table = pa.table(columns)
    order = [("h", "ascending"), (key_column, "ascending")]
    if person:
        order.append(("d", "ascending"))
    order.append(("e", "ascending"))
    return table.sort_by(order).combine_chunks()


class ListIndex:
    """The index of one list version (see the module's text)."""

    def __init__(
        self,
        *,
        info: ListInfo,
        content: str,
        blob: bytes | memoryview,
        offsets: np.ndarray[Any, np.dtype[np.int64]],
        tables: dict[str, pa.Table],
    ) -> None:
        self.info = info
        #: a digest of the entries (not of the description): what was built
        self.content = content
        self._blob = blob
        self._offsets = offsets
        self.tables = tables
        self._h = {n: t.column("h").to_numpy() for n, t in tables.items()}
        self._e = {n: t.column("e").to_numpy() for n, t in tables.items()}
        self._days = tables["person"].column("d").to_numpy()
        self._record = lru_cache(maxsize=ENTRY_CACHE)(self._unmarshal)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @property
    def version(self) -> str:
        """A stamp of the list as used: its description (threshold, expiry) and its entries."""
        stamp = hashlib.sha256(repr(self.info).encode())
        stamp.update(self.content.encode())
        return stamp.hexdigest()[:12]

    def with_info(self, info: ListInfo) -> ListIndex:
        """The same entries under another description (a new threshold or expiry date)."""
        if info.list_id != self.info.list_id:
            raise ValueError(f"index of {self.info.list_id!r}, not of {info.list_id!r}")
        return ListIndex(
            info=info,
            content=self.content,
            blob=self._blob,
            offsets=self._offsets,
            tables=self.tables,
        )

    # --- building -------------------------------------------------------------------------

    @classmethod
    def build(cls, watchlist: Watchlist) -> ListIndex:
        """Prepare every entry of ``watchlist`` and its lookup keys (the slow part: the
        readings of every name)."""
        info = watchlist.info
        content = hashlib.sha256()
        parts: list[bytes] = []
        rows: dict[str, dict[str, list[Any]]] = {
            name: {column: [], "e": [], **({"d": []} if name == "person" else {})}
            for name, column in KEY_TABLES.items()
        }
        person, org = rows["person"], rows["organisation"]
        for idx, entry in enumerate(watchlist.entries):
            content.update(repr(entry).encode())
            p = prepare_entry(entry, list_index=0, list_id=info.list_id, threshold=info.threshold)
            parts.append(marshal.dumps(_entry_record(p)))
            if entry.kind is EntryKind.PERSON:
                day = day_key(entry.date_of_birth)
                for tok in p.tokens:
                    person["tok"].append(tok)
                    person["d"].append(day)
                    person["e"].append(idx)
            elif entry.kind is EntryKind.ORGANISATION:
                for tok in p.tokens:
                    org["k"].append(tok)
                    org["e"].append(idx)
                for number in entry.registration_numbers:
                    rows["registration"]["k"].append(number)
                    rows["registration"]["e"].append(idx)
            if entry.document_hash:
                rows["document"]["k"].append(entry.document_hash)
                rows["document"]["e"].append(idx)
            for key in p.phone_keys:
                rows["phone"]["k"].append(key)
                rows["phone"]["e"].append(idx)
            for email in entry.emails:
                rows["email"]["k"].append(email)
                rows["email"]["e"].append(idx)
        offsets = np.zeros(len(parts) + 1, np.int64)
        np.cumsum([len(p) for p in parts], out=offsets[1:])
        tables = {
            name: _sorted_table(rows[name], column, name == "person")
            for name, column in KEY_TABLES.items()
        }
        return cls(
            info=info,
            content=content.hexdigest(),
            blob=b"".join(parts),
            offsets=offsets,
            tables=tables,
        )

    # --- bytes ----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The index as one byte string: a header (format, description, sections) and the
        sections, each aligned for zero-copy loading."""
        sections: dict[str, bytes] = {
            "entries": bytes(self._blob),
            "offsets": self._offsets.astype("<i8").tobytes(),
        }
        for name, table in self.tables.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            sections[f"table:{name}"] = sink.getvalue().to_pybytes()
        layout: dict[str, list[int]] = {}
        position = 0
        for name, data in sections.items():
            position += -position % _ALIGN
            layout[name] = [position, len(data)]
            position += len(data)
        header = json.dumps(
            {
                "format": FORMAT,
                "info": _info_json(self.info),
                "content": self.content,
                "entries": len(self),
                "sections": layout,
            },
            sort_keys=True,
        ).encode()
        start = len(MAGIC) + _LENGTH.size + len(header)
        start += -start % _ALIGN
        out = bytearray(MAGIC + _LENGTH.pack(len(header)) + header)
        out += bytes(start - len(out))
        for name, data in sections.items():
            offset = start + layout[name][0]
            out += bytes(offset - len(out))
            out += data
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> ListIndex:
        """The index ``to_bytes`` wrote; ``IndexFormatError`` for anything else."""
        view = memoryview(data)
        if bytes(view[: len(MAGIC)]) != MAGIC:
            raise IndexFormatError("not a watchlist index")
        try:
            (length,) = _LENGTH.unpack(view[len(MAGIC) : len(MAGIC) + _LENGTH.size])
            at = len(MAGIC) + _LENGTH.size
            header = json.loads(bytes(view[at : at + length]))
            if header.get("format") != FORMAT:
                raise IndexFormatError(f"index format {header.get('format')}, expected {FORMAT}")
            start = at + length
            start += -start % _ALIGN
            buffer = pa.py_buffer(data)

            def section(name: str) -> pa.Buffer:
                offset, size = header["sections"][name]
                if start + offset + size > len(view):
                    raise IndexFormatError(f"section {name} cut short")
                return buffer.slice(start + offset, size)

            tables = {
                name: pa.ipc.open_stream(section(f"table:{name}")).read_all() for name in KEY_TABLES
            }
            offsets = np.frombuffer(section("offsets"), dtype="<i8")
            if len(offsets) != header["entries"] + 1:
                raise IndexFormatError("entry offsets do not match the entry count")
            return cls(
                info=_info_of(header["info"]),
                content=header["content"],
                blob=memoryview(section("entries")),
                offsets=offsets,
                tables=tables,
            )
        except (KeyError, TypeError, ValueError, pa.ArrowInvalid) as exc:
            raise IndexFormatError(f"damaged watchlist index ({exc})") from None

    # --- lookups --------------------------------------------------------------------------

    def _unmarshal(self, idx: int) -> tuple[Any, ...]:
        # marshal builds data, never runs it; the bytes are this module's own, kept
        # authenticated (AES-GCM) by whoever stores them
        record: tuple[Any, ...] = marshal.loads(  # noqa: S302
            self._blob[int(self._offsets[idx]) : int(self._offsets[idx + 1])]
        )
        return record

    def entry(self, idx: int, *, list_index: int) -> PreparedEntry:
        """Entry ``idx`` prepared, with this list's id and threshold."""
        return _prepared(self._record(idx), list_index=list_index, info=self.info)

    def _ranges(self, table: str, keys: Sequence[str]) -> list[tuple[str, int, int]]:
        """For each key, the rows of ``table`` holding it (``lo``, ``hi``)."""
        if not keys:
            return []
        hashes = self._h[table]
        wanted = _hashes(keys)
        lows = np.searchsorted(hashes, wanted, side="left").tolist()
        highs = np.searchsorted(hashes, wanted, side="right").tolist()
        column = self.tables[table].column(KEY_TABLES[table])
        out: list[tuple[str, int, int]] = []
        for key, low, high in zip(keys, lows, highs, strict=True):
            if low == high:
                continue
            if column[low].as_py() == key and column[high - 1].as_py() == key:
                out.append((key, low, high))
                continue
            # two keys share a hash (rows sorted by hash, then key): keep this key's rows
            rows = [r for r in range(low, high) if column[r].as_py() == key]
            if rows:
                out.append((key, rows[0], rows[-1] + 1))
        return out

    def lookup(self, table: str, keys: Sequence[str]) -> set[int]:
        """Entries whose ``table`` key is one of ``keys``."""
        found: set[int] = set()
        entries = self._e[table]
        for _key, lo, hi in self._ranges(table, keys):
            found.update(entries[lo:hi].tolist())
        return found

    def lookup_person(self, tokens: Sequence[str], days: Sequence[int] | None) -> set[int]:
        """People sharing a name token, born on one of ``days`` (``None``: any day)."""
        if days is None:
            return self.lookup("person", tokens)
        found: set[int] = set()
        entries = self._e["person"]
        for _key, lo, hi in self._ranges("person", tokens):
            born = self._days[lo:hi]  # sorted within one key
            for day in days:
                a = int(np.searchsorted(born, day, side="left"))
                b = int(np.searchsorted(born, day, side="right"))
                if a < b:
                    found.update(entries[lo + a : lo + b].tolist())
        return found
