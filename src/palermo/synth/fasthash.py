"""Keyed document hashes for millions of generated numbers, identical to ``document_hash``.

``palermo.records.hashing.document_hash`` builds one ``hmac`` object per number; here the two
padded key states are prepared once and copied per number, and the hex encoding of all digests
is done in one call. The result is the same HMAC-SHA256 (RFC 2104), checked by the tests.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

_BLOCK = 64  # SHA-256 block size in bytes
_KEEP = 16  # bytes of the digest kept: document_hash keeps 32 hex digits


def hmac_hex32(messages: Sequence[bytes], key: bytes) -> pa.StringArray:
    """The first 32 hex digits of HMAC-SHA256(key, message) for each (already normalised) number.

    >>> from palermo.records.hashing import document_hash
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
