"""Keyed hashes of document numbers: matchable, never stored in plain text.

The key comes from ``PALERMO_HASH_KEY`` (text), ``PALERMO_HASH_KEY_FILE`` (a file), or a key
file created once under the data directory (``PALERMO_DATA_DIR``, default ``./var``). Two
systems that share the key can match documents without exchanging numbers.

>>> document_hash("E 1234567<", key=b"k") == document_hash("e1234567", key=b"k")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

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
    k = key or hash_key()
    return pa.array(
        [
            None if n is None or not n.strip() else document_hash(n, key=k)
            for n in numbers.to_pylist()
        ],
        type=pa.string(),
    )
