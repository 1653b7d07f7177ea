"""``palermo backup`` / ``palermo restore`` on the database the tests run on (SQLite or
PostgreSQL): the file is encrypted, a restore passes ``audit verify`` and reads every encrypted
field, and a wrong key or a damaged file is refused with exit status 2 and nothing changed."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.web.accounts.models import Agency
from palermo.web.audit.models import AuditEntry
from palermo.web.backup import (
    BackupSecret,
    backup_create,
    backup_restore,
    connected_to,
    new_key_file,
    restore_verify,
)
from palermo.web.cases.models import Case, Person
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.testsupport import make_user

NAME = "Zhang Xiuying"


class BackupTestCase(TransactionTestCase):
    """Committed rows (pg_dump and SQLite's backup see only what is committed)."""

    def setUp(self) -> None:
        from palermo.web.cases.services import case_open

        self.tmp = Path(tempfile.mkdtemp(prefix="palermo-backup-test-"))
        agency = Agency.objects.create(name="North", kind=AgencyKind.BORDER_POST, code="north")
        self.agency = agency
        interviewer = make_user("ivy-interviewer", agency=agency, role=Role.SECOND_LINE_INTERVIEWER)
        for number in range(3):
            case_open(
                actor=interviewer,
                full_name=f"{NAME} {number}",
                document_number=f"E{number:08d}",
                contact="+86 138 0000 0000",
                note="Recruited online; passport kept by the employer.",
                outcome="presumed",
                interview_ref=f"interview-{number}",
            )
        self.key_file = self.tmp / "backup.key"
        new_key_file(self.key_file)
        self.secret = BackupSecret.from_files(key_file=self.key_file, passphrase_file=None)
        self.backup = self.tmp / "palermo.backup"

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, [str(a) for a in args])
        return result.exit_code, result.output

    @contextmanager
    def fresh_database(self) -> Iterator[dict[str, object]]:
        """Connection overrides naming an empty database of the same kind."""
        if connection.vendor == "sqlite":
            yield {"NAME": self.tmp / "restored.sqlite3"}
            return
        name = f"palermo_restore_{uuid.uuid4().hex[:10]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            yield {"NAME": name}
        finally:
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class TestBackupAndRestore(BackupTestCase):
    def test_a_restored_database_passes_audit_verify_and_reads_every_encrypted_field(
        self,
    ) -> None:
        entries = AuditEntry.objects.count()
        summary = backup_create(out=self.backup, secret=self.secret)
        assert summary.engine == ("sqlite" if connection.vendor == "sqlite" else "postgresql")
        with self.fresh_database() as target:
            report = backup_restore(backup=self.backup, secret=self.secret, target=target)
            assert report.problems == []
            assert report.audit_entries == entries
            with connected_to(**target):
                names = sorted(person.full_name for person in Person.objects.all())
                again = restore_verify()
        assert names == [f"{NAME} {n}" for n in range(3)]
        assert again.problems == []
        assert again.encrypted_values >= 3 * 4  # name, document, contact, notes per case

    def test_an_older_backup_restores_past_later_checkpoints_and_says_so(self) -> None:
        from django.test import override_settings

        from palermo.web.audit.chain import audit_checkpoint, audit_verify
        from palermo.web.audit.services import audit_record

        backup_create(out=self.backup, secret=self.secret)
        with override_settings(AUDIT_CHECKPOINT_EVERY=1000):
            for _ in range(3):
                audit_record(actor=None, actor_label="test", action="read", purpose="later")
            audit_checkpoint()  # a checkpoint of entries the backup does not hold
        with self.fresh_database() as target:
            assert (
                backup_restore(backup=self.backup, secret=self.secret, target=target).problems == []
            )
            with connected_to(**target):
                assert audit_verify().ok
                assert AuditEntry.objects.filter(purpose="database restored from a backup").exists()
        lines = settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()
        assert lines[-1].split()[2] == "restore"

    def test_a_restore_on_a_machine_without_the_watchlist_indexes_queues_their_rebuild(
        self,
    ) -> None:
        """The sealed index files live in DATA_DIR, not in the backup: after a restore on a new
        machine the worker rebuilds them, instead of the first screening doing it in its
        request."""
        from django.test import override_settings
        from watchlist_fixtures import active_watchlist

        from palermo.web.jobs.worker import run_ready_tasks
        from palermo.web.watchlists import index_files
        from palermo.web.watchlists.models import WatchlistVersion

        class World:
            supervisor = make_user("sam-supervisor", agency=self.agency, role=Role.SUPERVISOR)

            def user_with_role(self, role: Role) -> object:
                return make_user(f"{role.value}-backup", agency=agency, role=role)

        agency = self.agency
        version = active_watchlist(World())
        backup_create(out=self.backup, secret=self.secret)
        with (
            override_settings(DATA_DIR=self.tmp / "new-machine"),
            self.fresh_database() as target,
        ):
            report = backup_restore(backup=self.backup, secret=self.secret, target=target)
            assert report.problems == []
            assert report.index_builds_queued == 1
            with connected_to(**target):
                assert run_ready_tasks() >= 1
                restored = WatchlistVersion.objects.get(pk=version.pk)
                assert (index_files.index_dir() / restored.index_file).is_file()

    def test_the_backup_file_shows_no_personal_data_and_is_private(self) -> None:
        backup_create(out=self.backup, secret=self.secret)
        data = self.backup.read_bytes()
        assert data.startswith(b"PALERMO-BACKUP\n")
        # long enough not to turn up by chance in megabytes of ciphertext (three bytes did)
        for plain in (
            b"SQLite format 3",
            b"PGDMP",
            b"ivy-interviewer",
            b"interview-1",
            NAME.encode(),
        ):
            assert plain not in data
        assert self.backup.stat().st_mode & 0o777 == 0o600

    def test_a_passphrase_file_works_instead_of_a_key_file(self) -> None:
        passphrase = self.tmp / "passphrase"
        passphrase.write_text("correct horse battery staple\n")
        secret = BackupSecret.from_files(key_file=None, passphrase_file=passphrase)
        backup_create(out=self.backup, secret=secret)
        with self.fresh_database() as target:
            assert backup_restore(backup=self.backup, secret=secret, target=target).problems == []

    def test_the_commands_back_up_and_refuse_to_restore_over_a_live_database(self) -> None:
        code, output = self.cli("backup", self.backup, "--key-file", self.key_file)
        assert code == 0, output
        assert "backed up" in output
        code, output = self.cli("restore", self.backup, "--key-file", self.key_file)
        assert code == 2
        assert "--force" in output


