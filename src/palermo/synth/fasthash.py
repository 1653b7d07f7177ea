"""Keyed document hashes for millions of generated numbers, identical to ``document_hash``.

The implementation lives with the records (``palermo.records.hashing.hmac_hex32``), where the
readers hash plain document numbers with it; the generator imports it from here.
"""

from __future__ import annotations

from palermo.records.hashing import hmac_hex32

__all__ = ["hmac_hex32"]
