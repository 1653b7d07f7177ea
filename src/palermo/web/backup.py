"""``palermo backup`` / ``palermo restore``: the web database, encrypted and verified.

**What is copied.** SQLite: the database file through SQLite's online backup API (a
consistent copy while the server runs; WAL included). PostgreSQL: ``pg_dump --format=custom``
(one consistent snapshot without stopping the server; tables, sequences, triggers such as the
audit log's append-only ones, and indexes come back with ``pg_restore``). A Django-level dump
(``dumpdata``) was not chosen: it loses the triggers, holds every row in memory and takes
minutes where ``pg_dump`` takes seconds.

**Encryption.** AES-256-GCM from ``cryptography`` over 1 MiB chunks (the streaming
construction of Tink and age: a random 8-byte nonce prefix per file, a 4-byte chunk counter,
and a last-chunk flag in the authenticated data, so a reordered, truncated or extended file
fails), with the file's header authenticated by every chunk. The key is 32 random bytes in a
key file (``--key-file``, base64, made with ``--new-key``), or is derived from a passphrase
file (``--passphrase-file``) with scrypt (n=2^15, r=8, p=1, random salt). A check value in the
header tells a wrong key from a damaged file.

**Keys are not in the backup.** The field-encryption keys (``PALERMO_FIELD_KEYS``), the audit
log's HMAC keys and checkpoint file (``PALERMO_AUDIT_KEY_FILE``, ``_CHECKPOINT_FILE``) and the
backup key stay outside it: a stolen backup alone reveals no encrypted field, and a restore
cannot bring in a log signed with another key. The header lists the ids of the field keys
configured when it was made; restore needs them configured. A restored log ends where the
backup did: the checkpoints of later entries no longer apply, so a restore appends a signed
``restore`` checkpoint of the restored head (and an audit entry): ``audit verify`` passes
after a restore, and the checkpoint file shows that one happened.

**Verification.** ``palermo restore`` decrypts the whole file before touching the database
(a wrong key or a damaged file: exit 2, nothing changed), and then checks the restored
database: SQLite's integrity check, ``audit verify`` over the whole chain, and every
encrypted field of every row decrypted with the configured keys. SQLite is restored into a
new file next to the database, verified there, and only then moved into place (the old file
kept as ``*.before-restore``); PostgreSQL is restored into the configured database, which
must hold no Palermo tables unless ``--force``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from palermo.errors import PalermoError

MAGIC = b"PALERMO-BACKUP\n"
FORMAT_VERSION = 1
CHUNK_SIZE = 1 << 20
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 15, 8, 1
_LENGTH = struct.Struct(">I")


class BackupError(PalermoError):
    """A backup cannot be made, read or restored; the message says why (CLI: exit 2)."""


# --- keys -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupSecret:
    """Either a key file's 32 bytes or a passphrase (stretched with scrypt per file)."""

    key: bytes | None = None
    passphrase: bytes | None = None

    @classmethod
    def from_files(cls, *, key_file: Path | None, passphrase_file: Path | None) -> BackupSecret:
        if (key_file is None) == (passphrase_file is None):
            raise BackupError("give exactly one of --key-file and --passphrase-file")
        if key_file is not None:
            return cls(key=read_key_file(key_file))
        assert passphrase_file is not None
        try:
            text = passphrase_file.read_bytes().strip()
        except OSError as exc:
            raise BackupError(f"passphrase file {passphrase_file}: {exc.strerror}") from None
        if len(text) < 12:
            raise BackupError(f"passphrase file {passphrase_file}: at least 12 characters")
        return cls(passphrase=text)

    def file_key(self, kdf: dict[str, Any]) -> bytes:
        if kdf.get("name") == "key":
            if self.key is None:
                raise BackupError("this backup was made with a key file: give --key-file")
            return self.key
        if kdf.get("name") == "scrypt":
            if self.passphrase is None:
                raise BackupError("this backup was made with a passphrase: give --passphrase-file")
            salt = base64.b64decode(kdf["salt"])
            return Scrypt(salt=salt, length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(
                self.passphrase
            )
        raise BackupError(f"unknown key derivation {kdf.get('name')!r}")

    def new_kdf(self) -> dict[str, Any]:
        if self.key is not None:
            return {"name": "key"}
        salt = base64.b64encode(os.urandom(16)).decode("ascii")
        return {"name": "scrypt", "salt": salt, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}


def new_key_file(path: Path) -> None:
    """Write 32 random bytes (base64) to a new file, mode 0600; never overwrite."""
    key = base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"key file {path} exists: not overwritten") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")


