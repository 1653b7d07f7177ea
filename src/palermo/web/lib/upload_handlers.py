"""Uploads sealed from their first byte: no plaintext of an upload ever reaches the disk.

Django keeps an upload up to ``FILE_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MiB) in memory and, by
default, writes a larger one in plain text to ``FILE_UPLOAD_TEMP_DIR`` while it parses the
request - before any view runs, so before any service could seal it. A watchlist or a
manifest is exactly the kind of file that is larger. ``SealedUploadHandler`` takes the place
of Django's ``TemporaryFileUploadHandler`` (``FILE_UPLOAD_HANDLERS`` in settings): each chunk
is encrypted as it arrives (``lib/sealed.py``: AES-256-GCM from the field key ring, 1 MiB
segments) into ``FILE_UPLOAD_TEMP_DIR`` (0700, files 0600), and the view gets a
``SealedUploadedFile`` whose ``chunks()`` decrypt segment by segment. The file is deleted when
the request ends (Django closes every uploaded file), and one left by a killed process is
removed by the worker's housekeeping (``incoming_sweep``).

Bounded: a file is refused (``StopUpload``, the connection reset) as soon as it passes the
largest body its view accepts (``lib/uploads.limit_of``), whatever the request claimed.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from palermo.lib.files import private_dir
from palermo.web.lib.crypto import keyring
from palermo.web.lib.sealed import SealedWriter, unseal_chunks
from palermo.web.lib.uploads import limit_of

SUFFIX = ".upload.sealed"
#: a sealed upload older than this belongs to no request any more
ORPHAN_SECONDS = 3600


def incoming_dir() -> Path:
    return private_dir(Path(settings.FILE_UPLOAD_TEMP_DIR))


class SealedUploadedFile(UploadedFile):
    """An upload kept sealed on disk; read through ``chunks()`` (or ``read()``)."""

    def __init__(  # noqa: PLR0917 - UploadedFile's own positional signature, plus the path
        self,
        path: Path,
        name: str,
        content_type: str | None,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(None, name, content_type, size, charset, content_type_extra)
        self.sealed_path = path

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The plaintext, one sealed segment (at most 1 MiB) at a time."""
        yield from unseal_chunks(self.sealed_path, keyring())

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return True

    def read(self, *_args: Any) -> bytes:
        return b"".join(self.chunks())

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks():
            yield from chunk.splitlines(keepends=True)

    def open(self, *_args: Any, **_kwargs: Any) -> SealedUploadedFile:
        return self

    def close(self) -> None:
        self.sealed_path.unlink(missing_ok=True)

    @property
    def closed(self) -> bool:
        return not self.sealed_path.exists()


class SealedUploadHandler(FileUploadHandler):
    """Seal every file the memory handler before it did not keep (see the module's text)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self._writer: SealedWriter | None = None
        self._limit = 0

    def _view_limit(self) -> int:
        match = getattr(self.request, "resolver_match", None)
        if match is None:
            return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return limit_of(match.func)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._limit = self._view_limit()
        path = incoming_dir() / f"{uuid.uuid4().hex}{SUFFIX}"
        self._writer = SealedWriter(path, keyring())

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        writer = self._writer
        assert writer is not None
        if writer.size + len(raw_data) > self._limit:
            writer.discard()
            self._writer = None
            raise StopUpload(connection_reset=True)
        writer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> SealedUploadedFile | None:
        writer = self._writer
        if writer is None:
            return None
        self._writer = None
        try:
            writer.close()
        except BaseException:
            writer.discard()
            raise
        return SealedUploadedFile(
            writer.path,
            self.file_name or "upload",
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )

    def upload_interrupted(self) -> None:
        if self._writer is not None:
            self._writer.discard()
            self._writer = None


def incoming_sweep() -> int:
    """Remove sealed uploads left by requests that never ended (a killed process)."""
    folder = incoming_dir()
    cutoff = time.time() - ORPHAN_SECONDS
    removed = 0
    for path in folder.glob(f"*{SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
