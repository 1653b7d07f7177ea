"""Verify the audit chain: recompute every hash and check that nothing is missing."""

from __future__ import annotations

from dataclasses import dataclass

from palermo.web.audit.models import AuditEntry, AuditHead
from palermo.web.audit.services import GENESIS_HASH, chain_hash, entry_content


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the log in order; report the first entry whose content, link or place is wrong."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return ChainReport(
                checked, expected_seq, f"entry #{expected_seq} is missing (next is #{entry.seq})"
            )
        if entry.prev_hash != expected_prev:
            return ChainReport(
                checked, entry.seq, f"entry #{entry.seq} does not link to entry #{entry.seq - 1}"
            )
        if chain_hash(entry.prev_hash, entry_content(entry)) != entry.hash:
            return ChainReport(
                checked, entry.seq, f"entry #{entry.seq} was changed after it was written"
            )
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.last_hash != expected_prev):
        return ChainReport(
            checked,
            checked + 1,
            f"the log ends at entry #{checked} but entry #{head.seq} was written",
        )
    return ChainReport(checked)
