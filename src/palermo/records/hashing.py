"""Keyed hashes of document numbers: matchable, never stored in plain text.

The key comes from ``PALERMO_HASH_KEY`` (text), ``PALERMO_HASH_KEY_FILE`` (a file), or a key
file created once under the data directory (``PALERMO_DATA_DIR``, default ``./var``). Two
systems that share the key can match documents without exchanging numbers.

>>> document_hash("E 1234567<", key=b"k") == document_hash("e1234567", key=b"k")
True
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NOISE = re.compile(r"[\s<\-]")


def data_dir() -> Path:
    return Path(os.environ.get("PALERMO_DATA_DIR", "var"))


@lru_cache(maxsize=4)
def _key_from(env_key: str | None, env_file: str | None, default_file: str) -> bytes:
    if env_key:
        return env_key.encode("utf-8")
    path = Path(env_file) if env_file else Path(default_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def hash_key() -> bytes:
    return _key_from(
        os.environ.get("PALERMO_HASH_KEY"),
        os.environ.get("PALERMO_HASH_KEY_FILE"),
        str(data_dir() / "keys" / "document-hash.key"),
    )


def normalise_document_number(number: str) -> str:
    return _NOISE.sub("", number).upper()


def document_hash(number: str, *, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the normalised number, first 32 hex digits."""
    mac = hmac.new(key or hash_key(), normalise_document_number(number).encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def document_hash_array(
    numbers: pa.Array | pa.ChunkedArray, *, key: bytes | None = None
) -> pa.Array:
    """``document_hash`` of every number of a column (null or blank: null), vectorised: the
    numbers are normalised by Arrow kernels and hashed by ``hmac_hex32``.

    >>> document_hash_array(pa.array(["e 1234567<", None, " "]), key=b"k").to_pylist() == [
    ...     document_hash("E1234567", key=b"k"), None, None]
    True
    """
    text = pc.cast(numbers, pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    # ASCII numbers (nearly all) are normalised by Arrow kernels; any other goes through
    # Python's own rules, whose whitespace and upper case differ from RE2's beyond ASCII
    present = np.asarray(
        pc.invert(pc.fill_null(pc.equal(pc.utf8_trim_whitespace(text), ""), True)), dtype=bool
    ).copy()
    clean: list[str | None] = pc.utf8_upper(
        pc.replace_substring_regex(text, _NOISE.pattern, "")
    ).to_pylist()
    unusual = pc.indices_nonzero(pc.invert(pc.fill_null(pc.string_is_ascii(text), True)))
    for i in unusual.to_pylist():
        number = text[i].as_py()
        present[i] = bool(number.strip())
        clean[i] = normalise_document_number(number)
    rows = np.flatnonzero(present)
    hashed = hmac_hex32([clean[i].encode() for i in rows.tolist()], key or hash_key())  # type: ignore[union-attr]
    at = np.full(len(text), -1, dtype=np.int64)
    at[rows] = np.arange(rows.size)
    return pc.take(hashed, pa.array(at, mask=~present))


_BLOCK = 64  # SHA-256 block size in bytes
_KEEP = 16  # bytes of the digest kept: document_hash keeps 32 hex digits


def hmac_hex32(messages: Sequence[bytes], key: bytes) -> pa.StringArray:
    """The first 32 hex digits of HMAC-SHA256(key, message) for each (already normalised) number.

    ``document_hash`` builds one ``hmac`` object per number; here the two padded key states are
    prepared once and copied per number, and the hex encoding of all digests is done in one
    call. The result is the same HMAC-SHA256 (RFC 2104), checked by the tests.

    >>> hmac_hex32([b"E12345678"], b"k")[0].as_py() == document_hash("E12345678", key=b"k")
    True
    """
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    digests: list[bytes] = []
    append = digests.append
    for message in messages:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        append(o.digest())
    n = len(digests)
    if n == 0:
        return pa.array([], type=pa.string())
    kept = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(n, 32)[:, :_KEEP]
    text = binascii.hexlify(np.ascontiguousarray(kept).tobytes())
    offsets = np.arange(0, (n + 1) * 2 * _KEEP, 2 * _KEEP, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text))
