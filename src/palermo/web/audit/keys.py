"""The audit log's signing keys: HMAC-SHA256 keys kept in a file outside the database.

``PALERMO_AUDIT_KEY_FILE`` (default ``<data dir>/audit-keys``) holds one key per line, newest
first, each 64 hex digits (32 random bytes); it is created with mode 0600 on first use. Every
audit entry stores the id of the key that signed it (first 8 hex digits of the key's
SHA-256), so ``palermo keys rotate`` can put a new key first and keep the old ones for
verifying older entries. Someone who can rewrite the database but not read this file cannot
forge a signature, so a recomputed chain fails ``palermo audit verify``.

>>> ring = AuditKeyRing.from_text("00" * 32, source="doctest")
>>> kid, mac = ring.sign("entry:abc")
>>> ring.verify(kid, "entry:abc", mac), ring.verify(kid, "entry:abd", mac)
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from palermo.errors import PalermoError

KEY_BYTES = 32


class AuditKeyError(PalermoError):
    """The audit key file is missing a key, malformed, or lacks the key an entry names."""


def audit_key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class AuditKeyRing:
    keys: tuple[bytes, ...]

    @classmethod
    def from_text(cls, text: str, *, source: str) -> AuditKeyRing:
        keys: list[bytes] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            item = raw.strip()
            if not item or item.startswith("#"):
                continue
            try:
                key = bytes.fromhex(item)
            except ValueError:
                key = b""
            if len(key) != KEY_BYTES:
                raise AuditKeyError(
                    f"{source}: line {number} is not an audit key (64 hexadecimal digits)"
                )
            keys.append(key)
        if not keys:
            raise AuditKeyError(f"{source}: no audit key found")
        if len({audit_key_id(k) for k in keys}) != len(keys):
            raise AuditKeyError(f"{source}: the same key is listed twice")
        return cls(tuple(keys))

    @property
    def newest_id(self) -> str:
        return audit_key_id(self.keys[0])

    @property
    def ids(self) -> list[str]:
        return [audit_key_id(k) for k in self.keys]

    def _key(self, kid: str) -> bytes | None:
        return next((k for k in self.keys if audit_key_id(k) == kid), None)

    def knows(self, kid: str) -> bool:
        return self._key(kid) is not None

    def sign(self, message: str) -> tuple[str, str]:
        """``(key id, HMAC-SHA256 hex)`` of ``message`` with the newest key."""
        key = self.keys[0]
        return audit_key_id(key), hmac.new(key, message.encode("utf-8"), "sha256").hexdigest()

    def verify(self, kid: str, message: str, mac: str) -> bool:
        key = self._key(kid)
        if key is None:
            return False
        expected = hmac.new(key, message.encode("utf-8"), "sha256").hexdigest()
        return hmac.compare_digest(expected, mac)


def new_audit_key() -> str:
    return secrets.token_hex(KEY_BYTES)


def _write_new_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600 (folder 0700 if created)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def _ensure_file(path: Path) -> None:
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it a moment ago
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(new_audit_key() + "\n")
        handle.flush()
        os.fsync(handle.fileno())


_lock = threading.Lock()
_cached: tuple[str, int, AuditKeyRing] | None = None


def audit_key_file() -> Path:
    from django.conf import settings

    return Path(settings.AUDIT_KEY_FILE)


def audit_keyring() -> AuditKeyRing:
    """The key ring from the key file, re-read when the file changes (a rotation by another
    process is picked up without a restart)."""
    global _cached  # noqa: PLW0603  (one cached ring per process)
    path = audit_key_file()
    with _lock:
        _ensure_file(path)
        stamp = path.stat().st_mtime_ns
        if _cached is None or _cached[0] != str(path) or _cached[1] != stamp:
            ring = AuditKeyRing.from_text(path.read_text(encoding="ascii"), source=str(path))
            _cached = (str(path), stamp, ring)
        return _cached[2]


def audit_key_rotate() -> str:
    """Put a new key first in the key file (older keys stay for verifying); its id."""
    path = audit_key_file()
    ring = audit_keyring()
    fresh = new_audit_key()
    lines = [fresh, *(k.hex() for k in ring.keys)]
    with _lock:
        _write_new_file(path, "\n".join(lines) + "\n")
    return audit_key_id(bytes.fromhex(fresh))
