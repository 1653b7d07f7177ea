"""An audit log that cannot be rewritten quietly (issue 14, weakness 8): entries signed with
a key kept outside the database, signed checkpoints of the head outside the database, so a
recomputed chain - an entry edited, the newest five deleted, hashes and head recomputed -
fails `palermo audit verify` naming the first bad entry or checkpoint."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.web.audit.chain import audit_checkpoint, audit_verify
from palermo.web.audit.checkpoints import UPGRADE, checkpoint_append
from palermo.web.audit.keys import audit_key_file, audit_key_rotate, audit_keyring
from palermo.web.audit.models import AuditAction, AuditEntry, AuditHead
from palermo.web.audit.services import audit_record, chain_hash, entry_content
from palermo.web.audit.triggers import append_only_lifted
from palermo.web.lib.crypto import keyring
from palermo.web.lib.rotation import keys_rotate
from palermo.web.testsupport import BaseTestCase

runner = CliRunner()


def _write(n: int, actor: object) -> None:
    for number in range(n):
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            object_type="cases.case",
            object_id=str(number),
            fields=["full_name"],
            purpose="case work",
        )


def _recompute_from(seq: int) -> None:
    """The attack: rewrite the chain from ``seq`` on (hashes, links and head) as someone with
    the database but not the key file could."""
    with append_only_lifted(connection), connection.cursor() as cursor:
        prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
        for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
            entry.prev_hash = prev
            entry.hash = chain_hash(prev, entry_content(entry))
            cursor.execute(
                "UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE seq = %s",
                [entry.prev_hash, entry.hash, entry.seq],
            )
            prev = entry.hash
        last = AuditEntry.objects.order_by("-seq").first()
        assert last is not None
        AuditHead.objects.filter(pk=1).update(seq=last.seq, last_hash=last.hash)


def _raw(sql: str, params: list[object]) -> None:
    with append_only_lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


class TestARecomputedChainIsCaught(BaseTestCase):
    def setUp(self) -> None:
        _write(12, self.caseworker)

    def test_every_entry_carries_the_id_of_the_key_that_signed_it(self) -> None:
        kid = audit_keyring().newest_id
        assert set(AuditEntry.objects.values_list("key_id", flat=True)) == {kid}
        assert audit_verify().ok

    def test_an_edited_entry_with_recomputed_hashes_and_head_fails_at_that_entry(self) -> None:
        _raw("UPDATE audit_auditentry SET purpose = %s WHERE seq = 4", ["curiosity"])
        _recompute_from(4)
        report = audit_verify()
        assert report.broken_seq == 4
        assert "keyed signature does not match" in report.reason

    def test_deleting_the_newest_five_and_recomputing_the_head_fails_at_the_checkpoint(
        self,
    ) -> None:
        audit_checkpoint()  # e.g. the periodic one, or `palermo audit checkpoint` from cron
        _raw("DELETE FROM audit_auditentry WHERE seq > %s", [7])
        _recompute_from(7)
        report = audit_verify()
        assert not report.ok
        assert report.broken_seq == 8
        assert "records entry #12" in report.reason
        assert "entries were removed" in report.reason
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 2
        assert "entries were removed" in result.output

    def test_rewriting_history_covered_by_a_checkpoint_fails_there(self) -> None:
        audit_checkpoint()
        # rewrite every entry without any signature, as if written before keys existed
        _raw("UPDATE audit_auditentry SET purpose = %s, key_id = '', mac = ''", ["x"])
        _recompute_from(1)
        report = audit_verify()
        assert report.broken_seq == 1
        assert "no keyed signature" in report.reason

    def test_an_edited_checkpoint_line_is_named(self) -> None:
        audit_checkpoint()
        path = Path(settings.AUDIT_CHECKPOINT_FILE)
        seq, _head, rest = path.read_text().split(" ", 2)
        path.write_text(f"{seq} {'f' * 64} {rest}")
        report = audit_verify()
        assert report.broken_seq == 0
        assert "line 1 was altered" in report.reason
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 2
        assert "checkpoints broken" in result.output

    def test_a_removed_checkpoint_file_is_noticed_once_the_log_outgrows_it(self) -> None:
        with override_settings(AUDIT_CHECKPOINT_EVERY=5):
            report = audit_verify()
        assert not report.ok
        assert "checkpoint file was removed" in report.reason


class TestCheckpointsAndKeys(BaseTestCase):
    @override_settings(AUDIT_CHECKPOINT_EVERY=3)
    def test_a_checkpoint_is_written_every_n_entries_once_committed(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            _write(7, self.caseworker)
        lines = Path(settings.AUDIT_CHECKPOINT_FILE).read_text().splitlines()
        assert [line.split()[0] for line in lines] == ["3", "6"]
        assert audit_verify().checkpoints == 2

    def test_a_rolled_back_entry_leaves_no_checkpoint(self) -> None:
        with (
            override_settings(AUDIT_CHECKPOINT_EVERY=1),
            self.captureOnCommitCallbacks(execute=True),
        ):
            try:
                with transaction.atomic():
                    _write(1, self.caseworker)
                    raise RuntimeError("the change fails")
            except RuntimeError:
                pass
        assert not Path(settings.AUDIT_CHECKPOINT_FILE).exists()

    def test_the_key_file_and_the_checkpoint_file_are_private(self) -> None:
        _write(1, self.caseworker)
        audit_checkpoint()
        for path in (audit_key_file(), Path(settings.AUDIT_CHECKPOINT_FILE)):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    def test_entries_written_before_keys_are_accepted_up_to_the_upgrade_mark(self) -> None:
        _write(3, self.caseworker)
        _raw("UPDATE audit_auditentry SET key_id = '', mac = '' WHERE seq <= 2", [])
        assert audit_verify().broken_seq == 1
        checkpoint_append(2, AuditEntry.objects.get(seq=2).hash, UPGRADE)
        assert audit_verify().ok

    def test_rotation_signs_new_entries_with_a_new_key_and_old_ones_still_verify(self) -> None:
        _write(2, self.caseworker)
        old = audit_keyring().newest_id
        new = audit_key_rotate()
        assert new != old
        assert audit_keyring().ids[:2] == [new, old]
        _write(1, self.caseworker)
        assert AuditEntry.objects.order_by("-seq").first().key_id == new  # type: ignore[union-attr]
        assert audit_verify().ok


class TestKeyRotationIsAuditedInsideEachTable(BaseTestCase):
    def test_each_tables_entry_is_written_in_that_tables_transaction(self) -> None:
        self.open_case()
        seen: list[tuple[str, bool]] = []

        def on_table(label: str, rows: int) -> None:
            seen.append((label, connection.in_atomic_block))
            audit_record(
                actor=None,
                actor_label="test",
                action=AuditAction.KEY_ROTATION,
                object_type=label,
                detail={"rows": rows},
            )

        keys_rotate(on_table=on_table)
        assert ("cases.Person", True) in seen
        assert AuditEntry.objects.filter(
            action=AuditAction.KEY_ROTATION, object_type="cases.Person"
        ).exists()

    def test_a_failed_audit_write_rolls_that_tables_re_encryption_back(self) -> None:
        self.open_case()
        from palermo.web.cases.models import Person
        from palermo.web.lib.crypto import KeyRing, new_key, reset_keyring
        from palermo.web.lib.rotation import stale_count

        old = ",".join(k.decode() for k in keyring().keys)
        with override_settings(FIELD_KEYS=new_key() + "," + old):
            reset_keyring()
            try:

                def refuse(label: str, rows: int) -> None:
                    if label == "cases.Person":
                        raise OSError("audit store unavailable")

                with pytest.raises(OSError, match="audit store unavailable"):
                    keys_rotate(on_table=refuse)
                assert stale_count(Person, ["full_name", "document_number", "contact"]) == 1
                assert isinstance(keyring(), KeyRing)
            finally:
                reset_keyring()

    def test_palermo_keys_rotate_audits_each_table_and_rotates_the_audit_key(self) -> None:
        self.open_case()
        old = audit_keyring().newest_id
        result = runner.invoke(app, ["keys", "rotate"])
        assert result.exit_code == 0, result.output
        labels = set(
            AuditEntry.objects.filter(action=AuditAction.KEY_ROTATION).values_list(
                "object_type", flat=True
            )
        )
        assert {"cases.Person", "audit.key"} <= labels
        assert audit_keyring().newest_id != old
        assert AuditEntry.objects.order_by("-seq").first().key_id != old  # type: ignore[union-attr]
        assert audit_verify().ok