def read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"key file {path}: cannot read ({exc})") from None
    try:
        key = base64.urlsafe_b64decode(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise BackupError(f"key file {path}: expected 32 bytes in base64 (make one with --new-key)")
    return key


def _key_check(key: bytes) -> str:
    return hmac.new(key, b"palermo backup key check", hashlib.sha256).hexdigest()[:32]


# --- the file format ------------------------------------------------------------------------


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + counter.to_bytes(4, "big")


def _aad(header: bytes, counter: int, last: bool) -> bytes:
    return header + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_stream(
    source: IO[bytes], target: IO[bytes], *, secret: BackupSecret, meta: dict[str, Any]
) -> int:
    """Write the header and ``source`` encrypted in chunks to ``target``; returns plain bytes."""
    kdf = secret.new_kdf()
    key = secret.file_key(kdf)
    prefix = os.urandom(8)
    header = json.dumps(
        {
            "format": FORMAT_VERSION,
            **meta,
            "kdf": kdf,
            "key_check": _key_check(key),
            "nonce_prefix": base64.b64encode(prefix).decode("ascii"),
            "chunk_size": CHUNK_SIZE,
        },
        sort_keys=True,
    ).encode("utf-8")
    target.write(MAGIC + _LENGTH.pack(len(header)) + header)
    aead = AESGCM(key)
    total, counter = 0, 0
    chunk = source.read(CHUNK_SIZE)
    while True:
        following = source.read(CHUNK_SIZE) if chunk else b""
        last = not following
        sealed = aead.encrypt(_nonce(prefix, counter), chunk, _aad(header, counter, last))
        target.write(_LENGTH.pack(len(sealed)) + sealed)
        total += len(chunk)
        if last:
            return total
        chunk, counter = following, counter + 1


def read_header(source: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("not a Palermo backup (the file does not start with its mark)")
    raw_length = source.read(_LENGTH.size)
    if len(raw_length) != _LENGTH.size:
        raise BackupError("the backup is truncated in its header")
    (length,) = _LENGTH.unpack(raw_length)
    header = source.read(length)
    if len(header) != length or length > 1 << 16:
        raise BackupError("the backup's header is damaged")
    try:
        meta = json.loads(header)
    except ValueError:
        raise BackupError("the backup's header is damaged") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"unknown backup format {meta.get('format') if isinstance(meta, dict) else '?'}"
        )
    return meta, header


def decrypt_stream(source: IO[bytes], target: IO[bytes], *, secret: BackupSecret) -> dict[str, Any]:
    """Check the key, then decrypt every chunk into ``target``; ``BackupError`` naming what is
    wrong (key, damaged chunk, truncation). Returns the header."""
    meta, header = read_header(source)
    key = secret.file_key(meta.get("kdf", {}))
    if not hmac.compare_digest(_key_check(key), str(meta.get("key_check", ""))):
        raise BackupError("wrong key or passphrase for this backup")
    prefix = base64.b64decode(meta["nonce_prefix"])
    aead = AESGCM(key)
    counter = 0
    while True:
        raw_length = source.read(_LENGTH.size)
        if not raw_length:
            raise BackupError(f"the backup is truncated: it ends after chunk {counter}")
        if len(raw_length) != _LENGTH.size:
            raise BackupError(f"the backup is damaged at chunk {counter + 1}")
        (length,) = _LENGTH.unpack(raw_length)
        sealed = source.read(length)
        if len(sealed) != length or length > CHUNK_SIZE + 16:
            raise BackupError(f"the backup is damaged or truncated at chunk {counter + 1}")
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, counter), sealed, _aad(header, counter, last))
            except InvalidTag:
                continue
            break
        else:
            raise BackupError(f"the backup is damaged: chunk {counter + 1} fails its check")
        target.write(plain)
        if last:
            if source.read(1):
                raise BackupError("the backup has data after its last chunk")
            return meta
        counter += 1


# --- making a backup ------------------------------------------------------------------------


@dataclass
class BackupSummary:
    engine: str
    plain_bytes: int
    file_bytes: int
    meta: dict[str, Any] = field(default_factory=dict)


def _database() -> dict[str, Any]:
    from django.db import connections

    settings_dict: dict[str, Any] = connections["default"].settings_dict
    return settings_dict


