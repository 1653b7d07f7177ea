"""Signed checkpoints of the audit chain's head, appended to a file outside the database.

``PALERMO_AUDIT_CHECKPOINT_FILE`` (default ``<data dir>/audit-checkpoints``, mode 0600) gets
one line per checkpoint::

    <seq> <hash of entry seq> <kind> <key id> <HMAC of "seq hash kind">

written after every ``PALERMO_AUDIT_CHECKPOINT_EVERY`` entries (once the entry is committed),
by ``palermo audit checkpoint``, and by the migration that introduced keys (kind ``upgrade``:
entries up to that one were written before keys existed; every later entry must be signed).
Deleting the newest entries and recomputing the chain and its head leaves a checkpoint naming
an entry that no longer exists, or a hash that no longer matches: ``palermo audit verify``
fails naming the checkpoint. Point the file at storage the database's administrators cannot
rewrite (another host's mount, an append-only file) for the guarantee to hold against them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from palermo.web.audit.keys import AuditKeyRing, audit_keyring

logger = logging.getLogger("palermo.audit")

HEAD = "head"
UPGRADE = "upgrade"
# ``palermo restore`` put back a backup whose log ends at this entry: earlier checkpoints of
# later entries (written before the restore) no longer apply.
RESTORE = "restore"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    line: int
    seq: int
    hash: str
    kind: str


@dataclass(frozen=True, slots=True)
class CheckpointProblem:
    line: int
    reason: str


def checkpoint_file() -> Path:
    from django.conf import settings

    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _message(seq: int, head: str, kind: str) -> str:
    return f"checkpoint:{seq} {head} {kind}"


def checkpoint_text(ring: AuditKeyRing, seq: int, head: str, kind: str = HEAD) -> str:
    kid, mac = ring.sign(_message(seq, head, kind))
    return f"{seq} {head} {kind} {kid} {mac}\n"


def checkpoint_append(seq: int, head: str, kind: str = HEAD, *, path: Path | None = None) -> None:
    """Append one signed line (created 0600, fsynced)."""
    target = path or checkpoint_file()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = checkpoint_text(audit_keyring(), seq, head, kind)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def checkpoint_after_commit(seq: int, head: str) -> None:
    """The periodic checkpoint, run once the entry is committed; a failure to write is logged
    (the entry stands; the next checkpoint or ``palermo audit checkpoint`` covers it)."""
    try:
        checkpoint_append(seq, head)
    except OSError as exc:
        logger.error("audit checkpoint at entry #%d not written: %s", seq, exc)


def checkpoints_read(
    ring: AuditKeyRing, *, path: Path | None = None
) -> tuple[list[Checkpoint], CheckpointProblem | None]:
    """Every checkpoint line, or the first line that is malformed or not signed by a known
    key (the file was edited)."""
    target = path or checkpoint_file()
    if not target.exists():
        return [], None
    found: list[Checkpoint] = []
    with target.open(encoding="ascii", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            parts = raw.split()
            if not parts:
                continue
            if (
                len(parts) != 5
                or not parts[0].isdigit()
                or parts[2] not in {HEAD, UPGRADE, RESTORE}
            ):
                return found, CheckpointProblem(number, "is not a checkpoint line")
            seq, head, kind, kid, mac = int(parts[0]), parts[1], parts[2], parts[3], parts[4]
            if not ring.knows(kid):
                return found, CheckpointProblem(
                    number, f"is signed with key {kid}, which is not in the audit key file"
                )
            if not ring.verify(kid, _message(seq, head, kind), mac):
                return found, CheckpointProblem(
                    number, "was altered (its signature does not match)"
                )
            found.append(Checkpoint(number, seq, head, kind))
    return found, None
