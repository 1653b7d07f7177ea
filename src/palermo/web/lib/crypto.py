"""Field encryption at rest: Fernet (AES-128-CBC + HMAC-SHA256) with named keys.

Keys come from ``PALERMO_FIELD_KEYS`` (comma-separated, newest first) or, when that is unset,
from ``<data dir>/field-keys`` (one key per line, newest first), created on first use.

A stored value reads ``f1:<key id>:<Fernet token>``; the key id (first 8 hex digits of the
key's SHA-256) tells which key decrypts it and lets ``palermo keys rotate`` find rows still on
an older key with a plain prefix query.

>>> ring = KeyRing.from_text(Fernet.generate_key().decode(), source="doctest")
>>> token = ring.encrypt("Li Wei")
>>> "Li Wei" in token, ring.decrypt(token)
(False, 'Li Wei')
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from palermo.errors import PalermoError

FORMAT = "f1"


class FieldKeyError(PalermoError):
    """The field-encryption keys are missing, malformed, or cannot decrypt a stored value."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def parse_keys(text: str, *, source: str) -> list[bytes]:
    keys: list[bytes] = []
    for position, raw in enumerate(text.replace("\n", ",").split(","), start=1):
        item = raw.strip()
        if not item:
            continue
        try:
            Fernet(item.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise FieldKeyError(
                f"{source}: key {position} is not a Fernet key "
                "(44 characters of URL-safe base64 encoding 32 bytes)"
            ) from None
        keys.append(item.encode("ascii"))
    if not keys:
        raise FieldKeyError(f"{source}: no key found")
    if len({key_id(k) for k in keys}) != len(keys):
        raise FieldKeyError(f"{source}: the same key is listed twice")
    return keys


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[bytes, ...]

    @classmethod
    def from_text(cls, text: str, *, source: str) -> KeyRing:
        return cls(tuple(parse_keys(text, source=source)))

    @property
    def newest_id(self) -> str:
        return key_id(self.keys[0])

    @property
    def prefix(self) -> str:
        """Every value encrypted with the newest key starts with this."""
        return f"{FORMAT}:{self.newest_id}:"

    def _fernet(self, kid: str) -> Fernet:
        for key in self.keys:
            if key_id(key) == kid:
                return Fernet(key)
        raise FieldKeyError(
            f"a stored value was encrypted with key {kid}, which is not among the configured "
            "keys (keep old keys listed until `palermo keys rotate` has finished)"
        )

    def secret(self, kid: str | None = None) -> tuple[str, bytes]:
        """The id and raw 32 bytes of a key (the newest by default), for deriving file keys."""
        wanted = kid or self.newest_id
        for key in self.keys:
            if key_id(key) == wanted:
                return wanted, base64.urlsafe_b64decode(key)
        raise FieldKeyError(
            f"a stored file was encrypted with key {wanted}, which is not among the configured keys"
        )

    def encrypt(self, plaintext: str) -> str:
        token = Fernet(self.keys[0]).encrypt(plaintext.encode("utf-8")).decode("ascii")
        return self.prefix + token

    def decrypt(self, stored: str) -> str:
        fmt, _, rest = stored.partition(":")
        kid, _, token = rest.partition(":")
        if fmt != FORMAT or not kid or not token:
            raise FieldKeyError("a stored value is not in the encrypted-field format")
        try:
            return self._fernet(kid).decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise FieldKeyError(f"a stored value does not decrypt with key {kid}") from None

    def is_current(self, stored: str) -> bool:
        return stored.startswith(self.prefix)


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def load_key_file(path: Path) -> KeyRing:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker created it a moment ago
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(new_key() + "\n")
    return KeyRing.from_text(path.read_text(encoding="ascii"), source=str(path))


_lock = threading.Lock()
_ring: KeyRing | None = None


def keyring() -> KeyRing:
    """The configured key ring (cached; reset when the settings change in tests)."""
    global _ring  # noqa: PLW0603  (one cached ring per process)
    with _lock:
        if _ring is None:
            from django.conf import settings

            if settings.FIELD_KEYS:
                _ring = KeyRing.from_text(settings.FIELD_KEYS, source="PALERMO_FIELD_KEYS")
            else:
                _ring = load_key_file(Path(settings.FIELD_KEY_FILE))
        return _ring


def reset_keyring(**kwargs: Any) -> None:
    global _ring  # noqa: PLW0603
    with _lock:
        _ring = None