def _engine(settings_dict: dict[str, Any]) -> str:
    engine = str(settings_dict["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"cannot back up a {engine} database")


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    for option, value in (settings_dict.get("OPTIONS") or {}).items():
        if option == "sslmode":
            env["PGSSLMODE"] = str(value)
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _field_key_ids() -> list[str]:
    from palermo.web.lib.crypto import key_id, keyring

    return [key_id(key) for key in keyring().keys]


def _atomic_output(out: Path) -> tuple[int, str]:
    out.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)


def backup_create(*, out: Path, secret: BackupSecret) -> BackupSummary:
    """Write an encrypted backup of the configured database to ``out`` (atomically, 0600)."""
    settings_dict = _database()
    engine = _engine(settings_dict)
    meta = {
        "engine": engine,
        "created": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "field_key_ids": _field_key_ids(),
    }
    fd, temp_name = _atomic_output(out)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as target:
            if engine == "sqlite":
                plain = _backup_sqlite(settings_dict, target, secret, meta)
            else:
                plain = _backup_postgres(settings_dict, target, secret, meta)
            target.flush()
            os.fsync(target.fileno())
        temp.chmod(0o600)
        temp.replace(out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return BackupSummary(engine=engine, plain_bytes=plain, file_bytes=out.stat().st_size, meta=meta)


def _backup_sqlite(
    settings_dict: dict[str, Any], target: IO[bytes], secret: BackupSecret, meta: dict[str, Any]
) -> int:
    source_path = Path(str(settings_dict["NAME"]))
    if not source_path.exists():
        raise BackupError(f"no database at {source_path} (run `palermo web migrate` first)")
    with tempfile.TemporaryDirectory(prefix="palermo-backup-") as tmp:
        copy_path = Path(tmp) / "copy.sqlite3"
        source = sqlite3.connect(source_path)
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy)  # SQLite's online backup: consistent while others write
        finally:
            copy.close()
            source.close()
        with copy_path.open("rb") as plain:
            return encrypt_stream(plain, target, secret=secret, meta=meta)


def _backup_postgres(
    settings_dict: dict[str, Any], target: IO[bytes], secret: BackupSecret, meta: dict[str, Any]
) -> int:
    command = [
        _pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
        f"--dbname={settings_dict['NAME']}",
    ]  # fmt: skip
    with subprocess.Popen(  # noqa: S603  (fixed arguments, no shell)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_pg_env(settings_dict)
    ) as dump:
        assert dump.stdout is not None
        assert dump.stderr is not None
        plain = encrypt_stream(dump.stdout, target, secret=secret, meta=meta)
        error = dump.stderr.read().decode("utf-8", "replace").strip()
    if dump.returncode != 0:
        raise BackupError(f"pg_dump failed: {error or dump.returncode}")
    return plain


# --- restoring ------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    audit_entries: int = 0
    encrypted_values: int = 0
    problems: list[str] = field(default_factory=list)
    #: watchlist indexes queued for building (their sealed files are not part of a backup)
    index_builds_queued: int = 0


def _audit_head() -> tuple[int, str] | None:
    from palermo.web.audit.models import AuditHead

    head = AuditHead.objects.filter(pk=1).first()
    return None if head is None else (head.seq, head.last_hash)


def restore_verify(*, restoring: bool = False) -> VerifyReport:
    """On the default connection: the audit chain whole (each entry's keyed signature and the
    checkpoints outside the database; ``restoring``: checkpoints of entries written after the
    backup was made are expected), every encrypted field readable."""
    from palermo.web.audit.chain import audit_verify
    from palermo.web.lib.crypto import FieldKeyError
    from palermo.web.lib.rotation import encrypted_models

    report = VerifyReport()
    chain = audit_verify(restoring=_audit_head() if restoring else None)
    report.audit_entries = chain.checked
    if not chain.ok:
        report.problems.append(f"audit log broken at entry #{chain.broken_seq}: {chain.reason}")
    for model, names in encrypted_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        rows = model._base_manager.only("pk", *names).order_by("pk").iterator(chunk_size=500)
        try:
            for row in rows:
                report.encrypted_values += sum(
                    1 for name in names if getattr(row, name) is not None
                )
        except FieldKeyError as exc:
            report.problems.append(f"{label}: {exc}")
    return report


@contextlib.contextmanager
def connected_to(**overrides: Any) -> Iterator[None]:
    """Point Django's default connection at another database for the ``with`` block."""
    from django.db import connections

    connection = connections["default"]
    saved = connection.settings_dict
    connection.close()
    connection.settings_dict = {**saved, **overrides}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict = saved


def _decrypt_to(path: Path, *, backup: Path, secret: BackupSecret) -> dict[str, Any]:
    try:
        source = backup.open("rb")
    except OSError as exc:
        raise BackupError(f"backup {backup}: {exc.strerror}") from None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with source, os.fdopen(fd, "wb") as target:
        return decrypt_stream(source, target, secret=secret)


def _record_restore(meta: dict[str, Any]) -> int:
    """On the restored database: a signed ``restore`` checkpoint of its head (the checkpoints
    of later entries, now gone, stop applying), then an audit entry saying so; then the builds
    of the watchlist indexes the restored versions need and this machine lacks are queued
    (a backup holds the database, not ``DATA_DIR``), so the worker rebuilds them in place
    instead of the first screening building one inside its request. Returns how many."""
    from django.db import transaction

    from palermo.web.audit.checkpoints import RESTORE, checkpoint_append
    from palermo.web.audit.models import AuditAction
    from palermo.web.audit.services import audit_record
    from palermo.web.watchlists.index_files import index_files_sweep

    head = _audit_head()
    if head is not None:
        checkpoint_append(*head, RESTORE)
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_label="command line",
            action=AuditAction.UPDATE,
            purpose="database restored from a backup",
            detail={"backup_created": meta.get("created"), "engine": meta.get("engine")},
        )
    return index_files_sweep()["queued"]


