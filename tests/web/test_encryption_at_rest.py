from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test import TransactionTestCase, override_settings

from palermo.web.accounts.models import Agency
from palermo.web.cases.models import CaseNote, Person
from palermo.web.cases.services import case_open
from palermo.web.lib.crypto import FieldKeyError, KeyRing, keyring, new_key
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase, make_user

NAME = "Zhang Xiuying"
DOCUMENT = "EK7391046"


class TestTheDatabaseFile(TransactionTestCase):
    def test_it_holds_no_name_or_document_number(self) -> None:
        if connection.vendor != "sqlite":
            pytest.skip("reads the SQLite file; the column test covers PostgreSQL")
        agency = Agency.objects.create(name="Post", kind="border_post", code="post")
        actor = make_user("ivy", agency=agency, role=Role.SECOND_LINE_INTERVIEWER)
        case = case_open(
            actor=actor,
            full_name=NAME,
            document_number=DOCUMENT,
            note="met at the gate",
            outcome="possible",
        )
        # in WAL mode the newest pages are in the write-ahead log beside the file: read both
        file = Path(connection.settings_dict["NAME"])
        wal = file.with_name(file.name + "-wal")
        raw = file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        # The control proves the file holds this case: its pseudonymous id is in clear.
        assert case.person.pseudonym.encode() in raw
        assert NAME.encode() not in raw
        assert DOCUMENT.encode() not in raw
        assert b"met at the gate" not in raw


class TestNothingPersonalIsStoredInPlainText(BaseTestCase):
    def test_the_columns_hold_ciphertext_on_every_database(self) -> None:
        self.open_case(full_name=NAME, document_number=DOCUMENT)
        with connection.cursor() as cursor:
            cursor.execute("SELECT full_name, document_number, contact FROM cases_person")
            row = cursor.fetchone()
            cursor.execute("SELECT text FROM cases_casenote")
            notes = cursor.fetchone()[0]
        assert all(value.startswith(keyring().prefix) for value in [*row, notes])
        assert NAME not in "".join(row)
        assert DOCUMENT not in "".join(row)

    def test_the_application_reads_the_values_back(self) -> None:
        case = self.open_case(full_name=NAME, document_number=DOCUMENT)
        person = Person.objects.get(pk=case.person_id)
        assert (person.full_name, person.document_number) == (NAME, DOCUMENT)


class TestKeys(BaseTestCase):
    def test_a_value_written_with_an_old_key_still_reads_after_a_new_key_is_added(self) -> None:
        old, new = new_key(), new_key()
        with override_settings(FIELD_KEYS=old):
            case = self.open_case(full_name=NAME)
        with override_settings(FIELD_KEYS=f"{new},{old}"):
            assert Person.objects.get(pk=case.person_id).full_name == NAME

    def test_a_value_cannot_be_read_once_its_key_is_removed(self) -> None:
        with override_settings(FIELD_KEYS=new_key()):
            case = self.open_case(full_name=NAME)
        with override_settings(FIELD_KEYS=new_key()), pytest.raises(FieldKeyError):
            Person.objects.get(pk=case.person_id)

    def test_rotation_re_encrypts_every_row_with_the_newest_key(self) -> None:
        from palermo.web.lib.rotation import keys_rotate

        old, new = new_key(), new_key()
        with override_settings(FIELD_KEYS=old):
            case = self.open_case(full_name=NAME)
        with override_settings(FIELD_KEYS=f"{new},{old}"):
            report = keys_rotate()
            assert report["cases.Person"] == 1
            assert keys_rotate()["cases.Person"] == 0  # resumable: nothing left to do
        with override_settings(FIELD_KEYS=new):
            assert Person.objects.get(pk=case.person_id).full_name == NAME
            assert CaseNote.objects.get(case=case).text.startswith("Recruited")

    def test_a_malformed_key_is_named(self) -> None:
        with pytest.raises(FieldKeyError, match="key 2 is not a Fernet key"):
            KeyRing.from_text(new_key() + ",not-a-key", source="PALERMO_FIELD_KEYS")
