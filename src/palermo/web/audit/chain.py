"""Verify the audit log: every entry's hash, link and keyed signature, and the signed
checkpoints kept outside the database; report the first entry or checkpoint that is wrong."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.conf import settings

from palermo.web.audit.checkpoints import RESTORE, UPGRADE, Checkpoint, checkpoints_read
from palermo.web.audit.keys import AuditKeyRing, audit_keyring
from palermo.web.audit.models import AuditEntry, AuditHead
from palermo.web.audit.services import (
    GENESIS_HASH,
    chain_hash,
    entry_content,
    entry_mac_message,
)


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _entry_problem(
    entry: AuditEntry, expected_seq: int, expected_prev: str, ring: AuditKeyRing, legacy_until: int
) -> str | None:
    if entry.seq != expected_seq:
        return f"entry #{expected_seq} is missing (next is #{entry.seq})"
    if entry.prev_hash != expected_prev:
        return f"entry #{entry.seq} does not link to entry #{entry.seq - 1}"
    if chain_hash(entry.prev_hash, entry_content(entry)) != entry.hash:
        return f"entry #{entry.seq} was changed after it was written"
    if not entry.key_id:
        if entry.seq <= legacy_until:
            return None
        return (
            f"entry #{entry.seq} carries no keyed signature (removed, or the checkpoint file "
            "that marks entries written before keys existed is missing)"
        )
    if not ring.knows(entry.key_id):
        return f"entry #{entry.seq} is signed with key {entry.key_id}, which is not in the key file"
    if not ring.verify(entry.key_id, entry_mac_message(entry.hash), entry.mac):
        return (
            f"entry #{entry.seq} was changed after it was written "
            "(its keyed signature does not match: the chain was recomputed)"
        )
    return None


@dataclass(frozen=True, slots=True)
class _Walked:
    checked: int
    last_hash: str
    problem: ChainReport | None = None


def _walk(
    ring: AuditKeyRing, by_seq: dict[int, list[Checkpoint]], legacy_until: int, chunk_size: int
) -> _Walked:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        problem = _entry_problem(entry, expected_seq, expected_prev, ring, legacy_until)
        if problem is not None:
            report = ChainReport(checked, min(entry.seq, expected_seq), problem)
            return _Walked(checked, expected_prev, report)
        for checkpoint in by_seq.get(entry.seq, ()):
            if checkpoint.hash != entry.hash:
                reason = (
                    f"entry #{entry.seq} differs from the checkpoint on line {checkpoint.line} "
                    "of the checkpoint file (the log was rewritten)"
                )
                return _Walked(checked, expected_prev, ChainReport(checked, entry.seq, reason))
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    return _Walked(checked, expected_prev)


def _after_restores(checkpoints: list[Checkpoint]) -> list[Checkpoint]:
    """Drop the checkpoints a later ``restore`` line superseded (of entries past its head)."""
    restores = [c for c in checkpoints if c.kind == RESTORE]
    return [c for c in checkpoints if not any(r.line > c.line and c.seq > r.seq for r in restores)]


def audit_verify(
    *, chunk_size: int = 2000, restoring: tuple[int, str] | None = None
) -> ChainReport:
    """Walk the log in order and compare it with the checkpoints. ``restoring``: the head
    (seq, hash) of a restored backup being checked, as if its ``restore`` line were written."""
    ring = audit_keyring()
    checkpoints, bad_line = checkpoints_read(ring)
    if bad_line is not None:
        return ChainReport(
            0, 0, f"the checkpoint file's line {bad_line.line} {bad_line.reason}", len(checkpoints)
        )
    if restoring is not None:
        checkpoints = [*checkpoints, Checkpoint(sys.maxsize, *restoring, RESTORE)]  # last line
    checkpoints = _after_restores(checkpoints)
    legacy_until = max((c.seq for c in checkpoints if c.kind == UPGRADE), default=0)
    by_seq: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        by_seq.setdefault(checkpoint.seq, []).append(checkpoint)
    walked = _walk(ring, by_seq, legacy_until, chunk_size)
    if walked.problem is not None:
        found = walked.problem
        return ChainReport(found.checked, found.broken_seq, found.reason, len(checkpoints))
    checked, last_hash = walked.checked, walked.last_hash
    beyond = [c for c in checkpoints if c.seq > checked]
    if beyond:
        first = min(beyond, key=lambda c: c.line)
        return ChainReport(
            checked,
            checked + 1,
            f"the checkpoint on line {first.line} records entry #{first.seq}, but the log ends "
            f"at entry #{checked}: entries were removed",
            len(checkpoints),
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.last_hash != last_hash):
        return ChainReport(
            checked,
            checked + 1,
            f"the log ends at entry #{checked} but entry #{head.seq} was written",
            len(checkpoints),
        )
    newest = max((c.seq for c in checkpoints), default=0)
    allowed = 2 * settings.AUDIT_CHECKPOINT_EVERY
    if checked - newest > allowed:
        return ChainReport(
            checked,
            newest + 1,
            f"the newest checkpoint is at entry #{newest} but the log has {checked} entries; "
            f"one is written every {settings.AUDIT_CHECKPOINT_EVERY}: the checkpoint file was "
            "removed, replaced by an older copy, or cannot be written",
            len(checkpoints),
        )
    return ChainReport(checked, checkpoints=len(checkpoints))


def audit_checkpoint() -> tuple[int, str]:
    """Write a checkpoint of the current head now (``palermo audit checkpoint``)."""
    from palermo.web.audit.checkpoints import checkpoint_append

    head = AuditHead.objects.filter(pk=1).first()
    seq, last = (head.seq, head.last_hash) if head is not None else (0, GENESIS_HASH)
    checkpoint_append(seq, last)
    return seq, last