def _refuse_unless_verified(report: VerifyReport) -> None:
    if report.problems:
        raise BackupError("the restored database fails verification: " + "; ".join(report.problems))


def _check_keys(meta: dict[str, Any]) -> None:
    missing = sorted(set(meta.get("field_key_ids", [])) - set(_field_key_ids()))
    if missing:
        raise BackupError(
            "the backup was made with field keys that are not configured: "
            + ", ".join(missing)
            + " (set PALERMO_FIELD_KEYS or its file as it was)"
        )


def backup_restore(
    *, backup: Path, secret: BackupSecret, force: bool = False, target: dict[str, Any] | None = None
) -> VerifyReport:
    """Restore ``backup`` into the configured database (or ``target``: NAME etc. overrides)
    and verify it; ``BackupError`` if anything is wrong, with the database left as it was
    whenever the problem is found before it is replaced."""
    settings_dict = {**_database(), **(target or {})}
    engine = _engine(settings_dict)
    with tempfile.TemporaryDirectory(prefix="palermo-restore-") as tmp:
        if engine == "sqlite":
            return _restore_sqlite(settings_dict, backup, secret, force)
        plain = Path(tmp) / "dump"
        meta = _decrypt_to(plain, backup=backup, secret=secret)
        _same_engine(meta, engine)
        _check_keys(meta)
        report = _restore_postgres(settings_dict, plain, force)
        with connected_to(**settings_dict):
            report.index_builds_queued = _record_restore(meta)
        return report


def _same_engine(meta: dict[str, Any], engine: str) -> None:
    if meta.get("engine") != engine:
        raise BackupError(
            f"this backup holds a {meta.get('engine')} database; the configured one is {engine}"
        )


def _restore_sqlite(
    settings_dict: dict[str, Any], backup: Path, secret: BackupSecret, force: bool
) -> VerifyReport:
    target = Path(str(settings_dict["NAME"]))
    if target.exists() and not force:
        raise BackupError(f"a database exists at {target}: stop the server and add --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.restore.", dir=target.parent)
    os.close(fd)
    fresh = Path(temp_name)
    try:
        meta = _decrypt_to(fresh, backup=backup, secret=secret)
        _same_engine(meta, "sqlite")
        _check_keys(meta)
        with contextlib.closing(sqlite3.connect(fresh)) as check:
            verdict = check.execute("PRAGMA integrity_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise BackupError(f"the restored SQLite file fails its integrity check: {verdict}")
        with connected_to(NAME=fresh):
            report = restore_verify(restoring=True)
        _refuse_unless_verified(report)
        if target.exists():
            target.replace(target.with_name(target.name + ".before-restore"))
        for suffix in ("-wal", "-shm"):  # the old file's log must not be replayed on the new one
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        fresh.replace(target)
    finally:
        fresh.unlink(missing_ok=True)
    with connected_to(NAME=target):
        report.index_builds_queued = _record_restore(meta)
    return report


def _restore_postgres(settings_dict: dict[str, Any], dump: Path, force: bool) -> VerifyReport:
    name = str(settings_dict["NAME"])
    with connected_to(**settings_dict):
        from django.db import connection

        has_tables = "django_migrations" in connection.introspection.table_names()
    if has_tables and not force:
        raise BackupError(f"database {name} already holds Palermo tables: add --force to replace")
    command = [
        _pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
        "--single-transaction", f"--dbname={name}",
        *(["--clean", "--if-exists"] if has_tables else []), str(dump),
    ]  # fmt: skip
    run = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
        command, capture_output=True, text=True, env=_pg_env(settings_dict), check=False
    )
    if run.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing changed): {run.stderr.strip()[-2000:]}")
    with connected_to(**settings_dict):
        report = restore_verify(restoring=True)
    _refuse_unless_verified(report)
    return report
