"""Files kept encrypted at rest while they wait for a background task (uploaded manifests).

A sealed file is written as it streams in and read back the same way, never whole in memory:
AES-256-GCM in 1 MiB segments (``cryptography``), the STREAM construction - each segment's
nonce is its number plus a last-segment flag, the header is authenticated with every segment -
so a reordered, cut or edited file does not decrypt. The file key is derived (HKDF-SHA256,
random salt per file) from the newest field-encryption key; the header names that key's id, so
a file sealed before ``palermo keys rotate`` still opens while the old key is listed.

Files are created 0600 in folders made 0700 (``palermo.lib.files.private_dir``).

>>> import tempfile, pathlib
>>> from palermo.web.lib.crypto import KeyRing, new_key
>>> ring = KeyRing.from_text(new_key(), source="doctest")
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with SealedWriter(folder / "a.sealed", ring) as out:
...     out.write(b"record_id,surname\\nr1,LI\\n")
>>> b"LI" in (folder / "a.sealed").read_bytes()
False
>>> unseal(folder / "a.sealed", folder / "a.csv", ring)
>>> (folder / "a.csv").read_bytes()
b'record_id,surname\\nr1,LI\\n'
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from palermo.errors import PalermoError
from palermo.web.lib.crypto import KeyRing

MAGIC = b"PALERMO-SEALED-1"
SEGMENT = 1024 * 1024
_SALT = 16
_KID = 8
_HEADER = len(MAGIC) + _KID + _SALT
_LENGTH = struct.Struct(">I")


class SealedFileError(PalermoError):
    """A sealed file is not one, was cut short or changed, or its key is not configured."""


def open_private(path: Path) -> int:
    """A new file opened for writing with mode 0600 (never an existing one)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _file_key(secret: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"palermo sealed file"
    ).derive(secret)
    return AESGCM(derived)


def _nonce(counter: int, *, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """Write a sealed file in segments; ``close`` (or leaving the ``with``) writes the last one.

    Leaving the ``with`` by an exception removes the half-written file."""

    def __init__(self, path: Path, ring: KeyRing) -> None:
        self.path = path
        kid, secret = ring.secret()
        salt = os.urandom(_SALT)
        self._header = MAGIC + kid.encode("ascii") + salt
        self._aead = _file_key(secret, salt)
        self._counter = 0
        self._buffer = bytearray()
        self._out = os.fdopen(open_private(path), "wb")
        self._out.write(self._header)
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self._buffer += data
        while len(self._buffer) > SEGMENT:
            self._segment(bytes(self._buffer[:SEGMENT]), last=False)
            del self._buffer[:SEGMENT]

    def _segment(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last=last), plain, self._header)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        self._segment(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # closing flushes, and the disk may be full
            self._out.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.discard()
            return
        try:
            self.close()
        except BaseException:
            self.discard()
            raise


def unseal_chunks(sealed: Path, ring: KeyRing) -> Iterator[bytes]:
    """The plaintext of ``sealed``, segment by segment (at most 1 MiB each), each checked
    before it is given out; ``SealedFileError`` says what was wrong."""
    with sealed.open("rb") as source:
        header = source.read(_HEADER)
        if len(header) != _HEADER or not header.startswith(MAGIC):
            raise SealedFileError(f"{sealed.name}: not a sealed file")
        kid = header[len(MAGIC) : len(MAGIC) + _KID].decode("ascii", "replace")
        _kid, secret = ring.secret(kid)
        aead = _file_key(secret, header[len(MAGIC) + _KID :])
        counter = 0
        while True:
            raw = source.read(_LENGTH.size)
            if len(raw) != _LENGTH.size:
                raise SealedFileError(f"{sealed.name}: cut short (no last segment)")
            (length,) = _LENGTH.unpack(raw)
            data = source.read(length)
            last = not source.peek(1)  # nothing after this segment
            try:
                plain = aead.decrypt(_nonce(counter, last=last), data, header)
            except InvalidTag:
                raise SealedFileError(
                    f"{sealed.name}: segment {counter} does not decrypt (changed or cut)"
                ) from None
            yield plain
            counter += 1
            if last:
                return


def unseal(sealed: Path, target: Path, ring: KeyRing) -> None:
    """Decrypt ``sealed`` into the new file ``target`` (0600), segment by segment; on any
    problem ``target`` is removed and ``SealedFileError`` says what was wrong."""
    fd = open_private(target)
    try:
        with os.fdopen(fd, "wb") as out:
            for plain in unseal_chunks(sealed, ring):
                out.write(plain)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def seal_file(path: Path, data: bytes, ring: KeyRing) -> None:
    """Write ``data`` sealed to the new file ``path``, in place only once whole: it is written
    to a hidden neighbour and renamed, so a reader sees the old file or the new, never half."""
    hidden = path.with_name(f".{path.name}.{os.getpid()}.part")
    hidden.unlink(missing_ok=True)
    with SealedWriter(hidden, ring) as out:
        view = memoryview(data)
        for start in range(0, len(view), SEGMENT):
            out.write(bytes(view[start : start + SEGMENT]))
    hidden.replace(path)


def unseal_bytes(sealed: Path, ring: KeyRing) -> bytes:
    """The whole plaintext of a sealed file (for files meant to be held in memory)."""
    return b"".join(unseal_chunks(sealed, ring))