class TestRefusals(BackupTestCase):
    def setUp(self) -> None:
        super().setUp()
        backup_create(out=self.backup, secret=self.secret)
        self.cases = Case.objects.count()

    def restore(self, *extra: str) -> tuple[int, str]:
        return self.cli("restore", self.backup, "--force", *extra)

    def assert_nothing_changed(self) -> None:
        assert Case.objects.count() == self.cases
        assert restore_verify().problems == []

    def test_a_wrong_key_gets_exit_2_and_the_database_is_untouched(self) -> None:
        other = self.tmp / "other.key"
        new_key_file(other)
        code, output = self.restore("--key-file", str(other))
        assert code == 2
        assert "wrong key or passphrase" in output
        self.assert_nothing_changed()

    def test_a_passphrase_for_a_key_file_backup_is_refused_by_name(self) -> None:
        passphrase = self.tmp / "passphrase"
        passphrase.write_text("correct horse battery staple")
        code, output = self.restore("--passphrase-file", str(passphrase))
        assert code == 2
        assert "made with a key file" in output

    def test_a_damaged_byte_gets_exit_2_naming_the_chunk(self) -> None:
        data = bytearray(self.backup.read_bytes())
        data[-40] ^= 0xFF
        self.backup.write_bytes(bytes(data))
        code, output = self.restore("--key-file", str(self.key_file))
        assert code == 2
        assert "damaged" in output
        assert "chunk" in output
        self.assert_nothing_changed()

    def test_a_truncated_file_gets_exit_2(self) -> None:
        data = self.backup.read_bytes()
        self.backup.write_bytes(data[: len(data) // 2])
        code, output = self.restore("--key-file", str(self.key_file))
        assert code == 2
        assert "truncated" in output or "damaged" in output
        self.assert_nothing_changed()

    def test_a_file_that_is_not_a_backup_gets_exit_2(self) -> None:
        self.backup.write_bytes(os.urandom(4096))
        code, output = self.restore("--key-file", str(self.key_file))
        assert code == 2
        assert "not a Palermo backup" in output
